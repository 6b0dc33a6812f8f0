import { describe, expect, it } from 'vitest';
import { INTERNET } from './attack-graph.js';
import { chokePoints } from './choke-points.js';
import { NO_SECURITY_FLAGS, type Cluster, type NetworkPolicy, type PodSecurity } from '../model/model.js';
import { chain, connected, edges, randomAttackGraph } from '../testing/attack-clusters.js';

describe('choke points', () => {
  it('finds a minimum cut, checked by brute force over edge subsets on random graphs', () => {
    let nonTrivial = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { ag, jewel, all } = randomAttackGraph(seed);
      const cuttable = all.filter(([u]) => u !== INTERNET);
      const cp = chokePoints(ag, [INTERNET], [jewel]);
      expect(cp.connected).toBe(connected(all, INTERNET, jewel));
      if (!cp.connected) continue;
      nonTrivial++;
      // Removing the cut disconnects...
      const rest = all.filter(([u, v]) => !cp.cut.some((c) => c.from === u && c.to === v));
      expect(connected(rest, INTERNET, jewel)).toBe(false);
      // ...and no smaller set of cuttable edges does.
      let best = Infinity;
      for (let mask = 0; mask < 1 << cuttable.length && cuttable.length <= 16; mask++) {
        let bits = 0;
        for (let m = mask; m; m &= m - 1) bits++;
        if (bits >= best) continue;
        const kept = all.filter((e) => { const i = cuttable.indexOf(e); return i < 0 || !(mask & (1 << i)); });
        if (!connected(kept, INTERNET, jewel)) best = bits;
      }
      if (cuttable.length <= 16) expect(cp.cut.length).toBe(best);
    }
    expect(nonTrivial).toBeGreaterThan(10);
  });

  it('reports an uncuttable path (only entry and escalation moves)', () => {
    const c = chain();
    const { ag } = edges({ ...c, pods: c.pods.map((p) => (p.name === 'web' ? { ...p, node: 'n1', security: { ...NO_SECURITY_FLAGS, hostPath: true } } : p)) });
    const cp = chokePoints(ag, [INTERNET], ['app/db']);
    expect(cp).toMatchObject({ connected: true, cuttable: false, cut: [] });
  });
});
