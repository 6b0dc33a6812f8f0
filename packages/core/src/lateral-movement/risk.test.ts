import { describe, expect, it } from 'vitest';
import { INTERNET } from './attack-graph.js';
import { riskReport } from './risk.js';
import { compile } from '../engine/compile.js';
import { buildAttackGraph } from './attack-graph.js';
import { chain, denyAll, ns, pod, tcp } from '../testing/attack-clusters.js';
import type { Cluster, NetworkPolicy, TierPolicy } from '../model/model.js';

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

describe('risk: the change a person would make for each destination', () => {
  // internet -> web (LoadBalancer) -> db; web's egress allows db; db's ingress is decided by the
  // Admin tier or NetworkPolicy as each case sets.
  const base = (policies: NetworkPolicy[], tierPolicies: TierPolicy[]): Cluster => ({
    namespaces: [ns('app'), ns('ops')],
    pods: [pod('app', 'web', { app: 'web' }, [tcp(8080)]), pod('app', 'db', { app: 'db' }, [tcp(5432)]), pod('ops', 'probe', { app: 'probe' }, [tcp(80)])],
    workloads: [],
    services: [{ namespace: 'app', name: 'web', type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] }],
    policies: [
      denyAll('app'),
      { namespace: 'app', name: 'web-public', podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 8080 }] }] },
      { namespace: 'app', name: 'web-out', podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }] },
      ...policies,
    ],
    tierPolicies,
  });
  const accept: TierPolicy = {
    kind: 'ClusterNetworkPolicy',
    name: 'web-to-db',
    tier: 'Admin',
    priority: 5,
    subject: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'app' } }, podSelector: { matchLabels: { app: 'db' } } },
    ingress: [{ name: 'accept-web', action: 'Allow', peers: [{ kind: 'pods', namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } }] }],
    egress: [],
  };
  const elsewhere: TierPolicy = { ...accept, name: 'ops-baseline', tier: 'Baseline', priority: 0, subject: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }, ingress: [] };
  const dbFromWeb = (name: string): NetworkPolicy => ({ namespace: 'app', name, podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 5432 }] }] });
  const risk = (c: Cluster) => riskReport(buildAttackGraph(compile(c)), { crownJewels: ['app/db'] });

  it('an Admin-tier Accept admits the move: only a ClusterNetworkPolicy before it closes it', () => {
    const r = risk(base([], [accept]));
    expect(r.chokePoints.cut).toEqual([{ from: 'app/web', to: 'app/db' }]);
    const [rm] = r.chokePoints.removals;
    expect(rm).toMatchObject({ change: 'ClusterNetworkPolicy', verified: true, sources: ['app/web'] });
    expect(rm!.why).toBe('no NetworkPolicy change closes it: cnp/web-to-db ingress rule "accept-web" accepts app/web -> app/db in the Admin tier, before any NetworkPolicy');
    // Before the Accept (priority 5), denying the web pods into the db pods.
    expect(rm!.tierPolicies).toEqual([
      {
        kind: 'ClusterNetworkPolicy',
        name: 'lateral-deny-into-app-db',
        tier: 'Admin',
        priority: 4,
        subject: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'app' } }, podSelector: { matchLabels: { app: 'db' } } },
        ingress: [{ name: 'deny-attack-path', action: 'Deny', peers: [{ kind: 'pods', namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'app' } }, podSelector: { matchLabels: { app: 'web' } } }] }],
        egress: [],
      },
    ]);
    expect(r.chokePoints.objectsChanged).toEqual(['ClusterNetworkPolicy lateral-deny-into-app-db']);
  });

  it('one guardrail instead of several namespace edits; the destination\'s own single edit otherwise', () => {
    const two = risk(base([dbFromWeb('db-a'), dbFromWeb('db-b')], [elsewhere]));
    expect(two.chokePoints.removals[0]).toMatchObject({ change: 'ClusterNetworkPolicy', verified: true, why: 'one ClusterNetworkPolicy instead of 2 NetworkPolicy edits' });
    const one = risk(base([dbFromWeb('db-a')], [elsewhere]));
    expect(one.chokePoints.removals[0]).toMatchObject({ change: 'NetworkPolicy', verified: true });
    expect(one.chokePoints.removals[0]!.why).toContain('one NetworkPolicy change in app, the destination\'s own');
    // Without tiers in the inputs (a plugin that may not enforce them), NetworkPolicy edits only.
    const plain = risk(base([dbFromWeb('db-a'), dbFromWeb('db-b')], []));
    expect(plain.chokePoints.removals[0]).toMatchObject({ change: 'NetworkPolicy', verified: true });
    expect(plain.chokePoints.removals[0]!.policies.map((p) => p.name)).toEqual(['db-a', 'db-b']);
  });

  it('every cut move into one destination is one change, verified together', () => {
    // Two entry points, each one move from db: the cut is both moves into db, closed by one edit.
    const c = base([dbFromWeb('db-a')], []);
    const two: Cluster = {
      ...c,
      pods: [...c.pods, pod('app', 'admin', { app: 'admin' }, [tcp(8080)])],
      services: [...c.services, { namespace: 'app', name: 'admin', type: 'NodePort', selector: { app: 'admin' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] }],
      policies: [
        ...c.policies,
        { namespace: 'app', name: 'admin-public', podSelector: { matchLabels: { app: 'admin' } }, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] },
        { namespace: 'app', name: 'admin-out', podSelector: { matchLabels: { app: 'admin' } }, policyTypes: ['Egress'], egress: [{}] },
        { namespace: 'app', name: 'db-from-admin', podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'admin' } } }] }] },
      ],
    };
    const r = risk(two);
    expect(r.chokePoints.cut.map((x) => `${x.from} -> ${x.to}`).sort()).toEqual(['app/admin -> app/db', 'app/web -> app/db']);
    expect(r.chokePoints.removals).toHaveLength(1);
    expect(r.chokePoints.removals[0]).toMatchObject({ from: 'app/admin, app/web', to: 'app/db', sources: ['app/admin', 'app/web'], verified: true });
    expect(r.chokePoints.objectsChanged).toEqual(['NetworkPolicy app/db-a', 'NetworkPolicy app/db-from-admin']);
  });
});

describe('risk: an RBAC grant is one change in the cut', () => {
  // Two exposed front ends mount the token of one ServiceAccount, which may exec into every pod
  // of `app`, the crown jewel db included; policy keeps the front ends off db otherwise.
  const grantCluster = (): Cluster => ({
    namespaces: [{ name: 'app', labels: { 'kubernetes.io/metadata.name': 'app', 'pod-security.kubernetes.io/enforce': 'restricted' } }],
    pods: [
      pod('app', 'web', { app: 'web' }, [tcp(8080)], { serviceAccountName: 'front' }),
      pod('app', 'web2', { app: 'web2' }, [tcp(8080)], { serviceAccountName: 'front' }),
      pod('app', 'db', { app: 'db' }, [tcp(5432)], { serviceAccountName: 'db', automountServiceAccountToken: false }),
    ],
    workloads: [],
    services: [
      { namespace: 'app', name: 'web', type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
      { namespace: 'app', name: 'web2', type: 'LoadBalancer', selector: { app: 'web2' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
    ],
    policies: [
      { namespace: 'app', name: 'db-in', podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: [] },
    ],
    serviceAccounts: [{ namespace: 'app', name: 'front' }, { namespace: 'app', name: 'db' }],
    roles: [{ kind: 'Role', namespace: 'app', name: 'debugger', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }] }],
    roleBindings: [{ kind: 'RoleBinding', namespace: 'app', name: 'front-debug', roleRef: { kind: 'Role', name: 'debugger' }, subjects: [{ kind: 'ServiceAccount', name: 'front', namespace: 'app' }] }],
  });

  it('cuts the grant once rather than each workload\'s token, and removes the rule, verified', () => {
    const r = riskReport(buildAttackGraph(compile(grantCluster())), { crownJewels: ['app/db'] });
    // Closing both token uses would be two changes; the exec grant is one.
    expect(r.chokePoints.cut).toHaveLength(1);
    const [cut] = r.chokePoints.cut;
    expect(cut).toMatchObject({ from: 'sa:app/front', grant: 'create pods/exec (rule 1 of Role app/debugger, bound by RoleBinding app/front-debug)' });
    const [rm] = r.chokePoints.removals;
    expect(rm).toMatchObject({ change: 'RBAC', verified: true });
    expect(rm!.changes[0]).toMatch(/^Role app\/debugger: remove rule 1 \(create pods\/exec\), which sa:app\/front holds through RoleBinding app\/front-debug: \d+ moves gone/);
    expect(r.chokePoints.objectsChanged).toEqual(['Role app/debugger']);
  });
  it('a move two grants give is not cut as either: removing one would leave it', () => {
    const c = grantCluster();
    const twice: Cluster = {
      ...c,
      roles: [...c.roles!, { kind: 'ClusterRole', namespace: '', name: 'exec-anywhere', rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }] }],
      roleBindings: [...c.roleBindings!, { kind: 'ClusterRoleBinding', namespace: '', name: 'front-exec', roleRef: { kind: 'ClusterRole', name: 'exec-anywhere' }, subjects: [{ kind: 'ServiceAccount', name: 'front', namespace: 'app' }] }],
    };
    const r = riskReport(buildAttackGraph(compile(twice)), { crownJewels: ['app/db'] });
    expect(r.chokePoints.cut.filter((x) => x.grant !== undefined)).toEqual([]);
    // Each front end's use of the token: two changes, each verified.
    expect(r.chokePoints.cut.map((x) => `${x.from} -> ${x.to}`).sort()).toEqual(['app/web -> sa:app/front', 'app/web2 -> sa:app/front']);
    expect(r.chokePoints.removals.every((x) => x.change === 'token' && x.verified)).toBe(true);
  });
});
