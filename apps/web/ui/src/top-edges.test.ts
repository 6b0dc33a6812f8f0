import { describe, expect, it } from 'vitest';
import { strongestPerNode } from './top-edges.js';

type E = { from: string; to: string; w: number };
const pick = (edges: E[], k: number) => [...strongestPerNode(edges, (e) => [e.from, e.to], (e) => e.w, k)].map((e) => `${e.from}>${e.to}`).sort();

describe('each node’s strongest edges', () => {
  it('keep an edge that is among the k heaviest of either end', () => {
    const edges: E[] = [
      { from: 'a', to: 'b', w: 10 },
      { from: 'a', to: 'c', w: 5 },
      { from: 'a', to: 'd', w: 1 },
      // d's heavier edge; a>d is the lightest of both its ends and goes.
      { from: 'd', to: 'e', w: 2 },
    ];
    // a>c is light for a but c's only edge: c keeps it.
    expect(pick(edges, 1)).toEqual(['a>b', 'a>c', 'd>e']);
    expect(pick(edges, 2)).toEqual(['a>b', 'a>c', 'a>d', 'd>e']);
  });

  it('keep everything when no node has more than k edges', () => {
    const ring: E[] = ['a', 'b', 'c', 'd'].map((n, i, all) => ({ from: n, to: all[(i + 1) % all.length]!, w: i }));
    expect(pick(ring, 2)).toHaveLength(4);
  });
});
