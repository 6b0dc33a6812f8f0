/**
 * Blast radius: everything an attacker holding one foothold (a workload, a node, or the
 * internet) reaches, by number of moves, with the ports of each first reach; and the metrics
 * every lateral-movement answer carries.
 */
import { type AttackEdgeAttributes, type AttackGraph, type AttackNodeAttributes, type AttackPort, type EdgeCategory } from './attack-graph.js';
import { adjacency, countAttackPaths, DEFAULT_PATH_HOP_LIMIT, type AttackAdjacency, type PathCount } from './attack-paths.js';
import { KIND_CODES, NO_PORTS, unionOf, VIA_SLOTS, type Move, type SearchScratch } from './adjacency.js';

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

/**
 * The reached nodes as the search leaves them, in arrays the answer owns (read them, do not
 * write them): what `reached` is made from, without an object per entry. Entry i
 * (0 <= i < length) is the i-th of `reached`; `node[i]` is its node number, and the arrays "by
 * node" are read at that number. Names, kinds and moves are the graph's tables, shared.
 *
 *   id = ids[node[i]], kind = kinds[node[i]], hops = hops[node[i]], ports = ports[i],
 *   the k-th first reach named (k < min(viaCount[node[i]], MAX_VIA)), at s = node[i] * MAX_VIA + k:
 *   { from: ids[viaFrom[s]], ...moves[viaMove[s]] }
 */
export interface ReachedNodes {
  readonly length: number;
  /** By entry: the node number. */
  readonly node: Int32Array;
  /** By entry: the union of the ports of its first reaches. */
  readonly ports: readonly (readonly AttackPort[])[];
  /** By node: id and kind (the graph's). */
  readonly ids: readonly string[];
  readonly kinds: readonly AttackNodeAttributes['kind'][];
  /** By node: hops from the source (-1: not reached), first reaches (moves into it from a node one hop closer), crown jewel (1). */
  readonly hops: Int32Array;
  readonly viaCount: Int32Array;
  readonly crownJewel: Uint8Array;
  /** By node, MAX_VIA slots each: the first reaches named, by source id: the source's node number and the move. */
  readonly viaFrom: Int32Array;
  readonly viaMove: Int32Array;
  /** Moves by number (the graph's): a first reach without its source. */
  readonly moves: readonly Move[];
  /** Entry i's first reaches named, as `reached` lists them (made on each call). */
  via(i: number): readonly FirstReach[];
  /** Entry i as `reached` lists it (made on each call). */
  entry(i: number): ReachedNode;
}

export interface BlastRadius {
  readonly from: string;
  /** Null when unbounded. */
  readonly maxHops: number | null;
  /** Reached nodes, by hop count then id; the source is not listed. Made from `nodes` when first read. */
  readonly reached: readonly ReachedNode[];
  readonly crownJewelsReached: readonly { readonly id: string; readonly hops: number }[];
  readonly metrics: AttackMetrics;
  /** The same reached nodes, compact (not enumerable: not part of the JSON, which lists `reached`). */
  readonly nodes: ReachedNodes;
}

export interface BlastOptions {
  readonly maxHops?: number;
  readonly crownJewels?: readonly string[];
  /** Hop limit for counting paths (default: maxHops, or 6). */
  readonly pathHopLimit?: number;
}

export const MAX_VIA = VIA_SLOTS;


/** SearchScratch.sums slots: moves out of the level being found, moves into the nodes not reached yet, reached nodes by KIND_CODES (from KINDS on). */
const NEXT_OUT = 0;
const IN_LEFT = 1;
const KINDS = 2;

/**
 * Top-down: u's moves, u at hop d - 1 (the level taken in id order, so each node's first
 * reaches arrive by id); appends the nodes first reached to order and returns its new size.
 * One call per node, not one loop over the level: a small function called often is compiled
 * after a few calls, where a long loop in a function called once runs uncompiled for a while.
 * The sums a node found adds to are kept here for the same reason.
 */
function expand(adj: AttackAdjacency, s: SearchScratch, u: number, d: number, size: number): number {
  const { outStart, outTo, outVia, inStart, rank, kindCode } = adj;
  const { depth, order, reaches, viaFrom, viaMove, sums } = s;
  let out = 0;
  let into = 0;
  // Per move: its target's hop count, and for a first reach (most moves at a wide level) its
  // count, one number for its move and port list, and its list's bit; nothing else.
  for (let k = outStart[u]!, stop = outStart[u + 1]!; k < stop; k++) {
    const v = outTo[k]!;
    const dv = depth[v]!;
    if (dv !== d) {
      if (dv !== -1) continue;
      depth[v] = d;
      order[size++] = rank[v]!;
      out += outStart[v + 1]! - outStart[v]!;
      into += inStart[v + 1]! - inStart[v]!;
      sums[KINDS + kindCode[v]!]!++;
    }
    // reaches and outVia: a count or a move times VIA_MOVE (8), plus list bits.
    const r = reaches[v]!;
    const via = outVia[k]!;
    reaches[v] = (r + 8) | (via & 7);
    if (r < VIA_SLOTS * 8) {
      const c = r >> 3;
      viaFrom[v * VIA_SLOTS + c] = u;
      viaMove[v * VIA_SLOTS + c] = via >> 3;
    }
  }
  sums[NEXT_OUT]! += out;
  sums[IN_LEFT]! -= into;
  return size;
}

/**
 * Bottom-up: the moves into v from nodes at hop d - 1, v not reached yet. Any of them is a first
 * reach, and v is then at hop d: counts them, keeps the VIA_SLOTS with the smallest source ids
 * (by rank; a later move from the same source after an earlier one), marks their port lists,
 * and appends v to order. Returns order's new size.
 */
function reachInto(adj: AttackAdjacency, s: SearchScratch, v: number, d: number, size: number): number {
  const { inStart, inFrom, inVia, rank, outStart, kindCode } = adj;
  const { depth, viaFrom, viaMove } = s;
  const prev = d - 1;
  const base = v * VIA_SLOTS;
  let count = 0;
  let used = 0;
  let kept = 0;
  /** Rank a source must be below once VIA_SLOTS are kept. */
  let worst = 0;
  for (let j = inStart[v]!, end = inStart[v + 1]!; j < end; j++) {
    const u = inFrom[j]!;
    if (depth[u] !== prev) continue;
    count++;
    const via = inVia[j]!;
    used |= via & 7;
    const ru = rank[u]!;
    if (kept === VIA_SLOTS && ru >= worst) continue;
    let at = kept < VIA_SLOTS ? kept++ : VIA_SLOTS - 1;
    while (at > 0 && rank[viaFrom[base + at - 1]!]! > ru) {
      viaFrom[base + at] = viaFrom[base + at - 1]!;
      viaMove[base + at] = viaMove[base + at - 1]!;
      at--;
    }
    viaFrom[base + at] = u;
    viaMove[base + at] = via >> 3;
    if (kept === VIA_SLOTS) worst = rank[viaFrom[base + VIA_SLOTS - 1]!]!;
  }
  if (count === 0) return size;
  depth[v] = d;
  s.reaches[v] = count * 8 + used;
  s.order[size] = rank[v]!;
  const { sums } = s;
  sums[NEXT_OUT]! += outStart[v + 1]! - outStart[v]!;
  sums[IN_LEFT]! -= inStart[v + 1]! - inStart[v]!;
  sums[KINDS + kindCode[v]!]!++;
  return size + 1;
}

/**
 * Breadth-first from the source by levels, into the graph's scratch arrays (adjacency.ts):
 * hops, the nodes reached by hop then id, and per node its first reaches (every move into it
 * from a node one hop closer): how many, the first VIA_SLOTS by the source's id, and marks on
 * the port lists they carry. Returns how many nodes are reached, the source included.
 *
 * A level is found from whichever side reads fewer moves: top-down, the previous level's
 * out-edges, taken in id order so that each node's first reaches arrive by id; or bottom-up,
 * the in-edges of every node not reached yet, in id order, which also counts them (and keeps
 * the first few by id as they come). In a dense cluster a foothold reaches a few nodes, then
 * most of the graph, then the rest: top-down then bottom-up reads a fraction of the moves.
 * The order holds positions in id order, so a level found top-down sorts natively, and one
 * found bottom-up comes out sorted. The via slots are read only up to each node's count, so
 * they need no reset.
 */
function search(adj: AttackAdjacency, source: number | undefined, maxHops: number): number {
  const { byRank, rank, outStart, inStart, scratch: s } = adj;
  const { depth, order, reaches, unreached, sums } = s;
  const n = byRank.length;
  depth.fill(-1);
  reaches.fill(0);
  sums.fill(0);
  sums[IN_LEFT] = inStart[n]!;
  let size = 0;
  if (source !== undefined) {
    depth[source] = 0;
    order[size++] = rank[source]!;
    sums[NEXT_OUT] = outStart[source + 1]! - outStart[source]!;
    sums[IN_LEFT]! -= inStart[source + 1]! - inStart[source]!;
  }
  /** Bottom-up: the nodes not reached yet (listed by the first bottom-up level; -1 until then). */
  let unreachedLength = -1;
  for (let d = 1, begin = 0; d <= maxHops && begin < size; d++) {
    const end = size;
    const outLeft = sums[NEXT_OUT]!;
    sums[NEXT_OUT] = 0;
    if (outLeft < sums[IN_LEFT]!) {
      for (let q = begin; q < end; q++) size = expand(adj, s, byRank[order[q]!]!, d, size);
    } else if (unreachedLength < 0) {
      // The first bottom-up level: the nodes not reached yet, found natively; it lists those it leaves.
      unreachedLength = 0;
      for (let v = depth.indexOf(-1); v >= 0; v = depth.indexOf(-1, v + 1)) {
        const at = reachInto(adj, s, v, d, size);
        if (at === size) unreached[unreachedLength++] = v;
        size = at;
      }
    } else {
      let left = 0;
      for (let i = 0; i < unreachedLength; i++) {
        const v = unreached[i]!;
        // Reached top-down since the list was made: off the list.
        if (depth[v] !== -1) continue;
        const at = reachInto(adj, s, v, d, size);
        if (at === size) unreached[left++] = v;
        size = at;
      }
      unreachedLength = left;
    }
    if (size - end > 1) order.subarray(end, size).sort();
    begin = end;
  }
  return size;
}

/**
 * What answers read from `reached` share, per graph (keyed by its moves array); read-only, like
 * the port lists they hold. In a dense cluster an answer's ~9,000 first reaches are a few hundred
 * distinct ones, and a node's via list is mostly the same from every foothold: first reaches are
 * made once per graph, and a node reuses the via list its last answer named when the first
 * reaches are the same (a few integer compares), so reading `reached` makes few objects.
 */
interface SharedParts {
  /** First reaches by source node * moves + move. */
  readonly reaches: Map<number, FirstReach>;
  /** By node: the length of the via list last made (-1: none), its sources and moves (VIA_SLOTS each), and the list. */
  readonly lastLen: Int32Array;
  readonly lastFrom: Int32Array;
  readonly lastMove: Int32Array;
  readonly lastList: (readonly FirstReach[] | undefined)[];
}

const sharedMemo = new WeakMap<readonly Move[], SharedParts>();

function sharedParts(moves: readonly Move[], nodeCount: number): SharedParts {
  let parts = sharedMemo.get(moves);
  if (parts === undefined) {
    parts = {
      reaches: new Map(),
      lastLen: new Int32Array(nodeCount).fill(-1),
      lastFrom: new Int32Array(nodeCount * VIA_SLOTS),
      lastMove: new Int32Array(nodeCount * VIA_SLOTS),
      lastList: new Array<readonly FirstReach[] | undefined>(nodeCount).fill(undefined),
    };
    sharedMemo.set(moves, parts);
  }
  return parts;
}

/**
 * The answer's reached nodes: native copies of the search's arrays (made before the next search
 * overwrites them), and one pass over the entries for their node numbers and ports.
 */
class ReachedSet implements ReachedNodes {
  readonly length: number;
  readonly node: Int32Array;
  readonly ports: (readonly AttackPort[])[];
  readonly ids: readonly string[];
  readonly kinds: readonly AttackNodeAttributes['kind'][];
  readonly hops: Int32Array;
  readonly viaCount: Int32Array;
  readonly crownJewel: Uint8Array;
  readonly viaFrom: Int32Array;
  readonly viaMove: Int32Array;
  readonly moves: readonly Move[];

  constructor(adj: AttackAdjacency, first: number, size: number, jewel: Uint8Array) {
    const s = adj.scratch;
    const { byRank, maskStart, maskPorts } = adj;
    const { order, reaches } = s;
    const length = size - first;
    this.length = length;
    this.ids = adj.ids;
    this.kinds = adj.kinds;
    this.moves = adj.moves;
    this.hops = s.depth.slice();
    const viaCount = new Int32Array(byRank.length);
    this.crownJewel = jewel;
    this.viaFrom = s.viaFrom.slice();
    this.viaMove = s.viaMove.slice();
    const node = new Int32Array(length);
    const ports = new Array<readonly AttackPort[]>(length);
    for (let i = 0; i < length; i++) {
      const v = byRank[order[first + i]!]!;
      node[i] = v;
      const r = reaches[v]!;
      viaCount[v] = r >> 3;
      const at = maskStart[v]!;
      ports[i] = at >= 0 ? maskPorts[at + (r & 7)]! : wideUnion(adj, v);
    }
    this.viaCount = viaCount;
    this.node = node;
    this.ports = ports;
  }

  via(i: number): readonly FirstReach[] {
    const v = this.node[i]!;
    const len = Math.min(this.viaCount[v]!, VIA_SLOTS);
    const shared = sharedParts(this.moves, this.ids.length);
    const at0 = v * VIA_SLOTS;
    // The list v's last answer named, when this answer names the same first reaches.
    if (shared.lastLen[v] === len) {
      let same = true;
      for (let k = 0, at = at0; k < len; k++, at++) {
        if (shared.lastFrom[at] !== this.viaFrom[at] || shared.lastMove[at] !== this.viaMove[at]) {
          same = false;
          break;
        }
      }
      if (same) return shared.lastList[v]!;
    }
    const moves = this.moves;
    const reaches = shared.reaches;
    const via = new Array<FirstReach>(len);
    for (let k = 0, at = at0; k < len; k++, at++) {
      const from = this.viaFrom[at]!;
      const m = this.viaMove[at]!;
      const key = from * moves.length + m;
      let reach = reaches.get(key);
      if (reach === undefined) {
        const move = moves[m]!;
        reaches.set(key, (reach = { from: this.ids[from]!, kind: move.kind, category: move.category, ports: move.ports }));
      }
      via[k] = reach;
      shared.lastFrom[at] = from;
      shared.lastMove[at] = m;
    }
    shared.lastLen[v] = len;
    shared.lastList[v] = via;
    return via;
  }

  entry(i: number): ReachedNode {
    const v = this.node[i]!;
    return { id: this.ids[v]!, kind: this.kinds[v]!, hops: this.hops[v]!, via: this.via(i), viaCount: this.viaCount[v]!, ports: this.ports[i]!, crownJewel: this.crownJewel[v] === 1 };
  }

  entries(): ReachedNode[] {
    const out = new Array<ReachedNode>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.entry(i);
    return out;
  }

  /** Of these nodes, the crown jewels reached, in entry order (by hops, then id). */
  jewelsReached(jewels: readonly number[], rank: Int32Array): { id: string; hops: number }[] {
    const found = jewels.filter((v) => this.hops[v]! > 0);
    found.sort((a, b) => this.hops[a]! - this.hops[b]! || rank[a]! - rank[b]!);
    return found.map((v) => ({ id: this.ids[v]!, hops: this.hops[v]! }));
  }
}

/**
 * The union of the lists a node with more lists than the graph made unions for was first reached
 * over, in its lists' order: its first reaches are its moves in from nodes one hop closer (the
 * search marks lists only for nodes with unions made, so this reads them again; rare).
 */
function wideUnion(adj: AttackAdjacency, v: number): readonly AttackPort[] {
  const { listsStart, listsInto, portLists, listPorts, inStart, inFrom, inPorts } = adj;
  const { depth } = adj.scratch;
  const prev = depth[v]! - 1;
  const marked = new Set<number>();
  for (let j = inStart[v]!; j < inStart[v + 1]!; j++) if (depth[inFrom[j]!] === prev && inPorts[j]! >= 0) marked.add(inPorts[j]!);
  const used: number[] = [];
  for (let j = listsStart[v]!; j < listsStart[v + 1]!; j++) if (marked.has(listsInto[j]!)) used.push(listsInto[j]!);
  return used.length === 0 ? NO_PORTS : used.length === 1 ? listPorts[used[0]!]! : unionOf(used.map((l) => portLists[l]!));
}

export function blastRadius(ag: AttackGraph, from: string, options: BlastOptions = {}): BlastRadius {
  const maxHops = options.maxHops ?? Infinity;
  const jewels = new Set(options.crownJewels ?? []);
  const adj = adjacency(ag);
  const source = adj.indexOf.get(from);
  const size = search(adj, source, maxHops);
  const jewel = new Uint8Array(adj.ids.length);
  const jewelNodes: number[] = [];
  for (const j of jewels) {
    const v = adj.indexOf.get(j);
    if (v !== undefined) (jewel[v] = 1), jewelNodes.push(v);
  }
  const nodes = new ReachedSet(adj, source !== undefined ? 1 : 0, size, jewel);
  const crownJewelsReached = nodes.jewelsReached(jewelNodes, adj.rank);
  const { sums } = adj.scratch;
  const sourceIsWorkload = source !== undefined && adj.kindCode[source] === KIND_CODES.workload;
  const workloads = ag.workloads.length - (sourceIsWorkload ? 1 : 0);
  const reachedWorkloads = sums[KINDS + KIND_CODES.workload]!;
  const hopLimit = options.pathHopLimit ?? (Number.isFinite(maxHops) ? maxHops : DEFAULT_PATH_HOP_LIMIT);
  const metrics: AttackMetrics = {
    workloads,
    reached: reachedWorkloads,
    reachedPercent: workloads === 0 ? 0 : Math.round((reachedWorkloads / workloads) * 1000) / 10,
    nodesReached: sums[KINDS + KIND_CODES.node]!,
    identitiesReached: sums[KINDS + KIND_CODES.identity]!,
    crownJewels: [...jewels].filter((j) => j !== from).length,
    crownJewelsReached: crownJewelsReached.length,
    minHopsToCrownJewel: crownJewelsReached.length ? crownJewelsReached[0]!.hops : null,
    paths: countAttackPaths(ag, from, new Set([...jewels].filter((j) => j !== from)), hopLimit),
  };
  let reached: ReachedNode[] | undefined;
  const answer = {
    from,
    maxHops: Number.isFinite(maxHops) ? maxHops : null,
    // Made on first read (JSON, the formatters): a caller that wants the metrics or walks `nodes` never makes the objects.
    get reached(): readonly ReachedNode[] {
      return (reached ??= nodes.entries());
    },
    crownJewelsReached,
    metrics,
  };
  return Object.defineProperty(answer, 'nodes', { value: nodes }) as typeof answer & { readonly nodes: ReachedNodes };
}
