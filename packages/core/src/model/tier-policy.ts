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
import type { LabelSelector, Protocol } from './model.js';

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
