import { describe, expect, it } from 'vitest';
import { INTERNET } from './attack-graph.js';
import { kShortestAttackPaths, countAttackPaths, describePath } from './attack-paths.js';
import { blastRadius } from './blast-radius.js';
import { chain, edges, randomAttackGraph } from '../testing/attack-clusters.js';

describe('attack paths', () => {
  const { ag } = edges(chain());
  it('lists the k shortest loopless paths with rules', () => {
    const paths = kShortestAttackPaths(ag, INTERNET, new Set(['app/db']), 5);
    expect(paths).toEqual([
      [INTERNET, 'app/web', 'app/api', 'app/db'],
      [INTERNET, 'app/web', 'app/api', 'app/logs', 'node:n1', 'app/db'],
    ]);
    const hop = describePath(ag, paths[0]!).hops[2]!;
    expect(hop.because).toEqual(['egress rule 0 of app/api-db-out', 'ingress rule 0 of app/api-db-in']);
    expect(countAttackPaths(ag, INTERNET, new Set(['app/db']), 3).count).toBe(1);
  });
});

/** Deterministic pseudo-random numbers for the brute-force comparisons. */


describe('paths and blast radius on random graphs', () => {
  /** Every loopless path from `from` that ends at its first target, by brute force. */
  const allPaths = (all: [string, string][], from: string, targets: Set<string>): string[][] => {
    const out: string[][] = [];
    const walk = (path: string[]) => {
      const u = path[path.length - 1]!;
      if (path.length > 1 && targets.has(u)) return void out.push(path);
      for (const [a, v] of all) if (a === u && !path.includes(v)) walk([...path, v]);
    };
    walk([from]);
    return out;
  };

  it('k shortest paths are the shortest loopless paths; hop counts and first-reach ports match brute force', () => {
    let checked = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { ag, jewel, all } = randomAttackGraph(seed);
      const targets = new Set([jewel]);
      const brute = allPaths(all, INTERNET, targets);
      const k = 4;
      const found = kShortestAttackPaths(ag, INTERNET, targets, k);
      const lengths = brute.map((p) => p.length).sort((x, y) => x - y).slice(0, k);
      expect(found.map((p) => p.length)).toEqual(lengths);
      expect(new Set(found.map((p) => p.join(' '))).size).toBe(found.length);
      for (const p of found) expect(brute.map((q) => q.join(' '))).toContain(p.join(' '));
      if (found.length > 1) checked++;

      // Hop counts are BFS distances; via and ports come from the edges one hop closer.
      const b = blastRadius(ag, INTERNET, { crownJewels: [jewel] });
      const dist = new Map<string, number>([[INTERNET, 0]]);
      for (let frontier = [INTERNET], d = 1; frontier.length; d++) {
        const next: string[] = [];
        for (const u of frontier) for (const [a, v] of all) if (a === u && !dist.has(v)) (dist.set(v, d), next.push(v));
        frontier = next;
      }
      expect(b.reached.map((r) => [r.id, r.hops]).sort()).toEqual([...dist].filter(([id]) => id !== INTERNET).sort());
      for (const r of b.reached) {
        const firsts = all.filter(([a, v]) => v === r.id && dist.get(a) === r.hops - 1).map(([a]) => a).sort();
        expect(r.viaCount).toBe(firsts.length);
        expect(r.via.map((x) => x.from)).toEqual(firsts.slice(0, 5));
        const keys = new Set<string>();
        for (const a of firsts) {
          const e = ag.graph.getEdgeAttributes(a, r.id);
          const ps = e.kind === 'network' ? e.ports : e.kind === 'entry' ? e.exposures : [];
          for (const p of ps) keys.add(`${p.protocol}/${p.port}/${'endPort' in p ? (p.endPort ?? '') : ''}`);
        }
        expect(new Set(r.ports.map((p) => `${p.protocol}/${p.port}/${p.endPort ?? ''}`))).toEqual(keys);
      }
    }
    expect(checked).toBeGreaterThan(5);
  });
});
