/**
 * Legends that list exactly what is on screen: each view works out which colours and marks its
 * drawing uses (classes present, hops reached, overlays on) and the legend shows one entry per
 * meaning, with the colours it stands for in `data-colour` (the browser test checks that every
 * colour drawn is listed).
 */
import { clear, h } from './dom.js';

export type Mark = 'dot' | 'square' | 'box' | 'ring' | 'outline' | 'octagon' | 'star' | 'diamond' | 'line' | 'dashed' | 'dotted' | 'shape';

export interface LegendEntry {
  readonly text: string;
  readonly mark: Mark;
  /** The swatch's colour ('' for a shape-only entry). */
  readonly colour: string;
  /** Further colours the entry's mark uses (a border, an outline). */
  readonly also?: readonly string[];
}

const LINE: readonly Mark[] = ['line', 'dashed', 'dotted'];
const BORDER: readonly Mark[] = ['ring', 'outline'];

export function legendItem(e: LegendEntry): HTMLElement {
  const sw = h('span', { class: `swatch mark-${e.mark}` });
  if (LINE.includes(e.mark)) sw.style.borderTopColor = e.colour;
  else if (BORDER.includes(e.mark)) sw.style.borderColor = e.colour;
  else if (e.colour) sw.style.backgroundColor = e.colour;
  const colours = [e.colour, ...(e.also ?? [])].filter(Boolean).map((c) => c.toLowerCase());
  return h('li', colours.length ? { 'data-colour': colours.join(' ') } : {}, sw, e.text);
}

/** Replaces the legend's entries (duplicates by text dropped). */
export function renderLegend(list: HTMLElement, entries: readonly LegendEntry[]): void {
  clear(list);
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.text)) continue;
    seen.add(e.text);
    list.append(legendItem(e));
  }
  list.hidden = entries.length === 0;
}
