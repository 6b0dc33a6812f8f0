/**
 * Reachability as people read it: between workloads (pods grouped by their top-level owner)
 * and external address groups, with the ports allowed. Built from the class-level relation of
 * the fast engine; a class pair's ports are shared by every workload pair it covers.
 */
import { formatRange, rangeToCidrs } from '../semantics/ip.js';
import type { Pod } from '../model/model.js';
import type { PROTOCOLS } from '../model/model.js';
import type { PortRange, ProtoPorts } from '../semantics/port-set.js';
import { EMPTY_PROTO_PORTS, isAllProtoPorts, isEmptyProtoPorts, subtractProtoPorts } from '../semantics/port-set.js';
import type { CompiledCluster } from '../engine/reachability.js';
import type { EndpointIndex, ExternalEndpoint, ReachEndpoint, WorkloadEndpoint } from './endpoint-types.js';

export type { EndpointIndex, ExternalEndpoint, ReachEndpoint, WorkloadEndpoint } from './endpoint-types.js';

/** `kind` is a free string for workloads, so narrow on the shape, not on `kind`. */
export function isWorkloadEndpoint(e: ReachEndpoint): e is WorkloadEndpoint {
  return 'namespace' in e;
}

export interface Connection {
  readonly from: string;
  readonly to: string;
  readonly all: boolean;
  readonly ports: Readonly<Record<'TCP' | 'UDP' | 'SCTP', readonly PortRange[]>>;
  /**
   * Ports whose verdict is unknown (a tier policy's domainNames rule may allow them), beyond
   * `ports`; present only when there are some.
   */
  readonly unknown?: Readonly<Record<'TCP' | 'UDP' | 'SCTP', readonly PortRange[]>>;
}

export interface WorkloadReachability {
  readonly endpoints: readonly ReachEndpoint[];
  readonly connections: readonly Connection[];
  readonly warnings: readonly string[];
}

const MAX_CIDRS_IN_ID = 3;

type Range = { readonly family: 4 | 6; readonly start: bigint; readonly end: bigint };

/** The smallest CIDR covering [start, end]. */
function supernet(family: 4 | 6, start: bigint, end: bigint): Range {
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  let mask = 0n;
  while (prefix > 0 && (start & ~mask) !== (end & ~mask)) {
    prefix--;
    mask = (1n << BigInt(bits - prefix)) - 1n;
  }
  const s = start & ~mask & maxOfFamily(family);
  return { family, start: s, end: s | mask };
}

function maxOfFamily(family: 4 | 6): bigint {
  return family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
}

/**
 * How one family's part of a group reads best: its CIDRs, or — for the "rest of the
 * internet" shapes — the covering CIDR and the holes in it (`any IPv4 address outside
 * 10.0.0.0/8`, `addresses in 10.0.0.0/8 outside 10.1.0.0/16`).
 */
function describeFamily(ranges: readonly Range[]): string[] {
  const cidrs = ranges.flatMap((r) => rangeToCidrs(r));
  if (cidrs.length <= 1) return cidrs;
  const family = ranges[0]!.family;
  const cover = supernet(family, ranges[0]!.start, ranges[ranges.length - 1]!.end);
  const holes: Range[] = [];
  let next = cover.start;
  for (const r of ranges) {
    if (r.start > next) holes.push({ family, start: next, end: r.start - 1n });
    next = r.end + 1n;
  }
  if (next <= cover.end) holes.push({ family, start: next, end: cover.end });
  const holeCidrs = holes.flatMap((h) => rangeToCidrs(h));
  if (holeCidrs.length + 1 < cidrs.length) {
    // Not "0.0.0.0/0 except 10.0.0.0/8": after "no rule allows" or "reaches" that reads as its
    // opposite. The whole family is "any IPv4 address outside ...".
    const whole = cover.start === 0n && cover.end === maxOfFamily(family);
    return [`${whole ? `any IPv${family} address` : `addresses in ${rangeToCidrs(cover)[0]}`}${OUTSIDE}${shorten(holeCidrs)}`];
  }
  return cidrs;
}

const OUTSIDE = ' outside ';

function shorten(cidrs: readonly string[]): string {
  if (cidrs.length <= MAX_CIDRS_IN_ID) return cidrs.join(',');
  return `${cidrs.slice(0, MAX_CIDRS_IN_ID - 1).join(',')},+${cidrs.length - (MAX_CIDRS_IN_ID - 1)} more`;
}

/** A readable, unique name for an external group (groups are disjoint, so the text is too). */
export function externalId(ranges: readonly Range[]): string {
  const parts = [4, 6].flatMap((f) => {
    const own = ranges.filter((r) => r.family === f);
    return own.length ? describeFamily(own) : [];
  });
  return parts.length > 1 && parts.some((p) => p.includes(OUTSIDE)) ? parts.join(' + ') : shorten(parts);
}

function ownerKey(p: Pod): string {
  return `${p.owner.kind}\u0000${p.owner.namespace}\u0000${p.owner.name}`;
}

/**
 * Groups pods into workload endpoints. An owner whose pods fall in several classes is split
 * (policy tells them apart, so one verdict for "the workload" would be wrong) and a warning
 * says so.
 */
export function buildEndpointIndex(compiled: CompiledCluster): EndpointIndex {
  const { cluster, podClass, classCount } = compiled;
  const byOwner = new Map<string, number[]>();
  cluster.pods.forEach((p, i) => {
    const k = ownerKey(p);
    const list = byOwner.get(k);
    if (list) list.push(i);
    else byOwner.set(k, [i]);
  });

  // ns/name collisions between kinds get the kind appended to stay unambiguous.
  const nameCount = new Map<string, number>();
  for (const pods of byOwner.values()) {
    const o = cluster.pods[pods[0]!]!.owner;
    const id = `${o.namespace}/${o.name}`;
    nameCount.set(id, (nameCount.get(id) ?? 0) + 1);
  }
  const declared = new Set(cluster.workloads.map((w) => `${w.kind}\u0000${w.namespace}\u0000${w.name}`));

  const endpoints: ReachEndpoint[] = [];
  const endpointNode: number[] = [];
  const endpointPods: number[][] = [];
  const warnings: string[] = [];
  const podEndpoint = new Int32Array(cluster.pods.length);

  const sortedOwners = [...byOwner.values()].sort((a, b) => {
      const pa = cluster.pods[a[0]!]!.owner;
      const pb = cluster.pods[b[0]!]!.owner;
      return `${pa.namespace}/${pa.name}/${pa.kind}` < `${pb.namespace}/${pb.name}/${pb.kind}` ? -1 : 1;
    });
  for (const pods of sortedOwners) {
    const owner = cluster.pods[pods[0]!]!.owner;
    let id = `${owner.namespace}/${owner.name}`;
    // An owner named by an ownerReference but not in the input (or a name shared by two kinds)
    // carries its kind, e.g. default/cart-5d9f7c[ReplicaSet].
    const isDeclared = owner.kind === 'Pod' || declared.has(ownerKey(cluster.pods[pods[0]!]!));
    if ((nameCount.get(id) ?? 0) > 1 || !isDeclared) id += `[${owner.kind}]`;
    const groups = new Map<number, number[]>();
    for (const i of pods) {
      const c = podClass[i]!;
      const g = groups.get(c);
      if (g) g.push(i);
      else groups.set(c, [i]);
    }
    const split = groups.size > 1;
    if (split) {
      // One line however many pods (a DaemonSet has hundreds): the counts here, the names in
      // the endpoints' podNames.
      const sizes = [...groups.values()].map((g) => g.reduce((s, i) => s + cluster.pods[i]!.replicas, 0));
      const total = sizes.reduce((a, b) => a + b, 0);
      warnings.push(`${id}: policy treats its ${total} pod${total === 1 ? '' : 's'} as ${groups.size} groups (${sizes.join(' / ')})`);
    }
    let k = 0;
    for (const [cls, members] of groups) {
      k++;
      const idx = endpoints.length;
      const ep: WorkloadEndpoint = {
        id: split ? `${id}#${k}` : id,
        kind: owner.kind,
        namespace: owner.namespace,
        name: owner.name,
        pods: members.reduce((s, i) => s + cluster.pods[i]!.replicas, 0),
        ...(split ? { podNames: members.map((i) => cluster.pods[i]!.name) } : {}),
      };
      endpoints.push(ep);
      endpointNode.push(cls);
      endpointPods.push(members);
      for (const i of members) podEndpoint[i] = idx;
    }
  }

  compiled.externals.forEach((g, e) => {
    endpoints.push({ id: externalId(g.ranges), kind: 'External', ranges: g.ranges.map(formatRange) });
    endpointNode.push(classCount + e);
    endpointPods.push([]);
  });

  const nodeEndpoints: number[][] = Array.from({ length: classCount + compiled.externals.length }, () => []);
  endpointNode.forEach((node, i) => nodeEndpoints[node]!.push(i));
  return { endpoints, nodeEndpoints, endpointNode, endpointPods, warnings, podEndpoint };
}

function toJsonPorts(p: ProtoPorts): Connection['ports'] {
  const copy = (proto: (typeof PROTOCOLS)[number]) => p[proto].map(([a, b]) => [a, b] as const);
  return { TCP: copy('TCP'), UDP: copy('UDP'), SCTP: copy('SCTP') };
}

export interface ReachFilter {
  /** Keep connections with either end in this namespace (externals have none). */
  readonly namespace?: string;
  /** Keep connections from endpoints with this id (or, for a workload, ns/name regardless of split). */
  readonly from?: string;
  readonly to?: string;
}

/** Orders (from, to) endpoint-index pairs by their ids: the stable order of every listing. */
export function byEndpointIds(endpoints: readonly { readonly id: string }[]): (x: { from: number; to: number }, y: { from: number; to: number }) => number {
  // Each endpoint's rank in id order, once: all pairs of a 10,000-pod cluster sorts ~350,000
  // connections, and comparing numbers instead of id strings takes that sort from seconds to
  // tens of milliseconds. Equal ids share a rank, so the order is the string comparison's.
  const byId = endpoints.map((_, i) => i).sort((a, b) => (endpoints[a]!.id < endpoints[b]!.id ? -1 : endpoints[a]!.id > endpoints[b]!.id ? 1 : 0));
  const rank = new Uint32Array(endpoints.length);
  byId.forEach((e, r) => {
    const prev = byId[r - 1];
    rank[e] = prev !== undefined && endpoints[prev]!.id === endpoints[e]!.id ? rank[prev]! : r;
  });
  return (x, y) => rank[x.from]! - rank[y.from]! || rank[x.to]! - rank[y.to]!;
}

function matchesId(ep: ReachEndpoint, id: string): boolean {
  if (ep.id === id) return true;
  return isWorkloadEndpoint(ep) && `${ep.namespace}/${ep.name}` === id;
}

/**
 * Every allowed connection between endpoints. A single-pod endpoint to itself is a pod to
 * itself (always allowed) and left out; a multi-pod endpoint to itself is listed when policy
 * allows its pods to talk to each other.
 */
export function workloadReachability(compiled: CompiledCluster, filter: ReachFilter = {}, index = compiled.endpoints()): WorkloadReachability {
  const reach = compiled.reach();
  const { endpoints, nodeEndpoints } = index;
  const keepEndpoint = (ep: ReachEndpoint, id: string | undefined) => id === undefined || matchesId(ep, id);
  const inNs = (ep: ReachEndpoint) => isWorkloadEndpoint(ep) && ep.namespace === filter.namespace;
  const connections: { from: number; to: number; ports: ProtoPorts; unknown?: ProtoPorts }[] = [];
  const visit = (src: number, dst: number, add: (from: number, to: number) => void) => {
    for (const a of nodeEndpoints[src] ?? []) {
      const ea = endpoints[a]!;
      if (!keepEndpoint(ea, filter.from)) continue;
      for (const b of nodeEndpoints[dst] ?? []) {
        const eb = endpoints[b]!;
        if (!keepEndpoint(eb, filter.to)) continue;
        if (a === b && (!isWorkloadEndpoint(ea) || ea.pods < 2)) continue;
        if (filter.namespace !== undefined && !inNs(ea) && !inNs(eb)) continue;
        add(a, b);
      }
    }
  };
  // What may be allowed beyond what certainly is: connections a domainNames rule may decide.
  const possible = compiled.possible?.();
  const unknownAt = new Map<string, ProtoPorts>();
  possible?.forEachAllowed((src, dst, ports) => {
    const unknown = subtractProtoPorts(ports, reach.ports(src, dst));
    if (isEmptyProtoPorts(unknown)) return;
    const certain = reach.ports(src, dst);
    visit(src, dst, (a, b) => {
      unknownAt.set(`${a},${b}`, unknown);
      if (isEmptyProtoPorts(certain)) connections.push({ from: a, to: b, ports: EMPTY_PROTO_PORTS, unknown });
    });
  });
  reach.forEachAllowed((src, dst, ports) => {
    visit(src, dst, (a, b) => {
      // Most clusters have no unknowns: no key to build per connection then.
      const unknown = unknownAt.size > 0 ? unknownAt.get(`${a},${b}`) : undefined;
      connections.push({ from: a, to: b, ports, ...(unknown ? { unknown } : {}) });
    });
  });
  connections.sort(byEndpointIds(endpoints));
  const used = new Set<number>();
  const filtered = filter.namespace !== undefined || filter.from !== undefined || filter.to !== undefined;
  for (const c of connections) {
    used.add(c.from);
    used.add(c.to);
  }
  const keptEndpoints = endpoints
    .map((e, i) => ({ e, i }))
    .filter(({ e, i }) => {
      if (!filtered) return true;
      if (used.has(i)) return true;
      return (
        (filter.namespace !== undefined && inNs(e)) ||
        (filter.from !== undefined && matchesId(e, filter.from)) ||
        (filter.to !== undefined && matchesId(e, filter.to))
      );
    })
    .map(({ e }) => e)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // Every workload pair of one class pair shares that pair's ports: converted once, shared
  // (read-only) by all of them — all pairs of S2 is ~350,000 connections over far fewer sets.
  const portsOf = new Map<ProtoPorts, { all: boolean; json: Connection['ports'] }>();
  const converted = (p: ProtoPorts) => {
    let c = portsOf.get(p);
    if (!c) portsOf.set(p, (c = { all: isAllProtoPorts(p), json: toJsonPorts(p) }));
    return c;
  };
  return {
    endpoints: keptEndpoints,
    connections: connections.map((c) => {
      const ports = converted(c.ports);
      return {
        from: endpoints[c.from]!.id,
        to: endpoints[c.to]!.id,
        all: ports.all,
        ports: ports.json,
        ...(c.unknown ? { unknown: converted(c.unknown).json } : {}),
      };
    }),
    warnings: index.warnings,
  };
}
