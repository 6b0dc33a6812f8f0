/**
 * Blast radius: everything an attacker holding one foothold (a workload, a node, or the
 * internet) reaches, by number of moves, with the ports of each first reach; and the metrics
 * every lateral-movement answer carries.
 */
import { edgeCategory, type AttackEdgeAttributes, type AttackGraph, type AttackNodeAttributes, type AttackPort, type EdgeCategory } from './attack-graph.js';
import { adjacency, countAttackPaths, DEFAULT_PATH_HOP_LIMIT, type AttackAdjacency, type PathCount } from './attack-paths.js';
import { KIND_CODES, NO_PORTS, unionOf, VIA_SLOTS, type SearchScratch } from './adjacency.js';

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
 * The reached nodes as the search left them: node numbers, hop counts, first-reach counts, the
 * first few moves and the port sets, in typed arrays the answer owns. Entry i (0 <= i < length)
 * is the i-th of `reached`. Every method reads those arrays (names and port lists are the
 * graph's, shared): nothing is searched again; `via` and `entry` make their objects anew.
 */
export interface ReachedNodes {
  readonly length: number;
  /** Entry i's node in the graph's adjacency: `adjacency(ag).ids[node(i)]`. */
  node(i: number): number;
  id(i: number): string;
  kind(i: number): AttackNodeAttributes['kind'];
  hops(i: number): number;
  viaCount(i: number): number;
  /** How many first reaches entry i names: viaCount, at most MAX_VIA. */
  viaLength(i: number): number;
  /** The k-th first reach entry i names (k < viaLength(i)): the node it moves from, the kind of move, its ports. */
  viaFrom(i: number, k: number): string;
  viaKind(i: number, k: number): AttackEdgeAttributes['kind'];
  viaPorts(i: number, k: number): readonly AttackPort[];
  via(i: number): readonly FirstReach[];
  ports(i: number): readonly AttackPort[];
  crownJewel(i: number): boolean;
  /** Entry i as `reached` lists it. */
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
  const { outStart, outTo, outAttr, outPorts, inStart, rank, kindCode, listBit } = adj;
  const { depth, order, viaCount, viaFrom, viaAttr, viaList, listUsed, usedLists, sums } = s;
  let out = 0;
  let into = 0;
  for (let k = outStart[u]!, stop = outStart[u + 1]!; k < stop; k++) {
    const v = outTo[k]!;
    const dv = depth[v]!;
    if (dv === -1) {
      depth[v] = d;
      order[size++] = rank[v]!;
      out += outStart[v + 1]! - outStart[v]!;
      into += inStart[v + 1]! - inStart[v]!;
      sums[KINDS + kindCode[v]!]!++;
    } else if (dv !== d) continue;
    const c = viaCount[v]!++;
    const list = outPorts[k]!;
    if (c < VIA_SLOTS) {
      const at = v * VIA_SLOTS + c;
      viaFrom[at] = u;
      viaAttr[at] = outAttr[k]!;
      viaList[at] = list;
    }
    if (list >= 0) {
      listUsed[list] = 1;
      usedLists[v]! |= listBit[list]!;
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
  const { inStart, inFrom, inAttr, inPorts, rank, listBit, outStart, kindCode } = adj;
  const { depth, viaFrom, viaAttr, viaList, listUsed, usedLists } = s;
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
    const list = inPorts[j]!;
    if (list >= 0) {
      listUsed[list] = 1;
      used |= listBit[list]!;
    }
    const ru = rank[u]!;
    if (kept === VIA_SLOTS && ru >= worst) continue;
    let at = kept < VIA_SLOTS ? kept++ : VIA_SLOTS - 1;
    while (at > 0 && rank[viaFrom[base + at - 1]!]! > ru) {
      viaFrom[base + at] = viaFrom[base + at - 1]!;
      viaAttr[base + at] = viaAttr[base + at - 1]!;
      viaList[base + at] = viaList[base + at - 1]!;
      at--;
    }
    viaFrom[base + at] = u;
    viaAttr[base + at] = inAttr[j]!;
    viaList[base + at] = list;
    if (kept === VIA_SLOTS) worst = rank[viaFrom[base + VIA_SLOTS - 1]!]!;
  }
  if (count === 0) return size;
  depth[v] = d;
  s.viaCount[v] = count;
  usedLists[v] = used;
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
  const { depth, order, viaCount, unreached, sums } = s;
  const n = byRank.length;
  depth.fill(-1);
  viaCount.fill(0);
  s.listUsed.fill(0);
  s.usedLists.fill(0);
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

/** Node kinds by KIND_CODES, the order the metrics count them in. */
const KIND_NAMES = ['workload', 'node', 'identity', 'internet'] as const satisfies readonly AttackNodeAttributes['kind'][];

/**
 * The answer's reached nodes: native copies of the search's arrays, made before the next search
 * overwrites them; nothing is worked out per entry until it is read, and reading an entry looks
 * things up (the ports of a node's first reaches are the graph's union for that set of lists).
 */
class ReachedSet implements ReachedNodes {
  readonly length: number;
  private readonly adj: AttackAdjacency;
  /** Entry -> its node's position in id order (adj.byRank gives the node). */
  private readonly at: Int32Array;
  /** By node: hops, first-reach count, the first VIA_SLOTS first reaches (source, attributes, port list), the lists they carry (listBit). */
  private readonly depth: Int32Array;
  private readonly count: Int32Array;
  private readonly from: Int32Array;
  private readonly attr: Int32Array;
  private readonly list: Int32Array;
  private readonly lists: Int32Array;
  /** By list: carried by a first reach (for nodes with more lists than the graph made unions for). */
  private readonly listUsed: Uint8Array;
  /** Those nodes' unions, made when first read. */
  private wide: Map<number, readonly AttackPort[]> | undefined;
  /** By node: 1 for a crown jewel. */
  private readonly jewel: Uint8Array;

  constructor(adj: AttackAdjacency, first: number, size: number, jewel: Uint8Array) {
    const s = adj.scratch;
    this.adj = adj;
    this.length = size - first;
    this.at = s.order.slice(first, size);
    this.depth = s.depth.slice();
    this.count = s.viaCount.slice();
    this.from = s.viaFrom.slice();
    this.attr = s.viaAttr.slice();
    this.list = s.viaList.slice();
    this.lists = s.usedLists.slice();
    this.listUsed = s.listUsed.slice();
    this.wide = undefined;
    this.jewel = jewel;
  }

  node(i: number): number {
    return this.adj.byRank[this.at[i]!]!;
  }

  id(i: number): string {
    return this.adj.ids[this.node(i)]!;
  }

  kind(i: number): AttackNodeAttributes['kind'] {
    return KIND_NAMES[this.adj.kindCode[this.node(i)]!]!;
  }

  hops(i: number): number {
    return this.depth[this.node(i)]!;
  }

  viaCount(i: number): number {
    return this.count[this.node(i)]!;
  }

  viaLength(i: number): number {
    return Math.min(this.count[this.node(i)]!, VIA_SLOTS);
  }

  viaFrom(i: number, k: number): string {
    return this.adj.ids[this.from[this.node(i) * VIA_SLOTS + k]!]!;
  }

  viaKind(i: number, k: number): AttackEdgeAttributes['kind'] {
    return this.adj.edgeAttrs[this.attr[this.node(i) * VIA_SLOTS + k]!]!.kind;
  }

  viaPorts(i: number, k: number): readonly AttackPort[] {
    const list = this.list[this.node(i) * VIA_SLOTS + k]!;
    return list >= 0 ? this.adj.portLists[this.adj.sameList[list]!]! : NO_PORTS;
  }

  via(i: number): readonly FirstReach[] {
    const { ids, edgeAttrs, portLists, sameList } = this.adj;
    const v = this.node(i);
    const len = Math.min(this.count[v]!, VIA_SLOTS);
    const via = new Array<FirstReach>(len);
    for (let k = 0, at = v * VIA_SLOTS; k < len; k++, at++) {
      const kind = edgeAttrs[this.attr[at]!]!.kind;
      const list = this.list[at]!;
      via[k] = { from: ids[this.from[at]!]!, kind, category: edgeCategory(kind), ports: list >= 0 ? portLists[sameList[list]!]! : NO_PORTS };
    }
    return via;
  }

  ports(i: number): readonly AttackPort[] {
    const v = this.node(i);
    const start = this.adj.maskStart[v]!;
    return start >= 0 ? this.adj.maskPorts[start + this.lists[v]!]! : this.wideUnion(v);
  }

  /** The union of the lists a node with many lists was first reached over, in its lists' order. */
  private wideUnion(v: number): readonly AttackPort[] {
    let ports = (this.wide ??= new Map()).get(v);
    if (ports === undefined) {
      const { listsStart, listsInto, portLists, listPorts } = this.adj;
      const used: number[] = [];
      for (let j = listsStart[v]!; j < listsStart[v + 1]!; j++) if (this.listUsed[listsInto[j]!] !== 0) used.push(listsInto[j]!);
      ports = used.length === 0 ? NO_PORTS : used.length === 1 ? listPorts[used[0]!]! : unionOf(used.map((l) => portLists[l]!));
      this.wide.set(v, ports);
    }
    return ports;
  }

  crownJewel(i: number): boolean {
    return this.jewel[this.node(i)] === 1;
  }

  entry(i: number): ReachedNode {
    const v = this.node(i);
    return { id: this.adj.ids[v]!, kind: KIND_NAMES[this.adj.kindCode[v]!]!, hops: this.depth[v]!, via: this.via(i), viaCount: this.count[v]!, ports: this.ports(i), crownJewel: this.jewel[v] === 1 };
  }

  entries(): ReachedNode[] {
    const out = new Array<ReachedNode>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.entry(i);
    return out;
  }

  /** Of these nodes, the crown jewels reached, in entry order (by hops, then id). */
  jewelsReached(jewels: readonly number[]): { id: string; hops: number }[] {
    const { ids, rank } = this.adj;
    const found = jewels.filter((v) => this.depth[v]! > 0);
    found.sort((a, b) => this.depth[a]! - this.depth[b]! || rank[a]! - rank[b]!);
    return found.map((v) => ({ id: ids[v]!, hops: this.depth[v]! }));
  }
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
  const crownJewelsReached = nodes.jewelsReached(jewelNodes);
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
