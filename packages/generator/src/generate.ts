/**
 * Least-privilege NetworkPolicies from observed traffic.
 *
 * Every workload in the capture (as client, server, or both) is isolated in both directions
 * (or those asked for) and allowed exactly the observed peers on the observed ports, plus DNS
 * for egress — minus what the cluster's existing policies already allow it (computed as if the
 * workload were isolated, since it will be; see side-cluster.ts). A workload seen only as a
 * client still gets an ingress policy (nothing may connect to it), one seen only as a server
 * an egress policy. Peers are workloads by their stable selector labels (plus the namespace by
 * `kubernetes.io/metadata.name` across namespaces) and outside addresses as /32 or /128.
 *
 * What is not traffic to allow: connections the network dropped (at either end: an audit
 * finding, listed with the policy that denies it), a pod to itself, and traffic between a pod
 * and its own node (always allowed; the flows reader sets it apart).
 *
 * Output is deterministic: every list is sorted, so the same input gives byte-identical YAML
 * and a re-run after new captures gives a reviewable diff.
 */
import {
  adminTierDeny,
  DEFAULT_EVAL_OPTIONS,
  explainConnection,
  type AdminDeny,
  InputError,
  rangesContain,
  type Cluster,
  type CompiledCluster,
  type Endpoint,
  type EvalOptions,
  type LabelSelector,
  type Labels,
  type NetworkPolicy,
  type NetworkPolicyEgressRule,
  type NetworkPolicyIngressRule,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type Pod,
  type PolicyType,
  type Protocol,
} from '@lateral/core';
import type { FlowEdge, FlowSet, NodeLocalFlow } from '@lateral/flows';
import { dnsTarget, isDnsConnection, isDnsPod, type DnsTarget } from './dns.js';
import { checkAggregation, externalCidr, type Aggregation } from './external-cidr.js';
import { endpointLabel, flowPod, FlowJudge, isSelfFlow } from './flow-nodes.js';
import { compileSide, isIsolated, type Direction } from './side-cluster.js';
import { SelectorChooser } from './stable-selector.js';

export type Directions = 'ingress' | 'egress' | 'both';

export interface GenerateOptions {
  /** Which directions to isolate every workload of the capture in (default both). */
  readonly directions?: Directions;
  /** Same as directions: 'ingress' (kept for existing callers). */
  readonly ingressOnly?: boolean;
  /** Same as directions: 'egress'. */
  readonly egressOnly?: boolean;
  /** No DNS rule in egress policies (observed lookups then get ordinary rules). */
  readonly noDns?: boolean;
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
   * Also allow connections the network dropped. Off by default: a connection refused at
   * either end is an audit finding, not a request for access, and may be an attack.
   */
  readonly allowDropped?: boolean;
  /** Same as allowDropped (kept for existing callers). */
  readonly includeDropped?: boolean;
  readonly evalOptions?: EvalOptions;
  /**
   * The cluster compiled with the same evalOptions, when the caller has it: the side clusters
   * are recompiled from it (compile-from.ts) instead of compiled afresh.
   */
  readonly compiled?: CompiledCluster;
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

/** A connection the network dropped: left out of the rules, with what denies it. */
export interface DroppedConnection {
  readonly from: string;
  readonly to: string;
  readonly protocol: Protocol;
  readonly port: number;
  readonly count: number;
  readonly dropped: number;
  /**
   * The existing policy that denies it, by core's explanation of the inputs; or why the inputs
   * cannot tell (their policies allow it: the network runs policies the inputs lack).
   */
  readonly deniedBy: string;
}

/**
 * An observed connection an Admin-tier Deny closes (ClusterNetworkPolicy `tier: Admin`,
 * AdminNetworkPolicy): no NetworkPolicy can open it, so no rule is emitted for it.
 */
export interface TierBlockedConnection {
  readonly from: string;
  readonly to: string;
  readonly protocol: Protocol;
  readonly port: number;
  readonly count: number;
  /** `cnp/tenant-isolation ingress rule "deny-cross-tenant"`. */
  readonly blockedBy: string;
  /** The side the rule decides. */
  readonly direction: Direction;
}

export interface Generated {
  /** Sorted by namespace, then name. */
  readonly policies: readonly GeneratedPolicy[];
  /** The edges the policies are generated from. */
  readonly considered: readonly FlowEdge[];
  /** Edges with dropped records, left out (see allowDropped); in the report as `dropped`. */
  readonly droppedOnly: readonly FlowEdge[];
  readonly dropped: readonly DroppedConnection[];
  /** Observed connections an Admin-tier Deny closes: no rule (a NetworkPolicy cannot open them). */
  readonly blockedByTier: readonly TierBlockedConnection[];
  /** Workloads isolated, per direction (`ns/name`), for the report. */
  readonly isolated: { readonly ingress: readonly string[]; readonly egress: readonly string[] };
  /** The directions generated for. */
  readonly directions: readonly Direction[];
  /** Traffic between pods and their own nodes: always allowed, no rule. */
  readonly nodeLocal: readonly NodeLocalFlow[];
  /** The cluster DNS the egress policies allow; absent with noDns. */
  readonly dns?: DnsTarget;
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
  readonly dnsFlows: Map<number, MutableNote>;
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
  readonly notes: Map<number, MutableNote>;
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

/** `key`: the same number for the same (from, to, protocol, port) labels (NoteKeys). */
function addNote(notes: Map<number, MutableNote>, edge: FlowEdge, key: number): void {
  const n = notes.get(key);
  if (!n) {
    const from = endpointLabel(edge.src);
    const to = endpointLabel(edge.dst);
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

/**
 * Notes merge the edges whose ends read the same (two endpoints of one workload, in two pod
 * classes): keyed by a number made of the labels' ids, protocol and port, not a string built
 * per edge.
 */
class NoteKeys {
  private readonly ids = new Map<string, number>();

  private id(label: string): number {
    let id = this.ids.get(label);
    if (id === undefined) this.ids.set(label, (id = this.ids.size));
    return id;
  }

  of(edge: FlowEdge): number {
    const from = this.id(endpointLabel(edge.src));
    const to = this.id(endpointLabel(edge.dst));
    // Below 2^53 for up to 2^23 distinct labels: (2^23)^2 * 4 * 65536.
    return ((from * 8388608 + to) * 4 + PROTO_ORDER[edge.protocol]) * 65536 + edge.port;
  }
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

function directionsOf(options: GenerateOptions): Direction[] {
  if (options.ingressOnly && options.egressOnly) throw new InputError('ingressOnly and egressOnly exclude each other');
  const d = options.directions ?? (options.ingressOnly ? 'ingress' : options.egressOnly ? 'egress' : 'both');
  if (d === 'both') return ['ingress', 'egress'];
  if (d === 'ingress' || d === 'egress') return [d];
  throw new InputError(`directions must be ingress, egress or both, not ${JSON.stringify(d)}`);
}

export function generatePolicies(cluster: Cluster, flows: FlowSet, options: GenerateOptions = {}): Generated {
  const directions = directionsOf(options);
  checkAggregation(options.aggregateExternal);
  const evalOptions = options.evalOptions ?? DEFAULT_EVAL_OPTIONS;
  const skip = new Set(options.skipNamespaces ?? DEFAULT_SKIP_NAMESPACES);
  const selectors = new SelectorChooser(cluster);
  const warnings = new Set<string>();
  const dns = options.noDns ? undefined : dnsTarget(cluster);
  const allowDropped = options.allowDropped === true || options.includeDropped === true;

  const considered: FlowEdge[] = [];
  const droppedOnly: FlowEdge[] = [];
  for (const e of flows.edges) {
    // Dropped at either end (the source's egress may forward what the destination's ingress
    // drops): the connection did not go through.
    if (!allowDropped && e.dropped > 0) droppedOnly.push(e);
    else considered.push(e);
  }

  const subjects = new Map<string, Subject>();
  // Asked per flow edge: by the pod object first (an edge's pod is its endpoint's representative, so few distinct).
  const subjectByPod = new Map<Pod, Subject | null>();
  const subjectOf = (pod: Pod): Subject | undefined => {
    const known = subjectByPod.get(pod);
    if (known !== undefined) return known ?? undefined;
    let s: Subject | undefined;
    if (!skip.has(pod.namespace)) {
      const key = ownerKey(pod);
      s = subjects.get(key);
      if (!s) {
        s = { pod, id: `${pod.owner.namespace}/${pod.owner.name}`, ingress: new Map(), egress: new Map(), dnsFlows: new Map(), ingressSeen: false, egressSeen: false, dnsNeeded: false };
        subjects.set(key, s);
      }
    }
    subjectByPod.set(pod, s ?? null);
    return s;
  };

  const podOf = (e: FlowEdge['src']): Pod | undefined => {
    if (e.kind !== 'pod') return undefined;
    const pod = cluster.pods[e.pod];
    if (!pod) throw new InputError(`flow endpoint ${e.workload} names pod index ${e.pod}, which the cluster does not have`);
    return pod;
  };

  // Every workload of the capture is isolated in every direction generated for, whichever
  // side it was seen on (dropped attempts and node-local probes included: they make it part of
  // the capture, and isolating it opens nothing).
  const namespaces: Record<Direction, Set<string>> = { ingress: new Set(), egress: new Set() };
  const enlist = (pod: Pod | undefined) => {
    if (!pod) return;
    const s = subjectOf(pod);
    if (!s) return;
    for (const d of directions) {
      if (d === 'ingress') s.ingressSeen = true;
      else s.egressSeen = true;
      namespaces[d].add(pod.namespace);
    }
  };
  for (const e of flows.edges) {
    enlist(podOf(e.src));
    enlist(podOf(e.dst));
  }
  const nodeLocal = flows.nodeLocal ?? [];
  for (const n of nodeLocal) if (n.podIndex !== undefined) enlist(cluster.pods[n.podIndex]);

  // CIDRs wider than the addresses behind them, as emitted in rules.
  const aggregates = new Set<string>();
  // A rule peer is the same for every edge naming the same pod (or address) from the same
  // policy namespace: made once, not per edge.
  const podPeers = new Map<Pod, Map<string, { peer: NetworkPolicyPeer; sortKey: string }>>();
  const ipPeers = new Map<string, { peer: NetworkPolicyPeer; sortKey: string }>();
  const peerOf = (e: FlowEdge['src'], policyNamespace: string): { peer: NetworkPolicyPeer; sortKey: string } => {
    if (e.kind === 'ip') {
      let known = ipPeers.get(e.ip);
      if (!known) ipPeers.set(e.ip, (known = makePeer(e, policyNamespace)));
      return known;
    }
    const pod = podOf(e)!;
    let byNs = podPeers.get(pod);
    if (!byNs) podPeers.set(pod, (byNs = new Map()));
    let known = byNs.get(policyNamespace);
    if (!known) byNs.set(policyNamespace, (known = makePeer(e, policyNamespace)));
    return known;
  };
  // Selector objects are shared: one per workload (its stable labels) and one per namespace,
  // so that a compile of the generated policies interns each once (core keeps selector ids per
  // object), not once per rule.
  const podSelectors = new Map<Labels, LabelSelector>();
  const podSelectorOf = (matchLabels: Labels): LabelSelector => {
    let sel = podSelectors.get(matchLabels);
    if (!sel) podSelectors.set(matchLabels, (sel = { matchLabels }));
    return sel;
  };
  const namespaceSelectors = new Map<string, LabelSelector>();
  const namespaceSelectorOf = (namespace: string): LabelSelector => {
    let sel = namespaceSelectors.get(namespace);
    if (!sel) namespaceSelectors.set(namespace, (sel = { matchLabels: { 'kubernetes.io/metadata.name': namespace } }));
    return sel;
  };
  const makePeer = (e: FlowEdge['src'], policyNamespace: string): { peer: NetworkPolicyPeer; sortKey: string } => {
    if (e.kind === 'ip') {
      const c = externalCidr(e.ip, options.aggregateExternal);
      if (c.aggregated) aggregates.add(c.text);
      return { peer: { ipBlock: { cidr: c.text } }, sortKey: `2\u0000${c.family}\u0000${c.start.toString(16).padStart(32, '0')}\u0000${String(c.prefix).padStart(3, '0')}` };
    }
    const pod = podOf(e)!;
    const sel = selectors.forPod(pod);
    if (sel.warning) warnings.add(sel.warning);
    const podSelector = podSelectorOf(sel.matchLabels);
    if (pod.namespace === policyNamespace) {
      return { peer: { podSelector }, sortKey: `0\u0000\u0000${labelsText(sel.matchLabels)}` };
    }
    return {
      peer: { namespaceSelector: namespaceSelectorOf(pod.namespace), podSelector },
      sortKey: `1\u0000${pod.namespace}\u0000${labelsText(sel.matchLabels)}`,
    };
  };

  // A rule port and its sort key, made once per protocol and port (or name), not per edge.
  const numberedPorts = new Map<number, { key: string; port: NetworkPolicyPort }>();
  const namedPorts = new Map<string, { key: string; port: NetworkPolicyPort }>();
  const portOf = (edge: FlowEdge, dst: Pod | undefined): { key: string; port: NetworkPolicyPort } => {
    if (options.namedPorts && dst) {
      // Named ports resolve on the destination pod (for ingress, the subject itself).
      const named = dst.ports.find((cp) => cp.name && cp.containerPort === edge.port && cp.protocol === edge.protocol);
      if (named?.name) {
        const k = `${edge.protocol}/${named.name}`;
        let known = namedPorts.get(k);
        if (!known) {
          const port: NetworkPolicyPort = { protocol: edge.protocol, port: named.name };
          namedPorts.set(k, (known = { key: portKey(port), port }));
        }
        return known;
      }
    }
    const k = PROTO_ORDER[edge.protocol] * 65536 + edge.port;
    let known = numberedPorts.get(k);
    if (!known) {
      const port: NetworkPolicyPort = { protocol: edge.protocol, port: edge.port };
      numberedPorts.set(k, (known = { key: portKey(port), port }));
    }
    return known;
  };
  const noteKeys = new NoteKeys();

  const record = (needs: Map<string, PeerNeed>, peerEnd: FlowEdge['src'], policyNamespace: string, edge: FlowEdge, dst: Pod | undefined) => {
    const { peer, sortKey } = peerOf(peerEnd, policyNamespace);
    let need = needs.get(sortKey);
    if (!need) {
      need = { peer, sortKey, ports: new Map(), notes: new Map() };
      needs.set(sortKey, need);
    }
    const port = portOf(edge, dst);
    need.ports.set(port.key, port.port);
    addNote(need.notes, edge, noteKeys.of(edge));
  };

  // What an Admin-tier Deny closes, asked once per edge (both directions share the answer): a
  // generated rule for it would be dead weight in the YAML and a false promise to its reader.
  const tierBlocked = new Map<FlowEdge, AdminDeny | null>();
  const blockedOf = (e: FlowEdge): AdminDeny | null => {
    let b = tierBlocked.get(e);
    if (b === undefined) {
      const end = (x: FlowEdge['src']): Endpoint => (x.kind === 'pod' ? { kind: 'pod', pod: podOf(x)! } : { kind: 'ip', ip: x.ip });
      b = adminTierDeny(cluster, end(e.src), end(e.dst), e.port, e.protocol) ?? null;
      tierBlocked.set(e, b);
    }
    return b;
  };
  const tiers = (cluster.tierPolicies ?? []).length > 0;

  const dnsPods = dns ? cluster.pods.flatMap((p, i) => (isDnsPod(p, dns) ? [i] : [])) : [];
  const podIndex = new Map(cluster.pods.map((p, i) => [p, i]));
  let previous = options.compiled;
  for (const direction of directions) {
    if (namespaces[direction].size === 0) continue;
    const judge = new FlowJudge(compileSide(cluster, direction, namespaces[direction], evalOptions, previous));
    previous = judge.compiled;
    // DNS is needed by every egress subject whose existing rules do not already reach a DNS
    // pod on both protocols (observed lookups or not).
    if (direction === 'egress' && dns) {
      for (const s of subjects.values()) {
        if (!s.egressSeen) continue;
        const from = judge.compiled.podClass[podIndex.get(s.pod)!]!;
        const reached = dnsPods.some((i) => {
          const ports = judge.ports(from, judge.compiled.podClass[i]!);
          return rangesContain(ports.UDP, dns.ports.UDP) && rangesContain(ports.TCP, dns.ports.TCP);
        });
        if (!reached) s.dnsNeeded = true;
      }
    }
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
      if (direction === 'egress' && dns && isDnsConnection(dst, e.port, e.protocol, dns)) {
        addNote(subject.dnsFlows, e, noteKeys.of(e));
        continue;
      }
      if (tiers && blockedOf(e)) continue;
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
      // With --default-deny the namespace's rule-less policy isolates it already.
      if (needs.size === 0 && !dnsNeeded && (options.defaultDeny || isIsolated(cluster.policies, s.pod, direction))) continue;
      const rules = buildRules(needs);
      const provenance: RuleProvenance[] = rules.map((r) => ({ flows: r.notes }));
      const name = allocate(namespace, `${base}-${direction}`);
      let policy: NetworkPolicy;
      if (direction === 'ingress') {
        const ingress: NetworkPolicyIngressRule[] = rules.map((r) => ({ from: r.peers, ports: r.ports }));
        policy = { namespace, name, podSelector: podSelectorOf(sel.matchLabels), policyTypes: ['Ingress'], ingress };
        policies.push({ policy, subject: s.id, ingressRules: provenance, egressRules: [] });
      } else {
        const dnsRule = dns && (s.dnsNeeded || s.dnsFlows.size > 0) ? [dns.rule] : [];
        const egress: NetworkPolicyEgressRule[] = [...dnsRule, ...rules.map((r) => ({ to: r.peers, ports: r.ports }))];
        policy = { namespace, name, podSelector: podSelectorOf(sel.matchLabels), policyTypes: ['Egress'], egress };
        const dnsProvenance: RuleProvenance[] = dnsRule.length > 0 ? [{ flows: sortedNotes(s.dnsFlows.values()), dns: true }] : [];
        policies.push({ policy, subject: s.id, ingressRules: [], egressRules: [...dnsProvenance, ...provenance] });
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
  const isolated = {
    ingress: ordered.filter((s) => s.ingressSeen).map((s) => s.id),
    egress: ordered.filter((s) => s.egressSeen).map((s) => s.id),
  };
  if (dns && !dns.source.startsWith('service ')) warnings.add(dns.source);
  const blockedByTier: TierBlockedConnection[] = [];
  for (const [e, b] of tierBlocked) {
    if (b) blockedByTier.push({ from: endpointLabel(e.src), to: endpointLabel(e.dst), protocol: e.protocol, port: e.port, count: e.count, blockedBy: b.text, direction: b.direction });
  }
  blockedByTier.sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || PROTO_ORDER[a.protocol] - PROTO_ORDER[b.protocol] || a.port - b.port);
  return {
    policies,
    considered,
    droppedOnly,
    dropped: droppedOnly.map((e) => droppedConnection(cluster, e, evalOptions)),
    blockedByTier,
    isolated,
    directions,
    nodeLocal,
    ...(dns ? { dns } : {}),
    aggregates: [...aggregates].sort(),
    warnings: [...warnings].sort(),
  };
}

/** What the inputs' policies say about a dropped connection: the policy whose isolation denies it. */
function droppedConnection(cluster: Cluster, e: FlowEdge, evalOptions: EvalOptions): DroppedConnection {
  const endpoint = (x: FlowEdge['src']): Endpoint => (x.kind === 'pod' ? { kind: 'pod', pod: cluster.pods[x.pod]! } : { kind: 'ip', ip: x.ip });
  const x = explainConnection(cluster, endpoint(e.src), endpoint(e.dst), e.port, e.protocol, evalOptions);
  const deniedBy = x.allowed
    ? 'the policies in the inputs allow it: dropped by a policy the inputs lack, or for another reason'
    : x.denyingSides.map((side) => `${side}: ${side === 'egress' ? x.egress.reason : x.ingress.reason}`).join('; ');
  return { from: endpointLabel(e.src), to: endpointLabel(e.dst), protocol: e.protocol, port: e.port, count: e.count, dropped: e.dropped, deniedBy };
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
