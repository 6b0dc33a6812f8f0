/**
 * The proof that generated policies do what they claim, by core's compiled engine, with the
 * cluster's existing policies in force:
 *
 * 1. recall: every observed connection that went through is allowed by existing + generated
 *    policies together. Read from the capture as recorded (FlowSet.connections), not from the
 *    edges the generator worked on: each connection at the pod level (two replicas of one
 *    workload are two pods; a pod to itself and a pod to its own node are allowed by the
 *    spec), with the port as the destination pod sees it (Service ports through the Service
 *    objects), evaluated by core's compile of existing + generated policies — so a reading the
 *    generator got wrong shows here as a denied connection;
 * 2. the generated policies open nothing that was not observed: all-pairs reachability before
 *    and after, compared per workload pair and port. The only connections they may add beyond
 *    observations are the declared ones (DNS to kube-dns, addresses inside an aggregated CIDR);
 *    those are counted, anything else is listed;
 * 3. what was emitted: objects and rules.
 *
 * Pod classes differ between the two compiles (new selectors split classes), so the comparison
 * goes through pods: each after-class is paired with the before-class of each of its pods, and
 * answers are read per workload, the level at which flows are observed.
 */
import {
  adminTierDeny,
  compile,
  DEFAULT_EVAL_OPTIONS,
  EMPTY_PROTO_PORTS,
  explainConnection,
  formatIp,
  formatProtoPorts,
  isEmptyProtoPorts,
  PROTOCOLS,
  protoPortsEqual,
  subtractProtoPorts,
  subtractRanges,
  tryParseCidr,
  tryParseIp,
  type CiliumPolicy,
  type Cluster,
  type CompiledCluster,
  type Endpoint,
  type EvalOptions,
  type LabelSelector,
  type LabelSelectorRequirement,
  type NetworkPolicy,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type PortRange,
  type PortRanges,
  type Protocol,
  type ProtoPorts,
  rangesContain,
} from '@lateral/core';
import { ConnectionResolver, type FlowEdge, type FlowPeer, type FlowSet, type ResolvedEndpoint } from '@lateral/flows';
import { compileFrom } from './compile-from.js';
import { dnsTarget, isDnsPod, type DnsTarget } from './dns.js';
import { isIsolated, narrowPolicy } from './side-cluster.js';

export interface DeniedFlow {
  readonly from: string;
  readonly to: string;
  readonly protocol: Protocol;
  readonly port: number;
  readonly count: number;
  /** Which side denies and why (for the first few). */
  readonly reason?: string;
}

export interface AddedConnection {
  readonly from: string;
  readonly to: string;
  /** Per protocol, sorted inclusive ranges (the reach JSON shape). */
  readonly ports: Readonly<Record<Protocol, readonly PortRange[]>>;
  /** `TCP 8080; UDP 53` */
  readonly text: string;
}

export interface Verification {
  readonly flows: {
    /**
     * Distinct observed connections checked (pod level, as recorded), and how many are allowed
     * (recall: allowedEdges / edges).
     */
    readonly edges: number;
    readonly allowedEdges: number;
    /** Flow records behind them. */
    readonly records: number;
    readonly allowedRecords: number;
    /** allowedRecords / records, 1 when there is nothing to check. */
    readonly share: number;
    readonly denied: readonly DeniedFlow[];
    /** Records not checked: dropped by the network (not required), or naming nothing in the inputs. */
    readonly droppedRecords: number;
    readonly unresolvedRecords: number;
    /** Records allowed by the spec whatever the policies: a pod to itself, a pod and its own node. */
    readonly alwaysAllowedRecords: number;
    /**
     * Observed connections an Admin-tier Deny closes (reason: `blocked by cnp/... ingress rule
     * "..."`): no NetworkPolicy can open them, so recall does not count them.
     */
    readonly blocked: readonly DeniedFlow[];
    readonly blockedRecords: number;
  };
  /**
   * Over-permission: connections (workload pair, protocol, port range) that the generated
   * policies allow and no observation shows — `added` and `granted` together, each once.
   * Declared DNS and aggregation are counted apart, not here.
   */
  readonly overPermission: { readonly count: number; readonly connections: readonly AddedConnection[] };
  /**
   * Workload x port connections that existing + generated policies allow and existing ones
   * alone did not, beyond what was observed (before/after).
   */
  readonly added: Beyond;
  /**
   * What the generated rules allow on their own side (a generated ingress rule's peers and
   * ports into the workloads it selects; egress likewise) beyond what was observed, whatever
   * the other side allows today: a too-broad selector shows here even where the cluster was
   * open before.
   */
  readonly granted: Beyond;
  readonly emitted: {
    readonly policies: number;
    readonly rules: number;
    readonly peers: number;
    readonly ports: number;
  };
  /** Recall 100 % and over-permission within maxOver (default 0). */
  readonly ok: boolean;
}

export interface Beyond {
  /** Connections no flow shows: must be empty. */
  readonly unobserved: readonly AddedConnection[];
  /** Declared: workload pairs given kube-dns on 53 without an observed lookup. */
  readonly dns: number;
  /** Declared: pairs with addresses inside aggregated CIDRs that were not observed. */
  readonly aggregation: number;
}

export interface VerifyOptions {
  /** CIDRs the generator widened outside addresses to (declared aggregation). */
  readonly aggregates?: readonly string[];
  /** The cluster DNS the generated egress rules allow (declared); false: none declared. */
  readonly dns?: DnsTarget | false;
  /**
   * The cluster (existing policies only) compiled with the same evalOptions, when the caller has
   * it already: compiling a large cluster is the costly part.
   */
  readonly compiled?: CompiledCluster;
  /** Over-permission allowed before the verification fails (default 0). */
  readonly maxOver?: number;
  /** Connections the network dropped count as observed (the generator was told to allow them). */
  readonly droppedObserved?: boolean;
  readonly evalOptions?: EvalOptions;
  /** Denied flows explained rule by rule (the rest are listed without a reason). */
  readonly explainLimit?: number;
  /**
   * The generated policies as CiliumNetworkPolicies (`generate --emit cilium`), read back from
   * what is printed: verified instead of `generated` (pass []), under `cni: cilium`.
   */
  readonly ciliumPolicies?: readonly CiliumPolicy[];
  /** What `emitted` counts when `generated` is not what was printed (the NetworkPolicies the CNPs were written from). */
  readonly emittedFrom?: readonly NetworkPolicy[];
  /**
   * The policies `generated` was read back from: what generatePolicies made and the YAML was
   * written from. When `generated` equals them field for field (samePolicies), these objects
   * are compiled instead — the same policies, whose selector objects the generator shares
   * between rules, so the compile interns each selector once rather than once per rule. When
   * anything differs (a writer or a reader that changed a field), `generated` as read is what
   * is verified.
   */
  readonly written?: readonly NetworkPolicy[];
}

/**
 * Equal field for field over what the NetworkPolicy model holds (and all the engine reads):
 * namespace, name, selectors (matchLabels as sets of pairs, matchExpressions in order),
 * policyTypes, and each rule's peers and ports in order. A field set to undefined counts as
 * absent.
 */
export function samePolicies(a: readonly NetworkPolicy[], b: readonly NetworkPolicy[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!samePolicy(a[i]!, b[i]!)) return false;
  return true;
}

function samePolicy(a: NetworkPolicy, b: NetworkPolicy): boolean {
  return (
    a.namespace === b.namespace &&
    a.name === b.name &&
    sameSelector(a.podSelector, b.podSelector) &&
    sameList(a.policyTypes, b.policyTypes, (x, y) => x === y) &&
    sameList(a.ingress, b.ingress, (x, y) => sameList(x.from, y.from, samePeer) && sameList(x.ports, y.ports, samePort)) &&
    sameList(a.egress, b.egress, (x, y) => sameList(x.to, y.to, samePeer) && sameList(x.ports, y.ports, samePort))
  );
}

function sameList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined, same: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i]!, b[i]!)) return false;
  return true;
}

function sameSelector(a: LabelSelector | undefined, b: LabelSelector | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return sameLabels(a.matchLabels, b.matchLabels) && sameList(a.matchExpressions, b.matchExpressions, sameRequirement);
}

function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  let n = 0;
  for (const k in a) {
    if (a[k] === undefined) continue;
    if (!Object.hasOwn(b, k) || b[k] !== a[k]) return false;
    n++;
  }
  for (const k in b) if (b[k] !== undefined) n--;
  return n === 0;
}

function sameRequirement(a: LabelSelectorRequirement, b: LabelSelectorRequirement): boolean {
  return a.key === b.key && a.operator === b.operator && sameList(a.values, b.values, (x, y) => x === y);
}

function samePeer(a: NetworkPolicyPeer, b: NetworkPolicyPeer): boolean {
  if (a === b) return true;
  if (!sameSelector(a.podSelector, b.podSelector) || !sameSelector(a.namespaceSelector, b.namespaceSelector)) return false;
  if (a.ipBlock === b.ipBlock) return true;
  if (a.ipBlock === undefined || b.ipBlock === undefined) return false;
  return a.ipBlock.cidr === b.ipBlock.cidr && sameList(a.ipBlock.except, b.ipBlock.except, (x, y) => x === y);
}

function samePort(a: NetworkPolicyPort, b: NetworkPolicyPort): boolean {
  return a === b || (a.protocol === b.protocol && a.port === b.port && a.endPort === b.endPort);
}

/** Ports in `p` and not in `q` (absent: nothing to take away). */
function minusPorts(p: ProtoPorts, q: ProtoPorts | undefined): ProtoPorts {
  if (!q) return p;
  return {
    TCP: q.TCP.length === 0 ? p.TCP : subtractRanges(p.TCP, q.TCP),
    UDP: q.UDP.length === 0 ? p.UDP : subtractRanges(p.UDP, q.UDP),
    SCTP: q.SCTP.length === 0 ? p.SCTP : subtractRanges(p.SCTP, q.SCTP),
  };
}

/** A pair of end ids as one number (ids stay below 2^26). */
const PAIR = 2 ** 26;

/**
 * The ends over-permission is counted between, numbered: workloads (`namespace/name` of the
 * owner) first, in pod order, then outside addresses, address ranges and aggregates by their
 * key text as they come up.
 */
class EndIds {
  /** Owner end id of each pod. */
  readonly ownerOfPod: Int32Array;
  private readonly labels: string[] = [];
  /** Pods (replicas counted) per workload end. */
  private readonly pods: number[] = [];
  /** Workload ends that run a DNS pod. */
  private readonly dns: boolean[] = [];
  private readonly workloads: number;
  private readonly others = new Map<string, number>();

  constructor(cluster: Cluster, dns: DnsTarget | undefined) {
    const pods = cluster.pods;
    this.ownerOfPod = new Int32Array(pods.length);
    const byLabel = new Map<string, number>();
    for (let i = 0; i < pods.length; i++) {
      const p = pods[i]!;
      const label = `${p.owner.namespace}/${p.owner.name}`;
      let id = byLabel.get(label);
      if (id === undefined) {
        id = this.labels.length;
        byLabel.set(label, id);
        this.labels.push(label);
        this.pods.push(0);
        this.dns.push(false);
      }
      this.ownerOfPod[i] = id;
      this.pods[id]! += p.replicas;
      if (dns && isDnsPod(p, dns)) this.dns[id] = true;
    }
    this.workloads = this.labels.length;
  }

  /** The id of an outside end by its key (`ip:…`, `range:…`, `a:…`), shown as `label`. */
  other(key: string, label: string): number {
    let id = this.others.get(key);
    if (id === undefined) {
      id = this.labels.length;
      if (id >= PAIR) throw new RangeError('too many ends');
      this.others.set(key, id);
      this.labels.push(label);
    }
    return id;
  }

  label(id: number): string {
    return this.labels[id]!;
  }

  /** Pods of a workload end; 0 for outside ends. */
  podCount(id: number): number {
    return id < this.workloads ? this.pods[id]! : 0;
  }

  isDns(id: number): boolean {
    return id < this.workloads && this.dns[id]!;
  }

  sortedByLabel(ids: number[]): number[] {
    return ids.length < 2 ? ids : ids.sort((a, b) => (this.labels[a]! < this.labels[b]! ? -1 : this.labels[a]! > this.labels[b]! ? 1 : 0));
  }
}

const PROTOCOL_INDEX: Readonly<Record<Protocol, number>> = { TCP: 0, UDP: 1, SCTP: 2 };

/**
 * Observed ports per (source end, destination end): added while reading the capture, then
 * sorted once into flat arrays (pair, protocol, port), so that taking them away from a port set
 * reads a slice, with nothing built per pair.
 */
class ObservedPorts {
  private readonly pairs: number[] = [];
  /** protocol index * 65536 + port */
  private readonly protoPorts: number[] = [];
  private ports = new Int32Array(0);
  private protos = new Uint8Array(0);
  /** pair -> start * 2^21 + end of its slice */
  private readonly slices = new Map<number, number>();

  add(s: number, d: number, protocol: Protocol, port: number): void {
    this.pairs.push(s * PAIR + d);
    this.protoPorts.push(PROTOCOL_INDEX[protocol] * 65536 + port);
  }

  /** After the last add. */
  freeze(): void {
    const n = this.pairs.length;
    if (n >= 2 ** 21) throw new RangeError('too many observed connections');
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.pairs[a]! - this.pairs[b]! || this.protoPorts[a]! - this.protoPorts[b]!);
    this.ports = new Int32Array(n);
    this.protos = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      this.ports[k] = this.protoPorts[i]! & 0xffff;
      this.protos[k] = this.protoPorts[i]! >>> 16;
      const pair = this.pairs[i]!;
      if (k === 0 || this.pairs[order[k - 1]!] !== pair) this.slices.set(pair, k * 2 ** 21 + k + 1);
      else this.slices.set(pair, this.slices.get(pair)! + 1);
    }
  }

  /** Ports in `p` that were not observed from `s` to `d`. */
  minus(p: ProtoPorts, s: number, d: number): ProtoPorts {
    const slice = this.slices.get(s * PAIR + d);
    if (slice === undefined) return p;
    const start = Math.floor(slice / 2 ** 21);
    const end = slice % 2 ** 21;
    let k = start;
    const out: Record<Protocol, PortRanges> = { TCP: p.TCP, UDP: p.UDP, SCTP: p.SCTP };
    for (let pi = 0; pi < 3; pi++) {
      const from = k;
      while (k < end && this.protos[k] === pi) k++;
      if (k > from) {
        const proto = PROTOCOLS[pi]!;
        out[proto] = withoutPorts(p[proto], this.ports, from, k);
      }
    }
    return out;
  }
}

/** `a` without the sorted ports `ports[from, to)` (duplicates allowed): one merge pass. */
function withoutPorts(a: PortRanges, ports: Int32Array, from: number, to: number): PortRanges {
  if (a.length === 0) return a;
  const out: PortRange[] = [];
  let j = from;
  for (const [start, end] of a) {
    let cur = start;
    while (j < to && ports[j]! < cur) j++;
    while (j < to && ports[j]! <= end) {
      const q = ports[j]!;
      if (q > cur) out.push([cur, q - 1]);
      cur = q + 1;
      j++;
    }
    if (cur <= end) out.push([cur, end]);
  }
  return out;
}

function countRules(policies: readonly NetworkPolicy[]): Verification['emitted'] {
  let rules = 0;
  let peers = 0;
  let ports = 0;
  for (const p of policies) {
    for (const r of p.ingress ?? []) {
      rules++;
      peers += r.from?.length ?? 0;
      ports += r.ports?.length ?? 0;
    }
    for (const r of p.egress ?? []) {
      rules++;
      peers += r.to?.length ?? 0;
      ports += r.ports?.length ?? 0;
    }
  }
  return { policies: policies.length, rules, peers, ports };
}

/** One observed connection as verification reads it: the pods (or addresses) and the port the destination sees. */
interface Observed {
  readonly src: { readonly pod?: number; readonly ip?: string; readonly label: string };
  readonly dst: { readonly pod?: number; readonly ip?: string; readonly label: string };
  readonly protocol: Protocol;
  readonly port: number;
  /** The workload-level connection (endpoint ids, protocol, port): what dropping is decided on. */
  readonly group: number;
  count: number;
  dropped: number;
}

/**
 * The capture at the pod level. From FlowSet.connections (the capture as recorded) when the
 * reader kept them; a FlowSet built by hand, or a list of edges, is read edge by edge.
 */
function observedConnections(
  cluster: Cluster,
  compiled: CompiledCluster,
  capture: FlowSet | readonly FlowEdge[],
  droppedObserved: boolean,
): { observed: Observed[]; dropped: number; unresolved: number; always: number } {
  // One entry per pod-level connection: the records of one connection may come from several
  // captures and both ends (a client's egress forwarded, the server's ingress dropped).
  const byKey = new Map<number, Observed>();
  const droppedGroups = new Set<number>();
  // Keys are numbers made of the texts' ids, not strings built per connection.
  const ids = new Map<string, number>();
  const idOf = (text: string): number => {
    let id = ids.get(text);
    if (id === undefined) ids.set(text, (id = ids.size));
    return id;
  };
  // Below 2^53 for up to 2^23 distinct texts.
  const keyOf = (a: string, b: string, protocol: Protocol, port: number): number => ((idOf(a) * 8388608 + idOf(b)) * 4 + PROTOCOL_INDEX[protocol]) * 65536 + port;
  const add = (o: Omit<Observed, 'count' | 'dropped'>, count: number, dropped: number) => {
    const key = keyOf(o.src.label, o.dst.label, o.protocol, o.port);
    if (dropped > 0) droppedGroups.add(o.group);
    const known = byKey.get(key);
    if (known) {
      known.count += count;
      known.dropped += dropped;
    } else byKey.set(key, { src: o.src, dst: o.dst, protocol: o.protocol, port: o.port, group: o.group, count, dropped }); // not a spread: V8 builds those slowly
  };
  let unresolved = 0;
  let always = 0;
  const podIndex = new Map(cluster.pods.map((p, i) => [p, i]));
  const connections = Array.isArray(capture) ? undefined : (capture as FlowSet).connections;
  if (connections === undefined) {
    const edges: readonly FlowEdge[] = Array.isArray(capture) ? capture : (capture as FlowSet).edges;
    const end = (e: FlowEdge['src']) => (e.kind === 'pod' ? { pod: e.pod, label: e.workload } : { ip: e.ip, label: e.ip });
    for (const e of edges) {
      if (e.samePod) always += e.count;
      else add({ src: end(e.src), dst: end(e.dst), protocol: e.protocol, port: e.port, group: keyOf(end(e.src).label, end(e.dst).label, e.protocol, e.port) }, e.count, e.dropped);
    }
  } else {
    const resolver = new ConnectionResolver(cluster, compiled);
    // Not a closure per connection: this loop runs once per distinct connection of the capture.
    const side = (e: ResolvedEndpoint, peer: FlowPeer): Observed['src'] => {
      if (e.endpoint.kind === 'ip') return { ip: e.endpoint.ip, label: e.endpoint.ip };
      const pod = resolver.podOf(e, peer)!;
      // A Service dial names no pod: any backend pod of the workload.
      const via = peer.service !== undefined ? ` (via service ${peer.namespace}/${peer.service})` : '';
      return { pod: podIndex.get(pod)!, label: resolver.identity(peer) ?? `${e.id}${via}` };
    };
    for (const c of connections) {
      const r = resolver.resolve(c.src, c.dst, c.port, c.protocol);
      if (!r.ok) {
        unresolved += c.count;
        continue;
      }
      for (const end of r.ends) {
        if (end.samePod || end.nodeLocal) {
          always += c.count;
          continue;
        }
        const group = keyOf(end.src.id, end.dst.id, c.protocol, end.port);
        add({ src: side(end.src, c.src), dst: side(end.dst, c.dst), protocol: c.protocol, port: end.port, group }, c.count, c.dropped);
      }
    }
  }
  const observed: Observed[] = [];
  let dropped = 0;
  for (const o of byKey.values()) {
    // Dropped at either end (by any pod of the same workloads, in any capture): the
    // connection did not go through, and needs no rule — as the generator decides it.
    if (droppedGroups.has(o.group) && !droppedObserved) dropped += o.count;
    else observed.push(o);
  }
  return { observed, dropped, unresolved, always };
}

export function verifyPolicies(cluster: Cluster, generated: readonly NetworkPolicy[], capture: FlowSet | readonly FlowEdge[], options: VerifyOptions = {}): Verification {
  const evalOptions = options.evalOptions ?? DEFAULT_EVAL_OPTIONS;
  const explainLimit = options.explainLimit ?? 20;
  const dns = options.dns === false ? undefined : (options.dns ?? dnsTarget(cluster));
  const before = options.compiled ?? compile(cluster, evalOptions);
  const emitted = countRules(options.emittedFrom ?? generated);
  // The written objects when they are what was read back (see VerifyOptions.written).
  if (options.written !== undefined && options.written !== generated && samePolicies(generated, options.written)) generated = options.written;
  const afterCluster: Cluster = {
    ...cluster,
    policies: [...cluster.policies, ...generated],
    ...(options.ciliumPolicies ? { ciliumPolicies: [...(cluster.ciliumPolicies ?? []), ...options.ciliumPolicies] } : {}),
  };
  // The same pods with more policies: recompiled from `before` (compile-from.ts).
  const after = compileFrom(before, afterCluster, evalOptions);
  const afterReach = after.reach();
  const memo = new Map<number, ProtoPorts>();
  const portsAfter = (s: number, d: number): ProtoPorts => {
    const k = s * afterReach.nodeCount + d;
    let p = memo.get(k);
    if (!p) memo.set(k, (p = afterReach.ports(s, d)));
    return p;
  };
  const nodeOf = (e: Observed['src']): number => (e.pod !== undefined ? after.podClass[e.pod]! : after.classCount + after.externalOf(e.ip!));

  // (1) Recall: every observed connection that went through, pod by pod.
  const { observed: seen, dropped: droppedRecords, unresolved: unresolvedRecords, always: alwaysAllowedRecords } = observedConnections(cluster, before, capture, options.droppedObserved === true);
  const perConnection = seen.map((o) => ({
    o,
    count: o.count,
    // Two outside addresses: no policy applies to either end.
    allowed: (o.src.pod === undefined && o.dst.pod === undefined) || rangesContain(portsAfter(nodeOf(o.src), nodeOf(o.dst))[o.protocol], o.port),
  }));
  let allowedEdges = 0;
  let records = 0;
  let allowedRecords = 0;
  const denied: DeniedFlow[] = [];
  const toEndpoint = (e: Observed['src']): Endpoint => (e.pod !== undefined ? { kind: 'pod', pod: cluster.pods[e.pod]! } : { kind: 'ip', ip: e.ip! });
  const blocked: DeniedFlow[] = [];
  let blockedRecords = 0;
  for (const { o, count, allowed } of perConnection) {
    if (!allowed) {
      // Closed by an Admin-tier Deny: no NetworkPolicy can allow it, so it is not asked of the
      // generated ones (generate reports it as blocked by the rule instead of emitting one).
      const tier = adminTierDeny(cluster, toEndpoint(o.src), toEndpoint(o.dst), o.port, o.protocol);
      if (tier) {
        blocked.push({ from: o.src.label, to: o.dst.label, protocol: o.protocol, port: o.port, count, reason: `blocked by ${tier.text}` });
        blockedRecords += count;
        continue;
      }
    }
    records += count;
    if (allowed) {
      allowedEdges++;
      allowedRecords += count;
      continue;
    }
    let reason: string | undefined;
    if (denied.length < explainLimit) {
      const x = explainConnection(afterCluster, toEndpoint(o.src), toEndpoint(o.dst), o.port, o.protocol, evalOptions);
      reason = x.denyingSides.map((side) => (side === 'egress' ? x.egress.reason : x.ingress.reason)).join('; ');
    }
    denied.push({ from: o.src.label, to: o.dst.label, protocol: o.protocol, port: o.port, count, ...(reason ? { reason } : {}) });
  }
  denied.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : a.port - b.port));
  blocked.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : a.port - b.port));

  // (2) What the generated policies open, per workload pair and port, minus what was observed.
  const pods = cluster.pods;
  // Ends are numbers: workloads (by owner) first, then outside addresses, address ranges and
  // aggregates by their text; a pair of ends is one number. This runs for every allowed pair.
  const ends = new EndIds(cluster, dns);
  const aggregates = (options.aggregates ?? []).map((text) => ({ text, cidr: tryParseCidr(text)! })).filter((a) => a.cidr);
  const aggregateOf = (ip: string): string | undefined => {
    const addr = tryParseIp(ip);
    if (!addr) return undefined;
    return aggregates.find((a) => a.cidr.family === addr.family && addr.value >= a.cidr.start && addr.value <= a.cidr.end)?.text;
  };

  // Observed ports per (source, destination): workloads by owner, outside addresses by
  // themselves and, for the declared widening, by the aggregate they fall in.
  const observed = new ObservedPorts();
  const endId = (e: Observed['src']): number => (e.pod !== undefined ? ends.ownerOfPod[e.pod]! : ends.other(`ip:${e.ip}`, e.ip!));
  const aggId = (e: Observed['src']): number => {
    if (e.ip === undefined) return -1;
    const a = aggregateOf(e.ip);
    return a === undefined ? -1 : ends.other(`a:${a}`, a);
  };
  for (const e of seen) {
    const s = endId(e.src);
    const d = endId(e.dst);
    observed.add(s, d, e.protocol, e.port);
    const sa = aggId(e.src);
    const da = aggId(e.dst);
    if (sa >= 0 || da >= 0) observed.add(sa >= 0 ? sa : s, da >= 0 ? da : d, e.protocol, e.port);
  }
  observed.freeze();
  const dnsPorts: ProtoPorts = dns ? { TCP: [[dns.ports.TCP, dns.ports.TCP]], UDP: [[dns.ports.UDP, dns.ports.UDP]], SCTP: [] } : EMPTY_PROTO_PORTS;

  /**
   * `toward`: only these destinations' pairs matter (Reachability.reachToward); `from`: only
   * these sources' (reachFrom). The rest are not listed.
   */
  const beyond = (x: CompiledCluster, base: CompiledCluster | undefined, keep?: (s: number, d: number) => boolean, toward?: readonly number[], from?: readonly number[]): Beyond => {
    interface Part {
      readonly baseNode: number;
      /** End ids, in the order of their labels. */
      readonly ids: readonly number[];
      /** The aggregate's end id, or -1. */
      readonly agg: number;
    }
    // x-class -> one part per base-class among its pods, with the workloads in it (worked out
    // for the classes a pair names).
    const classParts: (Part[] | undefined)[] = new Array<Part[] | undefined>(x.classCount);
    const partsOfClass = (c: number): Part[] => {
      const byBase = new Map<number, Set<number>>();
      for (const i of x.classPods[c]!) {
        const b = base ? base.podClass[i]! : -1;
        let set = byBase.get(b);
        if (!set) byBase.set(b, (set = new Set()));
        set.add(ends.ownerOfPod[i]!);
      }
      return [...byBase].map(([baseNode, owners]) => ({ baseNode, ids: ends.sortedByLabel([...owners]), agg: -1 }));
    };
    const externalPart = (g: number): Part => {
      const ranges = x.externals[g]!.ranges;
      const first = ranges[0]!;
      const last = ranges[ranges.length - 1]!;
      const ip = formatIp(first.family, first.start);
      const agg = aggregateOf(ip);
      // A group is "observed" only when it is one address; a wider group (an aggregate) is
      // covered only by the declared widening.
      const single = ranges.length === 1 && first.start === first.end;
      const label = single ? ip : `${ip}-${formatIp(last.family, last.end)}`;
      return { baseNode: base ? base.nodeOf({ kind: 'ip', ip }) : -1, ids: [ends.other(single ? `ip:${ip}` : `range:${label}`, label)], agg: agg ? ends.other(`a:${agg}`, agg) : -1 };
    };
    const extParts = new Map<number, Part[]>();
    const partsOf = (node: number): Part[] => {
      if (node < x.classCount) return (classParts[node] ??= partsOfClass(node));
      let p = extParts.get(node);
      if (!p) extParts.set(node, (p = [externalPart(node - x.classCount)]));
      return p;
    };

    // Asked about once per base pair (x's classes refine the base's): not memoised.
    const baseReach = base?.reach();
    const basePorts = (s: number, d: number): ProtoPorts => baseReach!.ports(s, d);
    // Port sets are shared objects per atom set (one per compile): each difference once.
    const differences = new Map<ProtoPorts, Map<ProtoPorts, ProtoPorts>>();
    const difference = (a: ProtoPorts, b: ProtoPorts): ProtoPorts => {
      let byB = differences.get(a);
      if (!byB) differences.set(a, (byB = new Map()));
      let out = byB.get(b);
      if (!out) byB.set(b, (out = subtractProtoPorts(a, b)));
      return out;
    };

    const unobserved: AddedConnection[] = [];
    let dns = 0;
    let aggregation = 0;
    const reach = toward ? x.reachToward(toward) : from ? x.reachFrom(from) : x.reach();
    // Indexed loops: this runs once per allowed pair, and iterators would be garbage.
    reach.forEachAllowed((s, d, portsX) => {
      if (keep && !keep(s, d)) return;
      const sParts = partsOf(s);
      const dParts = partsOf(d);
      for (let i = 0; i < sParts.length; i++) {
        const ps = sParts[i]!;
        for (let j = 0; j < dParts.length; j++) {
          const pd = dParts[j]!;
          const added = base ? difference(portsX, basePorts(ps.baseNode, pd.baseNode)) : portsX;
          if (isEmptyProtoPorts(added)) continue;
          for (let si = 0; si < ps.ids.length; si++) {
            const sk = ps.ids[si]!;
            for (let di = 0; di < pd.ids.length; di++) {
              const dk = pd.ids[di]!;
              // A workload of one pod "to itself" is a pod to itself, not a connection.
              if (sk === dk && ends.podCount(sk) <= 1) continue;
              let rest = observed.minus(added, sk, dk);
              if (isEmptyProtoPorts(rest)) continue;
              if (ends.isDns(dk)) {
                const withoutDns = minusPorts(rest, dnsPorts);
                if (!protoPortsEqual(withoutDns, rest)) dns++;
                rest = withoutDns;
                if (isEmptyProtoPorts(rest)) continue;
              }
              if (ps.agg >= 0 || pd.agg >= 0) {
                const viaAgg = observed.minus(rest, ps.agg >= 0 ? ps.agg : sk, pd.agg >= 0 ? pd.agg : dk);
                if (!protoPortsEqual(viaAgg, rest)) aggregation++;
                rest = viaAgg;
                if (isEmptyProtoPorts(rest)) continue;
              }
              unobserved.push({ from: ends.label(sk), to: ends.label(dk), ports: rest, text: formatProtoPorts(rest) });
            }
          }
        }
      }
    });
    unobserved.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
    return { unobserved, dns, aggregation };
  };

  const added = beyond(after, before);

  // What the generated rules grant on their own side, whatever the other side says: with one
  // direction's generated policies alone, every pair whose subject end they select.
  const granted = { unobserved: [] as AddedConnection[], dns: 0, aggregation: 0 };
  for (const direction of ['ingress', 'egress'] as const) {
    const own = generated.flatMap((p) => narrowPolicy(p, direction) ?? []);
    if (own.length === 0) continue;
    // The generated rules alone: without the cluster-wide tiers, whose Admin Accepts (say,
    // monitoring into every tenant) would otherwise read as granted by the generated policies.
    const x = compileFrom(after, { ...cluster, policies: own, tierPolicies: [] }, evalOptions);
    // A policy isolates pods of its own namespace only: each class asks its namespace's.
    const ownByNs = new Map<string, NetworkPolicy[]>();
    for (const p of own) {
      const list = ownByNs.get(p.namespace);
      if (list) list.push(p);
      else ownByNs.set(p.namespace, [p]);
    }
    const selected = Array.from({ length: x.classCount }, (_, c) => {
      const pod = pods[x.classPods[c]![0]!]!;
      const inNs = ownByNs.get(pod.namespace);
      return inNs !== undefined && isIsolated(inNs, pod, direction);
    });
    const keep = (s: number, d: number) => {
      const subject = direction === 'ingress' ? d : s;
      return subject < x.classCount && selected[subject]!;
    };
    // Only the selected classes' pairs are worked out: toward them for ingress (the subject is
    // the destination), from them for egress.
    const subjects = selected.flatMap((on, c) => (on ? [c] : []));
    const b = direction === 'ingress' ? beyond(x, undefined, keep, subjects) : beyond(x, undefined, keep, undefined, subjects);
    granted.unobserved.push(...b.unobserved);
    granted.dns += b.dns;
    granted.aggregation += b.aggregation;
  }
  const seenGranted = new Set<string>();
  const grantedList = granted.unobserved
    .filter((c) => {
      const k = `${c.from}\u0000${c.to}\u0000${c.text}`;
      if (seenGranted.has(k)) return false;
      seenGranted.add(k);
      return true;
    })
    .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0));

  const over = new Map<string, AddedConnection>();
  for (const c of [...added.unobserved, ...grantedList]) {
    const k = `${c.from}\u0000${c.to}\u0000${c.text}`;
    if (!over.has(k)) over.set(k, c);
  }
  const overConnections = [...over.values()].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
  const overCount = overConnections.reduce((n, c) => n + PROTOCOLS.reduce((m, p) => m + c.ports[p].length, 0), 0);
  return {
    flows: {
      edges: perConnection.length - blocked.length,
      allowedEdges,
      records,
      allowedRecords,
      share: records === 0 ? 1 : allowedRecords / records,
      denied,
      droppedRecords,
      unresolvedRecords,
      alwaysAllowedRecords,
      blocked,
      blockedRecords,
    },
    overPermission: { count: overCount, connections: overConnections },
    added,
    granted: { unobserved: grantedList, dns: granted.dns, aggregation: granted.aggregation },
    emitted,
    ok: denied.length === 0 && overCount <= (options.maxOver ?? 0),
  };
}
