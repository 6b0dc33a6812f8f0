/**
 * Blast radius: everything an attacker holding one foothold (a workload, a node, or the
 * internet) reaches, by number of moves, with the ports of each first reach; and the metrics
 * every lateral-movement answer carries.
 */
import { edgeCategory, type AttackEdgeAttributes, type AttackGraph, type AttackNodeAttributes, type AttackPort, type EdgeCategory } from './attack-graph.js';
import { adjacency, countAttackPaths, DEFAULT_PATH_HOP_LIMIT, type AttackAdjacency, type PathCount } from './attack-paths.js';
import { VIA_SLOTS } from './adjacency.js';

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

export const MAX_VIA = VIA_SLOTS;

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

/** A list by protocol, then port, no two alike, is its own union (the graph's lists mostly are). */
function inUnionOrder(list: readonly AttackPort[]): boolean {
  for (let i = 1; i < list.length; i++) {
    const a = list[i - 1]!;
    const b = list[i]!;
    if (a.protocol > b.protocol || (a.protocol === b.protocol && a.port >= b.port)) return false;
  }
  return true;
}

/** Per graph: a single list's union, made once and shared by every answer that has it alone. */
const unionMemo = new WeakMap<AttackAdjacency, (readonly AttackPort[])[]>();

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

const NO_PORTS: readonly AttackPort[] = [];

/**
 * Bottom-up: counts the moves into v from nodes at hop `prev` (its first reaches when v is at
 * prev + 1), keeps the MAX_VIA with the smallest source ids (by rank; a later move from the same
 * source after an earlier one) and marks their port lists.
 */
function countInto(adj: AttackAdjacency, depth: Int32Array, v: number, prev: number, viaFrom: Int32Array, viaAttr: Int32Array, viaList: Int32Array, listUsed: Uint8Array): number {
  const { inStart, inFrom, inAttr, inPorts, rank } = adj;
  const base = v * MAX_VIA;
  let count = 0;
  let kept = 0;
  /** Rank a source must be below once MAX_VIA are kept. */
  let worst = 0;
  for (let j = inStart[v]!, end = inStart[v + 1]!; j < end; j++) {
    const u = inFrom[j]!;
    if (depth[u] !== prev) continue;
    count++;
    const list = inPorts[j]!;
    if (list >= 0) listUsed[list] = 1;
    const ru = rank[u]!;
    if (kept === MAX_VIA && ru >= worst) continue;
    let at = kept < MAX_VIA ? kept++ : MAX_VIA - 1;
    while (at > 0 && rank[viaFrom[base + at - 1]!]! > ru) {
      viaFrom[base + at] = viaFrom[base + at - 1]!;
      viaAttr[base + at] = viaAttr[base + at - 1]!;
      viaList[base + at] = viaList[base + at - 1]!;
      at--;
    }
    viaFrom[base + at] = u;
    viaAttr[base + at] = inAttr[j]!;
    viaList[base + at] = list;
    if (kept === MAX_VIA) worst = rank[viaFrom[base + MAX_VIA - 1]!]!;
  }
  return count;
}

/**
 * Top-down: u's moves, u at hop d - 1 (the level taken in id order, so each node's first
 * reaches arrive by id); appends the nodes first reached to order and returns its new size.
 * One call per node, not one loop over the level: a small function called often is compiled
 * after a few calls, where a long loop in a function called once runs uncompiled for a while,
 * which is most of a first query.
 */
function expand(adj: AttackAdjacency, u: number, d: number, depth: Int32Array, order: Int32Array, size: number, viaCount: Int32Array, viaFrom: Int32Array, viaAttr: Int32Array, viaList: Int32Array, listUsed: Uint8Array): number {
  const { outStart, outTo, outAttr, outPorts } = adj;
  for (let k = outStart[u]!, stop = outStart[u + 1]!; k < stop; k++) {
    const v = outTo[k]!;
    const dv = depth[v]!;
    if (dv === -1) {
      depth[v] = d;
      order[size++] = v;
    } else if (dv !== d) continue;
    const c = viaCount[v]!++;
    const list = outPorts[k]!;
    if (c < MAX_VIA) {
      viaFrom[v * MAX_VIA + c] = u;
      viaAttr[v * MAX_VIA + c] = outAttr[k]!;
      viaList[v * MAX_VIA + c] = list;
    }
    if (list >= 0) listUsed[list] = 1;
  }
  return size;
}

/** Puts order[from .. to), the nodes at hop d, in id order. */
function sortLevel(adj: AttackAdjacency, depth: Int32Array, order: Int32Array, from: number, to: number, d: number): void {
  const { rank, byRank } = adj;
  const n = byRank.length;
  const k = to - from;
  if (k < 2) return;
  if (k * 16 >= n) {
    // Most of the graph: one pass over the ids in order.
    let w = from;
    for (let r = 0; r < n; r++) if (depth[byRank[r]!] === d) order[w++] = byRank[r]!;
    return;
  }
  const keys = new Int32Array(k);
  for (let i = 0; i < k; i++) keys[i] = rank[order[from + i]!]!;
  keys.sort();
  for (let i = 0; i < k; i++) order[from + i] = byRank[keys[i]!]!;
}

/** What one breadth-first pass from a foothold finds, by node index: the graph's scratch arrays (adjacency.ts), valid until the next search. */
interface Levels {
  /** Hops from the source (-1: not reached). */
  readonly depth: Int32Array;
  /** Reached nodes by hop count, then id (the source first): order[0 .. size). */
  readonly order: Int32Array;
  readonly size: number;
  /** First reaches per node: moves into it from nodes one hop closer. */
  readonly viaCount: Int32Array;
  /** The first MAX_VIA of them by the source's id, MAX_VIA slots per node: the source, the move's attributes (edgeAttrs) and port list (-1: none). */
  readonly viaFrom: Int32Array;
  readonly viaAttr: Int32Array;
  readonly viaList: Int32Array;
  /** Port lists some first reach carries (1), by list number. */
  readonly listUsed: Uint8Array;
}

function firstReachLevels(adj: AttackAdjacency, source: number | undefined, maxHops: number): Levels {
  const { byRank, outStart, inStart, scratch } = adj;
  const n = byRank.length;
  // Breadth-first by levels. A node at hop d is first reached by every move into it from a node
  // at hop d - 1: each level counts those moves per node, keeps the first MAX_VIA by the
  // source's id and marks their port lists. A level is found from whichever side reads fewer
  // moves: top-down, the previous level's out-edges, taken in id order so that each node's
  // first reaches arrive by id; or bottom-up, the in-edges of every node not reached yet, which
  // also counts them (and keeps the first few by id as they come). In a dense cluster a foothold reaches a few nodes, then most of the
  // graph, then the rest: top-down then bottom-up reads a fraction of the moves.
  // The arrays are the graph's (adjacency.ts): reset here, not allocated; the via slots are
  // read only up to each node's count, so they need no reset.
  const { depth, viaCount, viaFrom, viaAttr, viaList, listUsed, order, unreached } = scratch;
  depth.fill(-1);
  viaCount.fill(0);
  listUsed.fill(0);
  let size = 0;
  /** In-edges of the nodes not reached yet. */
  let inLeft = inStart[n]!;
  if (source !== undefined) {
    depth[source] = 0;
    order[size++] = source;
    inLeft -= inStart[source + 1]! - inStart[source]!;
  }
  /** Bottom-up: the nodes not reached yet, in id order (listed when first needed). */
  let listed = false;
  let unreachedLength = 0;
  for (let d = 1, begin = 0; d <= maxHops && begin < size; d++) {
    const end = size;
    let outLeft = 0;
    for (let q = begin; q < end; q++) outLeft += outStart[order[q]! + 1]! - outStart[order[q]!]!;
    if (outLeft < inLeft) {
      for (let q = begin; q < end; q++) size = expand(adj, order[q]!, d, depth, order, size, viaCount, viaFrom, viaAttr, viaList, listUsed);
      for (let q = end; q < size; q++) inLeft -= inStart[order[q]! + 1]! - inStart[order[q]!]!;
      sortLevel(adj, depth, order, end, size, d);
    } else {
      if (!listed) {
        listed = true;
        for (let r = 0; r < n; r++) if (depth[byRank[r]!] === -1) unreached[unreachedLength++] = byRank[r]!;
      }
      let left = 0;
      for (let i = 0; i < unreachedLength; i++) {
        const v = unreached[i]!;
        const count = countInto(adj, depth, v, d - 1, viaFrom, viaAttr, viaList, listUsed);
        if (count === 0) {
          unreached[left++] = v;
          continue;
        }
        depth[v] = d;
        viaCount[v] = count;
        order[size++] = v;
        inLeft -= inStart[v + 1]! - inStart[v]!;
      }
      unreachedLength = left;
    }
    begin = end;
  }
  return { depth, order, size, viaCount, viaFrom, viaAttr, viaList, listUsed };
}

/**
 * First reaches and via lists, made once per graph and shared by every answer that names them
 * (read-only, like the port lists they hold). In a dense cluster the via lists name the first
 * few nodes of the level before, by id, so they repeat: at S2 an answer's 9,120 first reaches
 * are 467 distinct ones in 304 distinct lists, the same from every foothold. An answer then
 * allocates little beyond one entry per reached node, which also keeps the collector away.
 */
interface SharedParts {
  /** By (source, kind of move, port list content): an index into `reaches`. */
  readonly reachIds: Map<number, number>;
  readonly reaches: FirstReach[];
  /** Via lists by a hash of their entries' indices; a bucket holds the lists with that hash. */
  readonly vias: Map<number, (readonly FirstReach[])[]>;
  /** Entry indices of the list being made (MAX_VIA slots). */
  readonly picked: Int32Array;
  /**
   * Per node, the via list its last answer named and the moves it was made from (source,
   * attributes, port list; MAX_VIA slots each): a later answer whose moves into the node are
   * the same takes the list after comparing a few integers.
   */
  readonly lastVia: (readonly FirstReach[] | undefined)[];
  readonly lastFrom: Int32Array;
  readonly lastAttr: Int32Array;
  readonly lastList: Int32Array;
}

/** Distinct first reaches a graph keeps before starting over (the answers made keep theirs). */
const MAX_SHARED = 1 << 16;

const sharedMemo = new WeakMap<AttackAdjacency, SharedParts>();

function sharedParts(adj: AttackAdjacency): SharedParts {
  let parts = sharedMemo.get(adj);
  if (!parts || parts.reaches.length > MAX_SHARED) {
    const n = adj.ids.length;
    parts = { reachIds: new Map(), reaches: [], vias: new Map(), picked: new Int32Array(MAX_VIA), lastVia: new Array(n).fill(undefined), lastFrom: new Int32Array(n * MAX_VIA), lastAttr: new Int32Array(n * MAX_VIA), lastList: new Int32Array(n * MAX_VIA) };
    sharedMemo.set(adj, parts);
  }
  return parts;
}

const KIND_CODE = { network: 0, entry: 1, escalation: 2, identity: 3 } as const;

/** The shared first reach for a move from u with these attributes and port list (-1: none). */
function reachOf(adj: AttackAdjacency, parts: SharedParts, u: number, attr: number, list: number): number {
  const attrs = adj.edgeAttrs[attr]!;
  const same = list >= 0 ? adj.sameList[list]! : -1;
  const key = (u * (adj.portLists.length + 1) + same + 1) * 4 + KIND_CODE[attrs.kind];
  let id = parts.reachIds.get(key);
  if (id === undefined) {
    id = parts.reaches.length;
    parts.reaches.push({ from: adj.ids[u]!, kind: attrs.kind, category: edgeCategory(attrs.kind), ports: same >= 0 ? adj.portLists[same]! : NO_PORTS });
    parts.reachIds.set(key, id);
  }
  return id;
}

/**
 * In a dense cluster a node is first reached from hundreds of others: the answer keeps the
 * ports of all of them but names only the first few, so it stays readable and fast. The port
 * lists are the graph's, shared between answers (read-only), not copied; so are the first
 * reaches and the lists of them (SharedParts). (These run once per reached node: small
 * functions, compiled after a few calls.)
 */
function firstReachesOf(adj: AttackAdjacency, v: number, levels: Levels, parts: SharedParts): readonly FirstReach[] {
  const { viaCount, viaFrom, viaAttr, viaList } = levels;
  const { lastVia, lastFrom, lastAttr, lastList } = parts;
  const base = v * MAX_VIA;
  const len = Math.min(viaCount[v]!, MAX_VIA);
  const last = lastVia[v];
  if (last !== undefined && last.length === len) {
    let same = true;
    for (let i = base, end = base + len; same && i < end; i++) same = lastFrom[i] === viaFrom[i] && lastAttr[i] === viaAttr[i] && lastList[i] === viaList[i];
    if (same) return last;
  }
  const via = sharedList(adj, v, levels, parts, len);
  lastVia[v] = via;
  for (let i = base, end = base + len; i < end; i++) {
    lastFrom[i] = viaFrom[i]!;
    lastAttr[i] = viaAttr[i]!;
    lastList[i] = viaList[i]!;
  }
  return via;
}

/** The shared via list of v's first MAX_VIA first reaches (len of them). */
function sharedList(adj: AttackAdjacency, v: number, levels: Levels, parts: SharedParts, len: number): readonly FirstReach[] {
  const { viaFrom, viaAttr, viaList } = levels;
  const { picked, reaches, vias } = parts;
  const base = v * MAX_VIA;
  let hash = len;
  for (let i = 0; i < len; i++) {
    const id = reachOf(adj, parts, viaFrom[base + i]!, viaAttr[base + i]!, viaList[base + i]!);
    picked[i] = id;
    hash = (Math.imul(hash, 31) + id) | 0;
  }
  let bucket = vias.get(hash);
  if (bucket) {
    for (const list of bucket) if (sameEntries(list, reaches, picked, len)) return list;
  } else vias.set(hash, (bucket = []));
  // Sized once: an array grown by push keeps room for 17.
  const via = new Array<FirstReach>(len);
  for (let i = 0; i < len; i++) via[i] = reaches[picked[i]!]!;
  bucket.push(via);
  return via;
}

function sameEntries(list: readonly FirstReach[], reaches: readonly FirstReach[], picked: Int32Array, len: number): boolean {
  if (list.length !== len) return false;
  for (let i = 0; i < len; i++) if (list[i] !== reaches[picked[i]!]) return false;
  return true;
}

/** The union of the port lists into v that a first reach carries: each list is v's alone (adjacency.ts), so a mark made while counting is a mark for v. */
function portsOf(adj: AttackAdjacency, v: number, levels: Levels, unions: (readonly AttackPort[])[]): readonly AttackPort[] {
  const { portLists, listsStart, listsInto } = adj;
  const { listUsed } = levels;
  let only = -1;
  for (let i = listsStart[v]!, end = listsStart[v + 1]!; i < end; i++) {
    if (listUsed[listsInto[i]!] === 0) continue;
    if (only >= 0) {
      const used: (readonly AttackPort[])[] = [];
      for (let j = listsStart[v]!; j < end; j++) if (listUsed[listsInto[j]!] !== 0) used.push(portLists[listsInto[j]!]!);
      return unionOf(used);
    }
    only = listsInto[i]!;
  }
  if (only < 0) return NO_PORTS;
  return (unions[only] ??= inUnionOrder(portLists[only]!) ? portLists[only]! : unionOf([portLists[only]!]));
}

/** One entry of the answer (once per reached node: a small function, compiled after a few calls). */
function reachedNode(adj: AttackAdjacency, v: number, levels: Levels, unions: (readonly AttackPort[])[], parts: SharedParts, jewels: ReadonlySet<string>): ReachedNode {
  const id = adj.ids[v]!;
  return { id, kind: adj.nodeAttrs[v]!.kind, hops: levels.depth[v]!, via: firstReachesOf(adj, v, levels, parts), viaCount: levels.viaCount[v]!, ports: portsOf(adj, v, levels, unions), crownJewel: jewels.has(id) };
}

export function blastRadius(ag: AttackGraph, from: string, options: BlastOptions = {}): BlastRadius {
  const maxHops = options.maxHops ?? Infinity;
  const jewels = new Set(options.crownJewels ?? []);
  const adj = adjacency(ag);
  const { nodeAttrs } = adj;
  const source = adj.indexOf.get(from);
  const levels = firstReachLevels(adj, source, maxHops);
  const { order, size } = levels;
  let unions = unionMemo.get(adj);
  if (!unions) unionMemo.set(adj, (unions = []));
  const parts = sharedParts(adj);
  const first = source !== undefined ? 1 : 0;
  const reached = new Array<ReachedNode>(Math.max(0, size - first));
  const crownJewelsReached: { id: string; hops: number }[] = [];
  let reachedWorkloads = 0;
  let nodesReached = 0;
  let identitiesReached = 0;
  for (let q = first; q < size; q++) {
    const r = reachedNode(adj, order[q]!, levels, unions, parts, jewels);
    reached[q - first] = r;
    if (r.kind === 'workload') reachedWorkloads++;
    else if (r.kind === 'node') nodesReached++;
    else if (r.kind === 'identity') identitiesReached++;
    if (r.crownJewel) crownJewelsReached.push({ id: r.id, hops: r.hops });
  }
  const sourceIsWorkload = source !== undefined && nodeAttrs[source]!.kind === 'workload';
  const workloads = ag.workloads.length - (sourceIsWorkload ? 1 : 0);
  const hopLimit = options.pathHopLimit ?? (Number.isFinite(maxHops) ? maxHops : DEFAULT_PATH_HOP_LIMIT);
  const metrics: AttackMetrics = {
    workloads,
    reached: reachedWorkloads,
    reachedPercent: workloads === 0 ? 0 : Math.round((reachedWorkloads / workloads) * 1000) / 10,
    nodesReached,
    identitiesReached,
    crownJewels: [...jewels].filter((j) => j !== from).length,
    crownJewelsReached: crownJewelsReached.length,
    minHopsToCrownJewel: crownJewelsReached.length ? crownJewelsReached[0]!.hops : null,
    paths: countAttackPaths(ag, from, new Set([...jewels].filter((j) => j !== from)), hopLimit),
  };
  return { from, maxHops: Number.isFinite(maxHops) ? maxHops : null, reached, crownJewelsReached, metrics };
}
