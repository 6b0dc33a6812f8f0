import { describe, expect, it } from 'vitest';
import { ANY_NODE, buildAttackGraph, parseApiServerAddress, parseEdgeCategories, type AttackEdgeAttributes, type WorkloadNodeAttributes } from './attack-graph.js';
import { describePath, kShortestAttackPaths } from './attack-paths.js';
import { blastRadius } from './blast-radius.js';
import { compile } from '../engine/compile.js';
import { CLUSTER_ADMIN, identityGrants } from './identity.js';
import { type Cluster, type Namespace, type Pod, type PolicyRule, type RoleBinding } from '../model/model.js';
import { pod as barePod, tcp } from '../testing/attack-clusters.js';

function pod(ns: string, name: string, extra: Partial<Pod> = {}): Pod {
  return barePod(ns, name, { app: name }, [tcp(8080)], extra);
}
const ns = (name: string, labels: Record<string, string> = {}): Namespace => ({ name, labels: { 'kubernetes.io/metadata.name': name, ...labels } });
const rule = (verbs: string[], resources: string[], apiGroups = ['']): PolicyRule => ({ apiGroups, resources, verbs });
const bindSa = (namespace: string, name: string, role: string, sa: string, cluster = false, clusterRole = cluster): RoleBinding => ({
  kind: cluster ? 'ClusterRoleBinding' : 'RoleBinding',
  namespace: cluster ? '' : namespace,
  name,
  roleRef: { kind: clusterRole ? 'ClusterRole' : 'Role', name: role },
  subjects: [{ kind: 'ServiceAccount', name: sa, namespace }],
});

/** ci/runner (SA runner) and two apps in `shop` (SA default); the API server at 172.18.0.2:6443. */
function cluster(extra: Partial<Cluster> = {}): Cluster {
  return {
    namespaces: [ns('ci'), ns('shop', { 'pod-security.kubernetes.io/enforce': 'restricted' })],
    pods: [pod('ci', 'runner', { serviceAccountName: 'runner' }), pod('shop', 'web'), pod('shop', 'db', { serviceAccountName: 'db' })],
    workloads: [],
    services: [],
    policies: [],
    serviceAccounts: [{ namespace: 'ci', name: 'runner' }],
    apiServer: { addresses: ['172.18.0.2'], port: 6443, via: 'EndpointSlice default/kubernetes' },
    ...extra,
  };
}

function edges(c: Cluster, options = {}): string[] {
  const ag = buildAttackGraph(compile(c), options);
  const out: string[] = [];
  ag.graph.forEachEdge((_k, a: AttackEdgeAttributes, u, v) => out.push(`${u} -> ${v} ${a.kind}`));
  return out.sort();
}

describe('identity edges', () => {
  it('a token that may exec into a namespace reaches its workloads; the pod holds the token only when mounted', () => {
    const c = cluster({
      roles: [{ kind: 'Role', namespace: 'shop', name: 'exec', rules: [rule(['create'], ['pods/exec'])] }],
      roleBindings: [{ ...bindSa('shop', 'runner-exec', 'exec', 'runner'), subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: 'ci' }] }],
    });
    const e = edges(c);
    expect(e).toContain('ci/runner -> sa:ci/runner identity');
    expect(e).toContain('sa:ci/runner -> shop/web identity');
    expect(e).toContain('sa:ci/runner -> shop/db identity');
    // automountServiceAccountToken: false on the ServiceAccount (or the pod) takes the first move away.
    const off = edges({ ...c, serviceAccounts: [{ namespace: 'ci', name: 'runner', automountServiceAccountToken: false }] });
    expect(off).not.toContain('ci/runner -> sa:ci/runner identity');
    const podOn = edges({
      ...c,
      serviceAccounts: [{ namespace: 'ci', name: 'runner', automountServiceAccountToken: false }],
      pods: [pod('ci', 'runner', { serviceAccountName: 'runner', automountServiceAccountToken: true }), pod('shop', 'web')],
    });
    expect(podOn).toContain('ci/runner -> sa:ci/runner identity');
  });

  it('egress that does not allow the API server keeps the token unusable, and says so', () => {
    const c = cluster({
      roles: [{ kind: 'Role', namespace: 'ci', name: 'pods', rules: [rule(['create'], ['pods'])] }],
      roleBindings: [bindSa('ci', 'runner', 'pods', 'runner')],
      policies: [{ namespace: 'ci', name: 'deny-egress', podSelector: {}, policyTypes: ['Egress'] }],
    });
    const ag = buildAttackGraph(compile(c));
    expect(ag.graph.hasEdge('ci/runner', 'sa:ci/runner')).toBe(false);
    const token = (ag.graph.getNodeAttributes('ci/runner') as WorkloadNodeAttributes).token;
    expect(token).toMatchObject({ serviceAccount: 'ci/runner', usable: false });
    expect(token!.because).toContain('its egress policy does not allow the API server (172.18.0.2 TCP 6443');
    // Allowing exactly the API server's address on its port gives the move back, with the rule as evidence.
    const open = buildAttackGraph(
      compile({
        ...c,
        policies: [{ namespace: 'ci', name: 'api', podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '172.18.0.2/32' } }], ports: [{ port: 6443 }] }] }],
      }),
    );
    const [path] = kShortestAttackPaths(open, 'ci/runner', new Set(['sa:ci/runner']), 1);
    expect(describePath(open, path!).hops[0]!.because).toContain('API server 172.18.0.2:6443 allowed by egress rule 0 of ci/api');
    // The wrong port is no better than no rule.
    const wrongPort = buildAttackGraph(
      compile({ ...c, policies: [{ namespace: 'ci', name: 'api', podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '172.18.0.2/32' } }], ports: [{ port: 443 }] }] }] }),
    );
    expect(wrongPort.graph.hasEdge('ci/runner', 'sa:ci/runner')).toBe(false);
  });

  it('starting pods: any ServiceAccount of the namespace, and the node only where Pod Security admits privileged pods', () => {
    const roles = [
      { kind: 'Role' as const, namespace: 'ci', name: 'pods', rules: [rule(['create'], ['pods'])] },
      { kind: 'Role' as const, namespace: 'shop', name: 'deploy', rules: [rule(['patch'], ['deployments'], ['apps'])] },
    ];
    const e = edges(cluster({ roles, roleBindings: [bindSa('ci', 'runner', 'pods', 'runner'), { ...bindSa('shop', 'deploy', 'deploy', 'runner'), subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: 'ci' }] }] }));
    // ci has no Pod Security label (the default level, privileged): a pod it starts takes the node.
    expect(e).toContain(`sa:ci/runner -> ${ANY_NODE} escalation`);
    // shop enforces restricted: patching a Deployment there runs pods as shop's accounts, no node.
    expect(e).toContain('sa:ci/runner -> sa:shop/db identity');
    expect(e).toContain('sa:ci/runner -> sa:shop/default identity');
    const onlyShop = edges(cluster({ roles, roleBindings: [{ ...bindSa('shop', 'deploy', 'deploy', 'runner'), subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: 'ci' }] }] }));
    expect(onlyShop.filter((x) => x.includes('node:'))).toEqual([]);
  });

  it('secrets get/list -> the namespace\'s identities; nodes/proxy -> every pod; bind or a wildcard -> cluster admin', () => {
    const c = cluster({
      roles: [
        { kind: 'ClusterRole', namespace: '', name: 'secrets', rules: [rule(['list'], ['secrets'])] },
        { kind: 'ClusterRole', namespace: '', name: 'kubelet', rules: [rule(['get'], ['nodes/proxy'])] },
        { kind: 'ClusterRole', namespace: '', name: 'star', rules: [rule(['*'], ['*'], ['*'])] },
      ],
      roleBindings: [bindSa('shop', 'secrets', 'secrets', 'db', false, true), { ...bindSa('ci', 'kubelet', 'kubelet', 'runner', true) }, bindSa('shop', 'star', 'star', 'default', true)],
    });
    // A ClusterRole bound by a RoleBinding grants in that namespace only.
    const g = identityGrants(c);
    expect([...g.get('shop/db')!.readSecrets.keys()]).toEqual(['shop']);
    const e = edges(c);
    expect(e).toContain('sa:shop/db -> sa:shop/default identity');
    expect(e.filter((x) => x.startsWith('sa:shop/db -> sa:ci'))).toEqual([]);
    expect(e).toContain('sa:ci/runner -> shop/db identity');
    expect(e).toContain('sa:ci/runner -> shop/web identity');
    // shop/web's default account holds the wildcard ClusterRoleBinding.
    expect(e).toContain(`sa:shop/default -> ${CLUSTER_ADMIN} identity`);
    expect(e).toContain(`${CLUSTER_ADMIN} -> ${ANY_NODE} escalation`);
  });

  it('group subjects and the user form of a ServiceAccount bind too; a binding to a missing role grants nothing', () => {
    const c = cluster({
      roles: [{ kind: 'ClusterRole', namespace: '', name: 'exec', rules: [rule(['create'], ['pods/attach'])] }],
      roleBindings: [
        { kind: 'RoleBinding', namespace: 'shop', name: 'all-ci', roleRef: { kind: 'ClusterRole', name: 'exec' }, subjects: [{ kind: 'Group', name: 'system:serviceaccounts:ci' }] },
        { kind: 'RoleBinding', namespace: 'ci', name: 'user', roleRef: { kind: 'ClusterRole', name: 'exec' }, subjects: [{ kind: 'User', name: 'system:serviceaccount:shop:db' }] },
        { kind: 'RoleBinding', namespace: 'ci', name: 'ghost', roleRef: { kind: 'Role', name: 'missing' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'shop' }] },
      ],
    });
    const e = edges(c);
    expect(e).toContain('sa:ci/runner -> shop/web identity');
    expect(e).toContain('sa:shop/db -> ci/runner identity');
    expect(e.filter((x) => x.startsWith('sa:shop/default'))).toEqual([]);
  });

  it('--edges network draws what policy alone allows; blast labels each move', () => {
    const c = cluster({
      roles: [{ kind: 'Role', namespace: 'ci', name: 'pods', rules: [rule(['create'], ['pods'])] }],
      roleBindings: [bindSa('ci', 'runner', 'pods', 'runner')],
    });
    expect(edges(c, { edges: parseEdgeCategories('network') }).filter((x) => !x.endsWith(' network'))).toEqual([]);
    const b = blastRadius(buildAttackGraph(compile(c)), 'ci/runner');
    const token = b.reached.find((r) => r.id === 'sa:ci/runner')!;
    expect(token).toMatchObject({ hops: 1, kind: 'identity', via: [{ from: 'ci/runner', kind: 'identity', category: 'identity' }] });
    expect(b.reached.find((r) => r.id === ANY_NODE)!.via[0]!.category).toBe('escalation');
    // Its own token, and ci's default account, which a pod it starts may run as.
    expect(b.metrics.identitiesReached).toBe(2);
    expect(() => parseEdgeCategories('network,roles')).toThrow('--edges: "roles" is not one of network, escalation, identity');
    expect(parseApiServerAddress('10.0.0.1:6443')).toMatchObject({ addresses: ['10.0.0.1'], port: 6443 });
    expect(() => parseApiServerAddress('api.example.com')).toThrow('--apiserver "api.example.com"');
  });

  it('without RBAC in the input the graph has no identity nodes', () => {
    const ag = buildAttackGraph(compile(cluster()));
    expect(ag.identities).toEqual([]);
    expect(ag.graph.nodes().filter((n) => n.startsWith('sa:'))).toEqual([]);
  });
});
