/**
 * How to close one allowed connection A -> B with a NetworkPolicy change, and what else the
 * change closes. NetworkPolicy v1 can only allow, so closing means narrowing B's ingress:
 * every ingress rule (of every policy selecting B) with a peer that admits A gets A excluded
 * from that peer; if nothing isolates B's ingress, a new policy admits everyone but A. The
 * proposal is then checked by compiling the changed cluster, never trusted on construction.
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
} from '../model/model.js';

const NS_LABEL = 'kubernetes.io/metadata.name';

export interface ConnectionRemoval {
  readonly from: string;
  readonly to: string;
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

/** Every source but A's pods: other namespaces, A's namespace without A's label, and outside addresses. */
function everyoneBut(nsA: string, req: LabelSelectorRequirement, aIps: readonly string[]): NetworkPolicyPeer[] {
  const v4 = aIps.filter((ip) => !ip.includes(':')).map(hostCidr);
  const v6 = aIps.filter((ip) => ip.includes(':')).map(hostCidr);
  return [
    { namespaceSelector: { matchExpressions: [{ key: NS_LABEL, operator: 'NotIn', values: [nsA] }] } },
    { namespaceSelector: { matchLabels: { [NS_LABEL]: nsA } }, podSelector: { matchExpressions: [req] } },
    { ipBlock: { cidr: '0.0.0.0/0', ...(v4.length ? { except: v4 } : {}) } },
    { ipBlock: { cidr: '::/0', ...(v6.length ? { except: v6 } : {}) } },
  ];
}

export function proposeConnectionRemoval(ag: AttackGraph, from: string, to: string): ConnectionRemoval {
  const { compiled } = ag;
  const { cluster } = compiled;
  const ipBlockPods = compiled.options.ipBlockPods === 'match';
  const a = ag.graph.getNodeAttributes(from) as WorkloadNodeAttributes;
  const b = ag.graph.getNodeAttributes(to) as WorkloadNodeAttributes;
  const aPods = ag.index.endpointPods[a.endpoint]!.map((i) => cluster.pods[i]!);
  const bPods = ag.index.endpointPods[b.endpoint]!.map((i) => cluster.pods[i]!);
  const bPod = bPods[0]!;
  const label = exclusionLabel(cluster, aPods);
  const base = { from, to };
  if (!label) {
    return { ...base, policies: [], changes: [], verified: false, alsoBlocks: [], problem: `${from} has no label common to its pods to exclude it by` };
  }
  const req: LabelSelectorRequirement = { key: label[0], operator: 'NotIn', values: [label[1]] };
  const aIps = [...new Set(aPods.flatMap((p) => p.ips))];
  const admitsA = (policyNs: string, peer: NetworkPolicyPeer) => aPods.some((p) => peerSelects(cluster, policyNs, peer, p, ipBlockPods));

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
        changes.push(`${p.namespace}/${p.name} ingress rule ${ri}: admits every source; now every source but ${label[0]}=${label[1]} in ${a.namespace}`);
        return { ...rule, from: everyoneBut(a.namespace, req, aIps) };
      }
      const peers = rule.from.flatMap((peer, pi): NetworkPolicyPeer[] => {
        if (!admitsA(p.namespace, peer)) return [peer];
        touched = true;
        if (peer.ipBlock) {
          const except = [...(peer.ipBlock.except ?? []), ...aIps.filter((ip) => ipBlockHas(peer.ipBlock!, ip)).map(hostCidr)];
          changes.push(`${p.namespace}/${p.name} ingress rule ${ri} peer ${pi}: ipBlock ${peer.ipBlock.cidr} now excepts ${from}'s pod IPs`);
          return [{ ipBlock: { ...peer.ipBlock, except } }];
        }
        // A peer that asks for the very label A is excluded by would read `app: worker` and
        // `app NotIn [worker]` at once: it selects nothing then, so it goes.
        if (requires(peer.podSelector, label[0], label[1])) {
          changes.push(`${p.namespace}/${p.name} ingress rule ${ri} peer ${pi}: selects only pods labelled ${label[0]}=${label[1]}, as ${from}'s are: removed`);
          return [];
        }
        changes.push(`${p.namespace}/${p.name} ingress rule ${ri} peer ${pi}: podSelector now requires ${label[0]} notin (${label[1]})`);
        return [{ ...peer, podSelector: withExpression(peer.podSelector, req) }];
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
    const name = `lateral-close-${a.name}-to-${b.name}`.slice(0, 253);
    const podSelector: LabelSelector = { matchLabels: Object.fromEntries(Object.entries(bPod.labels).filter(([k, v]) => bPods.every((p) => p.labels[k] === v))) };
    changed.push({ namespace: bPod.namespace, name, podSelector, policyTypes: ['Ingress'], ingress: [{ from: everyoneBut(a.namespace, req, aIps) }] });
    changes.push(`new policy ${bPod.namespace}/${name}: ${to} admits every source but ${label[0]}=${label[1]} in ${a.namespace} (nothing isolated its ingress before)`);
  }

  const key = (p: NetworkPolicy) => `${p.namespace}/${p.name}`;
  const replaced = new Map(changed.map((p) => [key(p), p]));
  const policies = [...cluster.policies.map((p) => replaced.get(key(p)) ?? p), ...changed.filter((p) => !cluster.policies.some((q) => key(q) === key(p)))];
  // Only policies change: recompile reuses the selector and pod answers of the original compile.
  const after = recompile(compiled, { ...cluster, policies }, compiled.options);
  const rep = (id: string) => {
    const attrs = ag.graph.getNodeAttributes(id) as WorkloadNodeAttributes;
    return cluster.pods[ag.index.endpointPods[attrs.endpoint]![0]!]!;
  };
  // Connections into every workload the changed policies select, re-asked of the new compile.
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
  const edgePorts = ag.graph.getEdgeAttributes(from, to);
  const verified = edgePorts.kind === 'network' && closedPorts(from, to).length === edgePorts.ports.length;
  const affected = ag.workloads.filter((id) => {
    const w = ag.graph.getNodeAttributes(id) as WorkloadNodeAttributes;
    const pods = ag.index.endpointPods[w.endpoint]!.map((i) => cluster.pods[i]!);
    return changed.some((p) => p.namespace === w.namespace && pods.some((pod) => matchesSelector(p.podSelector, pod.labels)));
  });
  const alsoBlocks: { from: string; to: string; ports: AttackPort[] }[] = [];
  for (const d of affected) {
    ag.graph.forEachInNeighbor(d, (s) => {
      if (s === from && d === to) return;
      const ports = closedPorts(s, d);
      if (ports.length > 0) alsoBlocks.push({ from: s, to: d, ports });
    });
  }
  alsoBlocks.sort((x, y) => (x.from + x.to < y.from + y.to ? -1 : 1));
  return { ...base, policies: changed, changes, verified, alsoBlocks };
}
