/**
 * Least-privilege NetworkPolicies from observed traffic.
 *
 * Per workload that sent or received traffic: one policy per direction that isolates it and
 * allows exactly the observed peers on the observed ports — minus what the cluster's existing
 * policies already allow it (computed as if the workload were isolated, since it will be; see
 * side-cluster.ts). Peers are workloads by their stable selector labels (plus the namespace by
 * `kubernetes.io/metadata.name` across namespaces) and outside addresses as /32 or /128.
 *
 * Output is deterministic: every list is sorted, so the same input gives byte-identical YAML
 * and a re-run after new captures gives a reviewable diff.
 */
import {
  DEFAULT_EVAL_OPTIONS,
  InputError,
  type Cluster,
  type EvalOptions,
  type NetworkPolicy,
  type NetworkPolicyEgressRule,
  type NetworkPolicyIngressRule,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type Pod,
  type PolicyType,
  type Protocol,
} from '@lateral/core';
import type { FlowEdge, FlowSet } from '@lateral/flows';
import { DNS_RULE, isDnsConnection } from './dns.js';
import { checkAggregation, externalCidr, type Aggregation } from './external-cidr.js';
import { endpointLabel, flowPod, FlowJudge, isSelfFlow } from './flow-nodes.js';
import { compileSide, isIsolated, type Direction } from './side-cluster.js';
import { SelectorChooser } from './stable-selector.js';

export interface GenerateOptions {
  /** Only ingress policies (egress stays as the cluster has it). */
  readonly ingressOnly?: boolean;
  /** Only egress policies. */
  readonly egressOnly?: boolean;
  /** Name ports the destination's containers name (`port: grpc`) instead of numbering them. */
  readonly namedPorts?: boolean;
  /** Widen outside addresses to these prefix lengths. */
  readonly aggregateExternal?: Aggregation;
  /** Add a rule-less policy selecting every pod of each namespace generated for. */
  readonly defaultDeny?: boolean;
  /**
   * Namespaces whose workloads get no policies (their traffic still shapes the peers of
   * others). Default: kube-system — isolating CoreDNS to the clients seen in one capture would
   * break name resolution for every client not seen.
   */
  readonly skipNamespaces?: readonly string[];
  /**
   * Also allow flows that the network only ever dropped. Off by default: a connection that was
   * always refused is not traffic the workload depends on, and may be an attack.
   */
  readonly includeDropped?: boolean;
  readonly evalOptions?: EvalOptions;
}

export const DEFAULT_SKIP_NAMESPACES: readonly string[] = ['kube-system'];

/** One observed connection behind a rule, for the comment above it. */
export interface FlowNote {
  readonly from: string;
  readonly to: string;
  readonly protocol: Protocol;
  readonly port: number;
  readonly count: number;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
}

/** Why each rule is there: its flows, or the declared DNS allowance. */
export interface RuleProvenance {
  readonly flows: readonly FlowNote[];
  readonly dns?: boolean;
}

export interface GeneratedPolicy {
  readonly policy: NetworkPolicy;
  /** Workload id (`ns/name`) the policy is for; `*` for a namespace's default-deny. */
  readonly subject: string;
  readonly ingressRules: readonly RuleProvenance[];
  readonly egressRules: readonly RuleProvenance[];
}

export interface Generated {
  /** Sorted by namespace, then name. */
  readonly policies: readonly GeneratedPolicy[];
  /** The flows the policies are generated from (and verified against). */
  readonly considered: readonly FlowEdge[];
  /** Flows the network only ever dropped, left out (see includeDropped). */
  readonly droppedOnly: readonly FlowEdge[];
  /** CIDRs that stand for wider address ranges than observed (aggregateExternal). */
  readonly aggregates: readonly string[];
  readonly warnings: readonly string[];
}

export const MANAGED_BY_LABEL = { 'app.kubernetes.io/managed-by': 'lateral' } as const;

interface Subject {
  readonly pod: Pod;
  readonly id: string;
  readonly ingress: Map<string, PeerNeed>;
  readonly egress: Map<string, PeerNeed>;
  readonly dnsFlows: Map<string, MutableNote>;
  ingressSeen: boolean;
  egressSeen: boolean;
  /** A DNS flow that existing egress rules do not allow: the DNS rule is needed. */
  dnsNeeded: boolean;
}

interface PeerNeed {
  readonly peer: NetworkPolicyPeer;
  readonly sortKey: string;
  /** port key -> port */
  readonly ports: Map<string, NetworkPolicyPort>;
  readonly notes: Map<string, MutableNote>;
}

interface MutableNote {
  from: string;
  to: string;
  protocol: Protocol;
  port: number;
  count: number;
  firstSeen?: string;
  lastSeen?: string;
}

const PROTO_ORDER: Readonly<Record<Protocol, number>> = { TCP: 0, UDP: 1, SCTP: 2 };

function ownerKey(p: Pod): string {
  return `${p.owner.kind}\u0000${p.owner.namespace}\u0000${p.owner.name}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function labelsText(l: Readonly<Record<string, string>>): string {
  return Object.keys(l)
    .sort()
    .map((k) => `${k}=${l[k]}`)
    .join(',');
}

function addNote(notes: Map<string, MutableNote>, edge: FlowEdge): void {
  const from = endpointLabel(edge.src);
  const to = endpointLabel(edge.dst);
  const key = `${from}\u0000${to}\u0000${edge.protocol}\u0000${edge.port}`;
  const n = notes.get(key);
  if (!n) {
    notes.set(key, {
      from,
      to,
      protocol: edge.protocol,
      port: edge.port,
      count: edge.count,
      ...(edge.firstSeen !== undefined ? { firstSeen: edge.firstSeen } : {}),
      ...(edge.lastSeen !== undefined ? { lastSeen: edge.lastSeen } : {}),
    });
    return;
  }
  n.count += edge.count;
  if (edge.firstSeen !== undefined && (n.firstSeen === undefined || edge.firstSeen < n.firstSeen)) n.firstSeen = edge.firstSeen;
  if (edge.lastSeen !== undefined && (n.lastSeen === undefined || edge.lastSeen > n.lastSeen)) n.lastSeen = edge.lastSeen;
}

function sortedNotes(notes: Iterable<MutableNote>): FlowNote[] {
  return [...notes].sort(
    (a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || PROTO_ORDER[a.protocol] - PROTO_ORDER[b.protocol] || a.port - b.port,
  );
}

function portKey(p: NetworkPolicyPort): string {
  const proto = p.protocol ?? 'TCP';
  // Numbers before names, numbers in numeric order: a fixed-width key sorts both.
  const port = typeof p.port === 'number' ? `0${String(p.port).padStart(5, '0')}` : `1${p.port}`;
  return `${PROTO_ORDER[proto]}${port}`;
}

/** Policy names: `lateral-<workload>-<direction>`, unique in the namespace, never an existing policy's name (apply would replace it). */
function nameAllocator(existing: readonly NetworkPolicy[]) {
  const taken = new Set(existing.map((p) => `${p.namespace}/${p.name}`));
  return (namespace: string, base: string): string => {
    let name = base.slice(0, 253);
    for (let i = 2; taken.has(`${namespace}/${name}`); i++) name = `${base.slice(0, 240)}-${i}`;
    taken.add(`${namespace}/${name}`);
    return name;
  };
}

export function generatePolicies(cluster: Cluster, flows: FlowSet, options: GenerateOptions = {}): Generated {
  if (options.ingressOnly && options.egressOnly) throw new InputError('ingressOnly and egressOnly exclude each other');
  checkAggregation(options.aggregateExternal);
  const evalOptions = options.evalOptions ?? DEFAULT_EVAL_OPTIONS;
  const directions: Direction[] = options.ingressOnly ? ['ingress'] : options.egressOnly ? ['egress'] : ['ingress', 'egress'];
  const skip = new Set(options.skipNamespaces ?? DEFAULT_SKIP_NAMESPACES);
  const selectors = new SelectorChooser(cluster);
  const warnings = new Set<string>();

  const considered: FlowEdge[] = [];
  const droppedOnly: FlowEdge[] = [];
  for (const e of flows.edges) {
    if (!options.includeDropped && e.dropped > 0 && e.dropped >= e.count) droppedOnly.push(e);
    else considered.push(e);
  }

  const subjects = new Map<string, Subject>();
  const subjectOf = (pod: Pod): Subject | undefined => {
    if (skip.has(pod.namespace)) return undefined;
    const key = ownerKey(pod);
    let s = subjects.get(key);
    if (!s) {
      s = { pod, id: `${pod.owner.namespace}/${pod.owner.name}`, ingress: new Map(), egress: new Map(), dnsFlows: new Map(), ingressSeen: false, egressSeen: false, dnsNeeded: false };
      subjects.set(key, s);
    }
    return s;
  };

  const podOf = (e: FlowEdge['src']): Pod | undefined => {
    if (e.kind !== 'pod') return undefined;
    const pod = cluster.pods[e.pod];
    if (!pod) throw new InputError(`flow endpoint ${e.workload} names pod index ${e.pod}, which the cluster does not have`);
    return pod;
  };

  // Which workloads will be isolated, per direction, decides the side clusters.
  const namespaces: Record<Direction, Set<string>> = { ingress: new Set(), egress: new Set() };
  for (const e of considered) {
    if (e.src.kind === 'ip' && e.dst.kind === 'ip') continue;
    const src = podOf(e.src);
    const dst = podOf(e.dst);
    if (src && dst && e.src.kind === 'pod' && e.dst.kind === 'pod' && e.src.pod === e.dst.pod && src.replicas <= 1) continue;
    if (dst && directions.includes('ingress')) {
      const s = subjectOf(dst);
      if (s) {
        s.ingressSeen = true;
        namespaces.ingress.add(dst.namespace);
      }
    }
    if (src && directions.includes('egress')) {
      const s = subjectOf(src);
      if (s) {
        s.egressSeen = true;
        namespaces.egress.add(src.namespace);
      }
    }
  }

  // CIDRs wider than the addresses behind them, as emitted in rules.
  const aggregates = new Set<string>();
  const peerOf = (e: FlowEdge['src'], policyNamespace: string): { peer: NetworkPolicyPeer; sortKey: string } => {
    if (e.kind === 'ip') {
      const c = externalCidr(e.ip, options.aggregateExternal);
      if (c.aggregated) aggregates.add(c.text);
      return { peer: { ipBlock: { cidr: c.text } }, sortKey: `2\u0000${c.family}\u0000${c.start.toString(16).padStart(32, '0')}\u0000${String(c.prefix).padStart(3, '0')}` };
    }
    const pod = podOf(e)!;
    const sel = selectors.forPod(pod);
    if (sel.warning) warnings.add(sel.warning);
    const podSelector = { matchLabels: sel.matchLabels };
    if (pod.namespace === policyNamespace) {
      return { peer: { podSelector }, sortKey: `0\u0000\u0000${labelsText(sel.matchLabels)}` };
    }
    return {
      peer: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': pod.namespace } }, podSelector },
      sortKey: `1\u0000${pod.namespace}\u0000${labelsText(sel.matchLabels)}`,
    };
  };

  const portOf = (edge: FlowEdge, dst: Pod | undefined): NetworkPolicyPort => {
    if (options.namedPorts && dst) {
      // Named ports resolve on the destination pod (for ingress, the subject itself).
      const named = dst.ports.find((cp) => cp.name && cp.containerPort === edge.port && cp.protocol === edge.protocol);
      if (named?.name) return { protocol: edge.protocol, port: named.name };
    }
    return { protocol: edge.protocol, port: edge.port };
  };

  const record = (needs: Map<string, PeerNeed>, peerEnd: FlowEdge['src'], policyNamespace: string, edge: FlowEdge, dst: Pod | undefined) => {
    const { peer, sortKey } = peerOf(peerEnd, policyNamespace);
    let need = needs.get(sortKey);
    if (!need) {
      need = { peer, sortKey, ports: new Map(), notes: new Map() };
      needs.set(sortKey, need);
    }
    const port = portOf(edge, dst);
    need.ports.set(portKey(port), port);
    addNote(need.notes, edge);
  };

  for (const direction of directions) {
    if (namespaces[direction].size === 0) continue;
    const judge = new FlowJudge(compileSide(cluster, direction, namespaces[direction], evalOptions));
    for (const e of considered) {
      if (e.src.kind === 'ip' && e.dst.kind === 'ip') continue;
      if (isSelfFlow(judge.compiled, e)) continue;
      const src = flowPod(judge.compiled, e.src);
      const dst = flowPod(judge.compiled, e.dst);
      const subjectPod = direction === 'ingress' ? dst : src;
      if (!subjectPod) continue;
      const subject = subjectOf(subjectPod);
      if (!subject) continue;
      // The DNS rule goes into every generated egress policy; its flows are its provenance.
      if (direction === 'egress' && isDnsConnection(dst, e.port, e.protocol)) {
        addNote(subject.dnsFlows, e);
        if (!judge.allows(e)) subject.dnsNeeded = true;
        continue;
      }
      if (judge.allows(e)) continue;
      if (direction === 'ingress') record(subject.ingress, e.src, subjectPod.namespace, e, dst);
      else record(subject.egress, e.dst, subjectPod.namespace, e, dst);
    }
  }

  const allocate = nameAllocator(cluster.policies);
  const policies: GeneratedPolicy[] = [];
  const ordered = [...subjects.values()].sort((a, b) => cmp(a.id, b.id) || cmp(a.pod.owner.kind, b.pod.owner.kind));
  // Two kinds sharing a name in one namespace get the kind in their policy names.
  const idCount = new Map<string, number>();
  for (const s of ordered) idCount.set(s.id, (idCount.get(s.id) ?? 0) + 1);

  for (const s of ordered) {
    const { namespace } = s.pod;
    const sel = selectors.forPod(s.pod);
    if (sel.warning) warnings.add(sel.warning);
    const base = (idCount.get(s.id) ?? 0) > 1 ? `lateral-${s.pod.owner.name}-${s.pod.owner.kind.toLowerCase()}` : `lateral-${s.pod.owner.name}`;
    for (const direction of directions) {
      const seen = direction === 'ingress' ? s.ingressSeen : s.egressSeen;
      if (!seen) continue;
      const needs = direction === 'ingress' ? s.ingress : s.egress;
      // An already isolated workload whose flows existing rules cover needs nothing new; one
      // that is not isolated gets a policy even if empty of flows, so that it becomes isolated.
      const dnsNeeded = direction === 'egress' && s.dnsNeeded;
      if (needs.size === 0 && !dnsNeeded && isIsolated(cluster.policies, s.pod, direction)) continue;
      const rules = buildRules(needs);
      const provenance: RuleProvenance[] = rules.map((r) => ({ flows: r.notes }));
      const name = allocate(namespace, `${base}-${direction}`);
      let policy: NetworkPolicy;
      if (direction === 'ingress') {
        const ingress: NetworkPolicyIngressRule[] = rules.map((r) => ({ from: r.peers, ports: r.ports }));
        policy = { namespace, name, podSelector: { matchLabels: sel.matchLabels }, policyTypes: ['Ingress'], ingress };
        policies.push({ policy, subject: s.id, ingressRules: provenance, egressRules: [] });
      } else {
        const egress: NetworkPolicyEgressRule[] = [DNS_RULE, ...rules.map((r) => ({ to: r.peers, ports: r.ports }))];
        policy = { namespace, name, podSelector: { matchLabels: sel.matchLabels }, policyTypes: ['Egress'], egress };
        policies.push({ policy, subject: s.id, ingressRules: [], egressRules: [{ flows: sortedNotes(s.dnsFlows.values()), dns: true }, ...provenance] });
      }
    }
  }

  if (options.defaultDeny) {
    const nsSet = new Set([...namespaces.ingress, ...namespaces.egress]);
    for (const namespace of [...nsSet].sort()) {
      const types = directions.map((d): PolicyType => (d === 'ingress' ? 'Ingress' : 'Egress'));
      policies.push({
        policy: { namespace, name: allocate(namespace, 'lateral-default-deny'), podSelector: {}, policyTypes: types },
        subject: '*',
        ingressRules: [],
        egressRules: [],
      });
    }
  }

  policies.sort((a, b) => cmp(a.policy.namespace, b.policy.namespace) || cmp(a.policy.name, b.policy.name));
  return { policies, considered, droppedOnly, aggregates: [...aggregates].sort(), warnings: [...warnings].sort() };
}

interface BuiltRule {
  readonly peers: NetworkPolicyPeer[];
  readonly ports: NetworkPolicyPort[];
  readonly notes: FlowNote[];
}

/**
 * Peers that were seen on exactly the same ports share one rule: a rule allows every peer on
 * every port it lists, so merging peers with different port sets would allow combinations
 * never observed.
 */
function buildRules(needs: Map<string, PeerNeed>): BuiltRule[] {
  const byPorts = new Map<string, { peers: PeerNeed[]; ports: NetworkPolicyPort[] }>();
  for (const need of [...needs.values()].sort((a, b) => cmp(a.sortKey, b.sortKey))) {
    const keys = [...need.ports.keys()].sort();
    const k = keys.join('|');
    let g = byPorts.get(k);
    if (!g) {
      g = { peers: [], ports: keys.map((pk) => need.ports.get(pk)!) };
      byPorts.set(k, g);
    }
    g.peers.push(need);
  }
  const rules = [...byPorts.values()].map((g) => ({
    peers: g.peers.map((p) => p.peer),
    ports: g.ports,
    notes: sortedNotes(g.peers.flatMap((p) => [...p.notes.values()])),
    first: g.peers[0]!.sortKey,
  }));
  rules.sort((a, b) => cmp(a.first, b.first));
  return rules.map(({ peers, ports, notes }) => ({ peers, ports, notes }));
}
