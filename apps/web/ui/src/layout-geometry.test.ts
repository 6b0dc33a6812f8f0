import { describe, expect, it } from 'vitest';
import { anyOverlap, separateBoxes, snapToGrid, type Box } from './layout-geometry.js';

const box = (id: string, x: number, y: number, w: number, h: number): Box => ({ id, x1: x, y1: y, x2: x + w, y2: y + h });

describe('namespace boxes on the map', () => {
  it('are pushed apart until none overlaps, each moving as a whole', () => {
    // fcose's typical failure: a small namespace box left inside or across a big one.
    const boxes = [box('shop', 0, 0, 400, 300), box('monitoring', 350, 250, 120, 80), box('kube-system', 380, 200, 100, 100), box('ingress', 100, 100, 90, 60)];
    const copy = boxes.map((b) => ({ ...b }));
    const moves = separateBoxes(boxes, 24);
    expect(anyOverlap(boxes, 24 - 1e-9)).toBe(false);
    for (const b of copy) {
      const m = moves.get(b.id)!;
      const after = boxes.find((x) => x.id === b.id)!;
      expect([after.x1 - b.x1, after.y1 - b.y1, after.x2 - after.x1, after.y2 - after.y1]).toEqual([m.x, m.y, b.x2 - b.x1, b.y2 - b.y1]);
    }
  });

  it('leave boxes that do not overlap where they are', () => {
    const boxes = [box('a', 0, 0, 100, 100), box('b', 200, 0, 100, 100)];
    const moves = separateBoxes(boxes, 24);
    expect([...moves.values()]).toEqual([{ x: 0, y: 0 }, { x: 0, y: 0 }]);
  });

  it('tile when a crowd does not settle', () => {
    const boxes = Array.from({ length: 30 }, (_, i) => box(`n${i}`, 0, 0, 50 + i, 40));
    separateBoxes(boxes, 10, 1);
    expect(anyOverlap(boxes, 10 - 1e-9)).toBe(false);
  });
});

describe('the aggregate grid', () => {
  it('gives every point its own cell, even points stacked on one spot', () => {
    const pts = new Map(Array.from({ length: 50 }, (_, i) => [`ns${i}`, i < 40 ? { x: 0, y: 0 } : { x: i * 10, y: i }] as const));
    const out = snapToGrid(pts, 100);
    expect(out.size).toBe(50);
    expect(new Set([...out.values()].map((p) => `${p.x},${p.y}`)).size).toBe(50);
  });
});
