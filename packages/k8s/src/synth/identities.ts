/**
 * ServiceAccounts and RBAC shaped like a real cluster's, for the identity moves of lateral
 * movement: the ingress controller lists Secrets cluster-wide (as ingress-nginx's chart grants
 * it), the log shipper and CoreDNS read pod metadata; every team namespace binds `edit` to its
 * team's group; about one namespace in four has a backend with its own account that reads the
 * namespace's Secrets, about one in eight a `deployer` account (a CD agent's) bound to `edit`,
 * held by that namespace's first backend. prod namespaces enforce the restricted Pod Security
 * level, the rest carry no label (privileged). No `default/kubernetes` Service: namespaces stay
 * exactly as many as asked, and the API server's address is then unknown (taken as reachable).
 * Pods and templates get serviceAccountName in place, after the fact, so the rest of the
 * cluster is what the main stream drew.
 */
import type { Rng } from './rng.js';
import type { NamespaceSpec, Obj } from './vocabulary.js';

export function addIdentities(out: Obj[], namespaces: readonly NamespaceSpec[], ingressNs: string, logShipper: boolean, rng: Rng): void {
  const rbac = 'rbac.authorization.k8s.io/v1';
  const sa = (namespace: string, name: string): Obj => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  const rule = (apiGroups: string[], resources: string[], verbs: string[]): Obj => ({ apiGroups, resources, verbs });
  const clusterRole = (name: string, rules: Obj[]): Obj => ({ apiVersion: rbac, kind: 'ClusterRole', metadata: { name }, rules });
  const bindTo = (kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, namespace: string | undefined, roleKind: string, role: string, subjects: Obj[]): Obj => ({
    apiVersion: rbac,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
    subjects,
  });
  const saSubject = (namespace: string, name: string): Obj => ({ kind: 'ServiceAccount', name, namespace });
  const RO = ['get', 'list', 'watch'];
  const RW = ['create', 'update', 'patch', 'delete', ...RO];
  out.push(
    clusterRole('view', [rule(['', 'apps', 'batch'], ['pods', 'services', 'configmaps', 'deployments', 'statefulsets', 'jobs'], RO)]),
    clusterRole('edit', [
      rule([''], ['pods', 'pods/exec', 'pods/attach', 'services', 'configmaps', 'secrets', 'serviceaccounts'], RW),
      rule(['apps'], ['deployments', 'statefulsets', 'replicasets'], RW),
      rule(['batch'], ['jobs', 'cronjobs'], RW),
    ]),
    clusterRole('ingress-nginx', [rule([''], ['configmaps', 'endpoints', 'nodes', 'pods', 'secrets', 'namespaces'], ['list', 'watch']), rule(['networking.k8s.io'], ['ingresses', 'ingressclasses'], RO)]),
    clusterRole('system:coredns', [rule([''], ['endpoints', 'services', 'pods', 'namespaces'], ['list', 'watch'])]),
    sa(ingressNs, 'ingress-nginx'),
    bindTo('ClusterRoleBinding', 'ingress-nginx', undefined, 'ClusterRole', 'ingress-nginx', [saSubject(ingressNs, 'ingress-nginx')]),
    sa('kube-system', 'coredns'),
    bindTo('ClusterRoleBinding', 'system:coredns', undefined, 'ClusterRole', 'system:coredns', [saSubject('kube-system', 'coredns')]),
  );
  const holders: { namespace: string; app: string; account: string }[] = [
    { namespace: 'kube-system', app: 'kube-dns', account: 'coredns' },
    { namespace: ingressNs, app: 'ingress-nginx', account: 'ingress-nginx' },
  ];
  if (logShipper) {
    out.push(
      clusterRole('fluent-bit', [rule([''], ['pods', 'namespaces'], RO)]),
      sa('kube-system', 'fluent-bit'),
      bindTo('ClusterRoleBinding', 'fluent-bit', undefined, 'ClusterRole', 'fluent-bit', [saSubject('kube-system', 'fluent-bit')]),
    );
    holders.push({ namespace: 'kube-system', app: 'fluent-bit', account: 'fluent-bit' });
  }
  const nsObjects = new Map(out.filter((o) => o.kind === 'Namespace').map((o) => [(o.metadata as Obj).name as string, o]));
  for (const ns of namespaces) {
    if (ns.env === 'prod') ((nsObjects.get(ns.name)!.metadata as Obj).labels as Record<string, string>)['pod-security.kubernetes.io/enforce'] = 'restricted';
    out.push(
      sa(ns.name, 'default'),
      bindTo('RoleBinding', 'team-edit', ns.name, 'ClusterRole', 'edit', [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `team:${ns.team}` }]),
    );
    const backends = ns.apps.filter((a) => a.tier === 'backend');
    if (backends.length > 0 && rng.chance(0.25)) {
      const app = rng.pick(backends);
      out.push(
        sa(ns.name, app.name),
        { apiVersion: rbac, kind: 'Role', metadata: { name: `${app.name}-secrets`, namespace: ns.name }, rules: [rule([''], ['secrets'], ['get', 'list'])] },
        bindTo('RoleBinding', `${app.name}-secrets`, ns.name, 'Role', `${app.name}-secrets`, [saSubject(ns.name, app.name)]),
      );
      holders.push({ namespace: ns.name, app: app.name, account: app.name });
    }
    if (backends.length > 0 && rng.chance(0.125)) {
      const app = backends[0]!;
      out.push(sa(ns.name, 'deployer'), bindTo('RoleBinding', 'deployer-edit', ns.name, 'ClusterRole', 'edit', [saSubject(ns.name, 'deployer')]));
      if (!holders.some((h) => h.namespace === ns.name && h.app === app.name)) holders.push({ namespace: ns.name, app: app.name, account: 'deployer' });
    }
  }
  // serviceAccountName on the holders' controllers' templates and pods (by their app label).
  const holderOf = new Map(holders.map((h) => [`${h.namespace}/${h.app}`, h.account]));
  for (const o of out) {
    const meta = o.metadata as Obj | undefined;
    const spec = o.spec as Obj | undefined;
    if (!meta || !spec) continue;
    const labels = (o.kind === 'Pod' ? meta.labels : ((spec.template as Obj | undefined)?.metadata as Obj | undefined)?.labels) as Record<string, string> | undefined;
    const app = labels?.app ?? labels?.['k8s-app'] ?? labels?.['app.kubernetes.io/name'];
    const account = app === undefined ? undefined : holderOf.get(`${meta.namespace as string}/${app}`);
    if (!account) continue;
    if (o.kind === 'Pod') spec.serviceAccountName = account;
    else if (spec.template) (spec.template as Obj).spec = { ...((spec.template as Obj).spec as Obj), serviceAccountName: account };
  }
}
