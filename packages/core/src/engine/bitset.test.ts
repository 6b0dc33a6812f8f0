import { describe, expect, it } from 'vitest';
import {
  bitsetKey,
  bitsetToArray,
  emptyBitset,
  forEachBit,
  fullBitset,
  hasBit,
  intersects,
  isEmptyBitset,
  orInto,
  andInto,
  popcount,
  setBit,
} from './bitset.js';

describe('bitset', () => {
  it('full sets hold exactly 0..size-1, across word boundaries', () => {
    for (const size of [1, 31, 32, 33, 64, 65]) {
      const b = fullBitset(size);
      expect(popcount(b)).toBe(size);
      expect(hasBit(b, size - 1)).toBe(true);
      expect(bitsetToArray(b)).toEqual([...Array(size).keys()]);
    }
  });

  it('set algebra works word-wide and iterates in ascending order', () => {
    const a = emptyBitset(100);
    const b = emptyBitset(100);
    for (const i of [0, 31, 32, 63, 99]) setBit(a, i);
    for (const i of [31, 50, 99]) setBit(b, i);
    expect(intersects(a, b)).toBe(true);
    const u = a.slice();
    orInto(u, b);
    expect(bitsetToArray(u)).toEqual([0, 31, 32, 50, 63, 99]);
    const n = a.slice();
    andInto(n, b);
    expect(bitsetToArray(n)).toEqual([31, 99]);
    const seen: number[] = [];
    forEachBit(u, (i) => seen.push(i));
    expect(seen).toEqual([0, 31, 32, 50, 63, 99]);
    expect(isEmptyBitset(emptyBitset(70))).toBe(true);
    expect(bitsetKey(a)).not.toBe(bitsetKey(b));
    expect(bitsetKey(n)).toBe(bitsetKey(Uint32Array.from(n)));
  });
});
