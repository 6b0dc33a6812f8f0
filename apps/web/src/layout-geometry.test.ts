import { describe, expect, it } from 'vitest';
import { anyOverlap, separateBoxes, snapToGrid, type Box } from '../ui/src/layout-geometry.js';
import { ringPicture, RING_CAP, moreId } from '../ui/src/blast-rings.js';
import type { BlastRadius } from '../ui/src/types.js';

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

describe('blast-radius rings', () => {
  const reached = (n: number, hops: number, jewelEvery = 0) =>
    Array.from({ length: n }, (_, i) => ({ id: `ns/w${hops}-${String(i).padStart(4, '0')}`, kind: 'workload' as const, hops, via: [{ from: hops === 1 ? 'ns/foothold' : `ns/w${hops - 1}-0000`, kind: 'network', ports: [] }], crownJewel: jewelEvery > 0 && i % jewelEvery === 0 }));
  const blast = (r: BlastRadius['reached']): BlastRadius => ({ from: 'ns/foothold', maxHops: null, reached: r, crownJewelsReached: [], metrics: {} as BlastRadius['metrics'] });

  it('draws at most the cap per ring, crown jewels always, and one "+N more" node for the rest', () => {
    const b = blast([...reached(10, 1), ...reached(1000, 2, 100)]);
    const pic = ringPicture(b);
    const ring2 = pic.nodes.filter((n) => n.hop === 2 && !n.more);
    // Crown jewels come first within the cap, so all 10 are drawn among the RING_CAP.
    expect(ring2.length).toBe(RING_CAP);
    expect(ring2.filter((n) => n.classes.includes('crown'))).toHaveLength(10);
    expect(pic.nodes.find((n) => n.id === moreId(2))?.more).toBe(1000 - ring2.length);
    expect(pic.hidden).toBe(1000 - ring2.length);
    expect(pic.nodes.filter((n) => n.hop === 1)).toHaveLength(10);
    // Edges only between drawn nodes.
    const drawn = new Set(pic.nodes.map((n) => n.id));
    expect(pic.edges.every((e) => drawn.has(e.source) && drawn.has(e.target))).toBe(true);
    // No two nodes on one spot; outer rings further out.
    expect(new Set(pic.nodes.map((n) => `${n.x},${n.y}`)).size).toBe(pic.nodes.length);
    const r = (hop: number) => Math.max(...pic.nodes.filter((n) => n.hop === hop).map((n) => Math.hypot(n.x, n.y)));
    expect(r(2)).toBeGreaterThan(r(1));
  });

  it('draws more of a ring on demand and always draws pinned path nodes', () => {
    const b = blast([...reached(1, 1), ...reached(500, 2)]);
    const more = ringPicture(b, new Map([[2, RING_CAP + 150]]));
    expect(more.nodes.filter((n) => n.hop === 2 && !n.more)).toHaveLength(RING_CAP + 150);
    const pinned = ringPicture(b, new Map(), new Set(['ns/w2-0499']));
    expect(pinned.nodes.some((n) => n.id === 'ns/w2-0499')).toBe(true);
  });
});
