import { describe, expect, it } from 'vitest';
import { layoutHash, loadLayout, saveLayout } from './layout-store.js';

/** localStorage's interface over a Map, with a quota like a browser's (counted in characters). */
class MemoryStorage implements Storage {
  private readonly m = new Map<string, string>();
  constructor(private readonly quota = Infinity) {}
  get length(): number {
    return this.m.size;
  }
  clear(): void {
    this.m.clear();
  }
  getItem(k: string): string | null {
    return this.m.get(k) ?? null;
  }
  key(i: number): string | null {
    return [...this.m.keys()][i] ?? null;
  }
  removeItem(k: string): void {
    this.m.delete(k);
  }
  setItem(k: string, v: string): void {
    const used = [...this.m].reduce((n, [kk, vv]) => n + (kk === k ? 0 : kk.length + vv.length), 0);
    if (used + k.length + v.length > this.quota) throw new Error('QuotaExceededError');
    this.m.set(k, v);
  }
}

const layout = (x: number) => ({ positions: { 'ns:a': { x, y: 0 } }, note: 'spectral + grid 600 ms' });

describe('layouts kept across page loads', () => {
  it('gives back the layout of the same graph, and none for another', () => {
    const s = new MemoryStorage();
    saveLayout(s, layoutHash('ns:a|ns:b|ns:a>ns:b'), layout(1));
    expect(loadLayout(s, layoutHash('ns:a|ns:b|ns:a>ns:b'))).toEqual(layout(1));
    expect(loadLayout(s, layoutHash('ns:a|ns:b|ns:b>ns:a'))).toBeUndefined();
  });

  it('keeps the eight most recently used', () => {
    const s = new MemoryStorage();
    for (let i = 0; i < 8; i++) saveLayout(s, `k${i}`, layout(i));
    // k0 used again: k1 is now the oldest, and the ninth layout pushes it out.
    expect(loadLayout(s, 'k0')).toEqual(layout(0));
    saveLayout(s, 'k8', layout(8));
    expect(loadLayout(s, 'k1')).toBeUndefined();
    expect(loadLayout(s, 'k0')).toEqual(layout(0));
    expect(loadLayout(s, 'k8')).toEqual(layout(8));
  });

  it('does without when storage is full or missing', () => {
    const full = new MemoryStorage(10);
    expect(() => saveLayout(full, 'k', layout(1))).not.toThrow();
    expect(loadLayout(full, 'k')).toBeUndefined();
    expect(loadLayout(undefined, 'k')).toBeUndefined();
  });
});
