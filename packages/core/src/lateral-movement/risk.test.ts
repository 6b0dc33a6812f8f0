import { describe, expect, it } from 'vitest';
import { INTERNET } from './attack-graph.js';
import { riskReport } from './risk.js';
import { compile } from '../engine/compile.js';
import { buildAttackGraph } from './attack-graph.js';
import { chain, ns, pod, tcp } from '../testing/attack-clusters.js';

describe('risk', () => {
  it('finds the entry point path, the escape, the choke point and the unprotected workload', () => {
    const c = chain();
    const cluster = { ...c, pods: [...c.pods, pod('other', 'open', { app: 'open' }, [tcp(80)])], namespaces: [...c.namespaces, ns('other')] };
    const ag = buildAttackGraph(compile(cluster));
    const r = riskReport(ag, { crownJewels: ['app/db'] });
    expect(r.entryPoints.map((e) => [e.id, e.pathToCrownJewel?.nodes])).toEqual([['app/web', [INTERNET, 'app/web', 'app/api', 'app/db']]]);
    expect(r.escapes.map((e) => [e.id, e.reasons, e.reachableFromInternet])).toEqual([['app/logs', ['privileged'], true]]);
    // Both paths go through web -> api: one connection to close.
    expect(r.chokePoints.cut).toEqual([{ from: 'app/web', to: 'app/api' }]);
    expect(r.chokePoints.removals[0]!.verified).toBe(true);
    expect(r.unprotected).toEqual([{ id: 'other/open', ingressIsolated: false, egressIsolated: false }]);
    expect(r.byBlastRadius[0]).toEqual({ id: 'app/web', count: 3, percent: 75 });
  });
});
