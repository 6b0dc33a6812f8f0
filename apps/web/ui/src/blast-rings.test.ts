import { describe, expect, it } from 'vitest';
import { ringPicture, RING_CAP, moreId } from './blast-rings.js';
import type { BlastRadius } from './types.js';

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
