import { describe, expect, it } from 'vitest';
import { compile, recompile } from '../engine/compile.js';
import { formatProtoPorts } from '../semantics/port-set.js';
import type { Cluster, NetworkPolicy } from '../model/model.js';
import { allow, chain, ns, pod, tcp } from '../testing/attack-clusters.js';
import { diffReachability, type PairChange } from './reach-diff.js';

/** The chain with one policy list swapped for another, diffed as a what-if would (incrementally). */
function whatIf(before: Cluster, policies: (ps: readonly NetworkPolicy[]) => NetworkPolicy[]) {
  const b = compile(before);
  const after: Cluster = { ...before, policies: policies(before.policies) };
  return { diff: diffReachability(b, recompile(b, after)), full: diffReachability(compile(before), compile(after), { full: true }) };
}

const line = (c: PairChange) => `${c.change} ${c.from} -> ${c.to}: +${formatProtoPorts(c.added) || '-'} -${formatProtoPorts(c.removed) || '-'}`;

describe('the what-if diff', () => {
  it('lists a newly allowed pair with the rules that now allow it', () => {
    const { diff, full } = whatIf(chain(), (ps) => [...ps, ...allow('app', 'web-db', 'db', 'web', 5432)]);
    expect(diff.changes.map(line)).toEqual(['allowed app/web -> app/db: +TCP 5432 --']);
    const c = diff.changes[0]!;
    expect(c).toMatchObject({ fromExternal: false, toExternal: false, sameNamespace: true });
    expect(c.allowedBy!.join(' ')).toMatch(/web-db-out/);
    expect(c.allowedBy!.join(' ')).toMatch(/web-db-in/);
    expect(diff.counts).toEqual({ allowed: 1, denied: 0, changed: 0 });
    // Only what the change can touch was compared, and nothing was missed by it.
    expect(diff.scope).toBe('incremental');
    expect(full.scope).toBe('full');
    expect(diff.comparedPairs).toBeLessThan(full.comparedPairs);
    expect(full.changes.map(line)).toEqual(diff.changes.map(line));
  });

  it('lists a pair no longer allowed with the policies that now deny it', () => {
    const { diff } = whatIf(chain(), (ps) => ps.filter((p) => !p.name.startsWith('api-db')));
    expect(diff.changes.map(line)).toEqual(['denied app/api -> app/db: +- -TCP 5432']);
    const c = diff.changes[0]!;
    expect(c.deniedBy!.join(' ')).toContain('TCP 5432');
    // Both sides deny now: api's egress (isolated by deny and api-logs-out) and db's ingress (deny).
    expect(c.denyingPolicies).toEqual(['app/api-logs-out', 'app/deny']);
    expect(c.deniedBy).toHaveLength(2);
  });

  it('lists changed ports as added and removed', () => {
    const { diff } = whatIf(chain(), (ps) => [...ps.filter((p) => !p.name.startsWith('web-api')), ...allow('app', 'web-api', 'api', 'web', 9001)]);
    expect(diff.changes.map(line)).toEqual(['changed app/web -> app/api: +TCP 9001 -TCP 9000']);
    expect(diff.counts).toEqual({ allowed: 0, denied: 0, changed: 1 });
  });

  it('matches workloads by name across the change, and says which exist on one side only', () => {
    const before = chain();
    const after: Cluster = { ...before, pods: [...before.pods, pod('app', 'cron', { app: 'cron' }, [tcp(80)])] };
    const diff = diffReachability(compile(before), compile(after));
    expect(diff.endpoints.find((e) => e.id === 'app/cron')?.presence).toBe('added');
    expect(diff.endpoints.find((e) => e.id === 'app/db')?.presence).toBe('both');
    // The new workload is isolated by the namespace's deny-all: it adds no connection.
    expect(diff.changes).toEqual([]);
  });

  it('sees a namespace label change through the peers that select it', () => {
    const before: Cluster = {
      ...chain(),
      namespaces: [ns('app'), { name: 'ops', labels: { 'kubernetes.io/metadata.name': 'ops' } }],
      pods: [...chain().pods, pod('ops', 'prom', { app: 'prom' }, [])],
      policies: [
        ...chain().policies,
        { namespace: 'app', name: 'scrape', podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }], ports: [{ port: 9001 }] }] },
      ],
    };
    const relabelled: Cluster = { ...before, namespaces: [ns('app'), { name: 'ops', labels: { 'kubernetes.io/metadata.name': 'ops', team: 'ops' } }] };
    const b = compile(before);
    const diff = diffReachability(b, recompile(b, relabelled));
    expect(diff.changes.map(line)).toEqual(['allowed ops/prom -> app/api: +TCP 9001 --']);
    expect(diff.changes[0]).toMatchObject({ sameNamespace: false });
  });
});
