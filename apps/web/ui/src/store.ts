/**
 * What the views share: the cluster's summary, endpoints and namespace aggregate (fetched once),
 * the workload-level connections fetched so far (per namespace, on demand), and the current
 * what-if and blast-radius results that recolour the map and the matrix.
 */
import { getJson } from './api.js';
import type { Connection, Endpoint, GroupEdge, Groups, MadeLayout, Summary, WhatIfResult } from './types.js';

/** Above this many workloads the map and matrix open at namespace level and drill down on demand. */
export const DETAIL_LIMIT = 400;

export interface BlastState {
  from: string;
  /** endpoint id -> hop count */
  hops: Map<string, number>;
  crownJewels: Set<string>;
}

type Listener = () => void;

export class Store {
  summary!: Summary;
  endpoints: Endpoint[] = [];
  byId = new Map<string, Endpoint>();
  groups!: Groups;
  /** Namespaces (or external ids) whose connections are loaded at workload level. */
  readonly loaded = new Set<string>();
  connections = new Map<string, Connection>();
  /**
   * On a large cluster, an opened namespace's connections to namespaces not opened yet, one edge
   * per workload and namespace (pairs counted, ports summarised), as /api/namespace-edges sends them.
   */
  summaries: GroupEdge[] = [];
  whatIf: WhatIfResult | undefined;
  blast: BlastState | undefined;
  /** The first picture's layout, made by the server for a large cluster (used when its hash matches). */
  serverLayout: MadeLayout | undefined;
  private listeners = new Map<string, Set<Listener>>();

  /**
   * `noServerLayout` is called as soon as the server says it has no layout to give, so the page
   * can start its own layout worker while the rest still loads.
   */
  async init(noServerLayout: () => void = () => {}): Promise<void> {
    const [summary, endpoints, groups, layout] = await Promise.all([
      getJson<Summary>('summary'),
      getJson<Endpoint[]>('endpoints'),
      getJson<Groups>('groups'),
      getJson<Partial<MadeLayout>>('map-layout')
        .catch((): Partial<MadeLayout> => ({}))
        .then((l) => {
          if (!l.hash) noServerLayout();
          return l;
        }),
    ]);
    this.serverLayout = layout.hash && layout.positions ? (layout as MadeLayout) : undefined;
    this.summary = summary;
    this.endpoints = endpoints;
    this.byId = new Map(endpoints.map((e) => [e.id, e]));
    this.groups = groups;
    if (this.isSmall()) {
      const all = await getJson<{ connections: Connection[] }>('reach');
      for (const c of all.connections) this.connections.set(`${c.from}\u0000${c.to}`, c);
      for (const g of groups.nodes) this.loaded.add(g.id);
    }
  }

  isSmall(): boolean {
    return this.endpoints.length <= DETAIL_LIMIT;
  }

  groupOf(id: string): string {
    const e = this.byId.get(id);
    return e?.namespace ?? id;
  }

  /**
   * Opens a namespace: its connections at workload level to itself, to the namespaces already
   * open and to external addresses, and summarised (per workload and namespace) to the rest —
   * a namespace opened later brings its pairs with this one at workload level.
   */
  async loadNamespace(ns: string): Promise<void> {
    if (this.loaded.has(ns)) return;
    const r = await getJson<{ edges: GroupEdge[] }>('namespace-edges', { namespace: ns, detail: [...this.loaded].join(',') });
    for (const e of r.edges) {
      // Both ends endpoints (a workload, or an external address group): one connection.
      if (this.byId.has(e.from) && this.byId.has(e.to)) this.connections.set(`${e.from}\u0000${e.to}`, { from: e.from, to: e.to, all: e.ports === 'All', ports: e.portRanges });
      else this.summaries.push(e);
    }
    this.loaded.add(ns);
  }

  on(event: string, l: Listener): void {
    let s = this.listeners.get(event);
    if (!s) this.listeners.set(event, (s = new Set()));
    s.add(l);
  }

  emit(event: string): void {
    for (const l of this.listeners.get(event) ?? []) l();
  }
}

export function formatPorts(c: Connection): string {
  return c.all ? 'All' : protoList(c.ports);
}

const everyPort = (r: readonly (readonly [number, number])[]) => r.length === 1 && r[0]![0] === 1 && r[0]![1] === 65535;

/** Port ranges per protocol, as the reach and what-if JSON carry them. */
type PortSet = Readonly<Record<'TCP' | 'UDP' | 'SCTP', readonly (readonly [number, number])[]>>;

function protoList(p: PortSet): string {
  const parts: string[] = [];
  for (const proto of ['TCP', 'UDP', 'SCTP'] as const) {
    const r = p[proto];
    if (r.length === 0) continue;
    parts.push(`${proto} ${everyPort(r) ? 'all' : r.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`);
  }
  return parts.join('; ');
}

/** A port set as core's formatProtoPorts writes it (`All` for every port of every protocol), `—` for none. */
export function formatPortSet(p: PortSet): string {
  if ((['TCP', 'UDP', 'SCTP'] as const).every((proto) => everyPort(p[proto]))) return 'All';
  return protoList(p) || '—';
}

export function portsInclude(ports: Connection['ports'], port: number): boolean {
  return (['TCP', 'UDP', 'SCTP'] as const).some((p) => ports[p].some(([a, b]) => port >= a && port <= b));
}
