/**
 * Map: namespaces as compound nodes, workloads inside, allowed connections as edges (ports on
 * hover, the explanation on click). A large cluster opens at namespace level — one node per
 * namespace, one edge per namespace pair — and a namespace expands into its workloads on
 * demand. Layout runs in a Web Worker.
 */
import cytoscape from 'cytoscape';
import { getJson } from './api.js';
import { clear, download, h, placeTooltip } from './dom.js';
import { explain, showPanel } from './explain-panel.js';
import { graphSvg } from './export.js';
import { renderLegend, type LegendEntry } from './legend.js';
import { CHAR_EM, NAMESPACE_FONT_PX, placeLabels, type LabelCandidate } from './lod.js';
import { displayOf, HAYSTACK_ABOVE, mapElements, type EdgeData, type ObservedEdge } from './map-elements.js';
import { mapStyle } from './map-style.js';
import { loadLayout, saveLayout } from './layout-store.js';
import { layoutInput } from './layout-key.js';
import { ROLE, ringColour, ringName, themeColour } from './palette.js';
import { formatPorts, formatPortSet, portsInclude, type Store } from './store.js';
import type { PairExplanation, Ports } from './types.js';
import type { LayoutRequest, LayoutResponse } from './layout.worker.js';

let layoutWorker: Worker | undefined;
let layoutSeq = 0;

/**
 * Starts the layout worker (its script is most of a megabyte: cytoscape and fcose) while the
 * page still waits for the cluster's data, so the first layout does not wait for it to load.
 */
export function warmLayoutWorker(): void {
  layoutWorker ??= new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
}

function localStore(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

/**
 * cytoscape's first frame normally draws every element into its zoom/pan texture layers before
 * putting anything on screen (about a third of that frame at S2). Marked as not the first, the
 * renderer draws the elements directly and fills the layers on later idle frames, as it does
 * after any change. The flag is the renderer's own (cytoscape 3.x `LayeredTextureCache`); a
 * cytoscape without it only draws its first frame the usual way.
 */
function drawFirstFrameDirectly(cy: cytoscape.Core): void {
  const lyr = (cy as unknown as { renderer?(): { data?: { lyrTxrCache?: { firstGet?: boolean } } } }).renderer?.()?.data?.lyrTxrCache;
  if (lyr && lyr.firstGet === true) lyr.firstGet = false;
}

/** Room around the laid-out node centres for the nodes themselves and their labels, in model px. */
const FIT_MARGIN = 40;

/**
 * The viewport that fits the laid-out positions: what cy.fit() gives, without measuring every
 * element's bounding box and label first (over a second at S2's namespace picture).
 */
function fitPositions(cy: cytoscape.Core, positions: LayoutResponse['positions'], padding: number): void {
  const ps = Object.values(positions);
  if (ps.length === 0) {
    cy.fit(undefined, padding);
    return;
  }
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (const p of ps) {
    x1 = Math.min(x1, p.x);
    x2 = Math.max(x2, p.x);
    y1 = Math.min(y1, p.y);
    y2 = Math.max(y2, p.y);
  }
  x1 -= FIT_MARGIN;
  y1 -= FIT_MARGIN;
  x2 += FIT_MARGIN;
  y2 += FIT_MARGIN;
  const w = cy.width();
  const hgt = cy.height();
  const zoom = Math.min(cy.maxZoom(), Math.max(cy.minZoom(), Math.min((w - 2 * padding) / (x2 - x1), (hgt - 2 * padding) / (y2 - y1))));
  cy.viewport({ zoom, pan: { x: w / 2 - (zoom * (x1 + x2)) / 2, y: hgt / 2 - (zoom * (y1 + y2)) / 2 } });
}

/**
 * What is on show: everything but what a filter hides (`.filtered` is the map style's only
 * `display: none`). The same set as `:visible`, which computes every element's style to decide
 * (about a second at S2's namespace picture).
 */
function shownElements(cy: cytoscape.Core): cytoscape.CollectionReturnValue {
  return cy.elements().not('.filtered');
}

/** Lays out `elements` (already layoutSubset's few edges per node) in the worker. */
function layoutInWorker(elements: cytoscape.ElementDefinition[]): Promise<LayoutResponse> {
  warmLayoutWorker();
  const id = ++layoutSeq;
  const w = layoutWorker!;
  return new Promise((resolve, reject) => {
    const onMsg = (ev: MessageEvent<LayoutResponse>) => {
      if (ev.data.id !== id) return;
      w.removeEventListener('message', onMsg);
      if (ev.data.error) reject(new Error(ev.data.error));
      else resolve(ev.data);
    };
    w.addEventListener('message', onMsg);
    w.postMessage({ id, elements: elements.map((e) => ({ group: e.group, data: e.data, classes: e.classes })) } satisfies LayoutRequest);
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
  private readonly legendEl = h('ul', { class: 'legend', id: 'map-legend', 'aria-label': 'legend' });
  private readonly clearOverlay = h('button', { type: 'button', id: 'map-clear-overlay', hidden: true, title: 'Remove the blast-radius and what-if colours' }, 'Clear overlay');
  private observed: ObservedEdge[] | undefined;
  private dense = false;
  /** Whether the nodes carry blast-ring colours (a style bypass, cleared when the overlay goes). */
  private ringColoured = false;
  /** Positions per set of laid-out nodes: the allowed and observed views of one graph share them, so nothing jumps. */
  private readonly layoutCache = new Map<string, { positions: LayoutResponse['positions']; note: string }>();
  /** Called when the view's state (namespace, edges) changes: the URL follows it. */
  onStateChange: () => void = () => {};
  /** Called when the user clears the overlay. */
  onClearOverlay: () => void = () => {};
  /** Whether the cluster has cluster-wide tiers: unknown until the first explanation says. */
  private hasTiers: boolean | undefined;
  private readonly tierNotes = new Map<string, Promise<string>>();
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
    this.clearOverlay.addEventListener('click', () => this.onClearOverlay());
    const exportPng = h('button', { type: 'button', id: 'map-export-png', title: 'Download the map as a PNG image' }, 'PNG');
    const exportSvg = h('button', { type: 'button', id: 'map-export-svg', title: 'Download the map as an SVG drawing' }, 'SVG');
    exportPng.addEventListener('click', () => void this.exportPng());
    exportSvg.addEventListener('click', () => this.exportSvg());
    this.root.append(
      h('div', { class: 'toolbar' }, this.nsFilter, this.labelFilter, this.portFilter, this.search, h('label', {}, 'edges ', this.edgeMode), this.clearOverlay, h('span', { class: 'export' }, 'export ', exportPng, exportSvg), this.status),
      h('div', { class: 'graph-wrap' }, this.canvas, this.legendEl),
    );
    s.on('whatif', () => this.restyleOverlay());
    s.on('blast', () => this.restyleOverlay());
    s.on('theme', () => {
      this.cy?.style(this.style());
      this.updateLegend();
    });
  }

  /** The namespace picked and the edges shown, for the URL. */
  state(): { ns: string; edges: string } {
    return { ns: this.nsFilter.value, edges: this.edgeMode.value };
  }

  /** Opens the view as a shared link describes it (before it is first drawn). */
  async setState(st: { ns?: string | undefined; edges?: string | undefined }): Promise<void> {
    if (st.ns && [...this.nsFilter.options].some((o) => o.value === st.ns)) {
      this.nsFilter.value = st.ns;
      await this.store.loadNamespace(st.ns);
    }
    if (st.edges === 'observed' && !this.edgeMode.disabled) {
      this.edgeMode.value = 'observed';
      this.observed ??= await getJson<ObservedEdge[]>('flows/edges');
    }
    if (this.cy) await this.render();
  }

  /** Every colour and mark the map shows right now, one entry per meaning. */
  private legendEntries(): LegendEntry[] {
    const cy = this.cy;
    if (!cy) return [];
    const fg = themeColour('--fg');
    const muted = themeColour('--muted');
    const shown = shownElements(cy);
    const has = (sel: string) => shown.filter(sel).nonempty();
    const out: LegendEntry[] = [];
    if (has('node.workload')) out.push({ text: 'workload', mark: 'dot', colour: ROLE.workload });
    if (has('node.external')) out.push({ text: 'addresses outside the cluster', mark: 'square', colour: ROLE.external });
    if (has('node.namespace:parent')) out.push({ text: 'namespace (box around its workloads)', mark: 'box', colour: themeColour('--ns-bg'), also: [muted] });
    if (has('node.collapsed')) out.push({ text: 'namespace, collapsed (click to expand; size: workloads)', mark: 'dot', colour: muted });
    if (has('node.open-in')) out.push({ text: 'no ingress isolation (solid ring)', mark: 'ring', colour: fg });
    if (has('node.open-out')) out.push({ text: 'no egress isolation (dashed outline)', mark: 'outline', colour: fg });
    // Edges by the colour they are drawn in: a what-if class wins over the observed ones, which win over the plain line.
    const base = new Set<string>();
    shown.edges().forEach((e) => {
      if (e.hasClass('wi-added') || e.hasClass('wi-removed') || e.hasClass('wi-changed')) return;
      base.add(e.hasClass('observed-denied') ? 'denied' : e.hasClass('observed') ? 'observed' : e.hasClass('possible') ? 'possible' : 'allowed');
    });
    if (base.has('allowed')) out.push({ text: has('edge.aggregate') ? 'allowed connection (width: workload pairs)' : 'allowed connection', mark: 'line', colour: muted });
    if (base.has('possible')) out.push({ text: 'possible connection: verdict unknown (dashed; click for the reason)', mark: 'dashed', colour: muted });
    if (base.has('observed')) out.push({ text: 'observed flow, allowed by policy', mark: 'line', colour: ROLE.observed });
    if (base.has('denied')) out.push({ text: 'observed flow, NOT allowed by policy (dashed)', mark: 'dashed', colour: ROLE.removed });
    if (has('edge.wi-added')) out.push({ text: 'what-if: newly allowed (dashed: a pair not drawn before)', mark: 'line', colour: ROLE.added });
    if (has('edge.wi-removed')) out.push({ text: 'what-if: newly denied (dotted)', mark: 'dotted', colour: ROLE.removed });
    if (has('edge.wi-changed')) out.push({ text: 'what-if: ports changed', mark: 'line', colour: ROLE.changed });
    const blast = this.store.blast;
    if (blast) {
      const hops = new Set<number>();
      shown.nodes('.ring, .compromised').forEach((n) => void hops.add(Math.min(blast.hops.get(n.data('epId') as string) ?? 0, 4)));
      for (const hop of [...hops].sort((a, b) => a - b)) {
        out.push(hop === 0 ? { text: `blast radius: ${ringName(0)} (octagon)`, mark: 'octagon', colour: ringColour(0), also: [fg] } : { text: `blast radius: reached in ${ringName(hop)}`, mark: 'dot', colour: ringColour(hop) });
      }
      if (has('node.unreached')) out.push({ text: 'blast radius: not reached (faded)', mark: 'shape', colour: '' });
    }
    if (has('node.crown')) out.push({ text: 'crown jewel (star)', mark: 'star', colour: ROLE.crownJewel });
    if (has('node.match')) out.push({ text: 'search match (double ring)', mark: 'ring', colour: fg });
    return out;
  }

  private updateLegend(): void {
    renderLegend(this.legendEl, this.legendEntries());
    this.clearOverlay.hidden = !this.store.blast && !this.store.whatIf;
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
    this.onStateChange();
  }

  private displayOf(id: string): string {
    return displayOf(this.store, id);
  }

  private elements(mode = this.edgeMode.value): cytoscape.ElementDefinition[] {
    const observed = mode === 'observed' ? this.observed : undefined;
    const { elements, edgeNote } = mapElements(
      { groups: this.store.groups, endpoints: this.store.endpoints, byId: this.store.byId, loaded: this.store.loaded, connections: this.store.connections.values(), summaries: this.store.summaries },
      { nsFocus: this.nsFilter.value, observed });
    if (mode === this.edgeMode.value) this.edgeNote = edgeNote;
    return elements;
  }

  /** What the layout runs on: the allowed view's elements plus the nodes only the observed view draws (layout-key.ts). */
  private layoutInput(current: cytoscape.ElementDefinition[]): ReturnType<typeof layoutInput> {
    const allowed = this.edgeMode.value === 'allowed' ? current : this.elements('allowed');
    const other = this.observed ? (this.edgeMode.value === 'observed' ? current : this.elements('observed')) : [];
    return layoutInput(allowed, other);
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
    // The observed edges take part in the layout from the start (when there is a capture), so the views never differ in it.
    if (this.store.summary.features.flows && !this.observed) this.observed = await getJson<ObservedEdge[]>('flows/edges').catch(() => undefined);
    const { subset, key, hash: stored } = this.layoutInput(els);
    // Kept in this page (per node set), else laid out by the server for this very graph (a large
    // cluster's first picture), else from an earlier load of the same graph (layout-store.ts).
    const server = this.store.serverLayout?.hash === stored ? this.store.serverLayout : undefined;
    const cached = this.layoutCache.get(key) ?? (server ? { positions: server.positions, note: `laid out by the server, ${server.note}` } : loadLayout(localStore(), stored));
    if (cached) {
      positions = cached.positions;
      this.layoutCache.set(key, cached);
      layoutNote = `layout reused (${cached.note}), `;
    } else {
      try {
        const r = await layoutInWorker(subset);
        positions = r.positions;
        const note = `${r.recipe} ${r.ms} ms`;
        this.layoutCache.set(key, { positions, note });
        saveLayout(localStore(), stored, { positions, note });
        layoutNote = `layout ${note}, `;
      } catch (e) {
        this.status.textContent = `layout failed: ${(e as Error).message}`;
      }
    }
    const t1 = performance.now();
    performance.mark('lateral:laid-out');
    this.cy?.destroy();
    this.ringColoured = false;
    // A thinned namespace picture keeps the dense look too, whatever its count: it stands for thousands of pairs.
    this.dense = els.length - nodes > HAYSTACK_ABOVE || this.edgeNote !== '';
    const cy = cytoscape({
      container: this.canvas,
      elements: els,
      style: this.style(),
      // Large graphs: skip drawing edges while panning and zooming, so interaction stays smooth.
      hideEdgesOnViewport: this.dense,
      textureOnViewport: this.dense,
      // Fitted below, once, from the positions (fitPositions): fitting here would measure every element twice.
      layout: { name: 'preset', positions: (n: cytoscape.NodeSingular) => positions[n.id()] ?? { x: 0, y: 0 }, fit: false } as cytoscape.LayoutOptions,
      minZoom: 0.05,
      maxZoom: 4,
    });
    this.cy = cy;
    drawFirstFrameDirectly(cy);
    (window as unknown as { __lateralMap?: cytoscape.Core }).__lateralMap = cy;
    this.wire(cy);
    this.applyFilters();
    this.restyleOverlay();
    const t2 = performance.now();
    this.status.textContent = `${nodes} nodes, ${els.length - nodes} edges${this.edgeNote} (${layoutNote}drawn in ${Math.round(t2 - t1)} ms, ${Math.round(t2 - t0)} ms in all)`;
    // The status line may have wrapped and shrunk the canvas since cytoscape measured it.
    cy.resize();
    fitPositions(cy, positions, 30);
    this.levelOfDetail();
    this.updateLegend();
    this.root.dataset.edges = this.edgeMode.value;
    performance.mark('lateral:drawn');
    // cytoscape paints on its next animation frame: the frame after that one has the map on screen.
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        performance.mark('lateral:painted');
        // With the map on screen, the layout worker loads for the next picture (a namespace opened).
        setTimeout(warmLayoutWorker, 0);
      }),
    );
    this.root.dataset.ready = 'true';
  }

  private wire(cy: cytoscape.Core): void {
    const tip = document.getElementById('tooltip')!;
    cy.on('mouseover', 'edge', (ev) => {
      const d = ev.target.data() as EdgeData;
      ev.target.addClass('hover');
      const text = `${d.source.slice(d.source.indexOf(':') + 1)} → ${d.target.slice(d.target.indexOf(':') + 1)}: ${d.ports} (click to explain)`;
      tip.textContent = text;
      tip.hidden = false;
      // With cluster-wide tiers, a workload pair's tooltip names the tier that decided each side.
      if (d.fromId && d.toId && this.hasTiers !== false) {
        void this.tierNote(d.fromId, d.toId).then((note) => {
          if (note && ev.target.hasClass('hover')) tip.textContent = `${text} — ${note}`;
        });
      }
    });
    cy.on('mouseout', 'edge', (ev) => void ev.target.removeClass('hover'));
    let lodPending = false;
    cy.on('zoom', () => {
      if (lodPending) return;
      lodPending = true;
      requestAnimationFrame(() => {
        lodPending = false;
        this.levelOfDetail();
      });
    });
    cy.on('mouseover', 'node', (ev) => {
      const id = ev.target.data('epId') as string | undefined;
      const e = id ? this.store.byId.get(id) : undefined;
      tip.textContent = e ? `${e.id} — ${e.kind}${e.pods ? `, ${e.pods} pod${e.pods === 1 ? '' : 's'}` : ''}${e.kind !== 'External' ? `; ingress ${e.ingressIsolated ? 'isolated' : 'NOT isolated'}, egress ${e.egressIsolated ? 'isolated' : 'NOT isolated'}` : ''}` : String(ev.target.data('label'));
      tip.hidden = false;
    });
    cy.on('mousemove', (ev) => {
      const oe = ev.originalEvent as MouseEvent;
      placeTooltip(tip, oe.clientX, oe.clientY);
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
      // Only the elements that carry the class: touching every element restyles all of them (S2: ~0.3 s).
      cy.elements('.filtered').removeClass('filtered');
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

  /**
   * Labels readable at every zoom: namespace titles keep NAMESPACE_FONT_PX on screen, workload
   * labels show once legible (min-zoomed-font-size in the style), and overlapping labels give
   * way to more important ones (namespaces first, larger first).
   */
  levelOfDetail(): void {
    const cy = this.cy;
    if (!cy) return;
    const zoom = cy.zoom();
    const nsFont = Math.min(60, Math.max(11, NAMESPACE_FONT_PX / zoom));
    const cands: LabelCandidate[] = [];
    const nodes = shownElements(cy).nodes();
    const pan = cy.pan();
    nodes.forEach((n) => {
      const label = String(n.data('label') ?? '');
      if (!label) return;
      const isNs = n.hasClass('namespace');
      const fontPx = isNs ? nsFont * zoom : 11 * zoom;
      if (!isNs && fontPx < 7) return;
      const parent = n.isParent();
      // A plain node's box is its position and drawn size: its bounding box would work out every
      // label's dimensions first (~0.2 s at S2's first picture, before anything is on screen).
      let x1: number, x2: number, y1: number, y2: number;
      if (parent) ({ x1, x2, y1, y2 } = n.renderedBoundingBox({ includeLabels: false }));
      else {
        const p = n.position();
        const hw = (n.outerWidth() * zoom) / 2;
        const hh = (n.outerHeight() * zoom) / 2;
        const cx = p.x * zoom + pan.x;
        const cyy = p.y * zoom + pan.y;
        [x1, x2, y1, y2] = [cx - hw, cx + hw, cyy - hh, cyy + hh];
      }
      const width = label.length * fontPx * CHAR_EM;
      // Expanded namespaces carry their title above the box; everything else below the node.
      const y = isNs && parent ? y1 - fontPx / 2 - 2 : y2 + 4 + fontPx / 2;
      cands.push({ id: n.id(), x: (x1 + x2) / 2, y, width, height: fontPx, priority: (isNs ? 1e6 : 0) + Number(n.data('workloads') ?? 1) });
    });
    const keep = placeLabels(cands, { width: cy.width(), height: cy.height() });
    const candidates = new Set(cands.map((c) => c.id));
    cy.batch(() => {
      cy.nodes('.namespace').style('font-size', nsFont);
      nodes.forEach((n) => {
        const hide = candidates.has(n.id()) && !keep.has(n.id());
        if (hide !== n.hasClass('lod-hide')) n.toggleClass('lod-hide', hide);
      });
    });
  }

  private async exportPng(): Promise<void> {
    if (!this.cy) return;
    const blob = await this.cy.png({ output: 'blob-promise', full: true, scale: 2, bg: themeColour('--bg') });
    download('lateral-map.png', blob, 'image/png');
  }

  private exportSvg(): void {
    if (!this.cy) return;
    download('lateral-map.svg', graphSvg(this.cy, themeColour('--bg')), 'image/svg+xml');
  }

  /** "egress: NetworkPolicy tier: Allow (…); ingress: Admin tier: Allow (cnp/…)" for a pair, from its explanation (asked once). */
  private tierNote(from: string, to: string): Promise<string> {
    const key = `${from}\u0000${to}`;
    let p = this.tierNotes.get(key);
    if (!p) {
      p = getJson<PairExplanation>('explain', { from, to })
        .then((x) => {
          const sides = [x.explanation.egress, x.explanation.ingress];
          this.hasTiers = sides.some((sd) => sd.tiers !== undefined);
          const decided = (sd: (typeof sides)[number]) => {
            const st = sd.tiers?.chain.at(-1);
            return st ? `${st.tier === 'default' ? 'no tier decided (default allow)' : `${st.tier} tier: ${st.action}${st.policy ? ` (${st.policy})` : ''}`}` : undefined;
          };
          const e = decided(sides[0]!);
          const i = decided(sides[1]!);
          return e || i ? `egress: ${e ?? '—'}; ingress: ${i ?? '—'}` : '';
        })
        .catch(() => '');
      this.tierNotes.set(key, p);
    }
    return p;
  }

  /** What-if and blast-radius colours on top of the base map. */
  restyleOverlay(): void {
    const cy = this.cy;
    if (!cy) return;
    const s = this.store;
    cy.batch(() => {
      cy.remove('edge.whatif-added');
      // Only the elements that carry an overlay class or colour: touching every element restyles all of them.
      cy.elements('.wi-added, .wi-removed, .wi-changed, .ring, .crown, .compromised, .unreached').removeClass('wi-added wi-removed wi-changed ring crown compromised unreached');
      if (s.whatIf) {
        const added = new Set<string>();
        for (const c of s.whatIf.changes) {
          const src = this.displayOf(c.from);
          const dst = this.displayOf(c.to);
          const existing = cy.getElementById(`e:${src}\u0000${dst}`);
          if (existing.nonempty()) existing.addClass(c.change === 'allowed' ? 'wi-added' : c.change === 'denied' ? 'wi-removed' : 'wi-changed');
          // A pair not drawn: only a newly allowed one is drawn as a new edge. A denied or changed
          // pair was allowed before, so its edge was thinned out of the picture, not missing.
          else if (c.change !== 'allowed') continue;
          else if (added.has(`${src}\u0000${dst}`)) {
            // Another newly allowed pair between the same two drawn nodes (collapsed namespaces): one edge, counted.
            const e = cy.getElementById(`wi:${src}\u0000${dst}`);
            const pairs = Number(e.data('pairs')) + 1;
            e.data({ pairs, ports: `what-if: ${pairs} pairs newly allowed` });
            e.removeData('fromId toId');
          } else if (cy.getElementById(src).nonempty() && cy.getElementById(dst).nonempty()) {
            added.add(`${src}\u0000${dst}`);
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
      } else if (this.ringColoured) cy.nodes().removeStyle('background-color');
      this.ringColoured = s.blast !== undefined;
    });
    this.updateLegend();
  }

  /** Empties the map (a new cluster or a new what-if baseline). */
  reset(): void {
    this.cy?.destroy();
    this.cy = undefined;
    clear(this.canvas);
  }
}
