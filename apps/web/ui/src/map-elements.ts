/**
 * What the map draws, worked out before anything is drawn: namespaces as compound nodes (or one
 * node each while collapsed), workloads inside the expanded ones, external endpoints where
 * something connects to them, and one edge per drawn pair — allowed connections, or observed
 * flows with whether policy allows them. Plain data in, cytoscape element definitions out.
 */
import type cytoscape from 'cytoscape';
import { onlyPossible, portsWithUnknown } from './cni.js';
import { strongestPerNode } from './top-edges.js';
import type { Connection, Endpoint, GroupEdge, Groups, Ports } from './types.js';

export interface ObservedEdge {
  from: string;
  to: string;
  port: number;
  protocol: string;
  count: number;
  allowed: boolean;
}

export interface EdgeData {
  id: string;
  source: string;
  target: string;
  label: string;
  ports: string;
  /** Set when the edge is one workload pair: what a click explains. */
  fromId?: string;
  toId?: string;
  pairs: number;
  portRanges?: Ports;
  /** Observed mode: whether today's policies allow every flow the edge stands for. */
  observed?: 'allowed' | 'denied';
  /** One workload pair whose every port is unknown (possible, not certain): drawn dashed. */
  possible?: boolean;
}

/** What the map is drawn from: the store's cluster data. */
export interface MapData {
  readonly groups: Groups;
  readonly endpoints: readonly Endpoint[];
  readonly byId: ReadonlyMap<string, Endpoint>;
  /** Namespaces shown at workload level. */
  readonly loaded: ReadonlySet<string>;
  /** Workload-level connections of the loaded namespaces. */
  readonly connections: Iterable<Connection>;
  /** Edges between a loaded namespace's workload and a namespace (by name), pairs counted. */
  readonly summaries?: Iterable<GroupEdge>;
}

export interface MapChoice {
  /** The namespace picked in the filter ('' for all). */
  readonly nsFocus: string;
  /** Observed flows, to draw instead of allowed connections. */
  readonly observed?: readonly ObservedEdge[] | undefined;
}

export const nsNode = (ns: string) => `ns:${ns}`;
export const epNode = (id: string) => `w:${id}`;

/** Edges the layout sees per node: the strongest few place a node as well as all of them do. */
const LAYOUT_EDGES_PER_NODE = 4;
/** Above this many edges, straight "haystack" edges: far cheaper to draw than curves. */
export const HAYSTACK_ABOVE = 1500;

/**
 * A dense namespace graph (thousands of edges) lays out as well from each node's strongest
 * edges, in a fraction of the time: keep those, in both directions.
 */
export function layoutSubset(elements: cytoscape.ElementDefinition[]): cytoscape.ElementDefinition[] {
  const edges = elements.filter((e) => e.group === 'edges');
  if (edges.length <= HAYSTACK_ABOVE) return elements;
  const keep = strongestPerNode(edges, (e) => [e.data.source!, e.data.target!], (e) => e.data.pairs as number, LAYOUT_EDGES_PER_NODE);
  return elements.filter((e) => e.group === 'nodes' || keep.has(e));
}

/**
 * Namespace pairs drawn at most, whole cluster in view: thousands of namespace-to-namespace
 * edges are a solid grey disc that takes the UI thread a second or more to draw. Past this,
 * each namespace keeps its strongest edges (most workload pairs); picking a namespace in the
 * filter shows all of its own. Three each (~1,200 edges at S2, against ~2,000 for five) still
 * tie every namespace to its main partners, and the first picture draws in two thirds the time.
 */
export const AGGREGATE_EDGE_LIMIT = 1500;
export const AGGREGATE_EDGES_PER_NODE = 3;

/** Drops all but each namespace's strongest aggregate edges when there are too many; says what it did. */
function strongestAggregates(edges: Map<string, EdgeData>): string {
  const agg = [...edges.entries()].filter(([, e]) => !e.fromId && e.source.startsWith('ns:') && e.target.startsWith('ns:'));
  if (agg.length <= AGGREGATE_EDGE_LIMIT) return '';
  const keep = strongestPerNode(agg, ([, e]) => [e.source, e.target], ([, e]) => e.pairs, AGGREGATE_EDGES_PER_NODE);
  for (const entry of agg) if (!keep.has(entry)) edges.delete(entry[0]);
  return `; strongest ${AGGREGATE_EDGES_PER_NODE} per namespace of ${agg.length} namespace pairs (pick a namespace to see all of its)`;
}

/** The node an endpoint is drawn as: itself, or its namespace while that is collapsed. */
export function displayOf(d: Pick<MapData, 'byId' | 'loaded'>, id: string): string {
  const e = d.byId.get(id);
  if (!e?.namespace) return epNode(id);
  return d.loaded.has(e.namespace) ? epNode(id) : nsNode(e.namespace);
}

export function endpointNode(e: Endpoint): cytoscape.ElementDefinition {
  const classes = [e.kind === 'External' ? 'external' : 'workload'];
  if (e.kind !== 'External') {
    if (!e.ingressIsolated) classes.push('open-in');
    if (!e.egressIsolated) classes.push('open-out');
  }
  return {
    group: 'nodes',
    data: { id: epNode(e.id), label: e.kind === 'External' ? e.id : (e.name ?? e.id), epId: e.id, ...(e.namespace ? { parent: nsNode(e.namespace) } : {}) },
    classes: classes.join(' '),
  };
}

/** Keeps one namespace, its workloads, whatever it connects to, and only the edges with an end in it. */
function focusOn(d: Pick<MapData, 'byId'>, els: cytoscape.ElementDefinition[], ns: string): cytoscape.ElementDefinition[] {
  const inNs = (id: string) => id === nsNode(ns) || d.byId.get(id.slice(2))?.namespace === ns;
  const keep = new Set<string>();
  for (const e of els) if (e.group === 'edges' && (inNs(e.data.source!) || inNs(e.data.target!))) keep.add(e.data.source!).add(e.data.target!);
  for (const e of els) if (e.group === 'nodes' && inNs(e.data.id!)) keep.add(e.data.id!);
  const parentOf = new Map(els.flatMap((e) => (e.group === 'nodes' && e.data.parent ? [[e.data.id!, e.data.parent as string] as const] : [])));
  for (const id of [...keep]) {
    const parent = parentOf.get(id);
    if (parent) keep.add(parent);
  }
  return els.filter((e) => (e.group === 'nodes' ? keep.has(e.data.id!) : inNs(e.data.source!) || inNs(e.data.target!)));
}

/** The map's elements, and a note for the status line when edges were thinned. */
export function mapElements(d: MapData, choice: MapChoice): { elements: cytoscape.ElementDefinition[]; edgeNote: string } {
  const els: cytoscape.ElementDefinition[] = [];
  for (const g of d.groups.nodes) {
    if (g.kind === 'External') continue;
    const expanded = d.loaded.has(g.id);
    els.push({
      group: 'nodes',
      data: { id: nsNode(g.id), label: expanded ? g.id : `${g.id} (${g.workloads})`, ns: g.id, workloads: g.workloads },
      classes: expanded ? 'namespace' : 'namespace collapsed',
    });
  }
  for (const e of d.endpoints) {
    if (e.namespace && !d.loaded.has(e.namespace)) continue;
    els.push(endpointNode(e));
  }
  const edges = new Map<string, EdgeData>();
  const add = (src: string, dst: string, ports: string, pairs: number, one?: Connection, portRanges?: Ports) => {
    const key = `${src}\u0000${dst}`;
    const prev = edges.get(key);
    if (prev) {
      if (prev.fromId === one?.from && prev.toId === one?.to && one) {
        // Another observed port of the same workload pair: still that pair's edge, listing both.
        const joined = `${prev.ports}; ${ports}`;
        prev.ports = joined.length <= 240 ? joined : 'several (click to explain)';
        if (prev.portRanges) prev.portRanges = { TCP: [...prev.portRanges.TCP, ...one.ports.TCP], UDP: [...prev.portRanges.UDP, ...one.ports.UDP], SCTP: [...prev.portRanges.SCTP, ...one.ports.SCTP] };
        return;
      }
      prev.pairs += pairs;
      delete prev.fromId;
      delete prev.toId;
      prev.ports = prev.ports === ports ? ports : 'several (click for the list)';
      delete prev.portRanges;
      return;
    }
    edges.set(key, { id: `e:${key}`, source: src, target: dst, label: '', ports, pairs, ...(one ? { fromId: one.from, toId: one.to, portRanges: one.ports } : portRanges ? { portRanges } : {}) });
  };
  if (choice.observed) {
    for (const o of choice.observed) {
      const src = displayOf(d, o.from);
      const dst = displayOf(d, o.to);
      add(src, dst, `${o.protocol} ${o.port} (${o.count} seen${o.allowed ? '' : ', NOT allowed by policy'})`, 1, { from: o.from, to: o.to, all: false, ports: { TCP: [], UDP: [], SCTP: [], [o.protocol]: [[o.port, o.port]] } as Ports });
      const e = edges.get(`${src}\u0000${dst}`)!;
      e.observed = e.observed === 'denied' || !o.allowed ? 'denied' : 'allowed';
    }
  } else {
    for (const g of d.groups.edges) {
      if (d.loaded.has(g.from) || d.loaded.has(g.to)) continue;
      const src = d.byId.has(g.from) ? epNode(g.from) : nsNode(g.from);
      const dst = d.byId.has(g.to) ? epNode(g.to) : nsNode(g.to);
      add(src, dst, `${g.ports} — ${g.pairs} workload pair${g.pairs === 1 ? '' : 's'}`, g.pairs, undefined, g.portRanges);
    }
    for (const c of d.connections) {
      add(displayOf(d, c.from), displayOf(d, c.to), portsWithUnknown(c), 1, c);
      const e = edges.get(`${displayOf(d, c.from)}\u0000${displayOf(d, c.to)}`)!;
      if (onlyPossible(c) && e.fromId === c.from) e.possible = true;
    }
    // A summary toward a namespace opened since is drawn from that namespace's own pairs.
    const opened = (x: string) => !d.byId.has(x) && d.loaded.has(x);
    const end = (x: string) => (d.byId.has(x) ? displayOf(d, x) : nsNode(x));
    for (const g of d.summaries ?? []) {
      if (opened(g.from) || opened(g.to)) continue;
      add(end(g.from), end(g.to), `${g.ports} — ${g.pairs} workload pair${g.pairs === 1 ? '' : 's'}`, g.pairs, undefined, g.portRanges);
    }
  }
  // Namespace-level self loops say only "something inside talks to something inside".
  for (const [k, e] of edges) if (e.source === e.target && e.source.startsWith('ns:')) edges.delete(k);
  const edgeNote = choice.nsFocus ? '' : strongestAggregates(edges);
  const present = new Set(els.map((e) => e.data.id));
  // External endpoints appear only where something connects to them, to keep the map readable.
  for (const e of edges.values()) {
    for (const end of [e.source, e.target]) {
      if (!present.has(end) && end.startsWith('w:')) {
        const ep = d.byId.get(end.slice(2));
        if (ep) els.push(endpointNode(ep));
        present.add(end);
      }
    }
  }
  for (const e of edges.values()) {
    const classes = [e.fromId ? 'pair' : 'aggregate', ...(e.observed ? ['observed', ...(e.observed === 'denied' ? ['observed-denied'] : [])] : []), ...(e.possible && e.fromId ? ['possible'] : [])];
    els.push({ group: 'edges', data: { ...e }, classes: classes.join(' ') });
  }
  return { elements: choice.nsFocus ? focusOn(d, els, choice.nsFocus) : els, edgeNote };
}
