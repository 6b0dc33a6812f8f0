import { describe, expect, it } from 'vitest';
import { INTERNET } from './attack-graph.js';
import { proposeConnectionRemoval } from './connection-removal.js';
import { compile } from '../engine/compile.js';
import { buildAttackGraph } from './attack-graph.js';
import { NO_SECURITY_FLAGS, type Cluster, type NetworkPolicy, type PodSecurity } from '../model/model.js';
import { chain, pod } from '../testing/attack-clusters.js';

describe('closing a connection', () => {
  it('proposes a verified policy change and says what else it blocks', () => {
    const c = chain();
    // A second client of db on the same rule: closing api -> db must not close it, and a shared peer would.
    const cluster: Cluster = {
      ...c,
      pods: [...c.pods, pod('app', 'batch', { app: 'batch', role: 'client' }, [])],
      policies: [
        ...c.policies.filter((p) => !p.name.startsWith('api-db')),
        { namespace: 'app', name: 'db-in', podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'batch'] }] } }], ports: [{ port: 5432 }] }] },
        { namespace: 'app', name: 'db-out', podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'batch'] }] }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 5432 }] }] },
      ],
    };
    const ag = buildAttackGraph(compile(cluster));
    expect(ag.graph.hasEdge('app/batch', 'app/db')).toBe(true);
    const rm = proposeConnectionRemoval(ag, 'app/api', 'app/db');
    expect(rm.verified).toBe(true);
    expect(rm.alsoBlocks).toEqual([]);
    expect(rm.policies).toHaveLength(1);
    expect(rm.policies[0]!.name).toBe('db-in');
    // Applying it: api no longer reaches db, batch still does.
    const after = buildAttackGraph(compile({ ...cluster, policies: cluster.policies.map((p) => (p.name === 'db-in' ? rm.policies[0]! : p)) }));
    expect(after.graph.hasEdge('app/api', 'app/db')).toBe(false);
    expect(after.graph.hasEdge('app/batch', 'app/db')).toBe(true);
  });
});
