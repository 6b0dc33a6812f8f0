/**
 * Parsing one large YAML stream on every core: the main thread cuts the bytes at document
 * boundaries (`---` lines, see yaml-documents.ts) into chunks, workers (manifest-worker.ts)
 * parse them as parseManifests would, and the main thread takes their answers back in file
 * order, adding to each line number the lines of the chunks before. The first error in file
 * order is the one reported, as in a sequential read.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError } from '@lateral/core';
import type { FromManifestWorker, ToManifestWorker } from './manifest-worker.js';
import { isByteMarker } from './yaml-documents.js';
import { readManifestBytes, type ObjectSink, type SourceObject } from './parse-manifests.js';

/** Smaller inputs are parsed on the main thread: starting workers costs a few tenths of a second. */
export const PARALLEL_MIN_BYTES = 16 * 2 ** 20;
/** Bytes per chunk (cut at the next document boundary). */
const CHUNK_BYTES = 2 * 2 ** 20;
/** Chunks in flight per worker: enough to keep it busy, few enough to bound memory. */
const IN_FLIGHT = 3;

/**
 * Workers to use by default: none below 4 cores. Measured on 2 cores (S3, 115 MB): the fast
 * reader parses the stream in ~5 s of CPU on the main thread, while handing the objects back
 * from workers (JSON.stringify there, JSON.parse here) costs about as much again, and starting
 * a worker under tsx ~0.7 s each — 2 workers took 12.5 s of CPU to save at most a second of wall
 * time, and lost it whenever the cores were busy. With 4 or more cores the main thread's share
 * (JSON.parse) runs beside 3 or more parsing workers.
 */
export function defaultManifestWorkers(): number {
  const n = availableParallelism();
  return n >= 4 ? Math.min(n - 1, 4) : 0;
}

const NL = 0x0a;

/**
 * Where to cut `bytes` (offsets of document starts), or undefined when the stream has
 * directives or `...` document ends, which only a whole-stream read handles.
 */
export function chunkCuts(bytes: Buffer, chunkBytes = CHUNK_BYTES): number[] | undefined {
  // Searched for by their rare characters (a `%`, `...`), then checked to start a line: a
  // search for `\n%` stops at every line break, and a large stream has millions.
  if (bytes[0] === 0x25 || isByteMarker(bytes, 0, 0x2e)) return undefined;
  for (let at = bytes.indexOf(0x25); at >= 0; at = bytes.indexOf(0x25, at + 1)) if (bytes[at - 1] === NL) return undefined;
  for (let at = bytes.indexOf('...'); at >= 0; at = bytes.indexOf('...', at + 1)) if (bytes[at - 1] === NL && isByteMarker(bytes, at, 0x2e)) return undefined;
  const cuts: number[] = [];
  let from = chunkBytes;
  while (from < bytes.length) {
    let at = bytes.indexOf('\n---', from - 1);
    while (at >= 0 && !isByteMarker(bytes, at + 1, 0x2d)) at = bytes.indexOf('\n---', at + 1);
    if (at < 0) break;
    cuts.push(at + 1);
    from = at + 1 + chunkBytes;
  }
  return cuts;
}

/**
 * The same chunks on this thread, one after the other, yielding to the event loop between them
 * so that a progress line can be drawn while a large stream is read. Each object goes to `sink`
 * as soon as its document is read, its line counted from the start of the stream.
 */
async function parseInChunksHere(
  bytes: Buffer,
  file: string,
  chunks: readonly { start: number; end: number }[],
  onBytes: ((done: number) => void) | undefined,
  sink: ObjectSink,
): Promise<void> {
  let line = 1;
  for (const { start, end } of chunks) {
    line += readManifestBytes(bytes.subarray(start, end), file, sink, line);
    onBytes?.(end);
    await new Promise<void>((r) => setImmediate(r));
  }
}

/**
 * A worker running manifest-worker.ts. Under a TypeScript loader (tsx: how the CLI and the
 * benchmarks run, and vitest) it registers tsx itself, since workers do not inherit loader
 * hooks; built, it runs manifest-worker.js beside this file. Undefined when none can start.
 */
async function startWorker(): Promise<Worker | undefined> {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./manifest-worker.${ts ? 'ts' : 'js'}`, import.meta.url).href;
  let code: string;
  try {
    code = ts
      ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`
      : `import(${JSON.stringify(entry)});`;
  } catch {
    return undefined;
  }
  const worker = new Worker(code, { eval: true });
  const ok = await new Promise<boolean>((resolve) => {
    worker.once('message', (m: FromManifestWorker) => resolve(m.type === 'ready'));
    worker.once('error', () => resolve(false));
    worker.once('exit', () => resolve(false));
  });
  if (ok) return worker;
  await worker.terminate();
  return undefined;
}

/**
 * Parses `bytes` (a YAML stream, BOM removed) with `workers` workers, or chunk by chunk on this
 * thread with 0; undefined when it should be parsed in one piece instead (directives, `...`,
 * one chunk only, no worker started).
 * `onBytes` is told how many bytes are parsed so far.
 */
export async function parseManifestsInParallel(
  bytes: Buffer,
  file: string,
  workers: number,
  opts: { readonly chunkBytes?: number; readonly onBytes?: (done: number) => void; readonly sink?: ObjectSink } = {},
): Promise<SourceObject[] | undefined> {
  const cuts = chunkCuts(bytes, opts.chunkBytes);
  if (!cuts || cuts.length === 0) return undefined;
  const bounds = [0, ...cuts, bytes.length];
  const chunks = bounds.slice(1).map((end, i) => ({ start: bounds[i]!, end }));
  // With a sink the objects go there, and the answer is an empty list (parsed, nothing held).
  const out: SourceObject[] = [];
  const sink: ObjectSink = opts.sink ?? ((o) => void out.push(o));
  if (workers < 1) {
    await parseInChunksHere(bytes, file, chunks, opts.onBytes, sink);
    return out;
  }
  const pool = (await Promise.all(Array.from({ length: Math.min(workers, chunks.length) }, () => startWorker()))).filter((w): w is Worker => w !== undefined);
  if (pool.length === 0) return undefined;

  const answers = new Map<number, FromManifestWorker>();
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let sent = 0;
  let taken = 0;
  /** Keeps every worker busy: in flight are the chunks sent and not yet answered. */
  const send = () => {
    while (sent < chunks.length && sent - taken - answers.size < IN_FLIGHT * pool.length) {
      const { start, end } = chunks[sent]!;
      // A buffer of its own, handed over rather than copied.
      const own = new Uint8Array(end - start);
      own.set(bytes.subarray(start, end));
      pool[sent % pool.length]!.postMessage({ seq: sent, bytes: own, file } satisfies ToManifestWorker, [own.buffer]);
      sent++;
    }
  };
  for (const w of pool) {
    w.on('message', (m: FromManifestWorker) => {
      if (m.type !== 'ready') answers.set(m.seq, m);
      send();
      wake?.();
    });
    w.on('error', (e) => {
      failure ??= e;
      wake?.();
    });
  }
  const waitFor = async (ready: () => boolean) => {
    while (!ready() && !failure) await new Promise<void>((r) => (wake = r));
    if (failure) throw failure;
  };

  try {
    let linesBefore = 0;
    let parsedBytes = 0;
    send();
    for (let seq = 0; seq < chunks.length; seq++) {
      await waitFor(() => answers.has(seq));
      const m = answers.get(seq)!;
      answers.delete(seq);
      taken++;
      send();
      if (m.type === 'input-error') {
        const line = m.location.line === undefined ? undefined : m.location.line + linesBefore;
        throw new InputError(m.detail, { ...m.location, ...(line !== undefined ? { line } : {}) });
      }
      if (m.type === 'error') throw new Error(`manifest reader worker failed: ${m.message}`);
      if (m.type !== 'chunk') continue;
      const objects: SourceObject[] = 'json' in m ? (JSON.parse(m.json) as SourceObject[]) : m.objects;
      for (const o of objects) {
        if (o.line !== undefined) o.line += linesBefore;
        sink(o);
      }
      linesBefore += m.lines;
      parsedBytes += chunks[seq]!.end - chunks[seq]!.start;
      opts.onBytes?.(parsedBytes);
    }
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return out;
}
