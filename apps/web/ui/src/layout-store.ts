/**
 * Layouts kept across page loads, in the browser's localStorage: a reload (or a second tab) of
 * the same graph draws at once, with every node where it was. The key is a hash of what the
 * layout ran on (node ids and the edges it saw), so a changed cluster gets a fresh layout and an
 * unchanged one — even after a watched cluster's unrelated change — keeps its picture. A few are
 * kept, the least recently used dropped; storage that is full or switched off only means no reuse.
 */
export interface KeptLayout {
  readonly positions: Record<string, { x: number; y: number }>;
  /** How it was made (recipe and time), for the status line. */
  readonly note: string;
}

export { layoutHash } from './layout-key.js';

const PREFIX = 'lateral-layout:';
const INDEX = 'lateral-layouts';
/** Layouts kept; an S2 namespace picture is ~10 KB, an expanded one some 100 KB. */
const KEPT = 8;

function index(storage: Storage): string[] {
  try {
    const v: unknown = JSON.parse(storage.getItem(INDEX) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function loadLayout(storage: Storage | undefined, key: string): KeptLayout | undefined {
  if (!storage) return undefined;
  try {
    const v = storage.getItem(PREFIX + key);
    if (!v) return undefined;
    const kept = JSON.parse(v) as KeptLayout;
    storage.setItem(INDEX, JSON.stringify([...index(storage).filter((k) => k !== key), key]));
    return kept;
  } catch {
    return undefined;
  }
}

export function saveLayout(storage: Storage | undefined, key: string, layout: KeptLayout): void {
  if (!storage) return;
  try {
    const keys = [...index(storage).filter((k) => k !== key), key];
    for (const old of keys.splice(0, Math.max(0, keys.length - KEPT))) storage.removeItem(PREFIX + old);
    storage.setItem(PREFIX + key, JSON.stringify(layout));
    storage.setItem(INDEX, JSON.stringify(keys));
  } catch {
    // Full or switched off: the next load lays out again.
  }
}
