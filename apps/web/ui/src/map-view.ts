/**
 * Map: namespaces as compound nodes, workloads inside, allowed connections as edges (ports on
 * hover, the explanation on click). A large cluster opens at namespace level — one node per
 * namespace, one edge per namespace pair — and a namespace expands into its workloads on
 * demand. Layout runs in a Web Worker.
 */
import cytoscape from 'cytoscape';
import { getJson } from './api.js';
import { clear, h } from './dom.js';
import { explain, showPanel } from './explain-panel.js';
import { ROLE, ringColour, themeColour } from './palette.js';
import { formatPorts, formatPortSet, portsInclude, type Store } from './store.js';
import type { Connection, Endpoint, Ports } from './types.js';
import type { LayoutRequest, LayoutResponse } from './layout.worker.js';

export interface ObservedEdge {
  from: string;
  to: string;
  port: number;
  protocol: string;
  count: number;
  allowed: boolean;
}

interface EdgeData {
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
}

const nsNode = (ns: string) => `ns:${ns}`;
const epNode = (id: string) => `w:${id}`;

/** Edges the layout sees per node: the strongest few place a node as well as all of them do. */
const LAYOUT_EDGES_PER_NODE = 4;
/** Above this many edges, straight "haystack" edges: far cheaper to draw than curves. */
export const HAYSTACK_ABOVE = 1500;

/**
 * A dense namespace graph (thousands of edges) lays out as well from each node's strongest
 * edges, in a fraction of the time: keep those, in both directions.
 */
function layoutSubset(elements: cytoscape.ElementDefinition[]): cytoscape.ElementDefinition[] {
  const edges = elements.filter((e) => e.group === 'edges');
  if (edges.length <= HAYSTACK_ABOVE) return elements;
  const byNode = new Map<string, cytoscape.ElementDefinition[]>();
  for (const e of edges) {
    for (const end of [e.data.source!, e.data.target!]) {
      const l = byNode.get(end);
      if (l) l.push(e);
      else byNode.set(end, [e]);
    }
  }
  const keep = new Set<cytoscape.ElementDefinition>();
  for (const l of byNode.values()) {
    l.sort((a, b) => (b.data.pairs as number) - (a.data.pairs as number));
    for (const e of l.slice(0, LAYOUT_EDGES_PER_NODE)) keep.add(e);
  }
  return elements.filter((e) => e.group === 'nodes' || keep.has(e));
}

/**
 * Namespace pairs drawn at most, whole cluster in view: thousands of namespace-to-namespace
 * edges are a solid grey disc that takes the UI thread a second or more to draw. Past this,
 * each namespace keeps its strongest edges (most workload pairs); picking a namespace in the
 * filter shows all of its own.
 */
export const AGGREGATE_EDGE_LIMIT = 1500;
const AGGREGATE_EDGES_PER_NODE = 5;

/** Drops all but each namespace's strongest aggregate edges when there are too many; says what it did. */
function strongestAggregates(edges: Map<string, EdgeData>): string {
  const agg = [...edges.entries()].filter(([, e]) => !e.fromId && e.source.startsWith('ns:') && e.target.startsWith('ns:'));
  if (agg.length <= AGGREGATE_EDGE_LIMIT) return '';
  const byNode = new Map<string, [string, EdgeData][]>();
  for (const entry of agg) {
    for (const end of [entry[1].source, entry[1].target]) {
      const l = byNode.get(end);
      if (l) l.push(entry);
      else byNode.set(end, [entry]);
    }
  }
  const keep = new Set<string>();
  for (const l of byNode.values()) {
    l.sort((a, b) => b[1].pairs - a[1].pairs);
    for (const [k] of l.slice(0, AGGREGATE_EDGES_PER_NODE)) keep.add(k);
  }
  for (const [k] of agg) if (!keep.has(k)) edges.delete(k);
  return `; strongest ${AGGREGATE_EDGES_PER_NODE} per namespace of ${agg.length} namespace pairs (pick a namespace to see all of its)`;
}

let layoutWorker: Worker | undefined;
let layoutSeq = 0;

function layoutInWorker(elements: cytoscape.ElementDefinition[]): Promise<LayoutResponse> {
  layoutWorker ??= new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
  const id = ++layoutSeq;
  const w = layoutWorker;
  return new Promise((resolve, reject) => {
    const onMsg = (ev: MessageEvent<LayoutResponse>) => {
      if (ev.data.id !== id) return;
      w.removeEventListener('message', onMsg);
      if (ev.data.error) reject(new Error(ev.data.error));
      else resolve(ev.data);
    };
    w.addEventListener('message', onMsg);
    w.postMessage({ id, elements: layoutSubset(elements).map((e) => ({ group: e.group, data: e.data, classes: e.classes })) } satisfies LayoutRequest);
  });
}

export class MapView {
  private cy: cytoscape.Core | undefined;
  private readonly canvas = h('div', { id: 'map-canvas', class: 'graph' });
  private readonly status = h('span', { class: 'muted', id: 'map-status' });
  private readonly nsFilter = h('select', { id: 'map-namespace', 'aria-label': 'namespace filter' });
  private readonly labelFilter = h('input', { id: 'map-label', type: 'search', placeholder: 'label: app=cart', 'aria-label': 'label filter' });
  private readonly portFilter = h('input', { id: 'map-port', type: 'number', min: '1', max: '65535', placeholder: 'port', 'aria-label': 'port filter' });
  private readonly search = h('input', { id: 'map-search', type: 'search', placeholder: 'search workloads', 'aria-label': 'search' });
  private readonly edgeMode = h('select', { id: 'map-edges', 'aria-label': 'edges shown' }, h('option', { value: 'allowed' }, 'allowed (policy)'), h('option', { value: 'observed' }, 'observed (flows)'));
  private observed: ObservedEdge[] | undefined;
  private dense = false;
  /** Set when the aggregate edges were thinned: shown in the status line. */
  private edgeNote = '';
  /** Called when the user picks a workload to compromise. */
  onCompromise: (id: string) => void = () => {};

  constructor(
    readonly root: HTMLElement,
    private readonly store: Store,
  ) {}

  mount(): void {
    const s = this.store;
    this.nsFilter.append(h('option', { value: '' }, 'all namespaces'), ...s.groups.nodes.filter((g) => g.kind === 'Namespace').map((g) => h('option', { value: g.id }, g.id)));
    if (!s.summary.features.flows) this.edgeMode.disabled = true;
    for (const el of [this.nsFilter, this.edgeMode]) el.addEventListener('change', () => void this.onFilterChange(el === this.edgeMode));
    for (const el of [this.labelFilter, this.portFilter]) el.addEventListener('input', () => this.applyFilters());
    this.search.addEventListener('input', () => this.applySearch());
    this.root.append(
      h('div', { class: 'toolbar' }, this.nsFilter, this.labelFilter, this.portFilter, this.search, h('label', {}, 'edges ', this.edgeMode), this.status),
      h('div', { class: 'graph-wrap' }, this.canvas, this.legend()),
    );
    s.on('whatif', () => this.restyleOverlay());
    s.on('blast', () => this.restyleOverlay());
    s.on('theme', () => this.cy?.style(this.style()));
  }

  private legend(): HTMLElement {
    const item = (cls: string, text: string) => h('li', {}, h('span', { class: `swatch ${cls}` }), text);
    return h(
      'ul',
      { class: 'legend', 'aria-label': 'legend' },
      item('sw-workload', 'workload'),
      item('sw-external', 'addresses outside the cluster'),
      item('sw-open-in', 'no ingress isolation (red border)'),
      item('sw-open-out', 'no egress isolation (dashed border)'),
      item('sw-edge', 'allowed connection'),
      item('sw-observed', 'observed flow'),
      item('sw-observed-denied', 'observed, NOT allowed by policy (dashed)'),
      item('sw-added', 'what-if: newly allowed'),
      item('sw-removed', 'what-if: newly denied'),
    );
  }

  /** Shown for the first time: build and lay out. */
  async show(): Promise<void> {
    if (!this.cy) await this.render();
    else this.cy.resize();
  }

  private async onFilterChange(modeChanged: boolean): Promise<void> {
    const ns = this.nsFilter.value;
    if (modeChanged && this.edgeMode.value === 'observed' && !this.observed) {
      this.observed = await getJson<ObservedEdge[]>('flows/edges');
    }
    if (ns && !this.store.loaded.has(ns)) await this.store.loadNamespace(ns);
    await this.render();
  }

  private displayOf(id: string): string {
    const e = this.store.byId.get(id);
    if (!e?.namespace) return epNode(id);
    return this.store.loaded.has(e.namespace) ? epNode(id) : nsNode(e.namespace);
  }

  private elements(): cytoscape.ElementDefinition[] {
    const s = this.store;
    const els: cytoscape.ElementDefinition[] = [];
    const nsFocus = this.nsFilter.value;
    for (const g of s.groups.nodes) {
      if (g.kind === 'External') continue;
      const expanded = s.loaded.has(g.id);
      els.push({
        group: 'nodes',
        data: { id: nsNode(g.id), label: expanded ? g.id : `${g.id} (${g.workloads})`, ns: g.id, workloads: g.workloads },
        classes: expanded ? 'namespace' : 'namespace collapsed',
      });
    }
    for (const e of s.endpoints) {
      if (e.namespace && !s.loaded.has(e.namespace)) continue;
      els.push(this.endpointNode(e));
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
    if (this.edgeMode.value === 'observed' && this.observed) {
      for (const o of this.observed) {
        const src = this.displayOf(o.from);
        const dst = this.displayOf(o.to);
        add(src, dst, `${o.protocol} ${o.port} (${o.count} seen${o.allowed ? '' : ', NOT allowed by policy'})`, 1, { from: o.from, to: o.to, all: false, ports: { TCP: [], UDP: [], SCTP: [], [o.protocol]: [[o.port, o.port]] } as Ports });
        const e = edges.get(`${src}\u0000${dst}`)!;
        e.observed = e.observed === 'denied' || !o.allowed ? 'denied' : 'allowed';
      }
    } else {
      for (const g of s.groups.edges) {
        if (s.loaded.has(g.from) || s.loaded.has(g.to)) continue;
        const src = s.byId.has(g.from) ? epNode(g.from) : nsNode(g.from);
        const dst = s.byId.has(g.to) ? epNode(g.to) : nsNode(g.to);
        add(src, dst, `${g.ports} — ${g.pairs} workload pair${g.pairs === 1 ? '' : 's'}`, g.pairs, undefined, g.portRanges);
      }
      for (const c of s.connections.values()) add(this.displayOf(c.from), this.displayOf(c.to), formatPorts(c), 1, c);
    }
    // Namespace-level self loops say only "something inside talks to something inside".
    for (const [k, e] of edges) if (e.source === e.target && e.source.startsWith('ns:')) edges.delete(k);
    this.edgeNote = nsFocus ? '' : strongestAggregates(edges);
    const present = new Set(els.map((e) => e.data.id));
    // External endpoints appear only where something connects to them, to keep the map readable.
    for (const e of edges.values()) {
      for (const end of [e.source, e.target]) {
        if (!present.has(end) && end.startsWith('w:')) {
          const ep = s.byId.get(end.slice(2));
          if (ep) els.push(this.endpointNode(ep));
          present.add(end);
        }
      }
    }
    for (const e of edges.values()) {
      const classes = [e.fromId ? 'pair' : 'aggregate', ...(e.observed ? ['observed', ...(e.observed === 'denied' ? ['observed-denied'] : [])] : [])];
      els.push({ group: 'edges', data: { ...e }, classes: classes.join(' ') });
    }
    if (nsFocus) return this.focusOn(els, nsFocus);
    return els;
  }

  private endpointNode(e: Endpoint): cytoscape.ElementDefinition {
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

  /** Keeps one namespace, its workloads and whatever it connects to. */
  private focusOn(els: cytoscape.ElementDefinition[], ns: string): cytoscape.ElementDefinition[] {
    const inNs = (id: string) => id === nsNode(ns) || this.store.byId.get(id.slice(2))?.namespace === ns;
    const keep = new Set<string>();
    for (const e of els) if (e.group === 'edges' && (inNs(e.data.source!) || inNs(e.data.target!))) keep.add(e.data.source!).add(e.data.target!);
    for (const e of els) if (e.group === 'nodes' && inNs(e.data.id!)) keep.add(e.data.id!);
    for (const id of [...keep]) {
      const parent = els.find((e) => e.data.id === id)?.data.parent as string | undefined;
      if (parent) keep.add(parent);
    }
    return els.filter((e) => (e.group === 'nodes' ? keep.has(e.data.id!) : keep.has(e.data.source!) && keep.has(e.data.target!)));
  }

  async render(): Promise<void> {
    const els = this.elements();
    const nodes = els.filter((e) => e.group === 'nodes').length;
    this.status.textContent = `laying out ${nodes} nodes, ${els.length - nodes} edges…`;
    const t0 = performance.now();
    let positions: LayoutResponse['positions'] = {};
    let layoutNote = '';
    try {
      const r = await layoutInWorker(els);
      positions = r.positions;
      layoutNote = `layout ${r.recipe} ${r.ms} ms, `;
    } catch (e) {
      this.status.textContent = `layout failed: ${(e as Error).message}`;
    }
    const t1 = performance.now();
    this.cy?.destroy();
    this.dense = els.length - nodes > HAYSTACK_ABOVE;
    const cy = cytoscape({
      container: this.canvas,
      elements: els,
      style: this.style(),
      // Large graphs: skip drawing edges while panning and zooming, so interaction stays smooth.
      hideEdgesOnViewport: this.dense,
      textureOnViewport: this.dense,
      layout: { name: 'preset', positions: (n: cytoscape.NodeSingular) => positions[n.id()] ?? { x: 0, y: 0 }, fit: true, padding: 30 } as cytoscape.LayoutOptions,
      minZoom: 0.05,
      maxZoom: 4,
    });
    this.cy = cy;
    (window as unknown as { __lateralMap?: cytoscape.Core }).__lateralMap = cy;
    this.wire(cy);
    this.applyFilters();
    this.restyleOverlay();
    const t2 = performance.now();
    this.status.textContent = `${nodes} nodes, ${els.length - nodes} edges${this.edgeNote} (${layoutNote}drawn in ${Math.round(t2 - t1)} ms, ${Math.round(t2 - t0)} ms in all)`;
    // The status line may have wrapped and shrunk the canvas since cytoscape measured it.
    cy.resize();
    cy.fit(undefined, 30);
    this.root.dataset.edges = this.edgeMode.value;
    this.root.dataset.ready = 'true';
  }

  private wire(cy: cytoscape.Core): void {
    const tip = document.getElementById('tooltip')!;
    cy.on('mouseover', 'edge', (ev) => {
      const d = ev.target.data() as EdgeData;
      tip.textContent = `${d.source.slice(d.source.indexOf(':') + 1)} → ${d.target.slice(d.target.indexOf(':') + 1)}: ${d.ports}`;
      tip.hidden = false;
    });
    cy.on('mouseover', 'node', (ev) => {
      const id = ev.target.data('epId') as string | undefined;
      const e = id ? this.store.byId.get(id) : undefined;
      tip.textContent = e ? `${e.id} — ${e.kind}${e.pods ? `, ${e.pods} pod${e.pods === 1 ? '' : 's'}` : ''}${e.kind !== 'External' ? `; ingress ${e.ingressIsolated ? 'isolated' : 'NOT isolated'}, egress ${e.egressIsolated ? 'isolated' : 'NOT isolated'}` : ''}` : String(ev.target.data('label'));
      tip.hidden = false;
    });
    cy.on('mousemove', (ev) => {
      const oe = ev.originalEvent as MouseEvent;
      tip.style.left = `${oe.clientX + 14}px`;
      tip.style.top = `${oe.clientY + 14}px`;
    });
    cy.on('mouseout', 'node, edge', () => void (tip.hidden = true));
    cy.on('tap', 'edge', (ev) => void this.onEdgeTap(ev.target.data() as EdgeData));
    cy.on('tap', 'node', (ev) => void this.onNodeTap(ev.target as cytoscape.NodeSingular));
  }

  private async onEdgeTap(d: EdgeData): Promise<void> {
    if (d.fromId && d.toId) return explain(d.fromId, d.toId);
    const src = d.source.slice(3);
    const dst = d.target.slice(3);
    const pairs = [...this.store.connections.values()].filter((c) => this.displayOf(c.from) === d.source && this.displayOf(c.to) === d.target);
    const list = h('ul', { class: 'pair-list' }, ...pairs.slice(0, 200).map((c) => h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => void explain(c.from, c.to) }, `${c.from} → ${c.to}`), ` ${formatPorts(c)}`)));
    const expandable = [d.source, d.target].filter((n) => n.startsWith('ns:') && !this.store.loaded.has(n.slice(3)));
    showPanel(
      `${src} → ${dst}`,
      h('p', {}, `${d.pairs} workload pair${d.pairs === 1 ? '' : 's'}; ports: ${d.ports}`),
      expandable.length ? h('button', { type: 'button', onclick: () => void this.expand(expandable.map((n) => n.slice(3))) }, `expand ${expandable.map((n) => n.slice(3)).join(' and ')} to see the workloads`) : '',
      pairs.length ? list : h('p', { class: 'muted' }, 'Expand a namespace to list the pairs; each one explains itself.'),
    );
  }

  private async expand(namespaces: string[]): Promise<void> {
    for (const ns of namespaces) await this.store.loadNamespace(ns);
    await this.render();
  }

  private onNodeTap(n: cytoscape.NodeSingular): void {
    const epId = n.data('epId') as string | undefined;
    if (!epId) {
      const ns = n.data('ns') as string;
      const expanded = this.store.loaded.has(ns);
      showPanel(`namespace ${ns}`, expanded ? h('p', {}, 'Expanded: its workloads are shown.') : h('button', { type: 'button', onclick: () => void this.expand([ns]) }, `expand ${ns}`));
      return;
    }
    const e = this.store.byId.get(epId)!;
    const labels = Object.entries(e.labels ?? {}).map(([k, v]) => h('li', {}, h('code', {}, `${k}=${v}`)));
    showPanel(
      e.id,
      h('p', {}, `${e.kind}${e.pods ? `, ${e.pods} pod${e.pods === 1 ? '' : 's'}` : ''}`),
      e.kind !== 'External' ? h('p', {}, `ingress: ${e.ingressIsolated ? 'isolated' : 'not isolated (accepts anything)'}; egress: ${e.egressIsolated ? 'isolated' : 'not isolated (may send anywhere)'}`) : h('p', {}, `ranges: ${(e.ranges ?? []).join(', ')}`),
      e.declaredPorts?.length ? h('p', {}, `ports: ${e.declaredPorts.join(', ')}`) : '',
      labels.length ? h('ul', { class: 'labels' }, ...labels) : '',
      e.kind !== 'External' ? h('button', { type: 'button', id: 'compromise-btn', onclick: () => this.onCompromise(e.id) }, 'Compromise this workload (blast radius)') : '',
    );
  }

  applyFilters(): void {
    const cy = this.cy;
    if (!cy) return;
    const label = this.labelFilter.value.trim();
    const port = Number(this.portFilter.value);
    const [lk, lv] = label.split('=', 2) as [string, string | undefined];
    cy.batch(() => {
      cy.elements().removeClass('filtered');
      if (label) {
        cy.nodes('.workload').forEach((n) => {
          const e = this.store.byId.get(n.data('epId') as string);
          const v = e?.labels?.[lk.trim()];
          if (v === undefined || (lv !== undefined && v !== lv.trim())) n.addClass('filtered');
        });
      }
      if (port >= 1 && port <= 65535) {
        cy.edges().forEach((ed) => {
          const r = ed.data('portRanges') as Ports | undefined;
          if (!r || !portsInclude(r, port)) ed.addClass('filtered');
        });
      }
      cy.nodes('.filtered').connectedEdges().addClass('filtered');
    });
  }

  private applySearch(): void {
    const cy = this.cy;
    if (!cy) return;
    const q = this.search.value.trim().toLowerCase();
    cy.elements().removeClass('match');
    if (!q) return;
    const hits = cy.nodes().filter((n) => String(n.data('epId') ?? n.data('ns') ?? '').toLowerCase().includes(q));
    hits.addClass('match');
    if (hits.nonempty()) cy.animate({ fit: { eles: hits, padding: 80 } }, { duration: 250 });
  }

  /** What-if and blast-radius colours on top of the base map. */
  restyleOverlay(): void {
    const cy = this.cy;
    if (!cy) return;
    const s = this.store;
    cy.batch(() => {
      cy.remove('edge.whatif-added');
      cy.elements().removeClass('wi-added wi-removed wi-changed ring crown compromised unreached');
      if (s.whatIf) {
        for (const c of s.whatIf.changes) {
          const src = this.displayOf(c.from);
          const dst = this.displayOf(c.to);
          const existing = cy.getElementById(`e:${src}\u0000${dst}`);
          if (existing.nonempty()) existing.addClass(c.change === 'allowed' ? 'wi-added' : c.change === 'denied' ? 'wi-removed' : 'wi-changed');
          else if (cy.getElementById(src).nonempty() && cy.getElementById(dst).nonempty()) {
            cy.add({ group: 'edges', data: { id: `wi:${src}\u0000${dst}`, source: src, target: dst, ports: `what-if: newly allowed ${formatPortSet(c.added)}`, fromId: c.from, toId: c.to, pairs: 1 }, classes: 'whatif-added wi-added pair' });
          }
        }
      }
      if (s.blast) {
        const b = s.blast;
        cy.nodes('.workload, .external').forEach((n) => {
          const hop = b.hops.get(n.data('epId') as string);
          if (hop === undefined) n.addClass('unreached');
          else {
            n.addClass(hop === 0 ? 'compromised' : 'ring');
            n.style('background-color', ringColour(hop));
          }
          if (b.crownJewels.has(n.data('epId') as string)) n.addClass('crown');
        });
      } else cy.nodes().removeStyle('background-color');
    });
  }

  private style(): cytoscape.StylesheetJson {
    const fg = themeColour('--fg');
    const muted = themeColour('--muted');
    const bg = themeColour('--bg');
    const nsBg = themeColour('--ns-bg');
    return [
      { selector: 'node', style: { label: 'data(label)', 'font-size': 11, color: fg, 'text-valign': 'bottom', 'text-margin-y': 4, 'text-outline-color': bg, 'text-outline-width': 2, width: 26, height: 26 } },
      { selector: 'node.workload', style: { 'background-color': ROLE.workload, 'border-width': 2, 'border-color': bg } },
      { selector: 'node.open-in', style: { 'border-color': ROLE.openIngress, 'border-width': 4 } },
      { selector: 'node.open-out', style: { 'border-style': 'dashed', 'border-width': 4 } },
      { selector: 'node.external', style: { 'background-color': ROLE.external, shape: 'round-rectangle', width: 30, height: 20, 'font-size': 10 } },
      { selector: 'node.namespace', style: { 'background-color': nsBg, 'background-opacity': 1, 'border-color': muted, 'border-width': 1, shape: 'round-rectangle', 'text-valign': 'top', 'text-halign': 'center', 'font-weight': 'bold', 'font-size': 12, padding: '14px' } },
      { selector: 'node.collapsed', style: { width: 'mapData(workloads, 1, 60, 18, 46)', height: 'mapData(workloads, 1, 60, 18, 46)', padding: '0px', 'text-valign': 'bottom', 'font-size': 10, 'font-weight': 'normal', 'background-color': muted, 'background-opacity': 0.55 } },
      { selector: 'edge', style: { width: 1.5, 'line-color': muted, 'target-arrow-color': muted, 'target-arrow-shape': 'triangle', 'curve-style': 'bezier', 'arrow-scale': 0.8, opacity: 0.75 } },
      { selector: 'edge.aggregate', style: { width: 'mapData(pairs, 1, 200, 1.5, 8)' } },
      ...(this.dense ? [{ selector: 'edge', style: { 'curve-style': 'haystack', 'haystack-radius': 0, 'target-arrow-shape': 'none', opacity: 0.35, width: 1 } }] : []),
      { selector: 'edge.observed', style: { 'line-color': ROLE.observed, 'target-arrow-color': ROLE.observed, width: 2, opacity: 0.9 } },
      // A flow the policies do not allow: vermillion and dashed, so it reads without colour too.
      { selector: 'edge.observed-denied', style: { 'line-color': ROLE.openIngress, 'target-arrow-color': ROLE.openIngress, 'line-style': 'dashed', width: 2.5 } },
      { selector: 'edge:selected', style: { 'line-color': fg, 'target-arrow-color': fg, width: 3 } },
      { selector: '.filtered', style: { display: 'none' } },
      { selector: 'node.match', style: { 'border-color': fg, 'border-width': 5, 'border-style': 'double' } },
      { selector: 'edge.wi-added', style: { 'line-color': ROLE.added, 'target-arrow-color': ROLE.added, width: 3.5, opacity: 1 } },
      { selector: 'edge.whatif-added', style: { 'line-style': 'dashed' } },
      { selector: 'edge.wi-removed', style: { 'line-color': ROLE.removed, 'target-arrow-color': ROLE.removed, width: 3.5, 'line-style': 'dotted', opacity: 1 } },
      { selector: 'edge.wi-changed', style: { 'line-color': ROLE.changed, 'target-arrow-color': ROLE.changed, width: 3, opacity: 1 } },
      { selector: 'node.unreached', style: { opacity: 0.25 } },
      { selector: 'node.compromised', style: { shape: 'octagon', width: 36, height: 36 } },
      { selector: 'node.crown', style: { shape: 'star', width: 36, height: 36, 'border-color': ROLE.crownJewel, 'border-width': 4 } },
    ] as cytoscape.StylesheetJson;
  }

  /** Empties the map (a new cluster or a new what-if baseline). */
  reset(): void {
    this.cy?.destroy();
    this.cy = undefined;
    clear(this.canvas);
  }
}
