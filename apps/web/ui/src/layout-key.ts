/**
 * What a layout is run on and the key it is kept under: the same on the page (map-view.ts, the
 * localStorage store) and on the server (the first picture laid out ahead), so a layout computed
 * on either side is used only for exactly the graph it was made for.
 */
import type cytoscape from 'cytoscape';
import { layoutSubset } from './map-elements.js';

/** 64-bit FNV-1a over the text, as hex: collisions between two graphs of one cluster are not a concern at this width. */
export function layoutHash(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193 + 0x2f);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/**
 * The layout's input for the allowed view's elements plus the nodes only the observed view draws
 * (both views of one graph share a layout, so switching between them moves nothing): the
 * elements handed to the layout (layoutSubset's few edges per node), the node-set key positions
 * are kept under in the page, and the hash of nodes and edges seen that a stored or
 * server-made layout must match.
 */
export function layoutInput(allowed: cytoscape.ElementDefinition[], observed: cytoscape.ElementDefinition[] = []): { subset: cytoscape.ElementDefinition[]; key: string; hash: string } {
  const ids = new Set(allowed.filter((e) => e.group === 'nodes').map((e) => e.data.id!));
  const extra = observed.filter((e) => e.group === 'nodes' && !ids.has(e.data.id!));
  for (const e of extra) ids.add(e.data.id!);
  const key = [...ids].sort().join('\u0001');
  const subset = layoutSubset([...allowed, ...extra]);
  const hash = layoutHash(`${key}\u0002${subset.filter((e) => e.group === 'edges').map((e) => `${e.data.source}>${e.data.target}`).join('\u0001')}`);
  return { subset, key, hash };
}
