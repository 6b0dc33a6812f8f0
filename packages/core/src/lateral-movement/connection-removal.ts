/**
 * How to close allowed connections A1..An -> B (every cut move into one destination, as one
 * change) with a NetworkPolicy change, and what else the change closes. NetworkPolicy v1 can
 * only allow, so closing means narrowing B's ingress: every ingress rule (of every policy
 * selecting B) with a peer that admits a source gets that source excluded from that peer; if
 * nothing isolates B's ingress, one new policy admits everyone but the sources. The proposal is
 * then checked by compiling the changed cluster, never trusted on construction.
 */
import type { AttackGraph, AttackPort, WorkloadNodeAttributes } from './attack-graph.js';
import { recompile } from '../engine/compile.js';
import { cidrContains, tryParseCidr, tryParseIp } from '../semantics/ip.js';
import { matchesSelector } from '../semantics/label-selector.js';
import { effectivePolicyTypes } from '../semantics/policy-types.js';
import type {
  Cluster,
  IPBlock,
  LabelSelector,
  LabelSelectorRequirement,
  Labels,
  NetworkPolicy,
  NetworkPolicyIngressRule,
  NetworkPolicyPeer,
  Pod,
  TierPolicy,
} from '../model/model.js';

const NS_LABEL = 'kubernetes.io/metadata.name';

export interface ConnectionRemoval {
  /** The sources, comma-separated (`sources` lists them). */
  readonly from: string;
  readonly to: string;
  /** Every cut move into `to` this one change closes. */
  readonly sources: readonly string[];
  /**
   * What kind of object the change is: NetworkPolicy edits (or a new one), an Admin-tier
   * ClusterNetworkPolicy (`tierPolicies`), a workload's token mount, or a Role's rule (RBAC).
   */
  readonly change: 'NetworkPolicy' | 'ClusterNetworkPolicy' | 'token' | 'RBAC';
  /** Why this kind of change and not the other, when both were weighed. */
  readonly why?: string;
  /** The ClusterNetworkPolicies to apply (change: ClusterNetworkPolicy). */
  readonly tierPolicies?: readonly TierPolicy[];
  /** The policies to apply: changed versions of existing ones, or new ones. */
  readonly policies: readonly NetworkPolicy[];
  /** One line per change, for people. */
  readonly changes: readonly string[];
  /** Compiling the changed cluster confirms A -> B is closed on every port it had. */
  readonly verified: boolean;
  /** Other workload connections the change closes (some or all of their ports). */
  readonly alsoBlocks: readonly { readonly from: string; readonly to: string; readonly ports: readonly AttackPort[] }[];
  /** Set when no change could be proposed (e.g. A's pods carry no labels to exclude them by). */
  readonly problem?: string;
  /** With observed traffic: the observed connections the change would stop (zero is the goal). */
  readonly breaksObserved?: readonly ObservedConnection[];
}

/** A connection seen in traffic, between attack-graph workloads. */
export interface ObservedConnection {
  readonly from: string;
  readonly to: string;
  readonly protocol: AttackPort['protocol'];
  readonly port: number;
  /** Records seen. */
  readonly count: number;
}

function nsLabels(cluster: Cluster, ns: string): Labels {
  return cluster.namespaces.find((n) => n.name === ns)?.labels ?? { [NS_LABEL]: ns };
}

function ipBlockHas(block: IPBlock, ip: string): boolean {
  const a = tryParseIp(ip);
  const c = tryParseCidr(block.cidr);
  if (!a || !c || !cidrContains(c, a)) return false;
  return !(block.except ?? []).some((x) => {
    const e = tryParseCidr(x);
    return e !== undefined && cidrContains(e, a);
  });
}

/** Does this peer of a policy in `policyNs` select the pod? (NetworkPolicyPeer semantics.) */
function peerSelects(cluster: Cluster, policyNs: string, peer: NetworkPolicyPeer, pod: Pod, ipBlockPods: boolean): boolean {
  if (peer.ipBlock) return ipBlockPods && pod.ips.some((ip) => ipBlockHas(peer.ipBlock!, ip));
  const nsOk = peer.namespaceSelector ? matchesSelector(peer.namespaceSelector, nsLabels(cluster, pod.namespace)) : pod.namespace === policyNs;
  return nsOk && (peer.podSelector ? matchesSelector(peer.podSelector, pod.labels) : true);
}

/**
 * The label that singles out A's pods best: one every pod of A carries, shared by the fewest
 * other pods of A's namespace (so excluding it excludes little else).
 */
function exclusionLabel(cluster: Cluster, aPods: readonly Pod[]): [string, string] | undefined {
  const first = aPods[0];
  if (!first) return undefined;
  const common = Object.entries(first.labels).filter(([k, v]) => aPods.every((p) => p.labels[k] === v));
  // One pass over the namespace's other pods counts every candidate label at once.
  const mine = new Set(aPods);
  const others = common.map(() => 0);
  for (const p of cluster.pods) {
    if (p.namespace !== first.namespace || mine.has(p)) continue;
    for (let i = 0; i < common.length; i++) if (p.labels[common[i]![0]] === common[i]![1]) others[i]!++;
  }
  let best: [string, string] | undefined;
  let bestCount = Infinity;
  for (let i = 0; i < common.length; i++) {
    const [k, v] = common[i]!;
    const n = others[i]!;
    if (n < bestCount || (n === bestCount && best && k < best[0])) {
      best = [k, v];
      bestCount = n;
    }
  }
  return best;
}

/** Does the selector admit only pods whose `key` is `value` (matchLabels, or In [value])? */
function requires(sel: LabelSelector | undefined, key: string, value: string): boolean {
  if (sel?.matchLabels?.[key] === value) return true;
  return (sel?.matchExpressions ?? []).some((e) => e.key === key && e.operator === 'In' && e.values?.length === 1 && e.values[0] === value);
}

function withExpression(sel: LabelSelector | undefined, req: LabelSelectorRequirement): LabelSelector {
  return { ...(sel?.matchLabels ? { matchLabels: sel.matchLabels } : {}), matchExpressions: [...(sel?.matchExpressions ?? []), req] };
}

function hostCidr(ip: string): string {
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

/** One source's pods, and how to exclude them: the label that singles them out, and their addresses. */
interface Source {
  readonly id: string;
  readonly namespace: string;
  readonly pods: readonly Pod[];
  readonly label: [string, string];
  readonly ips: readonly string[];
}

/** `key NotIn [values]` per label key, over the sources of one namespace. */
function exclusions(sources: readonly Source[]): LabelSelectorRequirement[] {
  const byKey = new Map<string, Set<string>>();
  for (const s of sources) {
    const set = byKey.get(s.label[0]) ?? new Set<string>();
    set.add(s.label[1]);
    byKey.set(s.label[0], set);
  }
  return [...byKey].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, values]) => ({ key, operator: 'NotIn', values: [...values].sort() }));
}

/** Every source but the given pods: other namespaces, theirs without their labels, and outside addresses. */
function everyoneBut(sources: readonly Source[]): NetworkPolicyPeer[] {
  const ips = sources.flatMap((s) => s.ips);
  const v4 = [...new Set(ips.filter((ip) => !ip.includes(':')).map(hostCidr))];
  const v6 = [...new Set(ips.filter((ip) => ip.includes(':')).map(hostCidr))];
  const namespaces = [...new Set(sources.map((s) => s.namespace))].sort();
  return [
    { namespaceSelector: { matchExpressions: [{ key: NS_LABEL, operator: 'NotIn', values: namespaces }] } },
    ...namespaces.map((ns) => ({ namespaceSelector: { matchLabels: { [NS_LABEL]: ns } }, podSelector: { matchExpressions: exclusions(sources.filter((s) => s.namespace === ns)) } })),
    { ipBlock: { cidr: '0.0.0.0/0', ...(v4.length ? { except: v4 } : {}) } },
    { ipBlock: { cidr: '::/0', ...(v6.length ? { except: v6 } : {}) } },
  ];
}

/** The workload's pods and how to exclude them, or why they cannot be. */
export function sourceOf(ag: AttackGraph, id: string): Source | string {
  const { cluster } = ag.compiled;
  const a = ag.graph.getNodeAttributes(id) as WorkloadNodeAttributes;
  const pods = ag.index.endpointPods[a.endpoint]!.map((i) => cluster.pods[i]!);
  const label = exclusionLabel(cluster, pods);
  if (!label) return `${id} has no label common to its pods to exclude it by`;
  return { id, namespace: a.namespace, pods, label, ips: [...new Set(pods.flatMap((p) => p.ips))] };
}

/** The changed cluster's answer, edge by edge: which ports of each move into the changed workloads it closes. */
export function closedBy(ag: AttackGraph, after: ReturnType<typeof recompile>, sources: readonly string[], to: string, affected: readonly string[]) {
  const { cluster } = ag.compiled;
  const rep = (id: string) => {
    const attrs = ag.graph.getNodeAttributes(id) as WorkloadNodeAttributes;
    return cluster.pods[ag.index.endpointPods[attrs.endpoint]![0]!]!;
  };
  const closedPorts = (s: string, d: string): AttackPort[] => {
    const attrs = ag.graph.getEdgeAttributes(s, d);
    if (attrs.kind !== 'network') return [];
    const sp = rep(s);
    const dp = rep(d);
    return attrs.ports.filter(
      (port) =>
        !after.allowed({ kind: 'pod', pod: sp }, { kind: 'pod', pod: dp }, port.port, port.protocol) ||
        (port.endPort !== undefined && !after.allowed({ kind: 'pod', pod: sp }, { kind: 'pod', pod: dp }, port.endPort, port.protocol)),
    );
  };
  const verified = sources.every((from) => {
    const e = ag.graph.getEdgeAttributes(from, to);
    return e.kind === 'network' && closedPorts(from, to).length === e.ports.length;
  });
  const mine = new Set(sources);
  const alsoBlocks: { from: string; to: string; ports: AttackPort[] }[] = [];
  for (const d of affected) {
    ag.graph.forEachInNeighbor(d, (s) => {
      if (mine.has(s) && d === to) return;
      const ports = closedPorts(s, d);
      if (ports.length > 0) alsoBlocks.push({ from: s, to: d, ports });
    });
  }
  alsoBlocks.sort((x, y) => (x.from + x.to < y.from + y.to ? -1 : 1));
  return { verified, alsoBlocks };
}

export function proposeConnectionRemoval(ag: AttackGraph, fromIds: string | readonly string[], to: string): ConnectionRemoval {
  const { compiled } = ag;
  const { cluster } = compiled;
  const ids = typeof fromIds === 'string' ? [fromIds] : [...fromIds];
  const ipBlockPods = compiled.options.ipBlockPods === 'match';
  const b = ag.graph.getNodeAttributes(to) as WorkloadNodeAttributes;
  const bPods = ag.index.endpointPods[b.endpoint]!.map((i) => cluster.pods[i]!);
  const bPod = bPods[0]!;
  const base = { from: ids.join(', '), to, sources: ids, change: 'NetworkPolicy' as const };
  const found = ids.map((id) => sourceOf(ag, id));
  const problem = found.find((x): x is string => typeof x === 'string');
  if (problem !== undefined) return { ...base, policies: [], changes: [], verified: false, alsoBlocks: [], problem };
  const sources = found as Source[];
  const what = (s: Source) => `${s.label[0]}=${s.label[1]} in ${s.namespace}`;

  const changed: NetworkPolicy[] = [];
  const changes: string[] = [];
  const selecting = cluster.policies.filter(
    (p) => p.namespace === bPod.namespace && effectivePolicyTypes(p).includes('Ingress') && bPods.some((pod) => matchesSelector(p.podSelector, pod.labels)),
  );
  for (const p of selecting) {
    let touched = false;
    const ingress = (p.ingress ?? []).map((rule, ri): NetworkPolicyIngressRule | undefined => {
      if (!rule.from || rule.from.length === 0) {
        touched = true;
        changes.push(`${p.namespace}/${p.name} ingress rule ${ri}: admits every source; now every source but ${sources.map(what).join(', ')}`);
        return { ...rule, from: everyoneBut(sources) };
      }
      const peers = rule.from.flatMap((peer, pi): NetworkPolicyPeer[] => {
        const admitted = sources.filter((s) => s.pods.some((pod) => peerSelects(cluster, p.namespace, peer, pod, ipBlockPods)));
        if (admitted.length === 0) return [peer];
        touched = true;
        if (peer.ipBlock) {
          const ips = admitted.flatMap((s) => s.ips).filter((ip) => ipBlockHas(peer.ipBlock!, ip)).map(hostCidr);
          const except = [...new Set([...(peer.ipBlock.except ?? []), ...ips])];
          changes.push(`${p.namespace}/${p.name} ingress rule ${ri} peer ${pi}: ipBlock ${peer.ipBlock.cidr} now excepts the pod IPs of ${admitted.map((s) => s.id).join(', ')}`);
          return [{ ipBlock: { ...peer.ipBlock, except } }];
        }
        // A peer that asks for the very label a source is excluded by would read `app: worker`
        // and `app NotIn [worker]` at once: it selects nothing then, so it goes.
        if (admitted.some((s) => requires(peer.podSelector, s.label[0], s.label[1]))) {
          const s = admitted.find((x) => requires(peer.podSelector, x.label[0], x.label[1]))!;
          changes.push(`${p.namespace}/${p.name} ingress rule ${ri} peer ${pi}: selects only pods labelled ${s.label[0]}=${s.label[1]}, as ${s.id}'s are: removed`);
          return [];
        }
        const reqs = exclusions(admitted);
        changes.push(`${p.namespace}/${p.name} ingress rule ${ri} peer ${pi}: podSelector now requires ${reqs.map((r) => `${r.key} notin (${r.values!.join(', ')})`).join(', ')}`);
        return [{ ...peer, podSelector: reqs.reduce((sel, r) => withExpression(sel, r), peer.podSelector) }];
      });
      // An empty `from` would admit every source: a rule left without peers is removed.
      if (peers.length === 0) {
        changes.push(`${p.namespace}/${p.name} ingress rule ${ri}: no peer left, removed`);
        return undefined;
      }
      return { ...rule, from: peers };
    }).filter((r): r is NetworkPolicyIngressRule => r !== undefined);
    if (touched) changed.push({ ...p, ingress });
  }
  if (selecting.length === 0) {
    const who = sources.length === 1 ? (ag.graph.getNodeAttributes(sources[0]!.id) as WorkloadNodeAttributes).name : `${sources.length}-sources`;
    const name = `lateral-close-${who}-to-${b.name}`.slice(0, 253);
    const podSelector: LabelSelector = { matchLabels: Object.fromEntries(Object.entries(bPod.labels).filter(([k, v]) => bPods.every((p) => p.labels[k] === v))) };
    changed.push({ namespace: bPod.namespace, name, podSelector, policyTypes: ['Ingress'], ingress: [{ from: everyoneBut(sources) }] });
    changes.push(`new policy ${bPod.namespace}/${name}: ${to} admits every source but ${sources.map(what).join(', ')} (nothing isolated its ingress before)`);
  }

  const key = (p: NetworkPolicy) => `${p.namespace}/${p.name}`;
  const replaced = new Map(changed.map((p) => [key(p), p]));
  const policies = [...cluster.policies.map((p) => replaced.get(key(p)) ?? p), ...changed.filter((p) => !cluster.policies.some((q) => key(q) === key(p)))];
  // Only policies change: recompile reuses the selector and pod answers of the original compile.
  const after = recompile(compiled, { ...cluster, policies }, compiled.options);
  const affected = ag.workloads.filter((id) => {
    const w = ag.graph.getNodeAttributes(id) as WorkloadNodeAttributes;
    const pods = ag.index.endpointPods[w.endpoint]!.map((i) => cluster.pods[i]!);
    return changed.some((p) => p.namespace === w.namespace && pods.some((pod) => matchesSelector(p.podSelector, pod.labels)));
  });
  const { verified, alsoBlocks } = closedBy(ag, after, ids, to, affected);
  return { ...base, policies: changed, changes, verified, alsoBlocks };
}
