/**
 * Matrix: a d3 heatmap, namespace × namespace first (share of workload pairs allowed), drilling
 * into workload × workload for a cell. Small matrices are SVG (each cell is an element you can
 * click); large ones are drawn on a canvas and hit-tested. In a what-if, cells are coloured by
 * the change instead: newly allowed, newly denied, ports changed.
 */
import * as d3 from 'd3';
import { clear, download, h, placeTooltip } from './dom.js';
import { explain } from './explain-panel.js';
import { matrixCsv } from './export.js';
import { barycentricOrder } from './matrix-order.js';
import { ROLE, themeColour } from './palette.js';
import { formatPorts, formatPortSet, type Store } from './store.js';
import type { Connection, Endpoint, PairChange } from './types.js';

interface Cell {
  fill: string;
  title: string;
}

interface MatrixSpec {
  rows: string[];
  cols: string[];
  rowLabel?: (i: number) => string;
  colLabel?: (j: number) => string;
  cell(i: number, j: number): Cell | undefined;
  onClick(i: number, j: number): void;
}

const SVG_CELL_LIMIT = 4000;
/** Height of the axis titles' band. */
const AXIS = 20;
const LABEL_LIMIT = 260;

function drawMatrix(host: HTMLElement, spec: MatrixSpec): void {
  clear(host);
  const n = spec.rows.length;
  const m = spec.cols.length;
  const showLabels = Math.max(n, m) <= LABEL_LIMIT;
  const rowName = spec.rowLabel ?? ((i: number) => spec.rows[i]!);
  const colName = spec.colLabel ?? ((j: number) => spec.cols[j]!);
  const longest = showLabels ? Math.max(...spec.rows.map((_r, i) => rowName(i).length), ...spec.cols.map((_c, j) => colName(j).length), 4) : 0;
  // Roughly 6.2 px per character at 11 px; long external ids are capped and shown in full on hover.
  const labelMargin = showLabels ? Math.min(300, 16 + Math.ceil(longest * 6.2)) : 10;
  // Room for the axis titles: "destination (to) →" above, "source (from) ↓" to the left.
  const margin = labelMargin + AXIS;
  const avail = Math.max(200, Math.min(host.clientWidth || 900, 1400) - margin - 20);
  const size = Math.max(2, Math.min(28, Math.floor(avail / Math.max(n, m, 1))));
  const width = margin + m * size + 10;
  const height = margin + n * size + 10;
  const tip = document.getElementById('tooltip')!;
  const moveTip = (ev: MouseEvent, text: string) => {
    tip.textContent = text;
    tip.hidden = false;
    placeTooltip(tip, ev.clientX, ev.clientY);
  };
  const emptyFill = themeColour('--cell-empty');

  const wrap = h('div', { class: 'matrix-wrap' });
  host.append(wrap);
  if (n * m <= SVG_CELL_LIMIT) {
    const svg = d3.select(wrap).append('svg').attr('width', width).attr('height', height).attr('class', 'matrix').attr('role', 'grid');
    svg.append('text').attr('class', 'axis-title').attr('id', 'matrix-cols-title').attr('x', margin).attr('y', 14).text('destination (to) →');
    svg.append('text').attr('class', 'axis-title').attr('id', 'matrix-rows-title').attr('transform', `translate(14,${margin}) rotate(90)`).text('source (from) →');
    const g = svg.append('g').attr('transform', `translate(${margin},${margin})`);
    const cells: { i: number; j: number; c: Cell | undefined }[] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) cells.push({ i, j, c: spec.cell(i, j) });
    g.selectAll('rect')
      .data(cells)
      .join('rect')
      .attr('x', (d) => d.j * size)
      .attr('y', (d) => d.i * size)
      .attr('width', size - 1)
      .attr('height', size - 1)
      .attr('fill', (d) => d.c?.fill ?? emptyFill)
      .attr('class', (d) => (d.c ? 'cell on' : 'cell'))
      .attr('data-row', (d) => spec.rows[d.i]!)
      .attr('data-col', (d) => spec.cols[d.j]!)
      .on('mousemove', (ev: MouseEvent, d) => moveTip(ev, `from ${spec.rows[d.i]} to ${spec.cols[d.j]}: ${d.c?.title ?? 'nothing allowed'}`))
      .on('mouseout', () => void (tip.hidden = true))
      .on('click', (_ev, d) => spec.onClick(d.i, d.j));
    if (showLabels) {
      g.selectAll('text.row')
        .data(spec.rows)
        .join('text')
        .attr('class', 'row-label')
        .attr('x', -6)
        .attr('y', (_d, i) => i * size + size / 2)
        .attr('dy', '0.35em')
        .attr('text-anchor', 'end')
        .text((_d, i) => rowName(i));
      g.selectAll('text.col')
        .data(spec.cols)
        .join('text')
        .attr('class', 'col-label')
        .attr('transform', (_d, j) => `translate(${j * size + size / 2},-6) rotate(-60)`)
        .attr('dy', '0.35em')
        .text((_d, j) => colName(j));
    }
    return;
  }
  // Canvas: one draw call per cell, no DOM per cell; hit-testing maps the pointer to (i, j).
  const dpr = window.devicePixelRatio || 1;
  const canvas = h('canvas', { class: 'matrix-canvas' });
  canvas.width = width * dpr;
  canvas.height = height * dpr;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  wrap.append(canvas);
  const ctx = canvas.getContext('2d')!;
  ctx.scale(dpr, dpr);
  ctx.fillStyle = emptyFill;
  ctx.fillRect(margin, margin, m * size, n * size);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const c = spec.cell(i, j);
      if (!c) continue;
      ctx.fillStyle = c.fill;
      ctx.fillRect(margin + j * size, margin + i * size, Math.max(1, size - (size > 4 ? 1 : 0)), Math.max(1, size - (size > 4 ? 1 : 0)));
    }
  }
  ctx.fillStyle = themeColour('--fg');
  ctx.font = 'bold 12px sans-serif';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText('destination (to) →', margin, 14);
  ctx.save();
  ctx.translate(14, margin);
  ctx.rotate(Math.PI / 2);
  ctx.fillText('source (from) →', 0, 0);
  ctx.restore();
  if (showLabels) {
    ctx.fillStyle = themeColour('--fg');
    ctx.font = `${Math.min(11, size)}px sans-serif`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let i = 0; i < n; i++) ctx.fillText(rowName(i), margin - 6, margin + i * size + size / 2);
    for (let j = 0; j < m; j++) {
      ctx.save();
      ctx.translate(margin + j * size + size / 2, margin - 6);
      ctx.rotate(-Math.PI / 3);
      ctx.textAlign = 'left';
      ctx.fillText(colName(j), 0, 0);
      ctx.restore();
    }
  }
  const at = (ev: MouseEvent): [number, number] | undefined => {
    const r = canvas.getBoundingClientRect();
    const j = Math.floor((ev.clientX - r.left - margin) / size);
    const i = Math.floor((ev.clientY - r.top - margin) / size);
    return i >= 0 && i < n && j >= 0 && j < m ? [i, j] : undefined;
  };
  canvas.addEventListener('mousemove', (ev) => {
    const p = at(ev);
    if (!p) return void (tip.hidden = true);
    moveTip(ev, `from ${spec.rows[p[0]]} to ${spec.cols[p[1]]}: ${spec.cell(p[0], p[1])?.title ?? 'nothing allowed'}`);
  });
  canvas.addEventListener('mouseout', () => void (tip.hidden = true));
  canvas.addEventListener('click', (ev) => {
    const p = at(ev);
    if (p) spec.onClick(p[0], p[1]);
  });
}

export class MatrixView {
  private readonly host = h('div', { class: 'matrix-host', id: 'matrix' });
  private readonly crumbs = h('div', { class: 'crumbs' });
  private readonly legendEl = h('div', { class: 'matrix-legend' });
  private level: { kind: 'groups' } | { kind: 'workloads'; rowsNs?: string; colsNs?: string } = { kind: 'groups' };
  /** What is drawn now, for the CSV export. */
  private drawnSpec: MatrixSpec | undefined;
  private shown = false;

  constructor(
    readonly root: HTMLElement,
    private readonly store: Store,
  ) {}

  mount(): void {
    const csv = h('button', { type: 'button', id: 'matrix-export-csv', title: 'Download the matrix on show as CSV: sources down, destinations across' }, 'Export CSV');
    csv.addEventListener('click', () => this.exportCsv());
    this.root.append(h('div', { class: 'toolbar' }, this.crumbs, h('span', { class: 'spacer' }), csv), this.legendEl, this.host);
    if (this.store.isSmall()) this.level = { kind: 'workloads' };
    this.store.on('whatif', () => this.shown && void this.draw());
    this.store.on('theme', () => this.shown && void this.draw());
  }

  async show(): Promise<void> {
    this.shown = true;
    await this.draw();
  }

  private exportCsv(): void {
    const spec = this.drawnSpec;
    if (!spec) return;
    const name = this.level.kind === 'groups' ? 'namespaces' : `${this.level.rowsNs ?? 'all'}-to-${this.level.colsNs ?? 'all'}`;
    download(`lateral-matrix-${name.replace(/[^\w.-]+/g, '_')}.csv`, matrixCsv(spec.rows, spec.cols, (i, j) => spec.cell(i, j)?.title), 'text/csv');
  }

  private drawSpec(spec: MatrixSpec): void {
    this.drawnSpec = spec;
    drawMatrix(this.host, spec);
  }

  private changeMap(): Map<string, PairChange> | undefined {
    const w = this.store.whatIf;
    return w ? new Map(w.changes.map((c) => [`${c.from}\u0000${c.to}`, c])) : undefined;
  }

  private diffCell(ch: PairChange): Cell {
    const fill = ch.change === 'allowed' ? ROLE.added : ch.change === 'denied' ? ROLE.removed : ROLE.changed;
    const parts = [ch.change !== 'denied' && `newly allowed ${formatPortSet(ch.added)}`, ch.change !== 'allowed' && `newly denied ${formatPortSet(ch.removed)}`].filter(Boolean);
    return { fill, title: `${parts.join('; ')} (now: ${ch.change === 'denied' ? 'nothing' : formatPortSet(ch.after)})` };
  }

  private async draw(): Promise<void> {
    clear(this.crumbs);
    const diff = this.changeMap();
    this.renderLegend(diff !== undefined);
    if (this.level.kind === 'groups') {
      this.crumbs.append(h('strong', {}, 'namespaces × namespaces'), h('span', { class: 'muted' }, ' — share of workload pairs allowed; click a cell for its workloads'));
      return this.drawGroups(diff);
    }
    const lv = this.level;
    this.crumbs.append(
      h('button', { type: 'button', class: 'link', onclick: () => void ((this.level = { kind: 'groups' }), this.draw()) }, 'namespaces'),
      ` › ${lv.rowsNs ?? 'all'} × ${lv.colsNs ?? 'all'}`,
    );
    for (const ns of [lv.rowsNs, lv.colsNs]) if (ns) await this.store.loadNamespace(ns);
    return this.drawWorkloads(lv.rowsNs, lv.colsNs, diff);
  }

  private renderLegend(diff: boolean): void {
    clear(this.legendEl);
    const sw = (colour: string, text: string) => {
      const s = h('span', { class: 'swatch' });
      s.style.background = colour;
      return h('span', { class: 'legend-item' }, s, text);
    };
    if (diff) this.legendEl.append(sw(ROLE.added, 'newly allowed'), sw(ROLE.removed, 'newly denied'), sw(ROLE.changed, 'ports changed'), sw(themeColour('--cell-on'), 'unchanged, allowed'), sw(ROLE.external, 'unchanged, every port'));
    else if (this.level.kind === 'groups') this.legendEl.append(sw(d3.interpolateCividis(0.15), 'few pairs'), sw(d3.interpolateCividis(0.95), 'every pair allowed'), sw(themeColour('--cell-empty'), 'nothing allowed'));
    else this.legendEl.append(sw(themeColour('--cell-on'), 'some ports allowed'), sw(ROLE.external, 'every port (All)'), sw(themeColour('--cell-empty'), 'nothing allowed'));
  }

  private drawGroups(diff: Map<string, PairChange> | undefined): void {
    const s = this.store;
    const nodes = s.groups.nodes;
    const idx = new Map(nodes.map((g, i) => [g.id, i]));
    const cells = new Map<string, { pairs: number; ports: string }>();
    for (const e of s.groups.edges) cells.set(`${idx.get(e.from)},${idx.get(e.to)}`, { pairs: e.pairs, ports: e.ports });
    const diffCount = new Map<string, number>();
    if (diff) for (const c of diff.values()) {
      const k = `${idx.get(s.groupOf(c.from))},${idx.get(s.groupOf(c.to))}`;
      diffCount.set(k, (diffCount.get(k) ?? 0) + 1);
    }
    const order = barycentricOrder(nodes.length, s.groups.edges.map((e) => [idx.get(e.from)!, idx.get(e.to)!] as const));
    const size = (g: (typeof nodes)[number]) => Math.max(1, g.workloads);
    this.drawSpec({
      rows: order.map((i) => nodes[i]!.id),
      cols: order.map((i) => nodes[i]!.id),
      cell: (a, b) => {
        const i = order[a]!;
        const j = order[b]!;
        const k = `${i},${j}`;
        if (diff) {
          const n = diffCount.get(k);
          if (n) return { fill: ROLE.changed, title: `${n} pair${n === 1 ? '' : 's'} changed by the what-if` };
        }
        const c = cells.get(k);
        if (!c) return undefined;
        const share = c.pairs / (size(nodes[i]!) * size(nodes[j]!));
        return { fill: d3.interpolateCividis(0.15 + 0.8 * Math.min(1, share)), title: `${c.pairs} workload pair${c.pairs === 1 ? '' : 's'} (${Math.round(100 * Math.min(1, share))} %): ${c.ports}` };
      },
      onClick: (a, b) => {
        const rowsNs = nodes[order[a]!]!;
        const colsNs = nodes[order[b]!]!;
        this.level = { kind: 'workloads', ...(rowsNs.kind === 'Namespace' ? { rowsNs: rowsNs.id } : {}), ...(colsNs.kind === 'Namespace' ? { colsNs: colsNs.id } : {}) };
        void (async () => {
          if (rowsNs.kind === 'Namespace') await s.loadNamespace(rowsNs.id);
          if (colsNs.kind === 'Namespace') await s.loadNamespace(colsNs.id);
          await this.draw();
        })();
      },
    });
  }

  private drawWorkloads(rowsNs: string | undefined, colsNs: string | undefined, diff: Map<string, PairChange> | undefined): void {
    const s = this.store;
    const pick = (ns: string | undefined): Endpoint[] => (ns ? s.endpoints.filter((e) => e.namespace === ns) : s.isSmall() ? s.endpoints : s.endpoints.filter((e) => s.loaded.has(s.groupOf(e.id))));
    const rows = pick(rowsNs);
    const cols = pick(colsNs);
    const conns = new Map<string, Connection>();
    for (const c of s.connections.values()) conns.set(`${c.from}\u0000${c.to}`, c);
    const rIdx = new Map(rows.map((e, i) => [e.id, i]));
    const cIdx = new Map(cols.map((e, i) => [e.id, i]));
    // One ordering for both axes when they are the same set, so the diagonal means "to itself".
    const same = rowsNs === colsNs;
    const edges: [number, number][] = [];
    for (const c of conns.values()) {
      const a = rIdx.get(c.from);
      const b = (same ? rIdx : cIdx).get(c.to);
      if (a !== undefined && b !== undefined) edges.push([a, b]);
    }
    const rOrder = barycentricOrder(rows.length, edges, (i) => rows[i]!.namespace ?? '~');
    const cOrder = same ? rOrder : barycentricOrder(cols.length, [], (j) => cols[j]!.namespace ?? '~');
    const on = themeColour('--cell-on');
    this.drawSpec({
      rows: rOrder.map((i) => rows[i]!.id),
      cols: cOrder.map((j) => cols[j]!.id),
      cell: (a, b) => {
        const from = rows[rOrder[a]!]!.id;
        const to = cols[cOrder[b]!]!.id;
        const key = `${from}\u0000${to}`;
        const ch = diff?.get(key);
        if (ch) return this.diffCell(ch);
        const c = conns.get(key);
        if (!c) return undefined;
        return { fill: c.all ? ROLE.external : on, title: formatPorts(c) };
      },
      onClick: (a, b) => void explain(rows[rOrder[a]!]!.id, cols[cOrder[b]!]!.id),
    });
  }
}
