/**
 * The cluster model the engine reasons about: plain readonly data, close to the Kubernetes
 * API shapes so that the semantics (absent vs empty lists, optional protocol, named ports)
 * are decided in core, once, by both evaluators.
 *
 * Adapters (packages/k8s) validate once at the boundary; after that the engine trusts it.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export type Labels = Readonly<Record<string, string>>;

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  /** Required non-empty for In/NotIn, must be empty/absent for Exists/DoesNotExist. */
  readonly values?: readonly string[];
}

/** A Kubernetes LabelSelector. `{}` (no fields) selects everything. */
export interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface Namespace {
  readonly name: string;
  /** Includes `kubernetes.io/metadata.name` (the adapter adds it, as the API server does). */
  readonly labels: Labels;
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
  /** hostPort when set: the port is exposed on the node's address. */
  readonly hostPort?: number;
}

/** Identity of the top-level owner a pod belongs to (Deployment, StatefulSet, ... or the Pod itself). */
export interface WorkloadRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** Security-relevant pod settings, used by lateral-movement analysis (escape to node). */
export interface PodSecurity {
  readonly privileged: boolean;
  readonly hostPID: boolean;
  readonly hostIPC: boolean;
  readonly hostPath: boolean;
  /** Any container adds CAP_SYS_ADMIN (or ALL). */
  readonly sysAdmin: boolean;
}

export const NO_SECURITY_FLAGS: PodSecurity = {
  privileged: false,
  hostPID: false,
  hostIPC: false,
  hostPath: false,
  sysAdmin: false,
};

export interface Pod {
  readonly namespace: string;
  /** Pod name; for a pod that stands for a workload's template, the workload's name. */
  readonly name: string;
  readonly labels: Labels;
  /** Pod IPs (status.podIPs) when known; empty for manifests that were never scheduled. */
  readonly ips: readonly string[];
  /** Container ports of all containers (and init containers), with protocol defaulted to TCP. */
  readonly ports: readonly ContainerPort[];
  readonly node?: string;
  readonly owner: WorkloadRef;
  readonly hostNetwork: boolean;
  readonly security: PodSecurity;
  /**
   * How many identical pods this entry stands for: 1 for a real Pod object, the replica
   * count for a workload template that has no pods in the input.
   */
  readonly replicas: number;
  /** True when this entry is derived from a workload's pod template rather than a Pod object. */
  readonly fromTemplate: boolean;
  /** metadata.annotations of the Pod (or of the template); lateral movement reads crown-jewel marks. */
  readonly annotations?: Labels;
  /** status.hostIP: the address of the node the pod runs on, when the input records it. */
  readonly hostIP?: string;
  /** spec.serviceAccountName (absent: the namespace's `default` ServiceAccount). */
  readonly serviceAccountName?: string;
  /** spec.automountServiceAccountToken as written; absent defers to the ServiceAccount's. */
  readonly automountServiceAccountToken?: boolean;
}

/**
 * A Kubernetes Node. Its addresses matter to policy twice over: node peers of the cluster-wide
 * policy tiers select nodes by label, and traffic from a pod's own node (kubelet probes) is
 * always allowed by NetworkPolicy.
 */
export interface ClusterNode {
  readonly name: string;
  readonly labels: Labels;
  /** status.addresses of type InternalIP and ExternalIP, as written. */
  readonly addresses: readonly string[];
  /** spec.podCIDRs (or spec.podCIDR) when set. */
  readonly podCIDRs?: readonly string[];
}

export interface Workload {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  /** Selector labels of the pod template, when the workload has one. */
  readonly selector?: LabelSelector;
  readonly replicas?: number;
  readonly annotations?: Labels;
}

export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: number | string;
  readonly protocol: Protocol;
  readonly nodePort?: number;
}

export interface Service {
  readonly namespace: string;
  readonly name: string;
  readonly type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  /** Absent selector: the service has manually managed endpoints. */
  readonly selector?: Labels;
  readonly ports: readonly ServicePort[];
}

/** networking.k8s.io/v1 Ingress: which Services it exposes to the outside. */
export interface IngressBackend {
  readonly service: string;
  /** Service port number or name; absent when the manifest names none. */
  readonly port?: number | string;
}

export interface Ingress {
  readonly namespace: string;
  readonly name: string;
  readonly ingressClassName?: string;
  /** Every backend: spec.defaultBackend and every rule path's backend (service backends only). */
  readonly backends: readonly IngressBackend[];
}

export interface NetworkPolicyPort {
  /** Absent means TCP (the API server defaults it). */
  readonly protocol?: Protocol;
  /** Number or IANA_SVC_NAME (a named container port). Absent: every port of the protocol. */
  readonly port?: number | string;
  /** Only with a numeric port: the inclusive end of the range. */
  readonly endPort?: number;
}

export interface IPBlock {
  readonly cidr: string;
  readonly except?: readonly string[];
}

/** Exactly one of: ipBlock, or podSelector and/or namespaceSelector. */
export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: IPBlock;
}

export interface NetworkPolicyIngressRule {
  /** Absent or empty: every source. */
  readonly from?: readonly NetworkPolicyPeer[];
  /** Absent or empty: every port. */
  readonly ports?: readonly NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  /** Absent or empty: every destination. */
  readonly to?: readonly NetworkPolicyPeer[];
  /** Absent or empty: every port. */
  readonly ports?: readonly NetworkPolicyPort[];
}

export type PolicyType = 'Ingress' | 'Egress';

/**
 * networking.k8s.io/v1 NetworkPolicy as written. policyTypes is kept as given (possibly absent)
 * and ingress/egress keep the absent vs empty distinction: the evaluators apply the defaulting
 * rules (Ingress always; Egress when the egress list is non-empty).
 */
export interface NetworkPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly podSelector: LabelSelector;
  readonly policyTypes?: readonly PolicyType[];
  readonly ingress?: readonly NetworkPolicyIngressRule[];
  readonly egress?: readonly NetworkPolicyEgressRule[];
}

/** A ServiceAccount: whose token pods mount, and whether they mount it by default. */
export interface ServiceAccount {
  readonly namespace: string;
  readonly name: string;
  /** automountServiceAccountToken as written; absent means true (the API's default). */
  readonly automountServiceAccountToken?: boolean;
  /** metadata.labels (Calico's serviceAccountSelector reads them). */
  readonly labels?: Labels;
}

/** One rule of a Role or ClusterRole (rbac.authorization.k8s.io/v1 PolicyRule). */
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  /** `pods`, `pods/exec` (resource/subresource), `*`, `*\/scale`. */
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  /** When non-empty, the rule grants access to the named objects only. */
  readonly resourceNames?: readonly string[];
}

export interface Role {
  readonly kind: 'Role' | 'ClusterRole';
  /** Empty for a ClusterRole. */
  readonly namespace: string;
  readonly name: string;
  readonly rules: readonly PolicyRule[];
}

export interface RbacSubject {
  readonly kind: 'ServiceAccount' | 'User' | 'Group';
  readonly name: string;
  /** ServiceAccount subjects: the account's namespace (defaults to the binding's). */
  readonly namespace?: string;
}

export interface RoleBinding {
  readonly kind: 'RoleBinding' | 'ClusterRoleBinding';
  /** Empty for a ClusterRoleBinding. */
  readonly namespace: string;
  readonly name: string;
  readonly roleRef: { readonly kind: 'Role' | 'ClusterRole'; readonly name: string };
  readonly subjects: readonly RbacSubject[];
}

/**
 * Where pods reach the Kubernetes API: from the `default/kubernetes` EndpointSlice (the address
 * policy sees once the Service address is translated) or its Service's ClusterIP.
 */
export interface ApiServerAddress {
  readonly addresses: readonly string[];
  readonly port: number;
  /** Where the address came from, for evidence (`EndpointSlice default/kubernetes`). */
  readonly via: string;
}

export interface Cluster {
  readonly namespaces: readonly Namespace[];
  readonly pods: readonly Pod[];
  readonly workloads: readonly Workload[];
  readonly services: readonly Service[];
  readonly policies: readonly NetworkPolicy[];
  /** Ingress objects, when the input has them (lateral movement: entry points). */
  readonly ingresses?: readonly Ingress[];
  /** Node objects, when the input has them. */
  readonly nodes?: readonly ClusterNode[];
  /**
   * ClusterNetworkPolicies, AdminNetworkPolicies and the BaselineAdminNetworkPolicy, in the
   * tier rule form (below), when the input has them.
   */
  readonly tierPolicies?: readonly TierPolicy[];
  /** CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies, one entry per rule (spec, specs[i]). */
  readonly ciliumPolicies?: readonly CiliumPolicy[];
  /** RBAC, when the input has it (lateral movement: identity edges). Secrets are never read. */
  readonly serviceAccounts?: readonly ServiceAccount[];
  readonly roles?: readonly Role[];
  readonly roleBindings?: readonly RoleBinding[];
  readonly apiServer?: ApiServerAddress;
  /** Calico's own kinds (tiers, policies, network sets, host endpoints), when the input has them. */
  readonly calico?: CalicoObjects;
}

/**
 * Where plugins differ: does an ipBlock peer match cluster pods whose IPs fall in it?
 * `match` (upstream e2e expectation, default) or `ignore` (Cilium and others: ipBlock
 * only ever selects traffic from outside the cluster).
 */
export type IpBlockPods = 'match' | 'ignore';

/**
 * Which network plugin enforces policy: it fixes which policy kinds are enforced, whether ipBlocks
 * match pods and how host/node traffic is treated. `kubernetes` (absent) is the upstream reading
 * of NetworkPolicy v1 plus the network-policy-api tiers.
 */
export type Cni = 'kubernetes' | 'cilium' | 'calico';

export interface EvalOptions {
  readonly ipBlockPods: IpBlockPods;
  /** Absent: `kubernetes`. */
  readonly cni?: Cni;
  /** Under `cni: cilium`: the agent's policy enforcement mode. Absent: `default`. */
  readonly ciliumEnforcement?: CiliumEnforcement;
  /**
   * Under `cni: cilium`: the agent's `allow-localhost` ("Policy when to allow local stack to reach
   * local endpoints { auto | always | policy }"; auto is always under Kubernetes). Absent: `always`.
   */
  readonly ciliumAllowLocalhost?: CiliumAllowLocalhost;
}

/** `always`: the local host may reach the endpoints on its node whatever the allow lists say; `policy`: only what policy allows. */
export type CiliumAllowLocalhost = 'always' | 'policy';

export const DEFAULT_EVAL_OPTIONS: EvalOptions = { ipBlockPods: 'match' };

/**
 * The answer for one connection. `unknown` is an answer with a reason: a rule the input cannot
 * decide (a `domainNames` peer: which addresses a name resolves to is not in any manifest) could
 * change the outcome.
 */
export type Verdict = 'allowed' | 'denied' | 'unknown';

/** One end of a single connection: a pod of the cluster, or an address outside it. */
export type Endpoint =
  | { readonly kind: 'pod'; readonly pod: Pod }
  | { readonly kind: 'ip'; readonly ip: string };

export function workloadId(ref: WorkloadRef): string {
  return `${ref.namespace}/${ref.name}`;
}

/**
 * The cluster-wide policy tiers, in one rule form. ClusterNetworkPolicy (policy.networking.k8s.io
 * v1alpha2), AdminNetworkPolicy and BaselineAdminNetworkPolicy (v1alpha1) all compile to it:
 * a policy sits in a tier (Admin before NetworkPolicy v1, Baseline after), has a priority within
 * its tier, a subject, and ordered ingress and egress rules, each an action on peers and ports.
 *
 * Evaluation, per direction (the type docs of kubernetes-sigs/network-policy-api):
 *   Admin tier, policies by priority, rules in written order, first match decides
 *   (Allow / Deny final, Pass skips the rest of the Admin tier) →
 *   NetworkPolicy v1 (final for pods it isolates) →
 *   Baseline tier, the same way →
 *   allowed.
 * A connection needs its source's egress and its destination's ingress, as with NetworkPolicy.
 */

export type TierName = 'Admin' | 'Baseline';

/** The kinds that compile to tier policies, as their manifests name them. */
export type TierPolicyKind = 'ClusterNetworkPolicy' | 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy';

/**
 * A rule's action. ClusterNetworkPolicy's `Accept` and AdminNetworkPolicy's `Allow` are the same
 * action; the adapters map both to `Allow`.
 */
export type TierAction = 'Allow' | 'Deny' | 'Pass';

/**
 * `subject.namespaces` is `{ namespaceSelector }`; `subject.pods` adds a podSelector. Host-networked
 * pods are never subjects ("host-networked pods are not included in subject selection").
 */
export interface TierSubject {
  readonly namespaceSelector: LabelSelector;
  /** Absent: every pod of the selected namespaces. */
  readonly podSelector?: LabelSelector;
}

/**
 * One peer: exactly one of the API's peer fields.
 * - `pods`: `namespaces` (no podSelector) or `pods`; never matches host-networked pods.
 * - `nodes`: the addresses (status.addresses) of the Nodes the selector matches.
 * - `networks`: CIDRs; they match cluster-internal addresses too ("cluster-internal traffic will
 *   be checked against the rule as well").
 * - `domainNames`: cannot be decided from manifests (a connection it might decide is unknown).
 */
export type TierPeer =
  | { readonly kind: 'pods'; readonly namespaceSelector: LabelSelector; readonly podSelector?: LabelSelector }
  | { readonly kind: 'nodes'; readonly nodeSelector: LabelSelector }
  | { readonly kind: 'networks'; readonly networks: readonly string[] }
  | { readonly kind: 'domainNames'; readonly domainNames: readonly string[] };

/**
 * A destination port: a number or inclusive range of one protocol, or a named container port
 * of the destination pod (with whatever protocol that container port has).
 */
export type TierPort =
  | { readonly protocol: Protocol; readonly port: number; readonly endPort?: number }
  | { readonly namedPort: string };

export interface TierRule {
  /** The rule's `name`, when written: explain quotes it. */
  readonly name?: string;
  readonly action: TierAction;
  /** At least one; a rule matches a connection when any peer does. */
  readonly peers: readonly TierPeer[];
  /** Absent: every port of every protocol. */
  readonly ports?: readonly TierPort[];
}

export interface TierPolicy {
  readonly kind: TierPolicyKind;
  /** Cluster-scoped: the name alone identifies it within its kind. */
  readonly name: string;
  readonly tier: TierName;
  /** 0–1000, lower first. BaselineAdminNetworkPolicy (one per cluster) has 0. */
  readonly priority: number;
  readonly subject: TierSubject;
  readonly ingress: readonly TierRule[];
  readonly egress: readonly TierRule[];
}

/**
 * The order policies of one tier are checked in: priority, lower first. The API leaves the order
 * of policies with equal priority to the implementation ("there is no way for the user to
 * reliably determine which one it will choose"); Lateral takes them by kind and then name, so
 * that every answer is reproducible, and explain says when a tie decided.
 */
export function compareTierPolicies(a: TierPolicy, b: TierPolicy): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** `cnp/name`, `anp/name`, `banp/name`: how answers name a tier policy (the API's short names). */
export function tierPolicyId(p: Pick<TierPolicy, 'kind' | 'name'>): string {
  const short = p.kind === 'ClusterNetworkPolicy' ? 'cnp' : p.kind === 'AdminNetworkPolicy' ? 'anp' : 'banp';
  return `${short}/${p.name}`;
}

/**
 * CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (cilium.io/v2), one entry per rule of
 * `spec` and of `specs`. The adapter (packages/k8s/src/cilium) has already read Cilium's label
 * conventions: selector keys lose their `k8s:`/`any:` source prefix, and the requirements on the
 * namespace (`io.kubernetes.pod.namespace`, `io.cilium.k8s.namespace.labels.*`) are split off
 * into a namespace selector. Evaluated only under `cni: cilium` (see reference/cilium.ts).
 */
export type CiliumPolicyKind = 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';

/** The policy enforcement mode of the Cilium agent (`enable-policy`). */
export type CiliumEnforcement = 'default' | 'always' | 'never';

/**
 * A Cilium endpoint selector over pods, split by what each requirement reads. The pod must
 * satisfy `pod` (its own labels) and its namespace `namespace` (the namespace's labels, where
 * `io.kubernetes.pod.namespace` reads `kubernetes.io/metadata.name`).
 */
export interface CiliumSelector {
  readonly pod: LabelSelector;
  readonly namespace: LabelSelector;
  /**
   * Set when a requirement needs a label no pod carries (a `reserved:` or other non-Kubernetes
   * source): the selector matches no pod.
   */
  readonly matchesNoPod?: boolean;
}

/**
 * The entities of Cilium (`fromEntities`/`toEntities`), mapped to endpoints of the model:
 * world (addresses that are neither pods nor nodes), cluster (every pod and node), host (the
 * addresses and host-networked pods of the node the selected pod runs on, `spec.nodeName`) and
 * remote-node (those of every other node), kube-apiserver (Cluster.apiServer), all. Where a pod
 * names no node, which of host and remote-node a node's endpoint is cannot be told: unknown.
 * health, init, ingress and unmanaged name endpoints the model has none of.
 */
export type CiliumEntity =
  | 'world'
  | 'world-ipv4'
  | 'world-ipv6'
  | 'cluster'
  | 'host'
  | 'remote-node'
  | 'kube-apiserver'
  | 'health'
  | 'init'
  | 'ingress'
  | 'unmanaged'
  | 'all';

export type CiliumPeer =
  /** fromEndpoints/toEndpoints; `ownNamespace`: limited to the policy's namespace (a namespaced CNP without a namespace requirement). */
  | { readonly kind: 'endpoints'; readonly selector: CiliumSelector; readonly ownNamespace?: string }
  /** fromCIDR/fromCIDRSet/toCIDR/toCIDRSet: never a pod or node of the cluster. */
  | { readonly kind: 'cidr'; readonly cidr: string; readonly except?: readonly string[] }
  | { readonly kind: 'entity'; readonly entity: CiliumEntity }
  /** fromNodes/toNodes: the addresses of the Nodes the selector matches. */
  | { readonly kind: 'nodes'; readonly selector: LabelSelector }
  /** toServices resolved: the pods a Service of the input selects. */
  | { readonly kind: 'service-pods'; readonly namespace: string; readonly selector: Labels; readonly service: string }
  /**
   * What manifests cannot decide: toFQDNs (which addresses a name resolves to), toServices of a
   * Service not in the input or without a selector, fromGroups/toGroups. May match any address
   * outside the cluster; never a pod.
   */
  | { readonly kind: 'unresolved'; readonly what: string; readonly service?: { readonly namespace: string; readonly name: string } };

/** One `toPorts[].ports[]` entry. `ANY`: TCP, UDP and SCTP. Absent port (or 0): every port. */
export interface CiliumPort {
  readonly protocol: Protocol | 'ANY';
  /** A number, or a named container port of the destination. */
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface CiliumRule {
  /** Position in the policy's ingress/ingressDeny/egress/egressDeny list. */
  readonly index: number;
  /** Absent: every peer (a rule with only toPorts). Empty: none. */
  readonly peers?: readonly CiliumPeer[];
  /** Absent: every port of every protocol. */
  readonly ports?: readonly CiliumPort[];
  /** The rule has L7 rules (HTTP, Kafka, DNS): L4 is allowed, requests may still be denied. */
  readonly l7?: boolean;
}

export interface CiliumPolicy {
  readonly kind: CiliumPolicyKind;
  /** Empty for a CiliumClusterwideNetworkPolicy. */
  readonly namespace: string;
  readonly name: string;
  /** Index in `specs` when the rule came from there; absent for `spec`. */
  readonly specIndex?: number;
  /** endpointSelector; a namespaced policy selects only its own namespace's pods. */
  readonly subject: { readonly kind: 'endpoints'; readonly selector: CiliumSelector } | { readonly kind: 'nodes'; readonly selector: LabelSelector };
  readonly ingress: readonly CiliumRule[];
  readonly ingressDeny: readonly CiliumRule[];
  readonly egress: readonly CiliumRule[];
  readonly egressDeny: readonly CiliumRule[];
  /** enableDefaultDeny as resolved: written value, else true when the direction has rules. */
  readonly defaultDeny: { readonly ingress: boolean; readonly egress: boolean };
}

/** `cnp shop/allow-web`, `ccnp deny-world`, with `specs[1]` when it came from a list. */
export function ciliumPolicyId(p: Pick<CiliumPolicy, 'kind' | 'namespace' | 'name' | 'specIndex'>): string {
  const base = p.kind === 'CiliumNetworkPolicy' ? `cnp ${p.namespace}/${p.name}` : `ccnp ${p.name}`;
  return p.specIndex === undefined ? base : `${base} specs[${p.specIndex}]`;
}

/**
 * Calico (projectcalico.org/v3, crd.projectcalico.org/v1), as written: selectors stay in Calico's
 * selector language (semantics/calico-selector.ts parses them), ports and protocols as the
 * manifest gives them. Both evaluators apply Calico's rules to this form when EvalOptions.cni is
 * `calico`:
 *
 *   tiers by order (lower first); in a tier, the policies that select the endpoint by order,
 *   rules in written order: Allow and Deny decide, Pass goes on to the next tier, Log goes on to
 *   the next rule; a tier whose policies select the endpoint but decide nothing ends in its
 *   default action (Deny unless the Tier says Pass); a tier none of whose policies select the
 *   endpoint is skipped. Past the last tier: allowed (the namespace profile of Kubernetes pods).
 *
 * Kubernetes NetworkPolicies sit in the `default` tier at order 1000; AdminNetworkPolicies and
 * Admin-tier ClusterNetworkPolicies in `kube-admin` (order 1000, default action Pass) at their
 * priority; the BaselineAdminNetworkPolicy (as order 1000) and Baseline-tier ClusterNetworkPolicies
 * in `kube-baseline` (order 10,000,000, default action Pass).
 */
export interface CalicoObjects {
  readonly tiers: readonly CalicoTier[];
  readonly policies: readonly CalicoPolicy[];
  readonly networkSets: readonly CalicoNetworkSet[];
  readonly hostEndpoints: readonly CalicoHostEndpoint[];
}

export interface CalicoTier {
  readonly name: string;
  /** Absent: after every tier that has one. */
  readonly order?: number;
  /** What ends the tier for an endpoint its policies select but no rule decided. Default Deny. */
  readonly defaultAction?: 'Deny' | 'Pass';
}

/** The tiers Calico creates itself, with their fixed orders and default actions. */
export const CALICO_BUILTIN_TIERS: readonly Required<CalicoTier>[] = [
  { name: 'kube-admin', order: 1_000, defaultAction: 'Pass' },
  { name: 'default', order: 1_000_000, defaultAction: 'Deny' },
  { name: 'kube-baseline', order: 10_000_000, defaultAction: 'Pass' },
];

/** Calico's order of a Kubernetes NetworkPolicy in the default tier. */
export const CALICO_K8S_POLICY_ORDER = 1000;

export type CalicoAction = 'Allow' | 'Deny' | 'Log' | 'Pass';

/** A port of an EntityRule: a number or inclusive range, or a named port. */
export type CalicoPort = { readonly first: number; readonly last: number } | { readonly name: string };

export interface CalicoEntityRule {
  readonly nets?: readonly string[];
  readonly notNets?: readonly string[];
  readonly selector?: string;
  readonly notSelector?: string;
  readonly namespaceSelector?: string;
  readonly ports?: readonly CalicoPort[];
  readonly notPorts?: readonly CalicoPort[];
  /** ServiceAccountMatch: names (any of) and a selector over the ServiceAccount's labels. */
  readonly serviceAccounts?: { readonly names?: readonly string[]; readonly selector?: string };
}

export interface CalicoRule {
  readonly action: CalicoAction;
  /** `TCP`, `UDP`, `SCTP`, `ICMP`, ... or a number 1-255, as written. Absent: any protocol. */
  readonly protocol?: string | number;
  readonly notProtocol?: string | number;
  readonly source: CalicoEntityRule;
  readonly destination: CalicoEntityRule;
  /**
   * Why whether the rule matches a connection cannot be decided from manifests, when it cannot
   * (source ports: the client picks them; ipVersion; services): where the rest of the rule
   * matches, the connection's verdict may be unknown.
   */
  readonly unknown?: string;
}

export interface CalicoPolicy {
  readonly kind: 'NetworkPolicy' | 'GlobalNetworkPolicy';
  /** NetworkPolicy only. */
  readonly namespace?: string;
  /** As written (a tiered policy's name starts with its tier's name and a dot). */
  readonly name: string;
  /** `default` when the manifest names none. */
  readonly tier: string;
  /** Absent: after every policy of its tier that has one. */
  readonly order?: number;
  /** Absent or empty: all(). */
  readonly selector?: string;
  /** GlobalNetworkPolicy: the namespaces whose endpoints it applies to. */
  readonly namespaceSelector?: string;
  readonly serviceAccountSelector?: string;
  /** As written; absent: defaulted from the rules (calicoPolicyTypes). */
  readonly types?: readonly PolicyType[];
  readonly ingress: readonly CalicoRule[];
  readonly egress: readonly CalicoRule[];
}

/** NetworkSet (namespaced) or GlobalNetworkSet (no namespace): labelled CIDRs that rule selectors match. */
export interface CalicoNetworkSet {
  readonly namespace?: string;
  readonly name: string;
  readonly labels: Labels;
  readonly nets: readonly string[];
  /** Domain names (Calico Enterprise): which addresses they resolve to is not in any manifest. */
  readonly allowedEgressDomains?: readonly string[];
}

/** A HostEndpoint: a node interface whose expectedIPs rule selectors match. */
export interface CalicoHostEndpoint {
  readonly name: string;
  readonly node?: string;
  readonly labels: Labels;
  readonly expectedIPs: readonly string[];
}

/**
 * "If types has no value, Calico defaults as follows": Ingress when there are no egress rules,
 * Egress when there are egress rules only, both when there are both.
 */
export function calicoPolicyTypes(p: Pick<CalicoPolicy, 'types' | 'ingress' | 'egress'>): readonly PolicyType[] {
  if (p.types && p.types.length > 0) return p.types;
  if (p.egress.length > 0) return p.ingress.length > 0 ? ['Ingress', 'Egress'] : ['Egress'];
  return ['Ingress'];
}

/** `gnp/name`, `np/namespace/name`: how answers name a Calico policy. */
export function calicoPolicyId(p: Pick<CalicoPolicy, 'kind' | 'namespace' | 'name'>): string {
  return p.kind === 'GlobalNetworkPolicy' ? `gnp/${p.name}` : `np/${p.namespace}/${p.name}`;
}
