/**
 * Distances to a set of targets (reverse breadth-first search) and each node's moves into one:
 * what path counting and risk read, kept per graph for the last few target sets. The graph's
 * own crown jewels (the annotated ones, every query's default) are measured as the graph's
 * adjacency is built (adjacency.ts), so a first query does not pay for them.
 */

/** What these searches read of the graph's adjacency (adjacency.ts, which measures the default targets through here). */
export interface TargetGraph {
  readonly ids: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly outStart: Int32Array;
  readonly outTo: Int32Array;
  readonly inStart: Int32Array;
  readonly inFrom: Int32Array;
}

export function targetMask(adj: TargetGraph, targets: Iterable<string>): Uint8Array {
  const mask = new Uint8Array(adj.ids.length);
  for (const t of targets) {
    const i = adj.indexOf.get(t);
    if (i !== undefined) mask[i] = 1;
  }
  return mask;
}

/** What path counting keeps per target set: distances, and each node's moves into a target. */
export interface TargetMemo {
  /** Hops to the nearest target by node index (-1: none reachable); read-only, shared between calls. */
  readonly dist: Int32Array;
  /** u's moves into a target, in its out-edge order: near[nearStart[u] .. nearStart[u + 1]). */
  readonly nearStart: Int32Array;
  readonly near: Int32Array;
  /** The targets (1) by node index. */
  readonly isTarget: Uint8Array;
}

/** Per graph, the last few target sets': blast radius asks for the same crown jewels from every source. */
const targetMemo = new WeakMap<TargetGraph, Map<string, TargetMemo>>();

export function memoFor(adj: TargetGraph, targets: Iterable<string>): TargetMemo {
  const list = [...targets];
  const key = list.map((t) => adj.indexOf.get(t) ?? -1).sort((a, b) => a - b).join(',');
  let memo = targetMemo.get(adj);
  if (!memo) targetMemo.set(adj, (memo = new Map()));
  let entry = memo.get(key);
  if (!entry) {
    if (memo.size >= 8) memo.clear();
    const dist = reverseDistances(adj, list);
    memo.set(key, (entry = { dist, ...movesIntoTargets(adj, dist), isTarget: targetMask(adj, list) }));
  }
  return entry;
}

/**
 * Each node's moves into a target (distance 0), read from the targets' in-edges. Their order
 * does not matter: on the last move every one of them counts one path and one step of work.
 */
function movesIntoTargets(adj: TargetGraph, dist: Int32Array): { nearStart: Int32Array; near: Int32Array } {
  const n = adj.ids.length;
  const { inStart, inFrom } = adj;
  const nearStart = new Int32Array(n + 1);
  for (let t = 0; t < n; t++) {
    if (dist[t] !== 0) continue;
    for (let j = inStart[t]!, end = inStart[t + 1]!; j < end; j++) nearStart[inFrom[j]! + 1]!++;
  }
  for (let u = 0; u < n; u++) nearStart[u + 1]! += nearStart[u]!;
  const at = nearStart.slice(0, n);
  const near = new Int32Array(nearStart[n]!);
  for (let t = 0; t < n; t++) {
    if (dist[t] !== 0) continue;
    for (let j = inStart[t]!, end = inStart[t + 1]!; j < end; j++) near[at[inFrom[j]!]!++] = t;
  }
  return { nearStart, near };
}

/** Whether u has a move into a node at distance `d` (a small function: compiled after a few calls, not run uncompiled through a long loop). */
function movesTo(adj: TargetGraph, dist: Int32Array, u: number, d: number): boolean {
  const { outStart, outTo } = adj;
  for (let k = outStart[u]!, stop = outStart[u + 1]!; k < stop; k++) if (dist[outTo[k]!] === d) return true;
  return false;
}

/**
 * Breadth-first from the targets backwards. A level is found top-down (the in-edges of the
 * level before) while that level is small, and bottom-up otherwise: each node not reached yet
 * looks along its out-edges for a node of the level before and stops at the first, which in a
 * dense graph is a few moves in.
 */
export function reverseDistances(adj: TargetGraph, targets: Iterable<string>): Int32Array {
  const n = adj.ids.length;
  const dist = new Int32Array(n).fill(-1);
  const { inStart, inFrom, outStart } = adj;
  const queue = new Int32Array(n);
  let size = 0;
  for (const t of targets) {
    const i = adj.indexOf.get(t);
    if (i === undefined || dist[i] !== -1) continue;
    dist[i] = 0;
    queue[size++] = i;
  }
  /** Out-edges of the nodes not reached yet: what bottom-up reads at most. */
  let outLeft = outStart[n]!;
  for (let q = 0; q < size; q++) outLeft -= outStart[queue[q]! + 1]! - outStart[queue[q]!]!;
  let unreached: Int32Array | undefined;
  let unreachedLength = 0;
  for (let d = 1, begin = 0; begin < size; d++) {
    const end = size;
    let inLevel = 0;
    for (let q = begin; q < end; q++) inLevel += inStart[queue[q]! + 1]! - inStart[queue[q]!]!;
    // Bottom-up stops at the first hit, so it reads far fewer than outLeft moves once a level is
    // a good part of the graph (the factor is the usual one for this switch).
    if (inLevel * 14 < outLeft) {
      for (let q = begin; q < end; q++) {
        const v = queue[q]!;
        for (let k = inStart[v]!, stop = inStart[v + 1]!; k < stop; k++) {
          const u = inFrom[k]!;
          if (dist[u] !== -1) continue;
          dist[u] = d;
          queue[size++] = u;
          outLeft -= outStart[u + 1]! - outStart[u]!;
        }
      }
    } else {
      if (!unreached) {
        unreached = new Int32Array(n);
        for (let u = 0; u < n; u++) if (dist[u] === -1) unreached[unreachedLength++] = u;
      }
      let left = 0;
      for (let i = 0; i < unreachedLength; i++) {
        const u = unreached[i]!;
        if (!movesTo(adj, dist, u, d - 1)) {
          unreached[left++] = u;
          continue;
        }
        dist[u] = d;
        queue[size++] = u;
        outLeft -= outStart[u + 1]! - outStart[u]!;
      }
      unreachedLength = left;
    }
    begin = end;
  }
  return dist;
}

