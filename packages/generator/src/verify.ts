/**
 * The proof that generated policies do what they claim, by core's compiled engine, with the
 * cluster's existing policies in force:
 *
 * 1. every observed flow is allowed by existing + generated policies together;
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
  type Cluster,
  type CompiledCluster,
  type Endpoint,
  type EvalOptions,
  type NetworkPolicy,
  type PortRange,
  type PortRanges,
  type Protocol,
  type ProtoPorts,
} from '@lateral/core';
import type { FlowEdge } from '@lateral/flows';
import { DNS_PORT, isDnsPod } from './dns.js';
import { endpointLabel, flowPod, FlowJudge } from './flow-nodes.js';
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
    /** Distinct observed connections (edges) checked, and how many are allowed. */
    readonly edges: number;
    readonly allowedEdges: number;
    /** Flow records behind them. */
    readonly records: number;
    readonly allowedRecords: number;
    /** allowedRecords / records, 1 when there is nothing to check. */
    readonly share: number;
    readonly denied: readonly DeniedFlow[];
  };
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
  /** All observed flows allowed and nothing unobserved opened. */
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
  readonly evalOptions?: EvalOptions;
  /** Denied flows explained rule by rule (the rest are listed without a reason). */
  readonly explainLimit?: number;
}

type PortSets = Map<Protocol, Set<number>>;

const DNS_PORTS: PortSets = new Map([
  ['UDP', new Set([DNS_PORT])],
  ['TCP', new Set([DNS_PORT])],
]);

function minusPorts(p: ProtoPorts, ports: PortSets | undefined): ProtoPorts {
  if (!ports) return p;
  const out: Record<Protocol, PortRanges> = { ...p };
  for (const [proto, set] of ports) {
    out[proto] = subtractRanges(out[proto], [...set].sort((x, y) => x - y).map((n) => [n, n] as const));
  }
  return out;
}

function addPort(m: Map<string, PortSets>, key: string, protocol: Protocol, port: number): void {
  let ps = m.get(key);
  if (!ps) m.set(key, (ps = new Map()));
  let set = ps.get(protocol);
  if (!set) ps.set(protocol, (set = new Set()));
  set.add(port);
}

function toEndpoint(compiled: CompiledCluster, e: FlowEdge['src']): Endpoint {
  const pod = flowPod(compiled, e);
  return pod ? { kind: 'pod', pod } : { kind: 'ip', ip: (e as { ip: string }).ip };
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

export function verifyPolicies(cluster: Cluster, generated: readonly NetworkPolicy[], flows: readonly FlowEdge[], options: VerifyOptions = {}): Verification {
  const evalOptions = options.evalOptions ?? DEFAULT_EVAL_OPTIONS;
  const explainLimit = options.explainLimit ?? 20;
  const before = compile(cluster, evalOptions);
  const afterCluster: Cluster = { ...cluster, policies: [...cluster.policies, ...generated] };
  const after = compile(afterCluster, evalOptions);
  const judge = new FlowJudge(after);

  // (1) Every observed flow.
  let allowedEdges = 0;
  let records = 0;
  let allowedRecords = 0;
  const denied: DeniedFlow[] = [];
  for (const e of flows) {
    records += e.count;
    if (judge.allows(e)) {
      allowedEdges++;
      allowedRecords += e.count;
      continue;
    }
    let reason: string | undefined;
    if (denied.length < explainLimit) {
      const x = explainConnection(afterCluster, toEndpoint(after, e.src), toEndpoint(after, e.dst), e.port, e.protocol, evalOptions);
      reason = x.denyingSides.map((s) => (s === 'egress' ? x.egress.reason : x.ingress.reason)).join('; ');
    }
    denied.push({ from: endpointLabel(e.src), to: endpointLabel(e.dst), protocol: e.protocol, port: e.port, count: e.count, ...(reason ? { reason } : {}) });
  }

  // (2) What the generated policies open, per workload pair and port, minus what was observed.
  const pods = cluster.pods;
  const ownerId = (i: number) => `${pods[i]!.owner.namespace}/${pods[i]!.owner.name}`;
  const ownerPods = new Map<string, number>();
  pods.forEach((p, i) => ownerPods.set(ownerId(i), (ownerPods.get(ownerId(i)) ?? 0) + p.replicas));
  const dnsOwners = new Set<string>();
  pods.forEach((p, i) => {
    if (isDnsPod(p)) dnsOwners.add(ownerId(i));
  });

  const aggregates = (options.aggregates ?? []).map((text) => ({ text, cidr: tryParseCidr(text)! })).filter((a) => a.cidr);
  const aggregateOf = (ip: string): string | undefined => {
    const addr = tryParseIp(ip);
    if (!addr) return undefined;
    return aggregates.find((a) => a.cidr.family === addr.family && addr.value >= a.cidr.start && addr.value <= a.cidr.end)?.text;
  };

  // Observed ports per (source, destination): workloads by owner, outside addresses by
  // themselves and, for the declared widening, by the aggregate they fall in.
  const observed = new Map<string, PortSets>();
  const endKey = (e: FlowEdge['src']): string => (e.kind === 'pod' ? `w:${ownerId(e.pod)}` : `ip:${e.ip}`);
  const aggKey = (e: FlowEdge['src']): string | undefined => {
    if (e.kind !== 'ip') return undefined;
    const a = aggregateOf(e.ip);
    return a === undefined ? undefined : `a:${a}`;
  };
  for (const e of flows) {
    const s = endKey(e.src);
    const d = endKey(e.dst);
    addPort(observed, `${s}\u0000${d}`, e.protocol, e.port);
    const sa = aggKey(e.src) ?? s;
    const da = aggKey(e.dst) ?? d;
    if (sa !== s || da !== d) addPort(observed, `${sa}\u0000${da}`, e.protocol, e.port);
  }

  const beyond = (x: CompiledCluster, base: CompiledCluster | undefined, keep?: (s: number, d: number) => boolean): Beyond => {
    interface Part {
      readonly baseNode: number;
      readonly keys: readonly string[];
      readonly labels: readonly string[];
      readonly agg?: string;
    }
    // x-class -> one part per base-class among its pods, with the workloads in it.
    const classParts: Part[][] = Array.from({ length: x.classCount }, (_, c) => {
      const byBase = new Map<number, Set<string>>();
      for (const i of x.classPods[c]!) {
        const b = base ? base.podClass[i]! : -1;
        let set = byBase.get(b);
        if (!set) byBase.set(b, (set = new Set()));
        set.add(ownerId(i));
      }
      return [...byBase].map(([baseNode, owners]) => {
        const labels = [...owners].sort();
        return { baseNode, keys: labels.map((o) => `w:${o}`), labels };
      });
    });
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
      return { baseNode: base ? base.nodeOf({ kind: 'ip', ip }) : -1, keys: [single ? `ip:${ip}` : `range:${label}`], labels: [label], ...(agg ? { agg: `a:${agg}` } : {}) };
    };
    const extParts = new Map<number, Part[]>();
    const partsOf = (node: number): Part[] => {
      if (node < x.classCount) return classParts[node]!;
      let p = extParts.get(node);
      if (!p) extParts.set(node, (p = [externalPart(node - x.classCount)]));
      return p;
    };

    const baseReach = base?.reach();
    const baseMemo = new Map<number, ProtoPorts>();
    const basePorts = (s: number, d: number): ProtoPorts => {
      if (!baseReach) return EMPTY_PROTO_PORTS;
      const k = s * baseReach.nodeCount + d;
      let p = baseMemo.get(k);
      if (!p) baseMemo.set(k, (p = baseReach.ports(s, d)));
      return p;
    };

    const unobserved: AddedConnection[] = [];
    let dns = 0;
    let aggregation = 0;
    x.reach().forEachAllowed((s, d, portsX) => {
      if (keep && !keep(s, d)) return;
      for (const ps of partsOf(s)) {
        for (const pd of partsOf(d)) {
          const portsBase = basePorts(ps.baseNode, pd.baseNode);
          const added = subtractProtoPorts(portsX, portsBase);
          if (isEmptyProtoPorts(added)) continue;
          ps.keys.forEach((sk, si) => {
            pd.keys.forEach((dk, di) => {
              const from = ps.labels[si]!;
              const to = pd.labels[di]!;
              // A workload of one pod "to itself" is a pod to itself, not a connection.
              if (sk === dk && (ownerPods.get(from) ?? 0) <= 1) return;
              let rest = minusPorts(added, observed.get(`${sk}\u0000${dk}`));
              if (isEmptyProtoPorts(rest)) return;
              if (dk.startsWith('w:') && dnsOwners.has(to)) {
                const withoutDns = minusPorts(rest, DNS_PORTS);
                if (!protoPortsEqual(withoutDns, rest)) dns++;
                rest = withoutDns;
                if (isEmptyProtoPorts(rest)) return;
              }
              if (ps.agg || pd.agg) {
                const viaAgg = minusPorts(rest, observed.get(`${ps.agg ?? sk}\u0000${pd.agg ?? dk}`));
                if (!protoPortsEqual(viaAgg, rest)) aggregation++;
                rest = viaAgg;
                if (isEmptyProtoPorts(rest)) return;
              }
              unobserved.push({ from, to, ports: rest, text: formatProtoPorts(rest) });
            });
          });
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
    const x = compile({ ...cluster, policies: own }, evalOptions);
    const selected = Array.from({ length: x.classCount }, (_, c) => isIsolated(own, pods[x.classPods[c]![0]!]!, direction));
    const keep = (s: number, d: number) => {
      const subject = direction === 'ingress' ? d : s;
      return subject < x.classCount && selected[subject]!;
    };
    const b = beyond(x, undefined, keep);
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

  return {
    flows: { edges: flows.length, allowedEdges, records, allowedRecords, share: records === 0 ? 1 : allowedRecords / records, denied },
    added,
    granted: { unobserved: grantedList, dns: granted.dns, aggregation: granted.aggregation },
    emitted: countRules(generated),
    ok: denied.length === 0 && added.unobserved.length === 0 && grantedList.length === 0,
  };
}
