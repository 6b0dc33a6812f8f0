/**
 * @lateral/core: the pure engine (no I/O) behind every answer Lateral gives. This file is its
 * public face, grouped the way the engine is built; what is not named here is internal to the
 * package. Test helpers (a seeded PRNG, synthetic clusters) are `@lateral/core/testing`.
 *
 * The way through: a `Cluster` (model) is compiled once (`compile`, or `recompile` from a
 * previous compile after a change) into a `CompiledCluster`; every question is asked of that —
 * one connection (`allowed`, `explainConnection`), all pairs (`reach()`, `workloadReachability`),
 * lateral movement (`buildAttackGraph` and the queries on it), or a change (`diffReachability`).
 */

// Model: the plain, readonly data every adapter produces and every answer is about.
export {
  DEFAULT_EVAL_OPTIONS,
  NO_SECURITY_FLAGS,
  PROTOCOLS,
  type Cluster,
  type ClusterNode,
  type ContainerPort,
  type Endpoint,
  type Cni,
  type EvalOptions,
  type Ingress,
  type IngressBackend,
  type IPBlock,
  type IpBlockPods,
  type Labels,
  type LabelSelector,
  type LabelSelectorRequirement,
  type Namespace,
  type NetworkPolicy,
  type NetworkPolicyEgressRule,
  type NetworkPolicyIngressRule,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type Pod,
  type PodSecurity,
  type PolicyType,
  type Protocol,
  type SelectorOperator,
  type Service,
  type ServicePort,
  type Verdict,
  type Workload,
  type WorkloadRef,
  // RBAC and the API server's address: the identity moves of lateral movement.
  type ApiServerAddress,
  type PolicyRule,
  type RbacSubject,
  type Role,
  type RoleBinding,
  type ServiceAccount,
} from './model/model.js';
// The cluster-wide tiers (ClusterNetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy) in one rule form.
export {
  compareTierPolicies,
  tierPolicyId,
  type TierAction,
  type TierName,
  type TierPeer,
  type TierPolicy,
  type TierPolicyKind,
  type TierPort,
  type TierRule,
  type TierSubject,
} from './model/model.js';
// CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy, as the Cilium adapter reads them.
export {
  ciliumPolicyId,
  type CiliumEnforcement,
  type CiliumAllowLocalhost,
  type CiliumEntity,
  type CiliumPeer,
  type CiliumPolicy,
  type CiliumPolicyKind,
  type CiliumPort,
  type CiliumRule,
  type CiliumSelector,
} from './model/model.js';
// Calico's kinds (tiers, policies, network sets, host endpoints) as written, and its selector language.
export {
  CALICO_BUILTIN_TIERS,
  CALICO_K8S_POLICY_ORDER,
  calicoPolicyId,
  calicoPolicyTypes,
  type CalicoAction,
  type CalicoEntityRule,
  type CalicoHostEndpoint,
  type CalicoNetworkSet,
  type CalicoObjects,
  type CalicoPolicy,
  type CalicoPort,
  type CalicoRule,
  type CalicoTier,
} from './model/model.js';
export {
  calicoSelector,
  formatCalicoSelector,
  matchesCalicoSelector,
  parseCalicoSelector,
  type CalicoScope,
  type CalicoSelector,
} from './semantics/calico-selector.js';
// Bad input: a typed error naming file, line, object and field.
export { formatInputError, InputError, MAX_QUOTED, quoteValue, type InputLocation } from './model/errors.js';

// Semantics: the NetworkPolicy vocabulary — port sets, addresses, label selectors, policyTypes.
export {
  EMPTY_PROTO_PORTS,
  formatProtoPorts,
  isAllProtoPorts,
  isEmptyProtoPorts,
  protoPortsEqual,
  rangesContain,
  subtractProtoPorts,
  subtractRanges,
  unionProtoPorts,
  type PortRange,
  type PortRanges,
  type ProtoPorts,
} from './semantics/port-set.js';
export { cidrContains, formatIp, formatRange, MAX_V4, MAX_V6, parseCidr, tryParseCidr, tryParseIp, type Cidr, type IpAddress, type IpFamily, type IpRange } from './semantics/ip.js';
export { formatSelector, matchesSelector, validateSelector } from './semantics/label-selector.js';
export { effectivePolicyTypes, isolatingPolicies, podIsolation } from './semantics/policy-types.js';
// Labels controllers put on pods that name one pod or one release, never a workload.
export { PER_POD_LABELS } from './semantics/controller-labels.js';

// Reference evaluator: one pair, one port, read straight from the spec; the fast engine's check.
export { referenceAllowed, referenceVerdict } from './reference/reference.js';
// The plugins' evaluators register themselves with the reference (CNI_VERDICTS).
import './reference/cilium.js';

// Engine: compile a cluster once, ask it anything; recompile reuses what a change cannot touch.
export { compile, recompile } from './engine/compile.js';
export type { CompiledCluster, ExternalGroup, Reachability } from './engine/reachability.js';

// Explain: why a connection is allowed or denied, rule by rule, and as text.
export { explainConnection, type Explanation, type RuleRef, type SideExplanation } from './explain/explain.js';
export { formatExplanation } from './explain/explain-format.js';
export { adminTierDeny, formatTierChain, formatTierStep, tierRuleName, type AdminDeny, type TierNearMiss, type TierStep } from './explain/explain-tiers.js';

// Workloads: reachability as people read it, between workloads and external address groups.
export { isWorkloadEndpoint, workloadReachability, type Connection, type ReachFilter, type WorkloadReachability } from './workloads/workload-reach.js';
export type { EndpointIndex, ExternalEndpoint, ReachEndpoint, WorkloadEndpoint } from './workloads/endpoint-types.js';

// Lateral movement: the attack graph (network, escalation, identity edges) and its queries.
export {
  ANY_NODE,
  buildAttackGraph,
  CROWN_JEWEL_ANNOTATION,
  EDGE_CATEGORIES,
  edgeCategory,
  formatAttackPort,
  INTERNET,
  parseApiServerAddress,
  parseEdgeCategories,
  type AttackGraph,
  type AttackGraphOptions,
  type AttackNodeAttributes,
  type AttackPort,
  type EdgeCategory,
  type IdentityNodeAttributes,
  type WorkloadNodeAttributes,
} from './lateral-movement/attack-graph.js';
export {
  ALL_NAMESPACES,
  CLUSTER_ADMIN,
  hasMoves,
  identityGrants,
  identityId,
  POD_SECURITY_ENFORCE,
  podSecurityAdmitsPrivileged,
  type IdentityGrants,
  type Scope,
} from './lateral-movement/identity.js';
export { annotatedCrownJewels, crownJewels } from './lateral-movement/crown-jewels.js';
export { adjacency, describePath, kShortestAttackPaths, shortestAttackPath, type AttackAdjacency, type AttackHop, type AttackPath } from './lateral-movement/attack-paths.js';
export { blastRadius, MAX_VIA, type AttackMetrics, type BlastOptions, type BlastRadius, type FirstReach, type ReachedNode, type ReachedNodes } from './lateral-movement/blast-radius.js';
export { chokePoints, type ChokePointOptions, type ChokePoints, type CutEdge } from './lateral-movement/choke-points.js';
export { proposeConnectionRemoval, type ConnectionRemoval, type ObservedConnection } from './lateral-movement/connection-removal.js';
export { proposeTokenRemoval } from './lateral-movement/token-removal.js';
export { setAsideDominatingEscapes, type DominatingEscape, type SetAside } from './lateral-movement/dominating-escape.js';
export { riskReport, type RiskOptions, type RiskReport } from './lateral-movement/risk.js';

// What-if: what a change does to reachability and to lateral movement.
export { diffReachability, prepareWhatIf, type ChangeKind, type DiffEndpoint, type DiffOptions, type PairChange, type ReachDiff } from './what-if/reach-diff.js';
export { diffLateralMovement, type BlastRadiusChange, type LateralMovementDiff, type PathChange } from './lateral-movement/lateral-movement-diff.js';
