/**
 * Blast radius: pick a foothold (a workload, or the internet) and see how far an attacker
 * moves — rings by hop count around it, crown jewels marked, counts and share of the cluster,
 * the attack paths to a chosen target with each hop's port and the rule that allows it, and
 * the choke points from the risk report with the policy change that closes each.
 */
import cytoscape from 'cytoscape';
import * as d3 from 'd3';
import { ApiError, Slot, Superseded } from './api.js';
import { clear, download, h, placeTooltip } from './dom.js';
import { renderLegend, type LegendEntry } from './legend.js';
import { ROLE, RING_COLOURS, ringColour, ringName, themeColour } from './palette.js';
import { RING_CAP, RING_STEP, ringPicture } from './blast-rings.js';
import type { Store } from './store.js';
import type { AttackPort, BlastRadius, PathsResult, RiskResult } from './types.js';

const INTERNET = 'internet';
/** Choke points drawn at first, and per "show more". */
const CHOKE_FIRST = 20;
const CHOKE_STEP = 100;

function portText(p: AttackPort): string {
  return `${p.protocol} ${p.port}${p.endPort ? `-${p.endPort}` : ''}${p.name ? ` (${p.name})` : ''}`;
}

export class BlastView {
  private readonly picker = h('input', { id: 'blast-from', list: 'blast-from-list', placeholder: 'workload id or internet', 'aria-label': 'foothold' });
  private readonly targets = h('input', { id: 'blast-targets', placeholder: 'crown jewels: app=postgres, ns/name, */db*', 'aria-label': 'crown jewels' });
  private readonly stats = h('div', { class: 'stats', id: 'blast-stats' });
  private readonly chart = h('div', { id: 'blast-chart' });
  private readonly side = h('div', { class: 'blast-side' });
  private readonly canvas = h('div', { class: 'graph', id: 'blast-canvas' });
  private readonly error = h('p', { class: 'error', id: 'blast-error', hidden: true });
  private cy: cytoscape.Core | undefined;
  private current: BlastRadius | undefined;
  private readonly drawn = h('p', { class: 'muted', id: 'blast-drawn' });
  private readonly legendEl = h('ul', { class: 'legend', id: 'blast-legend', 'aria-label': 'legend', hidden: true });
  /** Called after each run (the URL follows the foothold). */
  onStateChange: () => void = () => {};
  /** Per ring, how many are drawn beyond the default cap; and path nodes drawn whatever the cap. */
  private ringCaps = new Map<number, number>();
  private pinned = new Set<string>();
  private readonly riskCache = new Map<string, Promise<RiskResult>>();
  /** A new foothold replaces the previous one's requests: its blast radius, choke points and paths (api.ts's Slot). */
  private readonly blastSlot = new Slot('blast');
  private readonly riskSlot = new Slot('risk');
  private readonly pathsSlot = new Slot('paths');
  /** How long the last blast radius took to arrive, for the status line. */
  private answerMs: number | undefined;
  onShowOnMap: () => void = () => {};

  constructor(
    readonly root: HTMLElement,
    private readonly store: Store,
  ) {}

  mount(): void {
    const list = h('datalist', { id: 'blast-from-list' }, h('option', { value: INTERNET }), ...this.store.endpoints.filter((e) => e.kind !== 'External').map((e) => h('option', { value: e.id })));
    this.targets.value = this.store.summary.targets?.join(', ') ?? '';
    const go = () => void this.compromise(this.picker.value.trim());
    this.picker.addEventListener('keydown', (ev) => (ev as KeyboardEvent).key === 'Enter' && go());
    this.root.append(
      h(
        'div',
        { class: 'toolbar' },
        h('label', {}, 'compromise ', this.picker),
        list,
        h('button', { type: 'button', id: 'blast-go', class: 'primary', onclick: go }, 'Compromise'),
        h('button', { type: 'button', id: 'blast-internet', onclick: () => void this.compromise(INTERNET) }, 'From the internet'),
        h('label', {}, 'crown jewels ', this.targets),
        h('button', { type: 'button', onclick: () => this.store.blast && void this.compromise(this.store.blast.from) }, 'Apply'),
      ),
      this.error,
      h(
        'div',
        { class: 'blast-grid' },
        h('div', { class: 'graph-wrap' }, this.canvas, this.legendEl),
        h('div', { class: 'blast-side-col' }, this.stats, this.drawn, this.chart, this.side),
      ),
    );
    this.store.on('theme', () => {
      this.cy?.style(this.style());
      this.updateLegend();
    });
  }

  /** The foothold the view shows (for the URL). */
  from(): string | undefined {
    return this.current?.from;
  }

  /** Every colour and mark on the canvas now. */
  private updateLegend(): void {
    const cy = this.cy;
    if (!cy) return renderLegend(this.legendEl, []);
    const fg = themeColour('--fg');
    const out: LegendEntry[] = [];
    const hops = new Set<number>();
    cy.nodes().forEach((n) => void hops.add(Math.min(n.data('hop') as number, RING_COLOURS.length - 1)));
    for (const hop of [...hops].sort((a, b) => a - b)) out.push(hop === 0 ? { text: `${ringName(0)} (octagon)`, mark: 'octagon', colour: ringColour(0), also: [fg] } : { text: `reached in ${ringName(hop)}`, mark: 'dot', colour: ringColour(hop) });
    if (cy.nodes('.crown').nonempty()) out.push({ text: 'crown jewel (star)', mark: 'star', colour: ROLE.crownJewel });
    if (cy.nodes('.more').nonempty()) out.push({ text: '"+N more" of a ring (click to draw them)', mark: 'box', colour: '', also: [fg] });
    if (cy.nodes('.node').nonempty()) out.push({ text: 'a node (square)', mark: 'shape', colour: '' });
    if (cy.nodes('.internet').nonempty()) out.push({ text: 'the internet (diamond)', mark: 'shape', colour: '' });
    if (cy.nodes('.identity').nonempty()) out.push({ text: 'an identity: token or role (tag)', mark: 'shape', colour: '' });
    if (cy.edges().filter((e) => !e.hasClass('path')).nonempty()) out.push({ text: 'a move the attacker can make', mark: 'line', colour: themeColour('--muted') });
    if (cy.edges('.path').nonempty()) out.push({ text: 'attack path shown (to a crown jewel or the chosen target)', mark: 'line', colour: ROLE.crownJewel });
    renderLegend(this.legendEl, out);
  }

  async show(): Promise<void> {
    // A run made while the view was hidden (a shared link) was measured at zero size: measure and fit now.
    if (this.cy) {
      this.cy.resize();
      this.cy.fit(undefined, 20);
    }
    if (!this.current) {
      clear(this.side);
      this.side.append(h('p', { class: 'muted' }, 'Pick a workload to compromise (or click one on the map), or start from the internet.'));
    }
  }

  private targetList(): string[] {
    return this.targets.value.split(/,(?![^(]*\))/).map((t) => t.trim()).filter(Boolean);
  }

  async compromise(from: string): Promise<void> {
    this.picker.value = from;
    this.error.hidden = true;
    let b: BlastRadius;
    const asked = performance.now();
    try {
      b = await this.blastSlot.post<BlastRadius>('blast', { from, targets: this.targetList() });
      // The server's part (queue, worker, transfer, parse), beside the drawing time the status line gives.
      this.answerMs = Math.round(performance.now() - asked);
    } catch (e) {
      if (e instanceof Superseded) return;
      this.error.textContent = e instanceof ApiError ? e.message : String(e);
      this.error.hidden = false;
      return;
    }
    this.current = b;
    this.ringCaps = new Map();
    this.pinned = new Set();
    const hops = new Map<string, number>([[b.from, 0], ...b.reached.map((r) => [r.id, r.hops] as [string, number])]);
    this.store.blast = { from: b.from, hops, crownJewels: new Set(b.reached.filter((r) => r.crownJewel).map((r) => r.id)) };
    this.store.emit('blast');
    this.renderStats(b);
    this.renderChart(b);
    this.renderGraph(b);
    // The choke points (the risk report) come later, on their own: the rings are the answer.
    const side = this.renderSide(b);
    this.root.dataset.blastFrom = b.from;
    this.onStateChange();
    await side;
  }

  private renderStats(b: BlastRadius): void {
    const m = b.metrics;
    const stat = (n: string | number, label: string, id: string) => h('div', { class: 'stat', id }, h('div', { class: 'n' }, String(n)), h('div', { class: 'muted' }, label));
    clear(this.stats);
    this.stats.append(
      stat(`${m.reached} / ${m.workloads}`, 'workloads reached', 'blast-reached'),
      stat(`${Math.round(m.reachedPercent)} %`, 'of the cluster', 'blast-percent'),
      stat(`${m.crownJewelsReached} / ${m.crownJewels}`, m.minHopsToCrownJewel !== null ? `crown jewels (nearest: ${m.minHopsToCrownJewel} hop${m.minHopsToCrownJewel === 1 ? '' : 's'})` : 'crown jewels reached', 'blast-jewels'),
      stat(`${m.paths.count}${m.paths.capped ? '+' : ''}`, `paths to crown jewels (≤ ${m.paths.hopLimit} hops)`, 'blast-paths'),
    );
  }

  /** Workloads reached per hop: a small d3 bar chart in the ring colours. */
  private renderChart(b: BlastRadius): void {
    clear(this.chart);
    const counts = d3.rollups(b.reached, (v) => v.length, (r) => r.hops).sort((x, y) => x[0] - y[0]);
    if (counts.length === 0) return;
    const w = 320;
    const hgt = 110;
    const x = d3.scaleBand<number>().domain(counts.map((c) => c[0])).range([30, w - 10]).padding(0.2);
    const y = d3.scaleLinear().domain([0, d3.max(counts, (c) => c[1]) ?? 1]).nice().range([hgt - 20, 8]);
    const svg = d3.select(this.chart).append('svg').attr('width', w).attr('height', hgt).attr('class', 'chart');
    svg.selectAll('rect').data(counts).join('rect').attr('x', (c) => x(c[0])!).attr('y', (c) => y(c[1])).attr('width', x.bandwidth()).attr('height', (c) => y(0) - y(c[1])).attr('fill', (c) => ringColour(c[0]));
    svg.selectAll('text.v').data(counts).join('text').attr('class', 'v').attr('x', (c) => x(c[0])! + x.bandwidth() / 2).attr('y', (c) => y(c[1]) - 2).attr('text-anchor', 'middle').attr('font-size', 11).attr('fill', themeColour('--fg')).text((c) => c[1]);
    svg.append('g').attr('transform', `translate(0,${hgt - 20})`).call(d3.axisBottom(x).tickFormat((d) => `hop ${d}`)).attr('color', themeColour('--muted'));
  }

  /** Draws the rings (capped: see blast-rings.ts) with a preset layout; the positions are worked out already. */
  private renderGraph(b: BlastRadius): void {
    const t0 = performance.now();
    const pic = ringPicture(b, this.ringCaps, this.pinned);
    const els: cytoscape.ElementDefinition[] = [
      ...pic.nodes.map((n) => ({ group: 'nodes' as const, data: { id: n.id, label: n.label, hop: n.hop, ...(n.more ? { more: n.more } : {}) }, position: { x: n.x, y: n.y }, classes: n.classes })),
      ...pic.edges.map((e) => ({ group: 'edges' as const, data: { ...e } })),
    ];
    this.cy?.destroy();
    this.cy = cytoscape({ container: this.canvas, elements: els, style: this.style(), layout: { name: 'preset', fit: true, padding: 20 } as cytoscape.LayoutOptions, minZoom: 0.05, maxZoom: 4 });
    (window as unknown as { __lateralBlast?: cytoscape.Core }).__lateralBlast = this.cy;
    // Measure the container as it is now (the side column may have changed the page since the last run) and fit.
    this.cy.resize();
    this.cy.fit(undefined, 20);
    const tip = document.getElementById('tooltip')!;
    this.cy.on('mouseover', 'edge', (ev) => {
      tip.textContent = `${ev.target.data('source')} → ${ev.target.data('target')}: ${ev.target.data('ports')}`;
      tip.hidden = false;
    });
    this.cy.on('mousemove', (ev) => {
      const oe = ev.originalEvent as MouseEvent;
      placeTooltip(tip, oe.clientX, oe.clientY);
    });
    this.cy.on('mouseout', 'edge', () => void (tip.hidden = true));
    this.cy.on('tap', 'node', (ev) => {
      const more = ev.target.data('more') as number | undefined;
      if (more) this.drawMore(ev.target.data('hop') as number);
      else void this.showPaths(ev.target.id() as string);
    });
    this.updateLegend();
    const drawnNodes = pic.nodes.filter((n) => !n.more).length - 1;
    this.drawn.textContent = pic.hidden
      ? `drawn: ${drawnNodes} of ${b.reached.length} reached (click a "+N more" node to draw more of that ring), ${Math.round(performance.now() - t0)} ms${this.answerMs !== undefined ? `; answer ${this.answerMs} ms` : ''}`
      : `drawn: all ${b.reached.length} reached, ${Math.round(performance.now() - t0)} ms${this.answerMs !== undefined ? `; answer ${this.answerMs} ms` : ''}`;
  }

  dispose(): void {
    this.cy?.destroy();
    this.cy = undefined;
  }

  /** Forgets the run (the map's "clear overlay"): an empty canvas and the prompt again. */
  clearRun(): void {
    this.dispose();
    this.current = undefined;
    this.picker.value = '';
    clear(this.stats);
    clear(this.chart);
    this.drawn.textContent = '';
    delete this.root.dataset.blastFrom;
    this.updateLegend();
    void this.show();
  }

  /** "+N more" on ring `hop`: draw RING_STEP more of it. */
  private drawMore(hop: number): void {
    if (!this.current) return;
    this.ringCaps.set(hop, (this.ringCaps.get(hop) ?? RING_CAP) + RING_STEP);
    this.renderGraph(this.current);
  }

  private style(): cytoscape.StylesheetJson {
    const fg = themeColour('--fg');
    const bg = themeColour('--bg');
    return [
      { selector: 'node', style: { label: 'data(label)', 'font-size': 10, color: fg, 'text-outline-color': bg, 'text-outline-width': 2, 'text-valign': 'bottom', width: 22, height: 22, 'background-color': (n: cytoscape.NodeSingular) => ringColour(n.data('hop') as number) } },
      { selector: 'node.foothold', style: { shape: 'octagon', width: 34, height: 34, 'border-width': 3, 'border-color': fg } },
      { selector: 'node.node', style: { shape: 'rectangle' } },
      { selector: 'node.internet', style: { shape: 'diamond' } },
      // A service-account token or cluster-admin: an identity move, not a place.
      { selector: 'node.identity', style: { shape: 'tag' } },
      { selector: 'node.more', style: { shape: 'round-rectangle', width: 44, height: 18, 'font-size': 11, 'font-weight': 'bold', 'background-opacity': 0.35, 'border-width': 1, 'border-style': 'dashed', 'border-color': fg, 'font-style': 'italic' } },
      { selector: 'node.crown', style: { shape: 'star', width: 34, height: 34, 'border-width': 3, 'border-color': ROLE.crownJewel } },
      { selector: 'edge', style: { width: 1.2, 'line-color': themeColour('--muted'), 'target-arrow-shape': 'triangle', 'target-arrow-color': themeColour('--muted'), 'curve-style': 'bezier', opacity: 0.6, 'arrow-scale': 0.7 } },
      { selector: 'edge.path', style: { width: 4, 'line-color': ROLE.crownJewel, 'target-arrow-color': ROLE.crownJewel, opacity: 1 } },
    ] as cytoscape.StylesheetJson;
  }

  private async renderSide(b: BlastRadius): Promise<void> {
    clear(this.side);
    const targets = h('select', { id: 'blast-path-target', 'aria-label': 'path target' }, h('option', { value: '' }, 'choose a target…'), ...b.reached.filter((r) => r.kind === 'workload').map((r) => h('option', { value: r.id }, `${r.crownJewel ? '★ ' : ''}${r.id} (${r.hops} hop${r.hops === 1 ? '' : 's'})`)));
    targets.addEventListener('change', () => targets.value && void this.showPaths(targets.value));
    this.side.append(
      b.crownJewelsReached.length ? h('div', {}, h('h3', {}, 'Crown jewels reached'), h('ul', {}, ...b.crownJewelsReached.map((j) => h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => void this.showPaths(j.id) }, j.id), ` in ${j.hops} hop${j.hops === 1 ? '' : 's'}`)))) : '',
      h('h3', {}, 'Attack paths'),
      h('div', { class: 'toolbar' }, targets),
      h('div', { id: 'blast-path-list' }),
      h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => this.onShowOnMap() }, 'see the rings on the map')),
      h('h3', {}, 'Choke points'),
      h('div', { id: 'blast-choke' }, h('p', { class: 'muted' }, 'computing…')),
    );
    const choke = this.side.querySelector('#blast-choke')!;
    try {
      // Choke points from this foothold (the server's minimum cut starts where the attacker does).
      const risk = await this.risk({ targets: this.targetList(), from: b.from });
      clear(choke);
      const cp = risk.chokePoints;
      if (risk.crownJewels.length === 0) choke.append(h('p', { class: 'muted' }, 'Name crown jewels above (or annotate workloads lateral.dev/crown-jewel: "true") to find the connections that cut every path to them.'));
      else if (!cp.connected) choke.append(h('p', {}, `No path from ${b.from} reaches a crown jewel.`));
      else if (!cp.cuttable) choke.append(h('p', {}, 'Some path uses only moves a NetworkPolicy cannot close (exposure or escape).'));
      else {
        // Said as the changes a person makes (several cut connections often share one policy).
        const nObjects = cp.objectsChanged.length;
        const objects = nObjects > 0 ? `${nObjects} change${nObjects === 1 ? '' : 's'} (${cp.objectsChanged.slice(0, 3).join(', ')}${nObjects > 3 ? ', …' : ''})` : `closing ${cp.cut.length} connection${cp.cut.length === 1 ? '' : 's'}`;
        choke.append(h('p', { id: 'blast-choke-summary' }, `${objects} cut every path from ${b.from} to the crown jewels (${cp.cut.length} connection${cp.cut.length === 1 ? '' : 's'} closed):`));
        // Drawn a page at a time: at S2 the cut has thousands of connections, each with its patch.
        const removal = (r: (typeof cp.removals)[number]) =>
          h(
            'div',
            { class: 'choke' },
            h('strong', {}, `${r.from} → ${r.to}`),
            r.verified ? h('span', { class: 'allow' }, ' ✓ verified') : h('span', { class: 'deny' }, ` ${r.problem ?? 'not verified'}`),
            h('ul', {}, ...r.changes.map((c) => h('li', {}, c))),
            r.alsoBlocks.length ? h('p', { class: 'muted' }, `also blocks: ${r.alsoBlocks.map((a) => `${a.from} → ${a.to}`).join(', ')}`) : '',
            r.yaml ? h('details', {}, h('summary', {}, 'policy patch'), h('pre', {}, r.yaml), h('button', { type: 'button', onclick: () => download(`close-${r.from.replace(/\W+/g, '_')}-${r.to.replace(/\W+/g, '_')}.yaml`, r.yaml, 'application/yaml') }, 'Download YAML')) : '',
          );
        let shown = 0;
        const more = h('button', { type: 'button', id: 'blast-choke-more' });
        const page = (n: number) => {
          for (const r of cp.removals.slice(shown, shown + n)) choke.insertBefore(removal(r), more);
          shown = Math.min(cp.removals.length, shown + n);
          more.textContent = `show ${Math.min(CHOKE_STEP, cp.removals.length - shown)} more of ${cp.removals.length - shown} left`;
          more.hidden = shown >= cp.removals.length;
        };
        more.addEventListener('click', () => page(CHOKE_STEP));
        choke.append(more);
        page(CHOKE_FIRST);
      }
    } catch (e) {
      // A newer foothold took over: its own run fills the side column.
      if (e instanceof Superseded) return;
      clear(choke);
      choke.append(h('p', { class: 'error' }, (e as Error).message));
    }
  }

  /**
   * The risk report for a request (targets and foothold), asked once per distinct request while
   * this cluster is shown: going back to a foothold does not queue behind recomputing its cut.
   * The one risk cache: the server's worker pool keeps none. A new request replaces one still
   * under way (it is dropped from the cache, and from the server's queue).
   */
  private risk(body: Record<string, unknown>): Promise<RiskResult> {
    const key = JSON.stringify(body);
    let r = this.riskCache.get(key);
    if (!r) {
      r = this.riskSlot.post<RiskResult>('risk', body);
      this.riskCache.set(key, r);
      r.catch(() => this.riskCache.delete(key));
    }
    return r;
  }

  private async showPaths(target: string): Promise<void> {
    const b = this.current;
    const list = this.side.querySelector('#blast-path-list');
    if (!b || !list || target === b.from) return;
    (this.side.querySelector('#blast-path-target') as HTMLSelectElement).value = target;
    clear(list);
    try {
      const p = await this.pathsSlot.post<PathsResult>('paths', { from: b.from, to: [target], k: 3 });
      // Path nodes beyond a ring's cap are drawn now, so every hop of every path shows.
      const missing = p.paths.flatMap((path) => path.nodes).filter((n) => !this.pinned.has(n));
      if (missing.length) {
        for (const n of missing) this.pinned.add(n);
        this.renderGraph(b);
      }
      this.cy?.edges().removeClass('path');
      this.updateLegend();
      if (p.paths.length === 0) list.append(h('p', {}, `No path from ${b.from} to ${target}.`));
      p.paths.forEach((path, i) => {
        for (const hop of path.hops) this.cy?.getElementById(`${hop.from}->${hop.to}`).addClass('path');
        this.updateLegend();
        list.append(
          h('h4', {}, `path ${i + 1}: ${path.hops.length} hop${path.hops.length === 1 ? '' : 's'}`),
          h('ol', { class: 'path' }, ...path.hops.map((hop) => h('li', {}, h('strong', {}, `${hop.from} → ${hop.to}`), ` ${hop.ports.map(portText).join(', ')}`, h('div', { class: 'muted' }, hop.because.join('; '))))),
        );
      });
    } catch (e) {
      if (!(e instanceof Superseded)) list.append(h('p', { class: 'error' }, (e as Error).message));
    }
  }
}

export { RING_COLOURS };
