/**
 * Reading one big capture file on every core: the main thread reads (and gunzips) the bytes and
 * cuts them into chunks of whole lines; workers (flow-worker.ts) parse them and fold the records
 * per pair of flow ends; at the end the reader resolves and folds those aggregates into edges in
 * the order of their first records, which is what a sequential read does (the first pod a
 * capture names for a workload is its representative), so the FlowSet is the same.
 *
 * Parsing is most of the cost of a raw capture (JSON.parse of a Hubble line with two label
 * lists), and it is per line, so it parallelizes; resolution and edges need the cluster and
 * file order, and are per distinct connection, so they stay here.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { detectFormat } from './detect-format.js';
import type { EdgeFolder } from './edge-folder.js';
import { BadFlowLine, type FlowPeer } from './flow-record.js';
import type { BadLine, FlowFormat } from './flow-set.js';
import type { FromWorker, ToWorker, WorkerBadLine, WorkerInit } from './flow-worker.js';
import { parserFor } from './line-parser.js';
import { BOM, decoded, MAX_LINE_CHARS } from './line-source.js';
import { InputError } from '@lateral/core';
import type { PeerAggregate } from './peer-folder.js';

/** Files smaller than this are read on the main thread: starting workers costs ~0.2 s. */
export const PARALLEL_MIN_BYTES = 32 * 2 ** 20;
/** Bytes per chunk sent to a worker (cut after the last newline). */
const CHUNK_BYTES = 4 * 2 ** 20;
/** Chunks in flight per worker: enough to keep it busy, few enough to bound memory. */
const IN_FLIGHT = 2;

/** Workers to use: all cores but none when there is only one, and at most 4. */
export function defaultWorkers(): number {
  const n = availableParallelism();
  return n > 1 ? Math.min(n, 4) : 0;
}

export interface ParallelFileResult {
  readonly format: FlowFormat;
  readonly parsed: number;
  readonly bad: number;
  readonly nonEmpty: number;
  readonly firstBad?: { readonly line: number; readonly message: string };
}

interface Head {
  readonly format: FlowFormat;
  /** The CSV header: its line number. */
  readonly header?: { readonly line: string; readonly n: number };
}

/**
 * The format (and CSV header) from the first lines of the input, as the sequential reader
 * tells them; undefined when it cannot from these bytes (then the sequential reader reads the
 * file and says why).
 */
function headOf(bytes: Buffer, forced: FlowFormat | undefined, detectLines: number): Head | undefined {
  if (startsWithArray(bytes)) return undefined;
  const lines: { line: string; n: number }[] = [];
  let start = 0;
  let n = 0;
  while (lines.length < detectLines) {
    const nl = bytes.indexOf(10, start);
    if (nl < 0) break;
    let line = bytes.toString('utf8', start, nl);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    start = nl + 1;
    n++;
    if (line.trim() !== '') lines.push({ line, n });
  }
  if (lines.length === 0) return undefined;
  if (forced === 'csv') return { format: 'csv', header: lines[0]! };
  if (forced) return { format: forced };
  const pending: string[] = [];
  for (const l of lines) {
    pending.push(l.line);
    const format = detectFormat(pending);
    if (format) return format === 'csv' ? { format, header: lines[0]! } : { format };
  }
  return undefined;
}

/** A JSON array of records (`jq -s`): cut into elements by the sequential reader, not into lines. */
function startsWithArray(bytes: Buffer): boolean {
  for (const b of bytes) {
    if (b === 91) return true;
    if (b !== 32 && b !== 9 && b !== 10 && b !== 13) return false;
  }
  return false;
}

/**
 * A worker that runs flow-worker.ts. Under a TypeScript loader (tsx: how the CLI and the
 * benchmarks run) the worker registers tsx itself, since workers do not inherit loader hooks:
 * tsx's require hooks first, which compile in the worker's own thread (its ESM hooks run a
 * loader thread per worker and answer each import through it: about three times the start-up
 * time), then its ESM hooks. Undefined when no worker can be started here (e.g. under
 * vitest's transform).
 */
async function startWorker(init: WorkerInit): Promise<Worker | undefined> {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./flow-worker.${ts ? 'ts' : 'js'}`, import.meta.url);
  let codes: string[];
  try {
    codes = ts
      ? [
          `const api = require(${JSON.stringify(createRequire(import.meta.url).resolve('tsx/cjs/api'))}); api.register(); require(${JSON.stringify(fileURLToPath(entry))});`,
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`,
        ]
      : [`import(${JSON.stringify(entry.href)});`];
  } catch {
    return undefined;
  }
  for (const code of codes) {
    const worker = new Worker(code, { eval: true, workerData: init });
    const ok = await new Promise<boolean>((resolve) => {
      worker.once('message', (m: FromWorker) => resolve(m.type === 'ready'));
      worker.once('error', () => resolve(false));
      worker.once('exit', () => resolve(false));
    });
    if (ok) return worker;
    await worker.terminate();
  }
  return undefined;
}

/**
 * Reads `file` with `workers` workers into `folder`; undefined when it should be read
 * sequentially instead (format not told by the first chunk, no worker could start), before
 * anything was added to the folder.
 */
export async function readFileInParallel(
  file: string,
  forced: FlowFormat | undefined,
  workers: number,
  folder: EdgeFolder,
  badLines: BadLine[],
  limits: { readonly maxBadLines: number; readonly detectLines: number; readonly chunkBytes?: number },
  onRecords?: (records: number) => void,
): Promise<ParallelFileResult | undefined> {
  const source = await bytesOf(file);
  try {
    return await readChunks(file, source.fill, forced, workers, folder, badLines, limits, onRecords);
  } finally {
    await source.close();
  }
}

/** Reads bytes into `buf` from `at` on; 0 at the end of the input. */
type Fill = (buf: Buffer, at: number) => Promise<number>;

/**
 * The input's bytes as the sequential reader sees them (decoded(): gunzipped, without a
 * byte-order mark). A plain file is read straight into the chunk buffers: no stream pieces to
 * copy together, which was most of the main thread's time next to the workers.
 */
async function bytesOf(file: string): Promise<{ fill: Fill; close: () => Promise<void> }> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(BOM.length);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (!(bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b)) {
      let position = bytesRead === BOM.length && BOM.every((b, i) => head[i] === b) ? BOM.length : 0;
      return {
        fill: async (buf, at) => {
          const r = await fh.read(buf, at, buf.length - at, position);
          position += r.bytesRead;
          return r.bytesRead;
        },
        close: () => fh.close(),
      };
    }
  } catch (e) {
    await fh.close();
    throw e;
  }
  await fh.close();
  const stream = await decoded(createReadStream(file, { highWaterMark: 2 ** 20 }));
  const it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0);
  return {
    fill: async (buf, at) => {
      while (pending.length === 0) {
        const n = await it.next();
        if (n.done) return 0;
        pending = n.value;
      }
      const k = pending.copy(buf, at, 0, Math.min(pending.length, buf.length - at));
      pending = pending.subarray(k);
      return k;
    },
    close: async () => {
      (stream as unknown as { destroy?: () => void }).destroy?.();
    },
  };
}

async function readChunks(
  file: string,
  fill: Fill,
  forced: FlowFormat | undefined,
  workers: number,
  folder: EdgeFolder,
  badLines: BadLine[],
  limits: { readonly maxBadLines: number; readonly detectLines: number; readonly chunkBytes?: number },
  onRecords?: (records: number) => void,
): Promise<ParallelFileResult | undefined> {
  const chunkBytes = limits.chunkBytes ?? CHUNK_BYTES;
  /** What followed the last newline of the previous chunk: the start of the next one. */
  let carry: Buffer = Buffer.alloc(0);
  let eof = false;
  /** The size of the next chunk's buffer (doubled past a line longer than a chunk). */
  let cap = chunkBytes;
  let cutOnce = false;
  /**
   * Chunk buffers the workers handed back: reused, so that the pages of a gigabyte capture are
   * not faulted in afresh chunk after chunk (a fifth of the read's CPU time was the kernel's).
   */
  const spare: Buffer[] = [];
  /** The next chunk of whole lines (all that is left at the end), in a buffer of its own. */
  const nextChunk = async (): Promise<{ bytes: Buffer; length: number } | undefined> => {
    for (;;) {
      if (eof && carry.length === 0) return undefined;
      const size = Math.max(cap, carry.length + 1);
      const all = size === chunkBytes && spare.length > 0 ? spare.pop()! : Buffer.allocUnsafeSlow(size);
      carry.copy(all, 0);
      let filled = carry.length;
      while (!eof && filled < all.length) {
        const n = await fill(all, filled);
        if (n === 0) eof = true;
        else filled += n;
      }
      if (eof) {
        carry = Buffer.alloc(0);
        return filled === 0 ? undefined : { bytes: all, length: filled };
      }
      const cut = all.lastIndexOf(10, filled - 1) + 1;
      if (cut > 0) {
        carry = Buffer.from(all.subarray(cut, filled));
        cap = chunkBytes;
        cutOnce = true;
        return { bytes: all, length: cut };
      }
      carry = all; // one line longer than a chunk: read on, up to the longest line allowed
      if (!cutOnce && startsWithArray(all)) return undefined; // the sequential reader's
      if (filled > MAX_LINE_CHARS) {
        throw new InputError(`a line is longer than ${MAX_LINE_CHARS.toLocaleString('en-US')} characters: a capture has one flow record per line (JSON lines, CSV) or is one JSON array of records`, { file });
      }
      cap = filled * 2;
    }
  };

  const first = await nextChunk();
  if (!first) return undefined;
  const head = headOf(first.bytes.subarray(0, first.length), forced, limits.detectLines);
  if (!head) return undefined;
  try {
    parserFor(head.format, head.header?.line); // a bad CSV header: the sequential reader's error
  } catch (e) {
    if (e instanceof BadFlowLine) return undefined;
    throw e;
  }
  const init: WorkerInit = { format: head.format, maxBadLines: limits.maxBadLines, ...(head.header ? { header: head.header.line } : {}) };
  const pool = (await Promise.all(Array.from({ length: workers }, () => startWorker(init)))).filter((w): w is Worker => w !== undefined);
  if (pool.length < workers) {
    await Promise.all(pool.map((w) => w.terminate()));
    return undefined;
  }

  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let inFlight = 0;
  let parsedSoFar = 0;
  const lines: number[] = [];
  const done: Extract<FromWorker, { type: 'done' }>[] = [];
  for (const w of pool) {
    w.on('message', (m: FromWorker) => {
      if (m.type === 'chunk') {
        inFlight--;
        if (m.bytes.byteLength === chunkBytes) spare.push(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
        lines[m.seq] = m.lines;
        parsedSoFar += m.parsed;
        onRecords?.(parsedSoFar);
      } else if (m.type === 'done') done.push(m);
      else if (m.type === 'error') failure ??= new Error(`flow reader worker failed: ${m.message}`);
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
    let seq = 0;
    for (let chunk: { bytes: Buffer; length: number } | undefined = first; chunk; chunk = await nextChunk()) {
      await waitFor(() => inFlight < IN_FLIGHT * pool.length);
      const msg: ToWorker = { type: 'chunk', seq, bytes: chunk.bytes, length: chunk.length, skipLine: seq === 0 && head.header ? head.header.n : 0 };
      // The chunk's buffer is its own (allocUnsafeSlow): handed over, not copied.
      pool[seq % pool.length]!.postMessage(msg, [chunk.bytes.buffer as ArrayBuffer]);
      inFlight++;
      seq++;
    }
    for (const w of pool) w.postMessage({ type: 'finish' } satisfies ToWorker);
    await waitFor(() => done.length === pool.length);
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }

  // Back in file order: chunk by chunk, line by line.
  const offset: number[] = [];
  let total = 0;
  for (let s = 0; s < lines.length; s++) {
    offset[s] = total;
    total += lines[s] ?? 0;
  }
  const at = (x: { seq: number; line: number }) => offset[x.seq]! + x.line;
  // Per flow end (its key), the spelling the sequential reader's memo keeps: the one on the first
  // line in the file that named it. A corrupted line can name a pod with other labels (or an
  // address), and each worker kept the first spelling in its own chunks.
  const firstPeer = new Map<string, { peer: FlowPeer; at: number }>();
  for (const d of done) {
    for (const p of d.peers) {
      const where = at(p);
      const known = firstPeer.get(p.peer.key);
      if (known === undefined || where < known.at) firstPeer.set(p.peer.key, { peer: p.peer, at: where });
    }
  }
  const spelled = (peer: FlowPeer) => firstPeer.get(peer.key)?.peer ?? peer;
  const aggregates: PeerAggregate[] = done.flatMap((d) => d.aggregates);
  aggregates.sort((a, b) => at(a) - at(b));
  for (const a of aggregates) folder.addRecords(spelled(a.src), spelled(a.dst), a.port, a.protocol, a.records, a.count, a.dropped, a.first, a.last);
  const bads: WorkerBadLine[] = done.flatMap((d) => d.badLines).sort((a, b) => at(a) - at(b));
  for (const b of bads) {
    if (badLines.length < limits.maxBadLines) badLines.push({ file, line: at(b), message: b.message });
  }
  folder.ignored += done.reduce((s, d) => s + d.ignored, 0);
  const firstBad = bads[0];
  return {
    format: head.format,
    parsed: done.reduce((s, d) => s + d.parsed, 0),
    bad: done.reduce((s, d) => s + d.bad, 0),
    nonEmpty: done.reduce((s, d) => s + d.nonEmpty, 0) + (head.header ? 1 : 0),
    ...(firstBad ? { firstBad: { line: at(firstBad), message: firstBad.message } } : {}),
  };
}
