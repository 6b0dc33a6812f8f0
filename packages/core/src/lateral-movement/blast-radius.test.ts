import { describe, expect, it } from 'vitest';
import { DirectedGraph } from 'graphology';
import { INTERNET, type AttackEdgeAttributes, type AttackGraph, type AttackNodeAttributes } from './attack-graph.js';
import { blastRadius, MAX_VIA, type BlastRadius } from './blast-radius.js';
import { chain, edges, randomAttackGraph } from '../testing/attack-clusters.js';

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

  /** The compact view, read as its documentation says, against the entries `reached` lists. */
  const sameAsReached = (b: BlastRadius) => {
    const x = b.nodes;
    expect(x.length).toBe(b.reached.length);
    b.reached.forEach((r, i) => {
      const v = x.node[i]!;
      expect(x.entry(i)).toEqual(r);
      expect([x.ids[v], x.kinds[v], x.hops[v], x.viaCount[v], x.ports[i], x.crownJewel[v] === 1]).toEqual([r.id, r.kind, r.hops, r.viaCount, r.ports, r.crownJewel]);
      expect(Math.min(x.viaCount[v]!, MAX_VIA)).toBe(r.via.length);
      r.via.forEach((via, k) => expect({ from: x.ids[x.viaFrom[v * MAX_VIA + k]!], ...x.moves[x.viaMove[v * MAX_VIA + k]!] }).toEqual(via));
      expect(x.via(i)).toEqual(r.via);
    });
  };

  it('lists in its compact view what `reached` lists, and keeps it through later queries', () => {
    let compared = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const { ag: g, jewel } = randomAttackGraph(seed);
      const froms = [INTERNET, ...g.workloads];
      // All asked first, read afterwards: an answer must not lean on the search's working arrays.
      const answers = froms.map((from) => blastRadius(g, from, { crownJewels: [jewel] }));
      answers.forEach((b, i) => {
        const again = blastRadius(g, froms[i]!, { crownJewels: [jewel] });
        expect(JSON.stringify(b)).toBe(JSON.stringify(again));
        sameAsReached(b);
        compared += b.reached.length;
      });
    }
    sameAsReached(blastRadius(ag, INTERNET, { crownJewels: ['app/db', 'app/logs'] }));
    expect(compared).toBeGreaterThan(100);
  });

  it('answers as JSON with the fields it always had, and `reached` once made stays the same array', () => {
    const b = blastRadius(ag, INTERNET, { crownJewels: ['app/db'] });
    expect(Object.keys(b)).toEqual(['from', 'maxHops', 'reached', 'crownJewelsReached', 'metrics']);
    expect(Object.keys(JSON.parse(JSON.stringify({ ...b })))).toEqual(['from', 'maxHops', 'reached', 'crownJewelsReached', 'metrics']);
    expect(b.reached).toBe(b.reached);
  });

  it('lists a node once when a level found top-down follows a level found bottom-up', () => {
    // s -> a01..a10 (each a reaches every other a, b); b -> c, c2; c2 -> c; c -> d and every a.
    // Level 2 is found bottom-up (the a's have more moves out than the rest have in), level 3
    // top-down (b's two moves), level 4 bottom-up again, where c, found at level 3, has a move
    // into it from c2 at level 3: it is not at level 4 as well.
    const graph = new DirectedGraph<AttackNodeAttributes, AttackEdgeAttributes>();
    const as = Array.from({ length: 10 }, (_, i) => `a${String(i + 1).padStart(2, '0')}`);
    for (const id of ['s', ...as, 'b', 'c', 'c2', 'd']) graph.addNode(id, { kind: 'node', id, name: id });
    const move = (u: string, v: string) => graph.addEdge(u, v, { kind: 'escalation', reason: 'test' });
    for (const a of as) move('s', a);
    for (const a of as) for (const x of as) if (a !== x) move(a, x);
    for (const a of as) move(a, 'b');
    move('b', 'c');
    move('b', 'c2');
    move('c2', 'c');
    move('c', 'd');
    for (const a of as) move('c', a);
    const g = { graph, workloads: [], identities: [], unplacedEscapes: [] } as unknown as AttackGraph;
    const b = blastRadius(g, 's');
    expect(b.reached.map((r) => `${r.hops} ${r.id} ${r.viaCount}`)).toEqual([...as.map((a) => `1 ${a} 1`), '2 b 10', '3 c 1', '3 c2 1', '4 d 1']);
    expect(b.reached.find((r) => r.id === 'd')!.via.map((v) => v.from)).toEqual(['c']);
  });

  it('gives a node the ports of the first reaches only, however many port lists lead into it', () => {
    // s -> a1, a2 (level 1) -> b (level 2); c is never reached. Into t4 (four lists: more than
    // the graph makes unions for) and t3 (three) from a1, a2, b and c: at level 2 only a1's and
    // a2's moves are first reaches.
    const graph = new DirectedGraph<AttackNodeAttributes, AttackEdgeAttributes>();
    for (const id of ['s', 'a1', 'a2', 'b', 'c', 't3', 't4']) graph.addNode(id, { kind: 'node', id, name: id });
    const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP' as const, port }));
    const net = (u: string, v: string, ports: number[]) => graph.addEdge(u, v, { kind: 'network', ports: tcp(...ports), undeclaredPorts: false });
    graph.addEdge('s', 'a1', { kind: 'escalation', reason: 'test' });
    graph.addEdge('s', 'a2', { kind: 'escalation', reason: 'test' });
    net('a1', 'b', [1]);
    net('a1', 't4', [90, 10]);
    net('a2', 't4', [20]);
    net('b', 't4', [30]);
    net('c', 't4', [40]);
    net('a2', 't3', [20, 21]);
    net('b', 't3', [30]);
    net('c', 't3', [40]);
    const g = { graph, workloads: [], identities: [], unplacedEscapes: [] } as unknown as AttackGraph;
    const b = blastRadius(g, 's');
    const ports = (id: string) => b.reached.find((r) => r.id === id)!.ports.map((p) => p.port);
    expect(ports('t4')).toEqual([10, 20, 90]);
    expect(ports('t3')).toEqual([20, 21]);
    expect(b.reached.find((r) => r.id === 't4')!.via.map((v) => `${v.from} ${v.ports.map((p) => p.port)}`)).toEqual(['a1 90,10', 'a2 20']);
    sameAsReached(b);
  });
});
