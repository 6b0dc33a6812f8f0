/**
 * Graph layout off the UI thread, in a Web Worker, so a large map never freezes the tab. It
 * returns positions (map-layout.ts); the page draws with a preset layout.
 */
import type cytoscape from 'cytoscape';
import { layout, type Positions } from './map-layout.js';

export interface LayoutRequest {
  id: number;
  elements: cytoscape.ElementDefinition[];
}
export interface LayoutResponse {
  id: number;
  positions: Positions;
  /** Which recipe ran and how long it took in the worker, for the status line. */
  recipe?: string;
  ms?: number;
  error?: string;
}

self.onmessage = (ev: MessageEvent<LayoutRequest>) => {
  const { id, elements } = ev.data;
  const t0 = performance.now();
  try {
    const { positions, recipe } = layout(elements);
    (self as unknown as Worker).postMessage({ id, positions, recipe, ms: Math.round(performance.now() - t0) } satisfies LayoutResponse);
  } catch (e) {
    (self as unknown as Worker).postMessage({ id, positions: {}, error: String(e) } satisfies LayoutResponse);
  }
};
