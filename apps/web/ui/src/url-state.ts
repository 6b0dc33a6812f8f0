/**
 * The view state in the URL's fragment, so a shared link reopens the same view:
 * `#map?ns=shop&edges=observed&from=shop%2Ffrontend&change=<base64url JSON>`. The change is
 * the what-if request (YAML to apply, policies to delete), packed as base64url of its JSON. The
 * fragment never reaches the server.
 */
import type { WhatIfRequest } from './types.js';

export const VIEWS = ['map', 'blast', 'matrix', 'whatif', 'generate'] as const;
export type ViewId = (typeof VIEWS)[number];

export interface UrlState {
  view: ViewId;
  /** Map: the namespace picked. */
  ns?: string;
  /** Map: `observed` for observed flows (allowed is the default). */
  edges?: string;
  /** The foothold: the blast radius's, and the what-if's. */
  from?: string;
  /** The what-if change. */
  change?: Omit<WhatIfRequest, 'from'>;
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

export function encodeState(s: UrlState): string {
  const q = new URLSearchParams();
  if (s.ns) q.set('ns', s.ns);
  if (s.edges && s.edges !== 'allowed') q.set('edges', s.edges);
  if (s.from) q.set('from', s.from);
  if (s.change && (s.change.yaml.trim() || s.change.delete.length)) q.set('change', toBase64Url(JSON.stringify({ yaml: s.change.yaml, delete: s.change.delete })));
  const qs = q.toString();
  return `#${s.view}${qs ? `?${qs}` : ''}`;
}

/** A fragment back as state; anything unreadable is left out (a mangled link opens the map). */
export function decodeState(hash: string): UrlState {
  const raw = hash.replace(/^#/, '');
  const at = raw.indexOf('?');
  const view = (at < 0 ? raw : raw.slice(0, at)) as ViewId;
  const q = new URLSearchParams(at < 0 ? '' : raw.slice(at + 1));
  const out: UrlState = { view: VIEWS.includes(view) ? view : 'map' };
  const ns = q.get('ns');
  if (ns) out.ns = ns;
  const edges = q.get('edges');
  if (edges === 'observed') out.edges = edges;
  const from = q.get('from');
  if (from) out.from = from;
  const change = q.get('change');
  if (change) {
    try {
      const c = JSON.parse(fromBase64Url(change)) as { yaml?: unknown; delete?: unknown };
      if (typeof c.yaml === 'string' && Array.isArray(c.delete) && c.delete.every((d) => typeof d === 'string')) out.change = { yaml: c.yaml, delete: c.delete as string[] };
    } catch {
      // Not ours: ignored.
    }
  }
  return out;
}
