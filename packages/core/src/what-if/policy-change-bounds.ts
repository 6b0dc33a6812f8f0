/**
 * Which (source, destination) pairs a NetworkPolicy-only change can touch, tighter than "any
 * pair with a pod the changed policy selects" (reach-diff.ts), so that a one-policy what-if
 * compares a handful of pairs rather than thousands.
 *
 * NetworkPolicy v1 semantics bound it: ports(s, d) is the union of the ports of the ingress
 * rules, of policies isolating d, whose peers hold s, intersected with the same for egress of s
 * toward d (tier rules do not change here, and they read NetworkPolicy only through that
 * union). So a changed policy acts on ingress only toward the pods it isolates for ingress
 * (before or after), and on egress only from those it isolates for egress. When a policy keeps
 * its namespace, podSelector and policyTypes, isolation is unchanged and only the rules that
 * differ can change a union, and only for peers those rules name: for ingress, sources in the
 * peers of rules present on one side and not the other; for egress, destinations likewise.
 *
 * Every bound here over-approximates: a peer this file cannot place cheaply (an ipBlock, a field
 * it does not know) stands for every node. Comparing too many pairs costs time, never an answer.
 */
import { matchesSelector } from '../semantics/label-selector.js';
import { effectivePolicyTypes } from '../semantics/policy-types.js';
import type { Cluster, Labels, NetworkPolicy, NetworkPolicyPeer, PolicyType } from '../model/model.js';

/** Pod indexes (into the pods both sides share), or every node (pods and external groups). */
export type PodBound = ReadonlySet<number> | 'all';

/** Pairs (source in `src`, destination in `dst`) whose ports may differ. */
export interface PairBox {
  readonly src: PodBound;
  readonly dst: PodBound;
}

const PEER_FIELDS = new Set(['podSelector', 'namespaceSelector']);
const POLICY_FIELDS = new Set(['namespace', 'name', 'podSelector', 'policyTypes', 'ingress', 'egress']);
const RULE_FIELDS = new Set(['from', 'to', 'ports']);

/**
 * The pair boxes of a change from `b` to `a`, or undefined when the change is not one this file
 * bounds: the two clusters must differ in their NetworkPolicies alone (same pods, namespaces,
 * nodes, tier policies, every other field), and every policy must carry only the fields read
 * here.
 */
export function policyChangeBoxes(b: Cluster, a: Cluster): PairBox[] | undefined {
  for (const k of new Set([...Object.keys(b), ...Object.keys(a)]) as Set<keyof Cluster>) {
    if (k !== 'policies' && b[k] !== a[k]) return undefined;
  }
  const pairs = changedPolicies(b.policies, a.policies);
  if (!pairs) return undefined;
  if (pairs.some(([p, q]) => (p && !knownShape(p)) || (q && !knownShape(q)))) return undefined;

  const pods = podsByNamespace(b);
  const nsLabels = new Map(b.namespaces.map((n) => [n.name, n.labels]));
  const labelsOf = (ns: string): Labels => nsLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns };
  const subjects = (p: NetworkPolicy | undefined, type: PolicyType): number[] =>
    p && effectivePolicyTypes(p).includes(type) ? (pods.get(p.namespace) ?? []).filter((i) => matchesSelector(p.podSelector, b.pods[i]!.labels)) : [];
  /** Pods the peers of `rules` may hold; 'all' where a rule holds everything or an address. */
  const peersOf = (ns: string, rules: readonly (readonly NetworkPolicyPeer[] | undefined)[]): PodBound => {
    const out = new Set<number>();
    for (const peers of rules) {
      if (peers === undefined || peers.length === 0) return 'all';
      for (const peer of peers) {
        if (Object.keys(peer).some((f) => !PEER_FIELDS.has(f))) return 'all';
        const namespaces = peer.namespaceSelector ? [...pods.keys()].filter((n) => matchesSelector(peer.namespaceSelector!, labelsOf(n))) : [ns];
        for (const n of namespaces) {
          for (const i of pods.get(n) ?? []) if (!peer.podSelector || matchesSelector(peer.podSelector, b.pods[i]!.labels)) out.add(i);
        }
      }
    }
    return out;
  };
  /** Rules on one side only (as written), by their peers. */
  const changedRules = <R>(x: readonly R[] | undefined, y: readonly R[] | undefined, peers: (r: R) => readonly NetworkPolicyPeer[] | undefined) => {
    const xs = new Set((x ?? []).map((r) => JSON.stringify(r)));
    const ys = new Set((y ?? []).map((r) => JSON.stringify(r)));
    return [...(x ?? []).filter((r) => !ys.has(JSON.stringify(r))), ...(y ?? []).filter((r) => !xs.has(JSON.stringify(r)))].map(peers);
  };

  const boxes: PairBox[] = [];
  for (const [p, q] of pairs) {
    const sameIsolation = (type: PolicyType) =>
      p !== undefined &&
      q !== undefined &&
      p.namespace === q.namespace &&
      JSON.stringify(p.podSelector) === JSON.stringify(q.podSelector) &&
      effectivePolicyTypes(p).includes(type) === effectivePolicyTypes(q).includes(type);
    for (const type of ['Ingress', 'Egress'] as const) {
      const dst = new Set([...subjects(p, type), ...subjects(q, type)]);
      if (dst.size === 0) continue;
      let other: PodBound = 'all';
      if (sameIsolation(type)) {
        const rules =
          type === 'Ingress'
            ? changedRules(p!.ingress, q!.ingress, (r) => r.from)
            : changedRules(p!.egress, q!.egress, (r) => r.to);
        if (rules.length === 0) continue;
        other = peersOf(p!.namespace, rules);
      }
      boxes.push(type === 'Ingress' ? { src: other, dst } : { src: dst, dst: other });
    }
  }
  return boxes;
}

/**
 * Policies that differ, as (before, after). Reachability is a union over policies, so any
 * pairing of the two lists is a valid one: a what-if usually replaces policies in place, and
 * then the lists are paired position by position (only positions whose objects differ are
 * looked at); otherwise by namespace/name (undefined when a name repeats).
 */
function changedPolicies(b: readonly NetworkPolicy[], a: readonly NetworkPolicy[]): [NetworkPolicy | undefined, NetworkPolicy | undefined][] | undefined {
  const pairs: [NetworkPolicy | undefined, NetworkPolicy | undefined][] = [];
  const differ = (p: NetworkPolicy, q: NetworkPolicy) => p !== q && JSON.stringify(q) !== JSON.stringify(p);
  if (b.length === a.length) {
    for (let i = 0; i < b.length; i++) if (differ(b[i]!, a[i]!)) pairs.push([b[i], a[i]]);
    return pairs;
  }
  const key = (p: NetworkPolicy) => `${p.namespace}/${p.name}`;
  const pb = new Map(b.map((p) => [key(p), p]));
  const pa = new Map(a.map((p) => [key(p), p]));
  if (pb.size !== b.length || pa.size !== a.length) return undefined;
  for (const [k, p] of pb) {
    const q = pa.get(k);
    if (!q || differ(p, q)) pairs.push([p, q]);
  }
  for (const [k, q] of pa) if (!pb.has(k)) pairs.push([undefined, q]);
  return pairs;
}

/** Only the fields this file reads may be set: a field added to the model later is not ignored here. */
function knownShape(p: NetworkPolicy): boolean {
  return (
    Object.keys(p).every((k) => POLICY_FIELDS.has(k)) &&
    [...(p.ingress ?? []), ...(p.egress ?? [])].every((r) => Object.keys(r).every((k) => RULE_FIELDS.has(k)))
  );
}

const byNamespace = new WeakMap<readonly unknown[], Map<string, number[]>>();

/** Pod indexes per namespace, once per pods array. */
function podsByNamespace(c: Cluster): Map<string, number[]> {
  let m = byNamespace.get(c.pods);
  if (!m) {
    m = new Map();
    c.pods.forEach((p, i) => {
      const list = m!.get(p.namespace);
      if (list) list.push(i);
      else m!.set(p.namespace, [i]);
    });
    byNamespace.set(c.pods, m);
  }
  return m;
}
