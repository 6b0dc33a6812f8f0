/**
 * Fixed-size bitsets over small integers (pod classes, external groups, port atoms), stored in
 * a Uint32Array so that set algebra on peers and subjects is word-wide rather than per element:
 * this is what keeps the fast engine's cost at classes x rules instead of pods^2 x policies.
 *
 * Functions rather than a class: the hot loops index the words directly, and a plain typed
 * array has no per-object overhead when thousands of peer sets are kept.
 */
export type Bitset = Uint32Array;

export function bitsetWords(size: number): number {
  return (size + 31) >>> 5;
}

export function emptyBitset(size: number): Bitset {
  return new Uint32Array(bitsetWords(size));
}

/** Every element 0..size-1; the bits past `size` in the last word stay clear. */
export function fullBitset(size: number): Bitset {
  const b = new Uint32Array(bitsetWords(size));
  b.fill(0xffffffff);
  const rest = size & 31;
  if (rest !== 0) b[b.length - 1] = (1 << rest) - 1;
  return b;
}

export function setBit(b: Bitset, i: number): void {
  b[i >>> 5]! |= 1 << (i & 31);
}

export function hasBit(b: Bitset, i: number): boolean {
  return ((b[i >>> 5]! >>> (i & 31)) & 1) !== 0;
}

/** dst |= src (same size). */
export function orInto(dst: Bitset, src: Bitset): void {
  for (let w = 0; w < dst.length; w++) dst[w]! |= src[w]!;
}

/** dst &= src (same size). */
export function andInto(dst: Bitset, src: Bitset): void {
  for (let w = 0; w < dst.length; w++) dst[w]! &= src[w]!;
}

export function intersects(a: Bitset, b: Bitset): boolean {
  for (let w = 0; w < a.length; w++) if ((a[w]! & b[w]!) !== 0) return true;
  return false;
}

/** Is every element of `a` in `b` (same size)? */
export function isSubset(a: Bitset, b: Bitset): boolean {
  for (let w = 0; w < a.length; w++) if ((a[w]! & ~b[w]!) !== 0) return false;
  return true;
}

export function isEmptyBitset(b: Bitset): boolean {
  for (let w = 0; w < b.length; w++) if (b[w] !== 0) return false;
  return true;
}

export function popcount(b: Bitset): number {
  let n = 0;
  for (let w = 0; w < b.length; w++) {
    let x = b[w]!;
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    n += (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}

/** Calls `cb` for each element in ascending order. */
export function forEachBit(b: Bitset, cb: (i: number) => void): void {
  for (let w = 0; w < b.length; w++) {
    let x = b[w]!;
    while (x !== 0) {
      const low = x & -x;
      cb((w << 5) + 31 - Math.clz32(low));
      x ^= low;
    }
  }
}

/** Calls `cb` for each element of both `a` and `b` (same size) in ascending order. */
export function forEachCommonBit(a: Bitset, b: Bitset, cb: (i: number) => void): void {
  for (let w = 0; w < a.length; w++) {
    let x = a[w]! & b[w]!;
    while (x !== 0) {
      const low = x & -x;
      cb((w << 5) + 31 - Math.clz32(low));
      x ^= low;
    }
  }
}

export function bitsetToArray(b: Bitset): number[] {
  const out: number[] = [];
  forEachBit(b, (i) => out.push(i));
  return out;
}

/** A string that is equal for equal bitsets of the same size: for interning. */
export function bitsetKey(b: Bitset): string {
  let s = '';
  for (let w = 0; w < b.length; w++) s += b[w]!.toString(36) + ',';
  return s;
}
