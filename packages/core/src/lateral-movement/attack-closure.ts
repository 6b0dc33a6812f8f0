/**
 * Who reaches whom, in any number of moves, for every node of the attack graph at once: strongly
 * connected components (every member reaches every other), then reachability over the
 * condensation as bitsets OR'ed in reverse topological order. One BFS per workload would cost
 * nodes x edges; this costs edges x (nodes / 32) word operations.
 */
import type { AttackGraph } from './attack-graph.js';
import { adjacency } from './adjacency.js';
import { emptyBitset, forEachBit, orInto, setBit, type Bitset } from '../engine/bitset.js';

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export interface AttackClosure {
  readonly ids: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** node index -> nodes it reaches (itself included). */
  reaches(i: number): Bitset;
  /** node index -> how many nodes of `mask` it reaches, itself excluded. */
  countReached(i: number, mask: Bitset): number;
  /** For each node, how many nodes in `mask` reach it (itself excluded). */
  reachedByCounts(mask: Bitset): Int32Array;
}

export function attackClosure(ag: AttackGraph): AttackClosure {
  // On the integer adjacency, in its node order (the named graph's): building graphology's graph
  // for 300k moves cost more than the closure itself.
  const { ids, indexOf, outStart, outTo } = adjacency(ag);
  const n = ids.length;

  // Tarjan's algorithm, iterative (deep chains would overflow the stack).
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const comp = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  let counter = 0;
  let comps = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const [v, k] = top;
      if (k < outStart[v + 1]! - outStart[v]!) {
        top[1] = k + 1;
        const w = outTo[outStart[v]! + k]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]]!, low[v]!);
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          comp[w] = comps;
        } while (w !== v);
        comps++;
      }
    }
  }

  // Tarjan numbers components in reverse topological order: successors come first.
  const compReach: Bitset[] = Array.from({ length: comps }, () => emptyBitset(n));
  const members: number[][] = Array.from({ length: comps }, () => []);
  for (let v = 0; v < n; v++) members[comp[v]!]!.push(v);
  // Each successor component is OR'ed in once, however many moves lead into it.
  const merged = new Int32Array(comps).fill(-1);
  for (let c = 0; c < comps; c++) {
    const r = compReach[c]!;
    merged[c] = c;
    for (const v of members[c]!) {
      setBit(r, v);
      for (let k = outStart[v]!, end = outStart[v + 1]!; k < end; k++) {
        const cw = comp[outTo[k]!]!;
        if (merged[cw] === c) continue;
        merged[cw] = c;
        orInto(r, compReach[cw]!);
      }
    }
  }
  const reaches = (i: number) => compReach[comp[i]!]!;
  return {
    ids,
    indexOf,
    reaches,
    countReached(i, mask) {
      const r = reaches(i);
      let c = 0;
      for (let w = 0; w < r.length; w++) c += popcount32(r[w]! & mask[w]!);
      const self = (mask[i >>> 5]! >>> (i & 31)) & 1;
      return c - self;
    },
    reachedByCounts(mask) {
      const counts = new Int32Array(n);
      forEachBit(mask, (i) => {
        forEachBit(reaches(i), (j) => {
          if (j !== i) counts[j]!++;
        });
      });
      return counts;
    },
  };
}
