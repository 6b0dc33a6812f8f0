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
import { displayOf, HAYSTACK_ABOVE, layoutSubset, mapElements, type EdgeData, type ObservedEdge } from './map-elements.js';
import { mapStyle } from './map-style.js';
import { ringColour, themeColour } from './palette.js';
import { formatPorts, formatPortSet, portsInclude, type Store } from './store.js';
import type { Ports } from './types.js';
import type { LayoutRequest, LayoutResponse } from './layout.worker.js';

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
    return displayOf(this.store, id);
  }

  private elements(): cytoscape.ElementDefinition[] {
    const observed = this.edgeMode.value === 'observed' ? this.observed : undefined;
    const { elements, edgeNote } = mapElements(
      { groups: this.store.groups, endpoints: this.store.endpoints, byId: this.store.byId, loaded: this.store.loaded, connections: this.store.connections.values(), summaries: this.store.summaries },
      { nsFocus: this.nsFilter.value, observed });
    this.edgeNote = edgeNote;
    return elements;
  }

  private style(): cytoscape.StylesheetJson {
    return mapStyle({ fg: themeColour('--fg'), muted: themeColour('--muted'), bg: themeColour('--bg'), nsBg: themeColour('--ns-bg') }, this.dense);
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

  /** Empties the map (a new cluster or a new what-if baseline). */
  reset(): void {
    this.cy?.destroy();
    this.cy = undefined;
    clear(this.canvas);
  }
}
