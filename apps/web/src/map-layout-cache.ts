/**
 * The map's first picture of a large cluster, laid out once per session on the server, so a
 * page load draws as soon as its data is in instead of laying out in the browser first (~0.4 s
 * of fcose at S2 on the page's CPU, every load in a fresh browser). It runs the page's own code
 * on the very JSON the page is sent (map-elements.ts, layout-key.ts, map-layout.ts), and the
 * page takes it only when the graph's hash matches its own: anything else (a link that opens a
 * namespace, observed edges a capture adds later) is laid out in the page as before.
 *
 * Small clusters are left to the page: it draws them at workload level from /api/reach, and
 * their layout takes a few milliseconds.
 */
import type cytoscape from 'cytoscape';
import type { Endpoint, Groups, MadeLayout } from '../ui/src/types.js';
import type { ObservedEdge } from '../ui/src/map-elements.js';
import { DETAIL_LIMIT } from '../ui/src/store.js';
import type { Session } from './session.js';

const made = new WeakMap<Session, MadeLayout>();

/** The session's first-picture layout, if one was made (`GET /api/map-layout`). */
export function madeLayout(s: Session): MadeLayout | undefined {
  return made.get(s);
}

/**
 * Lays out the first picture of `s` from the JSON texts the page receives. The layout code
 * (cytoscape and fcose) is loaded on first use: a small cluster never loads it.
 */
export async function prepareMapLayout(s: Session, texts: { endpoints: string; groups: string; observed: () => string | undefined }): Promise<void> {
  if (made.has(s)) return;
  const endpoints = JSON.parse(texts.endpoints) as Endpoint[];
  if (endpoints.length <= DETAIL_LIMIT) return;
  const [{ mapElements }, { layoutInput }, { layout }] = await Promise.all([import('../ui/src/map-elements.js'), import('../ui/src/layout-key.js'), import('../ui/src/map-layout.js')]);
  const groups = JSON.parse(texts.groups) as Groups;
  const observedText = texts.observed();
  const observed = observedText === undefined ? undefined : (JSON.parse(observedText) as ObservedEdge[]);
  const data = { groups, endpoints, byId: new Map(endpoints.map((e) => [e.id, e])), loaded: new Set<string>(), connections: [] };
  // As map-view.ts renders a large cluster on arrival: every namespace collapsed, no filter, the allowed view.
  const allowed: cytoscape.ElementDefinition[] = mapElements(data, { nsFocus: '' }).elements;
  const other = observed ? mapElements(data, { nsFocus: '', observed }).elements : [];
  const { subset, hash } = layoutInput(allowed, other);
  const t0 = performance.now();
  const { positions, recipe } = layout(subset);
  made.set(s, { hash, positions, note: `${recipe} ${Math.round(performance.now() - t0)} ms` });
}
