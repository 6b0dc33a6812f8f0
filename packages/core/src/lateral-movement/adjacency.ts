/**
 * The attack graph as integer adjacency (compressed rows in typed arrays): what blast radius,
 * path search, counting and cuts run on. buildAttackGraph records its nodes and edges as
 * integers and hands this over directly; graphology's named graph (for display, and for the
 * queries that read attributes by id) is built from the same records only when asked for.
 * Node i is `ids[i]`; neighbours keep edge insertion order, so ties break as they always did.
 */
import { edgeCategory, recordingOf, type AttackEdgeAttributes, type AttackGraph, type AttackNodeAttributes, type AttackPort, type EdgeCategory, type EdgeList } from './attack-graph.js';
import { memoFor } from './target-distances.js';

export interface AttackAdjacency {
  readonly ids: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** Node attributes by index. */
  readonly nodeAttrs: readonly AttackNodeAttributes[];
  /** Position of each id in sorted order: compares ids as integers. */
  readonly rank: Int32Array;
  /** The node at each position of sorted order (rank's inverse). */
  readonly byRank: Int32Array;
  /** Out-neighbours of i: outTo[outStart[i] .. outStart[i + 1]). */
  readonly outStart: Int32Array;
  readonly outTo: Int32Array;
  /** Parallel to outTo: the edge's insertion number (graphology's edge key), to list moves in that order. */
  readonly outEdge: Int32Array;
  /** Parallel to outTo: the edge's attributes, edgeAttrs[outAttr[k]]. */
  readonly outAttr: Int32Array;
  /**
   * Parallel to outTo and to inFrom: what a search records of a first reach over the edge, in
   * one number: its move (`moves`) times 8, plus its port list's listBit when that is below 8
   * (one of a node's first MASKED_LISTS lists, the only ones a search marks; 0 otherwise).
   */
  readonly outVia: Int32Array;
  readonly inVia: Int32Array;
  /**
   * In-neighbours of i: inFrom[inStart[i] .. inStart[i + 1]); the edge's attributes are
   * edgeAttrs[inAttr[k]] (edges that carry the same attribute object share one entry).
   */
  readonly inStart: Int32Array;
  readonly inFrom: Int32Array;
  readonly inAttr: Int32Array;
  readonly edgeAttrs: readonly AttackEdgeAttributes[];
  /**
   * Parallel to inFrom: which of `portLists` the edge's ports are (-1: an escalation). Network
   * edges into one node that share a port list (see buildAttackGraph) share the number, so a
   * union over thousands of in-edges merges each list once. A number belongs to one
   * destination only: `listsInto` names them per destination.
   */
  readonly inPorts: Int32Array;
  readonly portLists: readonly (readonly AttackPort[])[];
  /** The port lists of i's in-edges, each once, in in-edge order: listsInto[listsStart[i] .. listsStart[i + 1]). */
  readonly listsStart: Int32Array;
  readonly listsInto: Int32Array;
  /**
   * For each port list, the first list with the same ports (the same JSON): a destination's
   * lists are its own, but their contents repeat across destinations, so answers can share
   * one list object where they would hold thousands.
   */
  readonly sameList: Int32Array;
  /** Node kinds by index, as names and as small numbers (KIND_CODES). */
  readonly kinds: readonly AttackNodeAttributes['kind'][];
  readonly kindCode: Uint8Array;
  /**
   * A move as a first reach names it, without its source: the kind of edge, its category and
   * its ports (as the first list with the same JSON: equal lists are one object). By number;
   * `attrMove` gives an edge attribute entry's.
   */
  readonly moves: readonly Move[];
  readonly attrMove: Int32Array;
  /**
   * Each port list's ports in union order (by protocol, then port, no two alike): the list
   * itself when it is already so, as the graph's lists mostly are. What a node's ports are
   * when one of its lists carries all its first reaches.
   */
  readonly listPorts: readonly (readonly AttackPort[])[];
  /** Each list's bit among its destination's lists (listsInto order; 0 past the 31st): a search marks the lists of a node's first reaches as one number per node. */
  readonly listBit: Int32Array;
  /**
   * A node's ports for each set of its lists (the bits of listBit): maskPorts[maskStart[v] +
   * mask], the union of the lists in the mask (none for 0), made with the graph for nodes with
   * at most MASKED_LISTS lists; -1 for a node with more (blast-radius.ts then makes the union).
   */
  readonly maskStart: Int32Array;
  readonly maskPorts: readonly (readonly AttackPort[])[];
  /** Working memory of one search at a time (queries are synchronous), made with the graph: a query allocates its answer only. */
  readonly scratch: SearchScratch;
}

/** A first reach without its source (blast-radius.ts's FirstReach is `{ from, ...move }`). */
export interface Move {
  readonly kind: AttackEdgeAttributes['kind'];
  readonly category: EdgeCategory;
  readonly ports: readonly AttackPort[];
}

/**
 * Arrays a blast-radius search and a path count fill and read, sized to the graph and touched
 * once as it is built: a query allocates nothing but its answer (fresh memory costs a page
 * fault per 4 KiB here, and every allocation drives the collector), and resets only what it
 * reads.
 */
export interface SearchScratch {
  /** Hops from the source (-1: not reached). */
  readonly depth: Int32Array;
  /** Reached nodes by hop count, then id, as positions in id order (`rank`): a level sorts natively. */
  readonly order: Int32Array;
  /** Nodes not reached yet (bottom-up levels). */
  readonly unreached: Int32Array;
  /**
   * By node, first reaches as one number (one read and one write per move): how many, times
   * VIA_MOVE, plus the listBit of each list one of them carries (a node's first MASKED_LISTS).
   */
  readonly reaches: Int32Array;
  /** The first VIA_SLOTS first reaches (slots per node): the source, and the move (AttackAdjacency.moves). */
  readonly viaFrom: Int32Array;
  readonly viaMove: Int32Array;
  /** A search's running sums (blast-radius.ts names the slots): moves out of the level being found, moves into nodes not reached yet, reached nodes by kind. */
  readonly sums: Float64Array;
  /** Nodes on the path being walked (path counting); all 0 between walks. */
  readonly onPath: Uint8Array;
}

/** Slots per node in SearchScratch.via*: blast radius names this many first reaches. */
export const VIA_SLOTS = 5;

/** outVia / inVia: a move's number is the value divided by this (rounded down), the list's bit the rest; above every bit of a node's first MASKED_LISTS lists. */
export const VIA_MOVE = 8;

/** Nodes with at most this many port lists into them have the union of each set of them made with the graph (their bits stay below VIA_MOVE). */
export const MASKED_LISTS = 3;

/** AttackAdjacency.kindCode's numbers. */
export const KIND_CODES = { workload: 0, node: 1, identity: 2, internet: 3 } as const satisfies Record<AttackNodeAttributes['kind'], number>;

/** The ports of a move that has none (escalation, identity), shared. */
export const NO_PORTS: readonly AttackPort[] = [];

const PROTO_INDEX = { TCP: 0, UDP: 1, SCTP: 2 } as const;
/** A number per (protocol, port, endPort): string keys cost more than the rest of the loop. */
function portKey(p: { protocol: AttackPort['protocol']; port: number; endPort?: number }): number {
  return (PROTO_INDEX[p.protocol] * 65536 + p.port) * 65536 + (p.endPort ?? 0);
}

/** Ports of several lists, one per (protocol, port, endPort), the later list's entry kept; sorted by protocol, then port. */
export function unionOf(lists: readonly (readonly AttackPort[])[]): AttackPort[] {
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

function scratchFor(n: number): SearchScratch {
  return {
    depth: new Int32Array(n).fill(-1),
    order: new Int32Array(n).fill(0),
    unreached: new Int32Array(n).fill(0),
    reaches: new Int32Array(n).fill(0),
    viaFrom: new Int32Array(n * VIA_SLOTS).fill(0),
    viaMove: new Int32Array(n * VIA_SLOTS).fill(0),
    sums: new Float64Array(8).fill(0),
    onPath: new Uint8Array(n).fill(0),
  };
}

const cache = new WeakMap<AttackGraph, AttackAdjacency>();

/** The graph must not change after the first query (buildAttackGraph returns it complete). */
export function adjacency(ag: AttackGraph): AttackAdjacency {
  let a = cache.get(ag);
  if (a) return a;
  // Built by buildAttackGraph: from its integer records, without the named graph.
  const rec = recordingOf(ag);
  if (rec) {
    a = adjacencyOf(rec.ids, rec.indexOf, rec.nodeAttrs, rec.edges);
    cache.set(ag, a);
    measureDefaultTargets(a);
    return a;
  }
  const ids = ag.graph.nodes();
  const indexOf = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) indexOf.set(ids[i]!, i);
  const m = ag.graph.size;
  const eu = new Int32Array(m);
  const ev = new Int32Array(m);
  const attr = new Int32Array(m);
  const attrs = new Array<AttackEdgeAttributes>(m);
  let e = 0;
  ag.graph.forEachEdge((_k, at, u, v) => {
    eu[e] = indexOf.get(u)!;
    ev[e] = indexOf.get(v)!;
    attr[e] = e;
    attrs[e++] = at;
  });
  a = adjacencyOf(ids, indexOf, ids.map((id) => ag.graph.getNodeAttributes(id)), { count: m, eu, ev, attr, attrs });
  cache.set(ag, a);
  measureDefaultTargets(a);
  return a;
}

/**
 * The annotated crown jewels are every query's targets unless the user names others: their
 * distances (path counts, risk) are measured with the graph, as its other indexes are, rather
 * than by whichever query comes first. Other target sets are measured on first use, as before.
 */
function measureDefaultTargets(a: AttackAdjacency): void {
  const jewels: string[] = [];
  a.nodeAttrs.forEach((at, i) => {
    if (at.kind === 'workload' && at.annotatedCrownJewel) jewels.push(a.ids[i]!);
  });
  if (jewels.length > 0) memoFor(a, jewels);
}

export function adjacencyOf(ids: readonly string[], indexOf: ReadonlyMap<string, number>, nodeAttrs: readonly AttackNodeAttributes[], edges: EdgeList): AttackAdjacency {
  const n = ids.length;
  const { eu, ev, attr, attrs } = edges;
  const m = edges.count;
  const outStart = new Int32Array(n + 1);
  const inStart = new Int32Array(n + 1);
  for (let k = 0; k < m; k++) {
    outStart[eu[k]! + 1]!++;
    inStart[ev[k]! + 1]!++;
  }
  for (let i = 0; i < n; i++) {
    outStart[i + 1]! += outStart[i]!;
    inStart[i + 1]! += inStart[i]!;
  }
  // Port list of each attribute entry (-1: none), equal lists shared.
  const portLists: (readonly AttackPort[])[] = [];
  const listIds = new Map<readonly AttackPort[], number>();
  const attrPorts = new Int32Array(attrs.length).fill(-1);
  attrs.forEach((at, i) => {
    if (at.kind === 'network') {
      let id = listIds.get(at.ports);
      if (id === undefined) {
        listIds.set(at.ports, (id = portLists.length));
        portLists.push(at.ports);
      }
      attrPorts[i] = id;
    } else if (at.kind === 'entry') {
      attrPorts[i] = portLists.length;
      portLists.push(at.exposures.map((x) => ({ protocol: x.protocol, port: x.port })));
    }
  });
  // A list number stands for one destination (blast radius marks lists, then reads each
  // destination's): buildAttackGraph's lists already do; a graph built otherwise may share one
  // list between destinations, which then gets a number per destination.
  const owner = new Int32Array(portLists.length).fill(-1);
  const copies = new Map<number, number>();
  const listFor = (list: number, v: number): number => {
    if (list < 0 || owner[list] === v) return list;
    if (owner[list] === -1) {
      owner[list] = v;
      return list;
    }
    const key = list * n + v;
    let id = copies.get(key);
    if (id === undefined) {
      copies.set(key, (id = portLists.length));
      portLists.push(portLists[list]!);
    }
    return id;
  };
  // Equal lists as JSON (fields and their order): an answer naming either list reads the same.
  // The graph's own lists now; the copies made below after them (each the same as its original).
  const sameIds: number[] = [];
  const byText = new Map<string, number>();
  const sameOf = (i: number): void => {
    const text = JSON.stringify(portLists[i]);
    const first = byText.get(text);
    if (first === undefined) byText.set(text, i);
    sameIds.push(first ?? i);
  };
  for (let i = 0; i < portLists.length; i++) sameOf(i);
  // Moves: one per (kind of edge, ports as JSON).
  const moves: Move[] = [];
  const moveIds = new Map<number, number>();
  const attrMove = new Int32Array(attrs.length);
  const EDGE_KINDS = ['network', 'entry', 'escalation', 'identity'] as const;
  attrs.forEach((at, a) => {
    const same = attrPorts[a]! >= 0 ? sameIds[attrPorts[a]!]! : -1;
    const key = (same + 1) * EDGE_KINDS.length + EDGE_KINDS.indexOf(at.kind);
    let id = moveIds.get(key);
    if (id === undefined) {
      moveIds.set(key, (id = moves.length));
      moves.push({ kind: at.kind, category: edgeCategory(at.kind), ports: same >= 0 ? portLists[same]! : NO_PORTS });
    }
    attrMove[a] = id;
  });
  // The edge placement below also makes outVia / inVia: each list's place among its
  // destination's lists (in in-edge order, as listsInto) is known when its first edge is placed.
  // (An array, not typed: listFor adds a list for a destination that shares one, as it goes.)
  const listIndex: number[] = new Array<number>(portLists.length).fill(-1);
  const listCount = new Int32Array(n);
  const outTo = new Int32Array(m);
  const outEdge = new Int32Array(m);
  const outAttr = new Int32Array(m);
  const outVia = new Int32Array(m);
  const inFrom = new Int32Array(m);
  const inAttr = new Int32Array(m);
  const inPorts = new Int32Array(m);
  const inVia = new Int32Array(m);
  const outAt = outStart.slice(0, n);
  const inAt = inStart.slice(0, n);
  for (let k = 0; k < m; k++) {
    const u = eu[k]!;
    const v = ev[k]!;
    const a = attr[k]!;
    const list = listFor(attrPorts[a]!, v);
    let via = attrMove[a]! * VIA_MOVE;
    if (list >= 0) {
      let at = listIndex[list] ?? -1;
      if (at < 0) listIndex[list] = at = listCount[v]!++;
      if (at < MASKED_LISTS) via += 1 << at;
    }
    const o = outAt[u]!++;
    outTo[o] = v;
    outEdge[o] = k;
    outAttr[o] = a;
    outVia[o] = via;
    const j = inAt[v]!++;
    inFrom[j] = u;
    inAttr[j] = a;
    inPorts[j] = list;
    inVia[j] = via;
  }
  for (let i = sameIds.length; i < portLists.length; i++) sameOf(i);
  // Each destination's lists, once each, in in-edge order.
  const listsStart = new Int32Array(n + 1);
  const listsInto: number[] = [];
  const seen = new Int32Array(portLists.length).fill(-1);
  for (let v = 0; v < n; v++) {
    for (let j = inStart[v]!, end = inStart[v + 1]!; j < end; j++) {
      const l = inPorts[j]!;
      if (l < 0 || seen[l] === v) continue;
      seen[l] = v;
      listsInto.push(l);
    }
    listsStart[v + 1] = listsInto.length;
  }
  const rank = new Int32Array(n);
  const byRank = new Int32Array(n);
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => (ids[x]! < ids[y]! ? -1 : ids[x]! > ids[y]! ? 1 : 0));
  order.forEach((node, r) => {
    rank[node] = r;
    byRank[r] = node;
  });
  const sameList = Int32Array.from(sameIds);
  const kinds = nodeAttrs.map((a) => a.kind);
  const kindCode = new Uint8Array(n);
  for (let i = 0; i < n; i++) kindCode[i] = KIND_CODES[kinds[i]!];
  const listPorts = portLists.map((list) => (inUnionOrder(list) ? list : unionOf([list])));
  const listBit = new Int32Array(portLists.length);
  const maskStart = new Int32Array(n).fill(-1);
  const maskPorts: (readonly AttackPort[])[] = [];
  for (let v = 0; v < n; v++) {
    const first = listsStart[v]!;
    const count = listsStart[v + 1]! - first;
    for (let i = 0; i < count && i < 31; i++) listBit[listsInto[first + i]!] = 1 << i;
    if (count > MASKED_LISTS) continue;
    maskStart[v] = maskPorts.length;
    for (let mask = 0; mask < 1 << count; mask++) {
      const used: number[] = [];
      for (let i = 0; i < count; i++) if (mask & (1 << i)) used.push(listsInto[first + i]!);
      maskPorts.push(used.length === 0 ? NO_PORTS : used.length === 1 ? listPorts[used[0]!]! : unionOf(used.map((l) => portLists[l]!)));
    }
  }
  return { ids, indexOf, nodeAttrs, rank, byRank, outStart, outTo, outEdge, outAttr, outVia, inStart, inFrom, inAttr, edgeAttrs: attrs, inPorts, portLists, listsStart, listsInto: Int32Array.from(listsInto), sameList, kinds, kindCode, moves, attrMove, listPorts, listBit, maskStart, maskPorts, inVia, scratch: scratchFor(n) };
}
