/**
 * What a change does to lateral movement: whose blast radius grew or shrank, and which paths
 * from the internet (through the entry points: exposed workloads whose ingress admits outside
 * addresses) to the crown jewels it opens or closes. Both sides are attack graphs; workloads
 * are matched by their node id (namespace/name).
 */
import { attackClosure } from './attack-closure.js';
import { INTERNET, type AttackGraph } from './attack-graph.js';
import { adjacency, hopsToTargets, shortestAttackPath, type AttackAdjacency } from './attack-paths.js';
import { emptyBitset, setBit } from '../engine/bitset.js';

export interface BlastRadiusChange {
  readonly id: string;
  /** Workloads reached (in any number of moves) before and after; null where the workload is absent. */
  readonly before: number | null;
  readonly after: number | null;
}

/**
 * A route from the internet to a crown jewel through one entry point. `opened`: a route exists
 * after that did not before — the entry point newly reaches the jewel, or a route takes a move
 * that did not exist (a new sequence of moves, even where an older route is as short);
 * `shortened`: the fewest moves dropped; `closed`: no route is left through that entry point.
 */
export interface PathChange {
  readonly change: 'opened' | 'shortened' | 'closed';
  /** `internet`. */
  readonly from: string;
  /** The exposed workload the route enters through. */
  readonly entryPoint: string;
  /** The crown jewel. */
  readonly to: string;
  /** Fewest moves from the internet through the entry point to the jewel; null: no route. */
  readonly hopsBefore: number | null;
  readonly hopsAfter: number | null;
  /** For opened and shortened: moves of `path` that did not exist before. */
  readonly newMoves: readonly { readonly from: string; readonly to: string }[];
  /** The route: after the change for opened and shortened, before it for closed. */
  readonly path: readonly string[];
}

export interface LateralMovementDiff {
  /** Workloads whose blast radius changed, largest change first. */
  readonly blastRadius: readonly BlastRadiusChange[];
  /** By crown jewel, then entry point. */
  readonly paths: readonly PathChange[];
  readonly crownJewels: readonly string[];
}

/**
 * Per graph, what a diff reads of one side that does not depend on the other: a server compares
 * every what-if with the same loaded graph, so its side is worked out once.
 */
const counted = new WeakMap<AttackGraph, Map<string, number>>();
const jewelDistances = new WeakMap<AttackAdjacency, Map<string, Int32Array>>();

function reachedCounts(ag: AttackGraph): Map<string, number> {
  let counts = counted.get(ag);
  if (counts) return counts;
  const closure = attackClosure(ag);
  const mask = emptyBitset(closure.ids.length);
  for (const id of ag.workloads) setBit(mask, closure.indexOf.get(id)!);
  counts = new Map(ag.workloads.map((id) => [id, closure.countReached(closure.indexOf.get(id)!, mask)]));
  counted.set(ag, counts);
  return counts;
}

/** Hops to one jewel by node index (read-only, kept per graph). */
function hopsToJewel(adj: AttackAdjacency, jewel: string): Int32Array {
  let byJewel = jewelDistances.get(adj);
  if (!byJewel) jewelDistances.set(adj, (byJewel = new Map()));
  let d = byJewel.get(jewel);
  if (!d) {
    if (byJewel.size >= 64) byJewel.clear();
    byJewel.set(jewel, (d = hopsToTargets(adj, [jewel])));
  }
  return d;
}

/** Entry points: workloads the internet reaches in one move (in the order the moves were drawn). */
function entryPoints(ag: AttackGraph): string[] {
  const adj = adjacency(ag);
  const i = adj.indexOf.get(INTERNET);
  if (i === undefined) return [];
  const out: string[] = [];
  for (let k = adj.outStart[i]!, end = adj.outStart[i + 1]!; k < end; k++) out.push(adj.ids[adj.outTo[k]!]!);
  return out;
}

/**
 * Moves of `after` that `before` does not have, as after's node indices, in the order they were
 * drawn. On the integer adjacency: the named graphs of both sides (300k moves each at S2) cost
 * most of a what-if when they were built for this.
 */
function freshMoves(before: AttackGraph, after: AttackGraph): [number, number][] {
  const adjA = adjacency(after);
  const adjB = adjacency(before);
  const toBefore = new Int32Array(adjA.ids.length);
  for (let i = 0; i < adjA.ids.length; i++) toBefore[i] = adjB.indexOf.get(adjA.ids[i]!) ?? -1;
  // stamp[w] === u: before has the move u -> w (w in before's numbering).
  const stamp = new Int32Array(adjB.ids.length).fill(-1);
  const slots: number[] = [];
  const from: number[] = [];
  for (let u = 0; u < adjA.ids.length; u++) {
    const ub = toBefore[u]!;
    if (ub >= 0) for (let k = adjB.outStart[ub]!, end = adjB.outStart[ub + 1]!; k < end; k++) stamp[adjB.outTo[k]!] = u;
    for (let k = adjA.outStart[u]!, end = adjA.outStart[u + 1]!; k < end; k++) {
      const vb = toBefore[adjA.outTo[k]!]!;
      if (ub < 0 || vb < 0 || stamp[vb] !== u) {
        slots.push(k);
        from.push(u);
      }
    }
  }
  const order = slots.map((_, i) => i).sort((x, y) => adjA.outEdge[slots[x]!]! - adjA.outEdge[slots[y]!]!);
  return order.map((i) => [from[i]!, adjA.outTo[slots[i]!]!]);
}

/** Hops and parents of a breadth-first search from `source` (neighbour order: insertion). */
function bfs(adj: AttackAdjacency, source: number): { depth: Int32Array; parent: Int32Array } {
  const n = adj.ids.length;
  const depth = new Int32Array(n).fill(-1);
  const parent = new Int32Array(n).fill(-1);
  depth[source] = 0;
  const queue = [source];
  for (let q = 0; q < queue.length; q++) {
    const u = queue[q]!;
    for (let k = adj.outStart[u]!, end = adj.outStart[u + 1]!; k < end; k++) {
      const v = adj.outTo[k]!;
      if (depth[v] !== -1) continue;
      depth[v] = depth[u]! + 1;
      parent[v] = u;
      queue.push(v);
    }
  }
  return { depth, parent };
}

/** `crownJewels`: ids on either side (a jewel missing on one side has no path there). */
export function diffLateralMovement(before: AttackGraph, after: AttackGraph, crownJewels: readonly string[]): LateralMovementDiff {
  // One graph on both sides (a change that moves no connection): nothing to compare.
  if (before === after) return { blastRadius: [], paths: [], crownJewels: [...new Set(crownJewels)].sort() };
  const b = reachedCounts(before);
  const a = reachedCounts(after);
  const blastRadius: BlastRadiusChange[] = [];
  for (const id of new Set([...b.keys(), ...a.keys()])) {
    const x = b.get(id) ?? null;
    const y = a.get(id) ?? null;
    if (x !== y) blastRadius.push({ id, before: x, after: y });
  }
  const delta = (c: BlastRadiusChange) => Math.abs((c.after ?? 0) - (c.before ?? 0));
  blastRadius.sort((x, y) => delta(y) - delta(x) || (x.id < y.id ? -1 : 1));
  const jewels = [...new Set(crownJewels)].sort();
  return { blastRadius, paths: routeChanges(before, after, jewels), crownJewels: jewels };
}

/**
 * Per entry point and crown jewel: fewest moves on each side (reverse BFS from each jewel),
 * and on the after side whether some route takes a new move u -> v (u reached from the entry
 * point, the jewel reached from v). The first route found for a new move is the shortest
 * through it: BFS from the entry point to u, the move, the shortest way from v to the jewel.
 */
function routeChanges(before: AttackGraph, after: AttackGraph, jewels: readonly string[]): PathChange[] {
  const adjA = adjacency(after);
  const entriesA = entryPoints(after);
  const entriesB = new Set(entryPoints(before));
  // Moves of the after side that the before side did not have.
  const fresh = freshMoves(before, after);
  const adjB = adjacency(before);
  const isFresh = new Set(fresh.map(([u, v]) => u * adjA.ids.length + v));
  const fromEntry = new Map<string, ReturnType<typeof bfs>>();
  const search = (e: string) => {
    let r = fromEntry.get(e);
    if (!r) fromEntry.set(e, (r = bfs(adjA, adjA.indexOf.get(e)!)));
    return r;
  };
  const out: PathChange[] = [];
  const entriesASet = new Set(entriesA);
  const entries = [...new Set([...entriesA, ...entriesB])].sort();
  for (const jewel of jewels) {
    // Distances by node index (-1: no route): one reverse search per side and jewel.
    const ja = adjA.indexOf.get(jewel);
    const dA = ja !== undefined ? hopsToJewel(adjA, jewel) : undefined;
    const dB = adjB.indexOf.has(jewel) ? hopsToJewel(adjB, jewel) : undefined;
    const hopsFrom = (adj: AttackAdjacency, d: Int32Array | undefined, e: string): number | null => {
      const i = adj.indexOf.get(e);
      return d === undefined || i === undefined || d[i]! < 0 ? null : 1 + d[i]!;
    };
    // Walks the after side's shortest way from `v` to the jewel (distances strictly drop).
    const toJewel = (v: number): number[] => {
      const path = [v];
      for (let u = v; u !== ja; ) {
        const d = dA![u]!;
        let next = -1;
        for (let k = adjA.outStart[u]!, end = adjA.outStart[u + 1]!; k < end && next < 0; k++) {
          if (dA![adjA.outTo[k]!] === d - 1) next = adjA.outTo[k]!;
        }
        path.push((u = next));
      }
      return path;
    };
    const fromEntryTo = (e: string, u: number): number[] => {
      const { parent } = search(e);
      const path: number[] = [];
      for (let x = u; x !== -1; x = parent[x]!) path.push(x);
      return path.reverse();
    };
    const describe = (nodes: number[]) => {
      const ids = [INTERNET, ...nodes.map((i) => adjA.ids[i]!)];
      const newMoves: { from: string; to: string }[] = [];
      for (let i = 1; i < nodes.length; i++) {
        const u = nodes[i - 1]!;
        const v = nodes[i]!;
        if (isFresh.has(u * adjA.ids.length + v)) newMoves.push({ from: adjA.ids[u]!, to: adjA.ids[v]! });
      }
      if (!entriesB.has(ids[1]!)) newMoves.unshift({ from: INTERNET, to: ids[1]! });
      return { path: ids, newMoves };
    };
    for (const e of entries) {
      const hopsAfter = entriesASet.has(e) ? hopsFrom(adjA, dA, e) : null;
      const hopsBefore = entriesB.has(e) ? hopsFrom(adjB, dB, e) : null;
      const base = { from: INTERNET, entryPoint: e, to: jewel, hopsBefore, hopsAfter };
      if (hopsAfter === null) {
        if (hopsBefore !== null) {
          const p = shortestAttackPath(before, e, new Set([jewel]));
          out.push({ ...base, change: 'closed', newMoves: [], path: [INTERNET, ...(e === jewel ? [e] : (p ?? [e]))] });
        }
        continue;
      }
      const ei = adjA.indexOf.get(e)!;
      const shortest = () => (e === jewel ? [ei] : toJewel(ei));
      if (hopsBefore === null || hopsAfter < hopsBefore) {
        out.push({ ...base, change: hopsBefore === null ? 'opened' : 'shortened', ...describe(shortest()) });
        continue;
      }
      // As short as before, or longer: opened when a route takes a new move (none without new moves).
      if (fresh.length === 0) continue;
      const { depth } = search(e);
      let best: [number, number] | undefined;
      let bestLen = Infinity;
      for (const [u, v] of fresh) {
        const dv = dA![v]!;
        if (depth[u] === -1 || dv < 0 || adjA.ids[u] === INTERNET) continue;
        const len = depth[u]! + 1 + dv;
        if (len < bestLen) {
          bestLen = len;
          best = [u, v];
        }
      }
      if (best) out.push({ ...base, change: 'opened', ...describe([...fromEntryTo(e, best[0]), ...toJewel(best[1])]) });
    }
  }
  return out;
}
