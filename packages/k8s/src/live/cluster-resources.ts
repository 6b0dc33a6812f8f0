/**
 * The API resources Lateral reads from a live cluster: exactly these, with get/list/watch and
 * nothing else (docs/live-clusters.md lists the same set as a ClusterRole). Secrets and
 * ConfigMaps are never requested: nothing in the analysis needs them, and a reader of network
 * policy should not hold credentials.
 */
export interface ClusterResource {
  /** API group, '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** The resource name in URLs and RBAC rules. */
  readonly plural: string;
  /** The kind of its objects: list items come without one, so we set it. */
  readonly kind: string;
  readonly namespaced: boolean;
  /** Served only when a CRD is installed: looked up by discovery, absent without a warning. */
  readonly optional?: boolean;
  /** What the analysis lacks when the resource cannot be read; `{where}` is the scope. */
  readonly missing: string;
}

const WORKLOAD_MISSING = 'pods are grouped by the owners that could be read, and {kind}s without running pods are left out {where}';

export const CLUSTER_RESOURCES: readonly ClusterResource[] = [
  {
    group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false,
    missing: 'namespace labels are unknown, so namespaceSelectors see only kubernetes.io/metadata.name',
  },
  {
    group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true,
    missing: 'the analysis uses workload templates instead of running pods (no pod IPs, nodes or bare pods) {where}',
  },
  {
    group: '', version: 'v1', plural: 'replicationcontrollers', kind: 'ReplicationController', namespaced: true,
    missing: WORKLOAD_MISSING,
  },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true, missing: WORKLOAD_MISSING },
  { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true, missing: WORKLOAD_MISSING },
  { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true, missing: WORKLOAD_MISSING },
  { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true, missing: WORKLOAD_MISSING },
  { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true, missing: WORKLOAD_MISSING },
  { group: 'batch', version: 'v1', plural: 'cronjobs', kind: 'CronJob', namespaced: true, missing: WORKLOAD_MISSING },
  {
    group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true,
    missing: 'exposure through Services (NodePort, LoadBalancer) is unknown {where}',
  },
  {
    group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress', namespaced: true,
    missing: 'exposure through Ingresses is unknown {where}',
  },
  {
    group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false,
    missing: 'node addresses and labels are unknown',
  },
  {
    group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true,
    missing: 'the analysis assumes no policies {where}',
  },
  // Identity moves of the attack graph (docs/lateral-movement.md). Secrets stay unread.
  {
    group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true,
    missing: 'ServiceAccounts are unknown {where}: tokens are taken as mounted unless pods say otherwise',
  },
  {
    group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true,
    missing: 'Roles are unknown {where}: service-account tokens get no moves from them',
  },
  {
    group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true,
    missing: 'RoleBindings are unknown {where}: service-account tokens get no moves from them',
  },
  {
    group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false,
    missing: 'ClusterRoles are unknown: service-account tokens get no moves from them',
  },
  {
    group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false,
    missing: 'ClusterRoleBindings are unknown: service-account tokens get no cluster-wide moves',
  },
  {
    group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true,
    missing: 'the API server\'s endpoint address is unknown {where}: its Service ClusterIP (or --apiserver) stands for it',
  },
  {
    group: 'policy.networking.k8s.io', version: 'v1alpha2', plural: 'clusternetworkpolicies', kind: 'ClusterNetworkPolicy',
    namespaced: false, optional: true,
    missing: 'the analysis assumes no ClusterNetworkPolicies',
  },
  {
    group: 'policy.networking.k8s.io', version: 'v1alpha1', plural: 'adminnetworkpolicies', kind: 'AdminNetworkPolicy',
    namespaced: false, optional: true,
    missing: 'the analysis assumes no AdminNetworkPolicies',
  },
  {
    group: 'policy.networking.k8s.io', version: 'v1alpha1', plural: 'baselineadminnetworkpolicies', kind: 'BaselineAdminNetworkPolicy',
    namespaced: false, optional: true,
    missing: 'the analysis assumes no BaselineAdminNetworkPolicy',
  },
  // Calico's kinds (calico/): policies, the tiers they sit in, and the sets their selectors match.
  ...(
    [
      ['networkpolicies', 'NetworkPolicy', true],
      ['globalnetworkpolicies', 'GlobalNetworkPolicy', false],
      ['tiers', 'Tier', false],
      ['networksets', 'NetworkSet', true],
      ['globalnetworksets', 'GlobalNetworkSet', false],
      ['hostendpoints', 'HostEndpoint', false],
    ] as const
  ).map(
    ([plural, kind, namespaced]): ClusterResource => ({
      group: 'crd.projectcalico.org', version: 'v1', plural, kind, namespaced, optional: true,
      missing: `the analysis assumes no Calico ${kind} objects {where}`,
    }),
  ),
  // Policy kinds Lateral does not evaluate (policy-kinds.ts): read so that answers can say they
  // were not evaluated, instead of not knowing they exist.
  ...(
    [
      ['cilium.io', 'v2', 'ciliumnetworkpolicies', 'CiliumNetworkPolicy', true],
      ['cilium.io', 'v2', 'ciliumclusterwidenetworkpolicies', 'CiliumClusterwideNetworkPolicy', false],
      ['crd.antrea.io', 'v1beta1', 'networkpolicies', 'NetworkPolicy', true],
      ['crd.antrea.io', 'v1beta1', 'clusternetworkpolicies', 'ClusterNetworkPolicy', false],
      ['k8s.ovn.org', 'v1', 'egressfirewalls', 'EgressFirewall', true],
    ] as const
  ).map(
    ([group, version, plural, kind, namespaced]): ClusterResource => ({
      group, version, plural, kind, namespaced, optional: true,
      missing: `the analysis cannot say which answers ${group} ${kind} objects would change {where}`,
    }),
  ),
];

export function apiVersionOf(r: ClusterResource): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** The collection URL, cluster-wide or in one namespace. */
export function resourcePath(r: ClusterResource, namespace?: string): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return namespace !== undefined && r.namespaced ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.plural}` : `${base}/${r.plural}`;
}

/** The warning for a resource that could not be read; `namespaces` when only some were refused. */
export function missingWarning(r: ClusterResource, reason: string, namespaces?: readonly string[]): string {
  const where = namespaces ? 'there' : r.namespaced ? 'in any namespace' : '';
  const scope = namespaces ? ` in ${namespaces.join(', ')}` : '';
  const consequence = r.missing.replace('{where}', where).replace('{kind}', r.kind).replace(/ +$/, '');
  return `cannot list ${r.plural}${scope} (${reason}): ${consequence}`;
}
