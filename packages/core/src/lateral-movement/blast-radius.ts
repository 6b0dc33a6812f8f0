/**
 * Blast radius: everything an attacker holding one foothold (a workload, a node, or the
 * internet) reaches, by number of moves, with the ports of each first reach; and the metrics
 * every lateral-movement answer carries.
 */
import { edgeCategory, type AttackEdgeAttributes, type AttackGraph, type AttackNodeAttributes, type AttackPort, type EdgeCategory } from './attack-graph.js';
import { adjacency, countAttackPaths, DEFAULT_PATH_HOP_LIMIT, type AttackAdjacency, type PathCount } from './attack-paths.js';

export interface FirstReach {
  readonly from: string;
  readonly kind: AttackEdgeAttributes['kind'];
  readonly category: EdgeCategory;
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
  /** ServiceAccount tokens (and cluster-admin) the attacker gets hold of. */
  readonly identitiesReached: number;
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

/** Hop counts by node index from a source (-1: not reached), breadth-first up to `maxHops`. */
function hopsByIndex(adj: AttackAdjacency, from: number, maxHops: number): { depth: Int32Array; order: number[] } {
  const { outStart, outTo } = adj;
  const depth = new Int32Array(adj.ids.length).fill(-1);
  depth[from] = 0;
  const order = [from];
  let begin = 0;
  for (let d = 1; d <= maxHops && begin < order.length; d++) {
    const end = order.length;
    for (let q = begin; q < end; q++) {
      const u = order[q]!;
      for (let k = outStart[u]!, stop = outStart[u + 1]!; k < stop; k++) {
        const v = outTo[k]!;
        if (depth[v] !== -1) continue;
        depth[v] = d;
        order.push(v);
      }
    }
    begin = end;
  }
  return { depth, order };
}

/** Hop counts from a source, by breadth-first traversal, up to `maxHops`. */
export function hopCounts(ag: AttackGraph, from: string, maxHops = Infinity): Map<string, number> {
  const adj = adjacency(ag);
  const s = adj.indexOf.get(from);
  if (s === undefined) return new Map([[from, 0]]);
  const { depth, order } = hopsByIndex(adj, s, maxHops);
  return new Map(order.map((i) => [adj.ids[i]!, depth[i]!]));
}

export function blastRadius(ag: AttackGraph, from: string, options: BlastOptions = {}): BlastRadius {
  const maxHops = options.maxHops ?? Infinity;
  const jewels = new Set(options.crownJewels ?? []);
  const adj = adjacency(ag);
  const { ids, rank, inStart, inFrom, inAttr, edgeAttrs, inPorts, portLists, nodeAttrs } = adj;
  // mergedFor[list] = the node (plus one) whose union already holds that port list.
  const mergedFor = new Int32Array(portLists.length);
  const source = adj.indexOf.get(from);
  const { depth, order } = source === undefined ? { depth: new Int32Array(0), order: [] as number[] } : hopsByIndex(adj, source, maxHops);
  const reached: ReachedNode[] = [];
  // By hop count, then id: ranks compare ids as integers.
  const sorted = order.slice().sort((x, y) => depth[x]! - depth[y]! || rank[x]! - rank[y]!);
  for (const v of sorted) {
    if (v === source) continue;
    const hops = depth[v]!;
    // In a dense cluster a node is first reached from hundreds of others: keep the ports of all
    // of them but name only the first few, so the answer stays readable and fast.
    const firsts: number[] = [];
    /** Rank a candidate must beat to enter `firsts` (anything, until it is full). */
    let worst = Infinity;
    let viaCount = 0;
    const ports = new Map<number, AttackPort>();
    for (let k = inStart[v]!, end = inStart[v + 1]!; k < end; k++) {
      const src = inFrom[k]!;
      if (depth[src] !== hops - 1) continue;
      viaCount++;
      // Keep the MAX_VIA smallest ids only (by rank: integers, not strings).
      const r = rank[src]!;
      if (r < worst) {
        let at = firsts.length;
        while (at > 0 && rank[inFrom[firsts[at - 1]!]!]! > r) at--;
        firsts.splice(at, 0, k);
        if (firsts.length > MAX_VIA) firsts.pop();
        if (firsts.length === MAX_VIA) worst = rank[inFrom[firsts[MAX_VIA - 1]!]!]!;
      }
      // Edges into one destination share a few port lists (one per source class, see
      // buildAttackGraph): each distinct list is merged once. A list holds one entry per key,
      // all into this node, so skipping a repeat changes nothing.
      const list = inPorts[k]!;
      if (list < 0 || mergedFor[list] === v + 1) continue;
      mergedFor[list] = v + 1;
      for (const p of portLists[list]!) ports.set(portKey(p), p);
    }
    const via = firsts.map((k) => {
      const at = edgeAttrs[inAttr[k]!]!;
      return { from: ids[inFrom[k]!]!, kind: at.kind, category: edgeCategory(at.kind), ports: portsOf(at) };
    });
    const union = [...ports.values()].sort((a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.port - b.port));
    const id = ids[v]!;
    reached.push({ id, kind: nodeAttrs[v]!.kind, hops, via, viaCount, ports: union, crownJewel: jewels.has(id) });
  }
  const crownJewelsReached = reached.filter((r) => r.crownJewel).map((r) => ({ id: r.id, hops: r.hops }));
  const sourceIsWorkload = source !== undefined && nodeAttrs[source]!.kind === 'workload';
  const workloads = ag.workloads.length - (sourceIsWorkload ? 1 : 0);
  const reachedWorkloads = reached.filter((r) => r.kind === 'workload').length;
  const hopLimit = options.pathHopLimit ?? (Number.isFinite(maxHops) ? maxHops : DEFAULT_PATH_HOP_LIMIT);
  const metrics: AttackMetrics = {
    workloads,
    reached: reachedWorkloads,
    reachedPercent: workloads === 0 ? 0 : Math.round((reachedWorkloads / workloads) * 1000) / 10,
    nodesReached: reached.filter((r) => r.kind === 'node').length,
    identitiesReached: reached.filter((r) => r.kind === 'identity').length,
    crownJewels: [...jewels].filter((j) => j !== from).length,
    crownJewelsReached: crownJewelsReached.length,
    minHopsToCrownJewel: crownJewelsReached.length ? Math.min(...crownJewelsReached.map((c) => c.hops)) : null,
    paths: countAttackPaths(ag, from, new Set([...jewels].filter((j) => j !== from)), hopLimit),
  };
  return { from, maxHops: Number.isFinite(maxHops) ? maxHops : null, reached, crownJewelsReached, metrics };
}
