/**
 * A worker of the parallel manifest reader (parallel-parse.ts): parses the chunks of whole YAML
 * documents it is sent, exactly as parseManifests does on the main thread, and answers with the
 * objects as JSON text (JSON.parse on the main thread is about twice as fast as structured
 * clone), or as structured clone when a value JSON cannot carry (NaN, ±Infinity, -0) occurs.
 * Line numbers are relative to the chunk; the reader adds the lines before it.
 */
import { parentPort } from 'node:worker_threads';
import { InputError } from '@lateral/core';
import { readManifestBytes, type SourceObject } from './parse-manifests.js';

export type ToManifestWorker = { readonly seq: number; readonly bytes: Uint8Array; readonly file: string };

export type FromManifestWorker =
  | { readonly type: 'ready' }
  /** `lines`: line breaks in the chunk, so the reader knows the line the next one starts on. */
  | { readonly type: 'chunk'; readonly seq: number; readonly lines: number; readonly json: string }
  | { readonly type: 'chunk'; readonly seq: number; readonly lines: number; readonly objects: SourceObject[] }
  | { readonly type: 'input-error'; readonly seq: number; readonly detail: string; readonly location: InputError['location'] }
  | { readonly type: 'error'; readonly seq: number; readonly message: string };

function jsonSafe(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (v === null || typeof v !== 'object') return true;
  if (Array.isArray(v)) {
    for (const x of v) if (!jsonSafe(x)) return false;
    return true;
  }
  for (const k in v) if (!jsonSafe((v as Record<string, unknown>)[k])) return false;
  return true;
}

const port = parentPort!;
port.on('message', (m: ToManifestWorker) => {
  let reply: FromManifestWorker;
  try {
    const objects: SourceObject[] = [];
    const lines = readManifestBytes(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength), m.file, (o) => void objects.push(o));
    reply = objects.every((o) => jsonSafe(o.obj))
      ? { type: 'chunk', seq: m.seq, lines, json: JSON.stringify(objects) }
      : { type: 'chunk', seq: m.seq, lines, objects };
  } catch (e) {
    reply =
      e instanceof InputError
        ? { type: 'input-error', seq: m.seq, detail: e.detail, location: e.location }
        : { type: 'error', seq: m.seq, message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage({ type: 'ready' } satisfies FromManifestWorker);
