import { describe, expect, it } from 'vitest';
import { PairIds } from './pair-ids.js';

describe('PairIds', () => {
  it('numbers pairs as a Map keyed by both numbers would, across growth and colliding slots', () => {
    const ids = new PairIds(4);
    const ref = new Map<string, number>();
    let seed = 7;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let k = 0; k < 20_000; k++) {
      // Small ranges (many repeats), b down to -1, and large values of both.
      const a = k % 3 === 0 ? rand(2 ** 30) : rand(60);
      const b = k % 5 === 0 ? rand(2 ** 30) - 1 : rand(40) - 1;
      const key = `${a},${b}`;
      let want = ref.get(key);
      if (want === undefined) ref.set(key, (want = ref.size + 1));
      expect(ids.id(a, b)).toBe(want);
    }
    expect(ids.size).toBe(ref.size);
    for (const [key, want] of ref) {
      const [a, b] = key.split(',').map(Number) as [number, number];
      expect(ids.get(a, b)).toBe(want);
    }
    // (a, b) and (b, a) are different pairs; an unknown pair has no value.
    const t = new PairIds();
    expect(t.id(1, 2)).toBe(1);
    expect(t.id(2, 1)).toBe(2);
    expect(t.get(3, 3)).toBe(-1);
    t.set(3, 3, 0);
    expect(t.get(3, 3)).toBe(0);
  });

  it('refuses what is not a pair of int32s', () => {
    const t = new PairIds();
    expect(() => t.set(-1, 0, 1)).toThrow(RangeError);
    expect(() => t.set(0, 2 ** 40, 1)).toThrow(RangeError);
    expect(() => t.set(0.5, 0, 1)).toThrow(RangeError);
  });
});
