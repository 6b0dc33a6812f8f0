import { describe, expect, it } from 'vitest';
import { crownJewels, matchTargets, parseTargetSelector } from './crown-jewels.js';
import { chain, edges } from '../testing/attack-clusters.js';

describe('crown jewels', () => {
  const { ag } = edges(chain());
  it('matches label selectors, ids and globs', () => {
    expect(matchTargets(ag, 'tier in (data)')).toEqual(['app/db']);
    expect(matchTargets(ag, 'app=db,tier=data')).toEqual(['app/db']);
    expect(matchTargets(ag, 'app!=db')).toEqual(['app/api', 'app/logs', 'app/web']);
    expect(matchTargets(ag, 'app/api')).toEqual(['app/api']);
    expect(matchTargets(ag, '*/l*')).toEqual(['app/logs']);
    expect(matchTargets(ag, 'we?')).toEqual(['app/web']);
    expect(matchTargets(ag, 'app=nothing')).toEqual([]);
    expect(() => parseTargetSelector('app in ()')).toThrow(/cannot read/);
  });
  it('adds workloads annotated lateral.dev/crown-jewel', () => {
    const c = chain();
    const { ag: a2 } = edges({ ...c, pods: c.pods.map((p) => (p.name === 'api' ? { ...p, annotations: { 'lateral.dev/crown-jewel': 'true' } } : p)) });
    expect(crownJewels(a2, ['app=db'])).toEqual({ jewels: ['app/api', 'app/db'], unmatched: [] });
  });
});
