import { describe, expect, it } from 'vitest';
import { placeLabels } from './lod.js';

const label = (id: string, x: number, y: number, priority: number, width = 100) => ({ id, x, y, width, height: 14, priority });

describe('label level of detail', () => {
  it('keeps every label that has room', () => {
    expect(placeLabels([label('a', 0, 0, 1), label('b', 200, 0, 1), label('c', 0, 40, 1)])).toEqual(new Set(['a', 'b', 'c']));
  });

  it('drops the less important of two overlapping labels', () => {
    // A namespace title (priority 10) and a workload label on top of it.
    expect(placeLabels([label('w', 10, 0, 1), label('ns', 0, 0, 10)])).toEqual(new Set(['ns']));
  });

  it('zoomed out, a dense grid of namespaces keeps a readable subset, never two overlapping', () => {
    const cands = Array.from({ length: 200 }, (_, i) => label(`ns${i}`, (i % 20) * 40, Math.floor(i / 20) * 40, i, 120));
    const shown = placeLabels(cands, { width: 800, height: 400 });
    expect(shown.size).toBeGreaterThan(10);
    expect(shown.size).toBeLessThan(200);
    // Highest priority first: the last (biggest) namespace always keeps its label.
    expect(shown.has('ns199')).toBe(true);
    const boxes = cands.filter((c) => shown.has(c.id));
    for (const a of boxes) for (const b of boxes) if (a !== b) expect(Math.abs(a.x - b.x) >= 120 || Math.abs(a.y - b.y) >= 14).toBe(true);
  });
});
