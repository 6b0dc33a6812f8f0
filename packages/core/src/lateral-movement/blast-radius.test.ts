import { describe, expect, it } from 'vitest';
import { INTERNET } from './attack-graph.js';
import { blastRadius } from './blast-radius.js';
import { chain, edges } from '../testing/attack-clusters.js';

describe('blast radius', () => {
  const { ag } = edges(chain());
  it('reaches by hop count with the ports of each first reach', () => {
    const b = blastRadius(ag, INTERNET, { crownJewels: ['app/db'] });
    expect(b.reached.map((r) => `${r.hops} ${r.id}`)).toEqual(['1 app/web', '2 app/api', '3 app/db', '3 app/logs', '4 node:n1']);
    expect(b.reached.find((r) => r.id === 'app/db')!.via).toEqual([{ from: 'app/api', kind: 'network', category: 'network', ports: [{ protocol: 'TCP', port: 5432, name: 'postgres' }] }]);
    expect(b.reached.find((r) => r.id === 'app/db')!).toMatchObject({ viaCount: 1, ports: [{ protocol: 'TCP', port: 5432 }] });
    expect(b.metrics).toMatchObject({ workloads: 4, reached: 4, reachedPercent: 100, crownJewelsReached: 1, minHopsToCrownJewel: 3 });
    // internet>web>api>db, and internet>web>api>logs>n1>db.
    expect(b.metrics.paths).toEqual({ count: 2, capped: false, hopLimit: 6 });
    expect(blastRadius(ag, 'app/api', { maxHops: 1 }).reached.map((r) => r.id)).toEqual(['app/db', 'app/logs']);
    expect(blastRadius(ag, 'app/db').reached).toEqual([]);
  });
});
