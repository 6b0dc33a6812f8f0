import { describe, expect, it } from 'vitest';
import { AGGREGATE_EDGE_LIMIT, AGGREGATE_EDGES_PER_NODE, displayOf, HAYSTACK_ABOVE, layoutSubset, mapElements, type MapData } from './map-elements.js';
import type { Connection, Endpoint, Groups } from './types.js';

const ports = (tcp: [number, number][] = []) => ({ TCP: tcp, UDP: [], SCTP: [] });
const workload = (ns: string, name: string, isolated = true): Endpoint => ({ id: `${ns}/${name}`, kind: 'Deployment', namespace: ns, name, pods: 1, ingressIsolated: isolated, egressIsolated: isolated });
const conn = (from: string, to: string, port: number): Connection => ({ from, to, all: false, ports: ports([[port, port]]) });

function shop(loaded: string[]): MapData {
  const endpoints = [workload('shop', 'frontend', false), workload('shop', 'cart'), workload('data', 'postgres'), { id: '0.0.0.0-255.255.255.255', kind: 'External', ranges: ['0.0.0.0-255.255.255.255'] } as Endpoint];
  const groups: Groups = {
    nodes: [
      { id: 'shop', kind: 'Namespace', workloads: 2, pods: 2 },
      { id: 'data', kind: 'Namespace', workloads: 1, pods: 1 },
    ],
    edges: [
      { from: 'shop', to: 'data', pairs: 1, ports: 'TCP 5432', portRanges: ports([[5432, 5432]]) },
      { from: 'shop', to: 'shop', pairs: 1, ports: 'TCP 8080', portRanges: ports([[8080, 8080]]) },
    ],
  };
  const connections = [conn('shop/frontend', 'shop/cart', 8080), conn('shop/cart', 'data/postgres', 5432), conn('shop/frontend', '0.0.0.0-255.255.255.255', 443)];
  return { groups, endpoints, byId: new Map(endpoints.map((e) => [e.id, e])), loaded: new Set(loaded), connections: connections.filter((c) => loaded.some((ns) => c.from.startsWith(`${ns}/`) || c.to.startsWith(`${ns}/`))) };
}

const ids = (els: { group?: string; data: { id?: string } }[], group: 'nodes' | 'edges') => els.filter((e) => e.group === group).map((e) => e.data.id!).sort();

describe('the map’s elements', () => {
  it('collapsed: one node per namespace (and the externals), one edge per namespace pair, no self loop', () => {
    const { elements } = mapElements(shop([]), { nsFocus: '' });
    expect(ids(elements, 'nodes')).toEqual(['ns:data', 'ns:shop', 'w:0.0.0.0-255.255.255.255']);
    expect(ids(elements, 'edges')).toEqual(['e:ns:shop\u0000ns:data']);
    expect(elements.find((e) => e.data.id === 'ns:shop')?.classes).toBe('namespace collapsed');
  });

  it('a large cluster’s opened namespace: summaries toward namespaces not open, dropped once that one opens', () => {
    // As /api/namespace-edges sends them: shop/cart to the data namespace, 3 workload pairs.
    const summary = { from: 'shop/cart', to: 'data', pairs: 3, ports: 'TCP 5432', portRanges: ports([[5432, 5432]]) };
    const d = { ...shop(['shop']), connections: [], summaries: [summary] };
    const edge = mapElements(d, { nsFocus: '' }).elements.find((e) => e.data.id === 'e:w:shop/cart\u0000ns:data')!;
    expect(edge.data).toMatchObject({ pairs: 3, ports: 'TCP 5432 — 3 workload pairs' });
    expect(edge.classes).toBe('aggregate');
    // data opened since: its own pairs draw that edge; the summary would count them twice.
    const opened = mapElements({ ...d, loaded: new Set(['shop', 'data']) }, { nsFocus: '' }).elements;
    expect(ids(opened, 'edges')).not.toContain('e:w:shop/cart\u0000ns:data');
  });

  it('expanded: workloads inside their namespace, pair edges that explain themselves', () => {
    const d = shop(['shop']);
    const { elements } = mapElements(d, { nsFocus: '' });
    expect(ids(elements, 'nodes')).toEqual(['ns:data', 'ns:shop', 'w:0.0.0.0-255.255.255.255', 'w:shop/cart', 'w:shop/frontend']);
    const frontend = elements.find((e) => e.data.id === 'w:shop/frontend')!;
    expect(frontend.data.parent).toBe('ns:shop');
    // Not isolated for ingress or egress: the red and the dashed border.
    expect(frontend.classes).toBe('workload open-in open-out');
    const toCart = elements.find((e) => e.data.id === 'e:w:shop/frontend\u0000w:shop/cart')!;
    expect(toCart.data).toMatchObject({ fromId: 'shop/frontend', toId: 'shop/cart', ports: 'TCP 8080', pairs: 1 });
    expect(toCart.classes).toBe('pair');
    // postgres's namespace is collapsed: the edge goes to it.
    expect(displayOf(d, 'data/postgres')).toBe('ns:data');
    expect(ids(elements, 'edges')).toContain('e:w:shop/cart\u0000ns:data');
  });

  it('observed mode: flows instead of allowed connections, a denied one marked as such', () => {
    const observed = [
      { from: 'shop/frontend', to: 'shop/cart', port: 8080, protocol: 'TCP', count: 12, allowed: true },
      { from: 'shop/frontend', to: 'shop/cart', port: 9090, protocol: 'TCP', count: 3, allowed: false },
    ];
    const { elements } = mapElements(shop(['shop']), { nsFocus: '', observed });
    const edges = elements.filter((e) => e.group === 'edges');
    expect(edges).toHaveLength(1);
    expect(edges[0]!.data.ports).toBe('TCP 8080 (12 seen); TCP 9090 (3 seen, NOT allowed by policy)');
    expect(edges[0]!.classes).toBe('pair observed observed-denied');
  });

  it('a picked namespace keeps itself and what it connects to', () => {
    const { elements } = mapElements(shop(['shop', 'data']), { nsFocus: 'data' });
    expect(ids(elements, 'nodes')).toEqual(['ns:data', 'ns:shop', 'w:data/postgres', 'w:shop/cart']);
  });

  it('a picked namespace hides the edges between other namespaces', () => {
    // frontend -> cart is inside shop: both ends are drawn (both talk to data), the edge between them is not.
    const d = shop(['shop', 'data']);
    const { elements } = mapElements({ ...d, connections: [...d.connections, conn('shop/frontend', 'data/postgres', 5432)] }, { nsFocus: 'data' });
    expect(ids(elements, 'nodes')).toContain('w:shop/frontend');
    expect(ids(elements, 'edges')).toEqual(['e:w:shop/cart\u0000w:data/postgres', 'e:w:shop/frontend\u0000w:data/postgres']);
  });

  it('thins thousands of namespace pairs to each namespace’s strongest, and says so', () => {
    const n = 60;
    const nodes = Array.from({ length: n }, (_, i) => ({ id: `ns${i}`, kind: 'Namespace' as const, workloads: 1, pods: 1 }));
    const edges = nodes.flatMap((a, i) => nodes.filter((_, j) => j !== i).map((b, j) => ({ from: a.id, to: b.id, pairs: 1 + ((i * 7 + j) % 13), ports: 'TCP 80', portRanges: ports([[80, 80]]) })));
    expect(edges.length).toBeGreaterThan(AGGREGATE_EDGE_LIMIT);
    const { elements, edgeNote } = mapElements({ groups: { nodes, edges }, endpoints: [], byId: new Map(), loaded: new Set(), connections: [] }, { nsFocus: '' });
    const drawn = elements.filter((e) => e.group === 'edges').length;
    expect(drawn).toBeLessThanOrEqual(AGGREGATE_EDGES_PER_NODE * n);
    expect(edgeNote).toBe(`; strongest ${AGGREGATE_EDGES_PER_NODE} per namespace of ${edges.length} namespace pairs (pick a namespace to see all of its)`);
    // The layout sees fewer still, every node keeping some.
    const laidOut = layoutSubset(elements);
    expect(laidOut.filter((e) => e.group === 'nodes')).toHaveLength(n);
    if (drawn > HAYSTACK_ABOVE) expect(laidOut.length).toBeLessThan(elements.length);
  });

  it('an unknown-only connection is a possible edge (dashed), its unknown ports in the edge detail', () => {
    const possible: Connection = { from: 'shop/frontend', to: 'shop/cart', all: false, ports: ports(), unknown: ports([[443, 443]]) };
    const mixed: Connection = { from: 'shop/cart', to: 'data/postgres', all: false, ports: ports([[5432, 5432]]), unknown: ports([[6432, 6432]]) };
    const d = { ...shop(['shop', 'data']), connections: [possible, mixed] };
    const { elements } = mapElements(d, { nsFocus: '' });
    const a = elements.find((e) => e.data.id === 'e:w:shop/frontend\u0000w:shop/cart')!;
    expect(a.classes).toBe('pair possible');
    expect(a.data).toMatchObject({ ports: 'unknown: TCP 443 (a rule the manifests cannot decide; click to explain)' });
    // Some port certainly allowed: an allowed edge, the unknown ports after the allowed ones.
    const b = elements.find((e) => e.data.id === 'e:w:shop/cart\u0000w:data/postgres')!;
    expect(b.classes).toBe('pair');
    expect(b.data).toMatchObject({ ports: 'TCP 5432; unknown: TCP 6432 (a rule the manifests cannot decide; click to explain)' });
  });
});
