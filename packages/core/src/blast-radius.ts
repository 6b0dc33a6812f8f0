/**
 * Blast radius: everything an attacker holding one foothold (a workload, a node, or the
 * internet) reaches, by number of moves, with the ports of each first reach; and the metrics
 * every lateral-movement answer carries.
 */
import type { AttackEdgeAttributes, AttackGraph, AttackNodeAttributes, AttackPort } from './attack-graph.js';
import { adjacency, countAttackPaths, DEFAULT_PATH_HOP_LIMIT, type PathCount } from './attack-paths.js';

export interface FirstReach {
  readonly from: string;
  readonly kind: AttackEdgeAttributes['kind'];
  readonly ports: readonly AttackPort[];
}

export interface ReachedNode {
  readonly id: string;
  readonly kind: AttackNodeAttributes['kind'];
  readonly hops: number;
  /** Moves that reach it at that hop count (from nodes one hop closer), the first few by id. */
  readonly via: readonly FirstReach[];
  /** How many nodes one hop closer reach it (via lists at most MAX_VIA of them). */
  readonly viaCount: number;
  /** Union of the ports of every first-reach move. */
  readonly ports: readonly AttackPort[];
  readonly crownJewel: boolean;
}

export interface AttackMetrics {
  /** Workloads in the cluster, the source excluded. */
  readonly workloads: number;
  /** Workloads reached (the source excluded). */
  readonly reached: number;
  readonly reachedPercent: number;
  readonly nodesReached: number;
  readonly crownJewels: number;
  readonly crownJewelsReached: number;
  /** Fewest moves to any crown jewel; null when none is reached. */
  readonly minHopsToCrownJewel: number | null;
  readonly paths: PathCount;
}

export interface BlastRadius {
  readonly from: string;
  /** Null when unbounded. */
  readonly maxHops: number | null;
  /** Reached nodes, by hop count then id; the source is not listed. */
  readonly reached: readonly ReachedNode[];
  readonly crownJewelsReached: readonly { readonly id: string; readonly hops: number }[];
  readonly metrics: AttackMetrics;
}

export interface BlastOptions {
  readonly maxHops?: number;
  readonly crownJewels?: readonly string[];
  /** Hop limit for counting paths (default: maxHops, or 6). */
  readonly pathHopLimit?: number;
}

export const MAX_VIA = 5;

const PROTO_INDEX = { TCP: 0, UDP: 1, SCTP: 2 } as const;
/** A number per (protocol, port, endPort): string keys cost more than the rest of the loop. */
function portKey(p: { protocol: AttackPort['protocol']; port: number; endPort?: number }): number {
  return (PROTO_INDEX[p.protocol] * 65536 + p.port) * 65536 + (p.endPort ?? 0);
}

function portsOf(attrs: AttackEdgeAttributes): AttackPort[] {
  if (attrs.kind === 'network') return [...attrs.ports];
  if (attrs.kind === 'entry') return attrs.exposures.map((x) => ({ protocol: x.protocol, port: x.port }));
  return [];
}

/** Hop counts from a source, by breadth-first traversal, up to `maxHops`. */
export function hopCounts(ag: AttackGraph, from: string, maxHops = Infinity): Map<string, number> {
  // Breadth-first over the cached neighbour lists (graphology-traversal's bfsFromNode gives the
  // same answer, several times slower on dense clusters: it goes through the attribute API).
  const out = adjacency(ag).out;
  const depth = new Map<string, number>([[from, 0]]);
  let frontier = [from];
  for (let d = 1; d <= maxHops && frontier.length > 0; d++) {
    const next: string[] = [];
    for (const u of frontier) {
      for (const v of out.get(u) ?? []) {
        if (depth.has(v)) continue;
        depth.set(v, d);
        next.push(v);
      }
    }
    frontier = next;
  }
  return depth;
}

export function blastRadius(ag: AttackGraph, from: string, options: BlastOptions = {}): BlastRadius {
  const { graph } = ag;
  const maxHops = options.maxHops ?? Infinity;
  const jewels = new Set(options.crownJewels ?? []);
  const depth = hopCounts(ag, from, maxHops);
  const adj = adjacency(ag);
  const reached: ReachedNode[] = [];
  for (const [id, hops] of depth) {
    if (id === from) continue;
    // In a dense cluster a node is first reached from hundreds of others: keep the ports of all
    // of them but name only the first few, so the answer stays readable and fast.
    const firsts: { from: string; attrs: AttackEdgeAttributes }[] = [];
    let viaCount = 0;
    const ports = new Map<number, AttackPort>();
    const srcs = adj.in.get(id)!;
    const attrsOf = adj.inEdges.get(id)!;
    for (let k = 0; k < srcs.length; k++) {
      const src = srcs[k]!;
      if (depth.get(src) !== hops - 1) continue;
      const attrs = attrsOf[k]!;
      viaCount++;
      // Keep the MAX_VIA smallest ids only: sorting hundreds per node is most of the cost.
      if (firsts.length < MAX_VIA || src < firsts[firsts.length - 1]!.from) {
        let at = firsts.length;
        while (at > 0 && firsts[at - 1]!.from > src) at--;
        firsts.splice(at, 0, { from: src, attrs });
        if (firsts.length > MAX_VIA) firsts.pop();
      }
      if (attrs.kind === 'network') for (const p of attrs.ports) ports.set(portKey(p), p);
      else if (attrs.kind === 'entry') for (const x of attrs.exposures) ports.set(portKey(x), { protocol: x.protocol, port: x.port });
    }
    const via = firsts.map(({ from: f, attrs }) => ({ from: f, kind: attrs.kind, ports: portsOf(attrs) }));
    const union = [...ports.values()].sort((a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.port - b.port));
    reached.push({ id, kind: graph.getNodeAttribute(id, 'kind'), hops, via, viaCount, ports: union, crownJewel: jewels.has(id) });
  }
  reached.sort((a, b) => a.hops - b.hops || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const crownJewelsReached = reached.filter((r) => r.crownJewel).map((r) => ({ id: r.id, hops: r.hops }));
  const sourceIsWorkload = graph.hasNode(from) && graph.getNodeAttribute(from, 'kind') === 'workload';
  const workloads = ag.workloads.length - (sourceIsWorkload ? 1 : 0);
  const reachedWorkloads = reached.filter((r) => r.kind === 'workload').length;
  const hopLimit = options.pathHopLimit ?? (Number.isFinite(maxHops) ? maxHops : DEFAULT_PATH_HOP_LIMIT);
  const metrics: AttackMetrics = {
    workloads,
    reached: reachedWorkloads,
    reachedPercent: workloads === 0 ? 0 : Math.round((reachedWorkloads / workloads) * 1000) / 10,
    nodesReached: reached.filter((r) => r.kind === 'node').length,
    crownJewels: [...jewels].filter((j) => j !== from).length,
    crownJewelsReached: crownJewelsReached.length,
    minHopsToCrownJewel: crownJewelsReached.length ? Math.min(...crownJewelsReached.map((c) => c.hops)) : null,
    paths: countAttackPaths(ag, from, new Set([...jewels].filter((j) => j !== from)), hopLimit),
  };
  return { from, maxHops: Number.isFinite(maxHops) ? maxHops : null, reached, crownJewelsReached, metrics };
}
