/**
 * Numbers for pairs of small integers, kept in typed arrays (open addressing, linear probing):
 * a look-up allocates nothing. Memo keys made of ids (a list is a chain of pairs from 0, a tuple
 * pairs of pairs) are looked up per destination, thousands of times a compile; a Map keyed by
 * a * 2^26 + b holds heap numbers above 2^31 (an allocation per new key and a slower hash per
 * look-up). A hit compares both numbers, so two pairs never share a slot.
 */
export class PairIds {
  /** a + 1 per slot (0: free), b, and the slot's value. */
  private as: Int32Array;
  private bs: Int32Array;
  private values: Int32Array;
  private mask: number;
  private used = 0;

  constructor(capacity = 1024) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.as = new Int32Array(size);
    this.bs = new Int32Array(size);
    this.values = new Int32Array(size);
    this.mask = size - 1;
  }

  /** How many pairs have a value. */
  get size(): number {
    return this.used;
  }

  /** The value of (a, b), or -1. `a` in 0..2^31-2, `b` any int32. */
  get(a: number, b: number): number {
    const { as, bs, mask } = this;
    const a1 = a + 1;
    for (let i = slot(a, b) & mask; ; i = (i + 1) & mask) {
      const x = as[i]!;
      if (x === 0) return -1;
      if (x === a1 && bs[i] === b) return this.values[i]!;
    }
  }

  /** Gives (a, b) the value `v` (>= 0). */
  set(a: number, b: number, v: number): void {
    if (!Number.isInteger(a) || a < 0 || a >= 0x7fffffff || (b | 0) !== b) throw new RangeError(`PairIds: (${a}, ${b}) is not a pair of int32s`);
    const { as, bs, mask } = this;
    const a1 = a + 1;
    let i = slot(a, b) & mask;
    for (; ; i = (i + 1) & mask) {
      const x = as[i]!;
      if (x === 0) break;
      if (x === a1 && bs[i] === b) {
        this.values[i] = v;
        return;
      }
    }
    as[i] = a1;
    bs[i] = b;
    this.values[i] = v;
    if (++this.used * 2 > mask) this.grow();
  }

  /** The number of (a, b): 1, 2, ... in the order pairs are first asked for. */
  id(a: number, b: number): number {
    const known = this.get(a, b);
    if (known >= 0) return known;
    const id = this.used + 1;
    this.set(a, b, id);
    return id;
  }

  private grow(): void {
    const { as, bs, values } = this;
    const size = as.length * 2;
    this.as = new Int32Array(size);
    this.bs = new Int32Array(size);
    this.values = new Int32Array(size);
    this.mask = size - 1;
    for (let i = 0; i < as.length; i++) {
      if (as[i] === 0) continue;
      let j = slot(as[i]! - 1, bs[i]!) & this.mask;
      while (this.as[j] !== 0) j = (j + 1) & this.mask;
      this.as[j] = as[i]!;
      this.bs[j] = bs[i]!;
      this.values[j] = values[i]!;
    }
  }
}

function slot(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 13);
}
