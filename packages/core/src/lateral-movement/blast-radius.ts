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

/** Ports of several lists, one per (protocol, port, endPort), the later list's entry kept; sorted by protocol, then port. */
function unionOf(lists: readonly (readonly AttackPort[])[]): AttackPort[] {
  const ports = new Map<number, AttackPort>();
  for (const list of lists) for (const p of list) ports.set(portKey(p), p);
  return [...ports.values()].sort((a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.port - b.port));
}

/** Per graph: a single list's union, made once and shared by every answer that has it alone. */
const unionMemo = new WeakMap<AttackAdjacency, AttackPort[][]>();

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
  const { ids, rank, byRank, outStart, outTo, outAttr, outPorts, edgeAttrs, portLists, listsStart, listsInto, nodeAttrs } = adj;
  const n = ids.length;
  const source = adj.indexOf.get(from);
  // One breadth-first pass does all the work: a move from a node at hop d - 1 to one at hop d
  // is a first reach, so while the level is scanned each node counts its first reaches, keeps
  // the MAX_VIA smallest ids among their sources (by rank: integers, not strings) and marks
  // their port lists. No node's in-edges are read again afterwards: at S2 that second pass
  // over 300k moves was most of a query.
  const depth = new Int32Array(n).fill(-1);
  const viaCount = new Int32Array(n);
  const viaLen = new Uint8Array(n);
  /** Rank a source must be below to be kept (the last kept one's, once MAX_VIA are kept). */
  const viaWorst = new Int32Array(n).fill(n);
  /** The first reaches kept per node, by rank: out-edge positions, MAX_VIA slots per node. */
  const viaSlot = new Int32Array(n * MAX_VIA);
  const viaFrom = new Int32Array(n * MAX_VIA);
  const listUsed = new Uint8Array(portLists.length);
  let unions = unionMemo.get(adj);
  if (!unions) unionMemo.set(adj, (unions = []));
  const order = new Int32Array(n);
  let size = 0;
  if (source !== undefined) {
    depth[source] = 0;
    order[size++] = source;
  }
  for (let d = 1, begin = 0; d <= maxHops && begin < size; d++) {
    const end = size;
    for (let q = begin; q < end; q++) {
      const u = order[q]!;
      const ru = rank[u]!;
      for (let k = outStart[u]!, stop = outStart[u + 1]!; k < stop; k++) {
        const v = outTo[k]!;
        const dv = depth[v]!;
        if (dv === -1) {
          depth[v] = d;
          order[size++] = v;
        } else if (dv !== d) continue;
        viaCount[v]!++;
        const list = outPorts[k]!;
        if (list >= 0) listUsed[list] = 1;
        // Insert by rank into v's kept sources (sources arrive in BFS order, not by id).
        if (ru > viaWorst[v]!) continue;
        const base = v * MAX_VIA;
        let len = viaLen[v]!;
        let at = len < MAX_VIA ? len++ : MAX_VIA - 1;
        while (at > 0 && rank[viaFrom[base + at - 1]!]! > ru) {
          viaFrom[base + at] = viaFrom[base + at - 1]!;
          viaSlot[base + at] = viaSlot[base + at - 1]!;
          at--;
        }
        viaFrom[base + at] = u;
        viaSlot[base + at] = k;
        viaLen[v] = len;
        if (len === MAX_VIA) viaWorst[v] = rank[viaFrom[base + MAX_VIA - 1]!]!;
      }
    }
    begin = end;
  }
  // By hop count, then id: one numeric sort of hop * n + rank.
  const keys = new Float64Array(size);
  let kept = 0;
  for (let q = 0; q < size; q++) {
    const v = order[q]!;
    if (v !== source) keys[kept++] = depth[v]! * n + rank[v]!;
  }
  const sorted = keys.subarray(0, kept).sort();
  const reached: ReachedNode[] = [];
  for (let q = 0; q < kept; q++) {
    const v = byRank[sorted[q]! % n]!;
    const hops = depth[v]!;
    // In a dense cluster a node is first reached from hundreds of others: keep the ports of all
    // of them but name only the first few, so the answer stays readable and fast.
    // The answer shares the graph's (read-only) port lists instead of copying them: building
    // these objects is most of what is left of a query.
    const via: FirstReach[] = [];
    for (let i = 0, base = v * MAX_VIA; i < viaLen[v]!; i++) {
      const slot = viaSlot[base + i]!;
      const at = edgeAttrs[outAttr[slot]!]!;
      const list = outPorts[slot]!;
      via.push({ from: ids[viaFrom[base + i]!]!, kind: at.kind, category: edgeCategory(at.kind), ports: list >= 0 ? portLists[list]! : [] });
    }
    // The lists into v that a first reach carries: each list is v's alone (adjacency.ts), so a
    // mark made while scanning is a mark for v.
    let only = -1;
    let several = false;
    for (let i = listsStart[v]!, end = listsStart[v + 1]!; i < end && !several; i++) {
      if (listUsed[listsInto[i]!] === 0) continue;
      if (only < 0) only = listsInto[i]!;
      else several = true;
    }
    let union: readonly AttackPort[];
    if (only < 0) union = [];
    else if (!several) union = unions[only] ??= unionOf([portLists[only]!]);
    else {
      const used: (readonly AttackPort[])[] = [];
      for (let i = listsStart[v]!, end = listsStart[v + 1]!; i < end; i++) if (listUsed[listsInto[i]!] !== 0) used.push(portLists[listsInto[i]!]!);
      union = unionOf(used);
    }
    const id = ids[v]!;
    reached.push({ id, kind: nodeAttrs[v]!.kind, hops, via, viaCount: viaCount[v]!, ports: union, crownJewel: jewels.has(id) });
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
