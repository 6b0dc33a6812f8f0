/**
 * Policy kinds Lateral knows of but does not (yet) evaluate. An object of one of these kinds
 * can allow or deny connections that the answer is about, so it is never skipped quietly: it is
 * kept in the load result with what it applies to, and every answer it could affect says so.
 *
 * One line per kind, keyed by API group and kind: Antrea's `NetworkPolicy` shares its kind name
 * with networking.k8s.io's (and Calico's) and is told apart by its group only. `subject` names how to read
 * which pods the object applies to (see unevaluated-policy.ts). A kind the engine learns to
 * evaluate leaves this table (Cilium's and Calico's have: cilium/, calico/).
 */
export type SubjectShape =
  /** Antrea: spec.appliedTo [{podSelector, namespaceSelector, group, ...}]. */
  | 'antrea'
  /** A Kubernetes label selector at spec.podSelector, in the object's namespace. */
  | 'pod-selector'
  /** Every pod of the object's namespace. */
  | 'namespace';

export interface UnevaluatedKind {
  readonly group: string;
  readonly kind: string;
  readonly clusterScoped: boolean;
  readonly subject: SubjectShape;
}

// prettier-ignore
export const UNEVALUATED_POLICY_KINDS: readonly UnevaluatedKind[] = [
  { group: 'crd.antrea.io', kind: 'NetworkPolicy', clusterScoped: false, subject: 'antrea' },
  { group: 'crd.antrea.io', kind: 'ClusterNetworkPolicy', clusterScoped: true, subject: 'antrea' },
  { group: 'security.antrea.tanzu.vmware.com', kind: 'NetworkPolicy', clusterScoped: false, subject: 'antrea' },
  { group: 'security.antrea.tanzu.vmware.com', kind: 'ClusterNetworkPolicy', clusterScoped: true, subject: 'antrea' },
  { group: 'k8s.ovn.org', kind: 'EgressFirewall', clusterScoped: false, subject: 'namespace' },
  { group: 'network.openshift.io', kind: 'EgressNetworkPolicy', clusterScoped: false, subject: 'namespace' },
  { group: 'k8s.cni.cncf.io', kind: 'MultiNetworkPolicy', clusterScoped: false, subject: 'pod-selector' },
];

const BY_KEY = new Map(UNEVALUATED_POLICY_KINDS.map((k) => [`${k.group}/${k.kind}`, k]));
/** Kind names that occur under more than one group here or in the kinds we evaluate. */
const AMBIGUOUS = new Set(['NetworkPolicy', 'ClusterNetworkPolicy']);

export function unevaluatedKind(group: string, kind: string): UnevaluatedKind | undefined {
  return BY_KEY.get(`${group}/${kind}`);
}

/** How answers name a kind: `EgressFirewall`, or `NetworkPolicy (crd.antrea.io)` where the name alone is ambiguous. */
export function kindDisplay(k: Pick<UnevaluatedKind, 'group' | 'kind'>): string {
  return AMBIGUOUS.has(k.kind) ? `${k.kind} (${k.group})` : k.kind;
}
