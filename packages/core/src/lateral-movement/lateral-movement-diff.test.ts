import { describe, expect, it } from 'vitest';
import { buildAttackGraph } from './attack-graph.js';
import { compile } from '../engine/compile.js';
import { diffLateralMovement } from './lateral-movement-diff.js';
import { type Cluster, type Pod, type Service } from '../model/model.js';
import { pod as barePod, tcp } from '../testing/attack-clusters.js';

function pod(ns: string, name: string, extra: Partial<Pod> = {}): Pod {
  return barePod(ns, name, { app: name }, [tcp(8080)], { node: 'n1', ...extra });
}
const lb = (name: string): Service => ({ namespace: 'app', name, type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] });

/** app/web is public; app/db (on node n2) admits nobody; app/ci (on n1) admits nobody either. */
function base(extra: Partial<Cluster> = {}): Cluster {
  return {
    namespaces: [{ name: 'app', labels: { 'kubernetes.io/metadata.name': 'app' } }],
    pods: [pod('app', 'web'), pod('app', 'ci', { serviceAccountName: 'ci' }), pod('app', 'db', { node: 'n2' })],
    workloads: [],
    services: [lb('web')],
    policies: [
      { namespace: 'app', name: 'deny', podSelector: {}, policyTypes: ['Ingress'] },
      { namespace: 'app', name: 'web', podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] },
    ],
    ...extra,
  };
}
const diff = (before: Cluster, after: Cluster) => diffLateralMovement(buildAttackGraph(compile(before)), buildAttackGraph(compile(after)), ['app/db']).paths;

describe('routes from the entry points to the crown jewels', () => {
  it('a new entry point that reaches the jewel is a route opened; taking it away closes it', () => {
    const before = base({ policies: [...base().policies, { namespace: 'app', name: 'db', podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'ci' } } }] }] }] });
    const after = { ...before, services: [...before.services, lb('ci')], policies: [...before.policies, { namespace: 'app', name: 'ci', podSelector: { matchLabels: { app: 'ci' } }, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] }] };
    expect(diff(before, after)).toEqual([
      { change: 'opened', from: 'internet', entryPoint: 'app/ci', to: 'app/db', hopsBefore: null, hopsAfter: 2, newMoves: [{ from: 'internet', to: 'app/ci' }], path: ['internet', 'app/ci', 'app/db'] },
    ]);
    expect(diff(after, before)).toMatchObject([{ change: 'closed', entryPoint: 'app/ci', hopsBefore: 2, hopsAfter: null, path: ['internet', 'app/ci', 'app/db'] }]);
  });

  it('a RoleBinding is a change too: the route through a token that may start privileged pods on db\'s node', () => {
    const before = base({
      policies: [...base().policies, { namespace: 'app', name: 'ci', podSelector: { matchLabels: { app: 'ci' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] }],
      roles: [{ kind: 'Role', namespace: 'app', name: 'pods', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }] }],
    });
    const after = { ...before, roleBindings: [{ kind: 'RoleBinding' as const, namespace: 'app', name: 'ci', roleRef: { kind: 'Role' as const, name: 'pods' }, subjects: [{ kind: 'ServiceAccount' as const, name: 'ci', namespace: 'app' }] }] };
    const [change] = diff(before, after);
    expect(change).toMatchObject({ change: 'opened', entryPoint: 'app/web', hopsBefore: null, hopsAfter: 5, path: ['internet', 'app/web', 'app/ci', 'sa:app/ci', 'node:n2', 'app/db'] });
    expect(change!.newMoves).toEqual([
      { from: 'app/ci', to: 'sa:app/ci' },
      { from: 'sa:app/ci', to: 'node:n2' },
    ]);
  });
});
