/**
 * The map's first picture of a large cluster: one node per namespace (and per external
 * address group), one edge per namespace pair with how many workload pairs it stands for and
 * the union of their ports. Built from the class-level relation, so its cost follows class
 * pairs rather than the (possibly hundreds of thousands of) workload pairs a drill-down shows.
 */
import { EMPTY_PROTO_PORTS, formatProtoPorts, isWorkloadEndpoint, unionProtoPorts, type ProtoPorts } from '@lateral/core';
import type { Session } from './session.js';

export interface GroupNode {
  /** A namespace name, or an external endpoint's id. */
  readonly id: string;
  readonly kind: 'Namespace' | 'External';
  readonly workloads: number;
  readonly pods: number;
}

export interface GroupEdge {
  readonly from: string;
  readonly to: string;
  /** Workload pairs with something allowed. */
  readonly pairs: number;
  /** Union of the allowed ports, in the CLI's text form (`TCP 80; UDP 53`, `All`). */
  readonly ports: string;
  /** The same union as ranges, as the reach JSON writes ports (for the port filter). */
  readonly portRanges: ProtoPorts;
}

export interface GroupGraph {
  readonly nodes: readonly GroupNode[];
  readonly edges: readonly GroupEdge[];
}

/** The group (namespace, or the external's own id) of each endpoint index. */
export function endpointGroups(s: Session): string[] {
  return s.index.endpoints.map((e) => (isWorkloadEndpoint(e) ? e.namespace : e.id));
}

/** Calls `cb` for each endpoint pair the class relation allows, as the reach JSON lists them. */
export function forEachEndpointPair(s: Session, cb: (a: number, b: number, ports: ProtoPorts) => void): void {
  const { endpoints, nodeEndpoints } = s.index;
  s.compiled.reach().forEachAllowed((src, dst, ports) => {
    for (const a of nodeEndpoints[src] ?? []) {
      for (const b of nodeEndpoints[dst] ?? []) {
        const ea = endpoints[a]!;
        // A single pod to itself is always allowed and never listed (the reach contract).
        if (a === b && (!isWorkloadEndpoint(ea) || ea.pods < 2)) continue;
        cb(a, b, ports);
      }
    }
  });
}

export function groupGraph(s: Session): GroupGraph {
  const groups = endpointGroups(s);
  const nodes = new Map<string, { id: string; kind: 'Namespace' | 'External'; workloads: number; pods: number }>();
  s.index.endpoints.forEach((e, i) => {
    const id = groups[i]!;
    let n = nodes.get(id);
    if (!n) nodes.set(id, (n = { id, kind: isWorkloadEndpoint(e) ? 'Namespace' : 'External', workloads: 0, pods: 0 }));
    if (isWorkloadEndpoint(e)) {
      n.workloads++;
      n.pods += e.pods;
    }
  });
  return {
    nodes: [...nodes.values()].sort((x, y) => (x.kind !== y.kind ? (x.kind === 'Namespace' ? -1 : 1) : x.id < y.id ? -1 : 1)),
    edges: foldEdges(s, (a, b) => [groups[a]!, groups[b]!]),
  };
}

/**
 * The allowed endpoint pairs folded into edges between what `ends` maps each pair to (undefined:
 * left out): how many pairs each edge stands for and the union of their ports, sorted.
 */
export function foldEdges(s: Session, ends: (a: number, b: number) => readonly [string, string] | undefined): GroupEdge[] {
  const edges = new Map<string, { from: string; to: string; pairs: number; ports: ProtoPorts; seen: Set<unknown> }>();
  forEachEndpointPair(s, (a, b, ports) => {
    const fromTo = ends(a, b);
    if (!fromTo) return;
    const [from, to] = fromTo;
    const key = `${from}\u0000${to}`;
    let e = edges.get(key);
    if (!e) edges.set(key, (e = { from, to, pairs: 0, ports: EMPTY_PROTO_PORTS, seen: new Set() }));
    e.pairs++;
    // Class pairs share one ports object; union each distinct one once.
    if (!e.seen.has(ports)) {
      e.seen.add(ports);
      e.ports = unionProtoPorts(e.ports, ports);
    }
  });
  return [...edges.values()]
    .map((e) => ({ from: e.from, to: e.to, pairs: e.pairs, ports: formatProtoPorts(e.ports), portRanges: e.ports }))
    .sort((x, y) => (x.from !== y.from ? (x.from < y.from ? -1 : 1) : x.to < y.to ? -1 : x.to > y.to ? 1 : 0));
}
