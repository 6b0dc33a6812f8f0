/**
 * All-pairs reachability read off per-destination groups, without a classes x classes x ports
 * matrix.
 *
 * For a destination node d the engine keeps two short lists of (port atoms, sources):
 * - ingress groups: one per ingress rule of a policy selecting d, the rule's ports (named ports
 *   resolved on d) and its peers; or a single (every port, every node) group when d is not
 *   isolated for ingress;
 * - egress groups: one per distinct egress rule whose peers include d, its ports (resolved on
 *   d) and the sources whose policies have that rule; plus (every port, sources that are not
 *   isolated for egress).
 * (The compiler merges groups toward d that allow the same ports, so the lists stay short.)
 * A connection needs both directions, and union distributes over intersection, so
 *   ports(s, d) = (U ingress groups holding s) n (U egress groups holding s).
 * Sources with the same membership pattern get the same answer: forEachAllowed memoises per
 * pattern, so its cost is the number of sources scanned word-wide plus one callback per
 * allowed pair.
 */
import { hasBit, type Bitset } from './bitset.js';
import type { AtomSets } from './port-atoms.js';
import type { ProtoPorts } from '../semantics/port-set.js';
import { EMPTY_PROTO_PORTS } from '../semantics/port-set.js';
import type { Reachability } from './reachability.js';
import { PairIds } from './pair-ids.js';

export interface DestinationGroups {
  readonly nodeCount: number;
  /** Nodes >= classCount are external groups: external to external is never reported. */
  readonly classCount: number;
  readonly atomSets: AtomSets;
  /** d -> range [inStart[d], inStart[d+1]) of inSources/inAtoms. */
  readonly inStart: Int32Array;
  readonly inSources: readonly Bitset[];
  readonly inAtoms: Int32Array;
  readonly egStart: Int32Array;
  readonly egSources: readonly Bitset[];
  readonly egAtoms: Int32Array;
}

/** Above this many groups on one side, masks no longer fit a number key: compute per source. */
const MAX_MASK_BITS = 26;
/** Up to this many groups on both sides together, the memo is a flat typed array. */
const TABLE_MASK_BITS = 14;
/**
 * A second sweep keeps its answers (three integers a pair) when there are at most this many:
 * later sweeps (the attack graph is built more than once per compile: with and without RBAC,
 * per proposal) replay them instead of scanning again. 4M pairs is 48 MB. The first sweep keeps
 * nothing: a one-shot run (a CLI report) sweeps once.
 */
const MAX_KEPT_PAIRS = 1 << 22;

/**
 * `from`: list only the pairs whose source is in it (CompiledCluster.reachFrom); ports() from
 * any other source throws a RangeError.
 */
export function reachabilityOf(g: DestinationGroups, from?: Bitset): Reachability {
  const { nodeCount, classCount, atomSets, inStart, inSources, inAtoms, egStart, egSources, egAtoms } = g;
  const words = (nodeCount + 31) >>> 5;
  const atomWords = atomSets.atoms.count === 0 ? 0 : (atomSets.atoms.count + 31) >>> 5;

  const has = (b: Bitset, i: number) => ((b[i >>> 5]! >>> (i & 31)) & 1) !== 0;

  /**
   * Two atom sets' union or intersection by id, once per pair (interned when new): the union of
   * the groups holding a source is a few look-ups, not fresh arrays and a key string per pattern
   * and destination.
   */
  const orIds = new PairIds();
  const andIds = new PairIds();
  const scratch = new Uint32Array(atomWords);
  const combine = (a: number, b: number, and: boolean): number => {
    if (a === b) return a;
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    const memo = and ? andIds : orIds;
    let id = memo.get(lo, hi);
    if (id < 0) {
      const x = atomSets.sets[lo]!;
      const y = atomSets.sets[hi]!;
      if (and) for (let w = 0; w < atomWords; w++) scratch[w] = x[w]! & y[w]!;
      else for (let w = 0; w < atomWords; w++) scratch[w] = x[w]! | y[w]!;
      id = atomSets.intern(scratch.slice());
      memo.set(lo, hi, id);
    }
    return id;
  };

  /** Atom-set id of ports(s, d), or -1 when nothing is allowed. */
  const portsId = (s: number, d: number): number => {
    let inId = -1;
    for (let k = inStart[d]!; k < inStart[d + 1]!; k++) {
      if (has(inSources[k]!, s)) inId = inId < 0 ? inAtoms[k]! : combine(inId, inAtoms[k]!, false);
    }
    if (inId < 0) return -1;
    let egId = -1;
    for (let k = egStart[d]!; k < egStart[d + 1]!; k++) {
      if (has(egSources[k]!, s)) egId = egId < 0 ? egAtoms[k]! : combine(egId, egAtoms[k]!, false);
    }
    if (egId < 0) return -1;
    const id = combine(inId, egId, true);
    return atomSets.isEmpty(id) ? -1 : id;
  };

  /** Per group: the first word and one past the last word holding a source (empty: lo >= hi). */
  let spans: { readonly inLo: Int32Array; readonly inHi: Int32Array; readonly egLo: Int32Array; readonly egHi: Int32Array } | undefined;

  let kept: { readonly src: Int32Array; readonly dst: Int32Array; readonly id: Int32Array; readonly count: number } | undefined;
  /** Pairs the first sweep found (-1: no sweep has run to the end yet). */
  let firstCount = -1;

  const checkNode = (n: number, what: string) => {
    if (!Number.isInteger(n) || n < 0 || n >= nodeCount) throw new RangeError(`${what} ${n} is not a node (0..${nodeCount - 1})`);
  };

  return {
    nodeCount,
    ports(src: number, dst: number): ProtoPorts {
      checkNode(src, 'source');
      checkNode(dst, 'destination');
      if (from !== undefined && !has(from, src)) throw new RangeError(`source ${src} is not one this reachability was computed for`);
      if (src >= classCount && dst >= classCount) return EMPTY_PROTO_PORTS;
      const id = portsId(src, dst);
      return id < 0 ? EMPTY_PROTO_PORTS : atomSets.toProtoPorts(id);
    },

    forEachAllowed(cb: (src: number, dst: number, ports: ProtoPorts) => void): void {
      if (kept) {
        const { src, dst, id, count } = kept;
        for (let k = 0; k < count; k++) cb(src[k]!, dst[k]!, atomSets.toProtoPorts(id[k]!));
        return;
      }
      // The second sweep knows how many pairs there are: it keeps them if they are few enough.
      const size = firstCount >= 0 && firstCount <= MAX_KEPT_PAIRS ? firstCount : -1;
      const keep = size >= 0 ? { src: new Int32Array(size), dst: new Int32Array(size), id: new Int32Array(size), count: 0 } : undefined;
      let count = 0;
      // Memo of (ingress mask, egress mask) -> result, reused across destinations by stamping.
      const tableStamp = new Int32Array(1 << TABLE_MASK_BITS);
      const tableValue = new Int32Array(1 << TABLE_MASK_BITS);
      // One word's sources split by membership pattern (fast path): bits, masks, answer.
      const partBits = new Int32Array(32);
      const partIn = new Int32Array(32);
      const partEg = new Int32Array(32);
      const partId = new Int32Array(32);
      const { inLo, inHi, egLo, egHi } = (spans ??= wordSpans(inSources, egSources));
      for (let d = 0; d < nodeCount; d++) {
        const i0 = inStart[d]!;
        const ki = inStart[d + 1]! - i0;
        const e0 = egStart[d]!;
        const ke = egStart[d + 1]! - e0;
        if (ki === 0 || ke === 0) continue;
        // External destinations take only pod sources.
        const limit = d >= classCount ? classCount : nodeCount;
        const lastWord = (limit + 31) >>> 5;
        const table = ki + ke <= TABLE_MASK_BITS;
        const fast = ki <= MAX_MASK_BITS && ke <= MAX_MASK_BITS;
        const egScale = 2 ** ke;
        const stamp = d + 1;
        const memo = table || !fast ? undefined : new Map<number, number>();
        // Only words where some ingress group and some egress group have a source: most groups
        // hold a namespace or two, whose classes are numbered together.
        let lo = 0;
        let hi = Math.min(lastWord, words);
        let sideLo = words;
        let sideHi = 0;
        for (let k = i0; k < i0 + ki; k++) {
          sideLo = Math.min(sideLo, inLo[k]!);
          sideHi = Math.max(sideHi, inHi[k]!);
        }
        lo = Math.max(lo, sideLo);
        hi = Math.min(hi, sideHi);
        sideLo = words;
        sideHi = 0;
        for (let k = e0; k < e0 + ke; k++) {
          sideLo = Math.min(sideLo, egLo[k]!);
          sideHi = Math.max(sideHi, egHi[k]!);
        }
        lo = Math.max(lo, sideLo);
        hi = Math.min(hi, sideHi);
        /** With one group a side: the answer for every source (-2: not asked yet). */
        let oneId = -2;
        for (let w = lo; w < hi; w++) {
          let anyIn = 0;
          for (let k = 0; k < ki; k++) anyIn |= inSources[i0 + k]![w]!;
          if (anyIn === 0) continue;
          let anyEg = 0;
          for (let k = 0; k < ke; k++) anyEg |= egSources[e0 + k]![w]!;
          let both = anyIn & anyEg;
          if (from !== undefined) both &= from[w]!;
          if (w === lastWord - 1 && (limit & 31) !== 0) both &= (1 << (limit & 31)) - 1;
          if (both === 0) continue;
          if (ki === 1 && ke === 1) {
            // One group a side (most destinations): every source here has the one pattern.
            if (oneId === -2) oneId = portsId((w << 5) + 31 - Math.clz32(both & -both), d);
            if (oneId < 0) continue;
            const ports = atomSets.toProtoPorts(oneId);
            while (both !== 0) {
              const low = both & -both;
              both ^= low;
              const s = (w << 5) + 31 - Math.clz32(low);
              if (keep) {
                keep.src[count] = s;
                keep.dst[count] = d;
                keep.id[count] = oneId;
              }
              count++;
              cb(s, d, ports);
            }
            continue;
          }
          if (fast) {
            // The word's sources fall into a few membership patterns: split them by each group
            // once (at most 32 parts), answer each pattern once, then report the sources in
            // ascending order with their pattern's answer.
            let parts = 1;
            partBits[0] = both;
            partIn[0] = 0;
            partEg[0] = 0;
            for (let k = 0; k < ki; k++) {
              const x = inSources[i0 + k]![w]!;
              if ((x & both) === 0) continue;
              for (let p = 0, n = parts; p < n; p++) {
                const on = partBits[p]! & x;
                if (on === 0) continue;
                const off = partBits[p]! & ~x;
                if (off === 0) partIn[p]! |= 1 << k;
                else {
                  partBits[p] = off;
                  partBits[parts] = on;
                  partIn[parts] = partIn[p]! | (1 << k);
                  partEg[parts] = partEg[p]!;
                  parts++;
                }
              }
            }
            for (let k = 0; k < ke; k++) {
              const x = egSources[e0 + k]![w]!;
              if ((x & both) === 0) continue;
              for (let p = 0, n = parts; p < n; p++) {
                const on = partBits[p]! & x;
                if (on === 0) continue;
                const off = partBits[p]! & ~x;
                if (off === 0) partEg[p]! |= 1 << k;
                else {
                  partBits[p] = off;
                  partBits[parts] = on;
                  partIn[parts] = partIn[p]!;
                  partEg[parts] = partEg[p]! | (1 << k);
                  parts++;
                }
              }
            }
            for (let p = 0; p < parts; p++) {
              const key = partIn[p]! * egScale + partEg[p]!;
              let id: number;
              if (table) {
                if (tableStamp[key] === stamp) id = tableValue[key]!;
                else {
                  const low = partBits[p]! & -partBits[p]!;
                  id = portsId((w << 5) + 31 - Math.clz32(low), d);
                  tableStamp[key] = stamp;
                  tableValue[key] = id;
                }
              } else {
                const known = memo!.get(key);
                if (known === undefined) {
                  const low = partBits[p]! & -partBits[p]!;
                  id = portsId((w << 5) + 31 - Math.clz32(low), d);
                  memo!.set(key, id);
                } else id = known;
              }
              partId[p] = id;
            }
            if (parts === 1) {
              const id = partId[0]!;
              if (id < 0) continue;
              const ports = atomSets.toProtoPorts(id);
              while (both !== 0) {
                const low = both & -both;
                both ^= low;
                const s = (w << 5) + 31 - Math.clz32(low);
                if (keep) {
                  keep.src[count] = s;
                  keep.dst[count] = d;
                  keep.id[count] = id;
                }
                count++;
                cb(s, d, ports);
              }
              continue;
            }
            while (both !== 0) {
              const low = both & -both;
              both ^= low;
              let p = 0;
              while ((partBits[p]! & low) === 0) p++;
              const id = partId[p]!;
              if (id < 0) continue;
              const s = (w << 5) + 31 - Math.clz32(low);
              if (keep) {
                keep.src[count] = s;
                keep.dst[count] = d;
                keep.id[count] = id;
              }
              count++;
              cb(s, d, atomSets.toProtoPorts(id));
            }
            continue;
          }
          while (both !== 0) {
            const low = both & -both;
            both ^= low;
            const b = 31 - Math.clz32(low);
            const s = (w << 5) + b;
            const id = portsId(s, d);
            if (id >= 0) {
              if (keep) {
                keep.src[count] = s;
                keep.dst[count] = d;
                keep.id[count] = id;
              }
              count++;
              cb(s, d, atomSets.toProtoPorts(id));
            }
          }
        }
      }
      // Only a sweep that ran to the end counts (a callback may throw).
      if (firstCount < 0) firstCount = count;
      else if (keep && count === size) kept = { ...keep, count };
    },
  };
}

/** Each group's span of non-zero words, per distinct bitset once (groups share them). */
function wordSpans(
  inSources: readonly Bitset[],
  egSources: readonly Bitset[],
): { readonly inLo: Int32Array; readonly inHi: Int32Array; readonly egLo: Int32Array; readonly egHi: Int32Array } {
  const known = new Map<Bitset, number>();
  const spanOf = (lo: Int32Array, hi: Int32Array, sources: readonly Bitset[]) => {
    for (let k = 0; k < sources.length; k++) {
      const b = sources[k]!;
      let at = known.get(b);
      if (at === undefined) {
        let first = 0;
        while (first < b.length && b[first] === 0) first++;
        let last = b.length;
        while (last > first && b[last - 1] === 0) last--;
        at = first * 0x100000000 + last;
        known.set(b, at);
      }
      lo[k] = Math.floor(at / 0x100000000);
      hi[k] = at % 0x100000000;
    }
  };
  const inLo = new Int32Array(inSources.length);
  const inHi = new Int32Array(inSources.length);
  const egLo = new Int32Array(egSources.length);
  const egHi = new Int32Array(egSources.length);
  spanOf(inLo, inHi, inSources);
  spanOf(egLo, egHi, egSources);
  return { inLo, inHi, egLo, egHi };
}

/** `reach` answering only for destinations in `only` (CompiledCluster.reachToward). */
export function towardOnly(reach: Reachability, only: Bitset): Reachability {
  const { nodeCount } = reach;
  return {
    nodeCount,
    ports(src: number, dst: number): ProtoPorts {
      if (Number.isInteger(dst) && dst >= 0 && dst < nodeCount && !hasBit(only, dst)) {
        throw new RangeError(`destination ${dst} is not one this reachability was computed for`);
      }
      return reach.ports(src, dst);
    },
    forEachAllowed(cb: (src: number, dst: number, ports: ProtoPorts) => void): void {
      reach.forEachAllowed((src, dst, ports) => {
        if (hasBit(only, dst)) cb(src, dst, ports);
      });
    },
  };
}
