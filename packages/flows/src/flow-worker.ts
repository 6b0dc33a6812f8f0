/**
 * A worker of the parallel reader (parallel-read.ts): parses the chunks of whole lines it is
 * sent with the input's line parser, and folds the records per pair of flow ends (PeerFolder)
 * until the input ends. Resolution and edges stay with the reader: they need the cluster, and
 * must see the flow ends in file order.
 */
import { isAscii } from 'node:buffer';
import { parentPort, workerData } from 'node:worker_threads';
import { BadFlowLine } from './flow-record.js';
import type { FlowFormat } from './flow-set.js';
import { parserFor } from './line-parser.js';
import { PeerFolder, type PeerAggregate } from './peer-folder.js';

export interface WorkerInit {
  readonly format: FlowFormat;
  /** The CSV header row. */
  readonly header?: string;
  /** Bad lines kept (the first ones of this worker's share, by position). */
  readonly maxBadLines: number;
}

export type ToWorker =
  /** Whole lines in bytes[0, length); `skipLine`: a line number (1-based) that is the CSV header. */
  | { readonly type: 'chunk'; readonly seq: number; readonly bytes: Uint8Array; readonly length: number; readonly skipLine: number }
  | { readonly type: 'finish' };

export interface WorkerBadLine {
  readonly seq: number;
  readonly line: number;
  readonly message: string;
}

export type FromWorker =
  | { readonly type: 'ready' }
  /** A chunk read: its buffer goes back to the reader for the next chunk. */
  | { readonly type: 'chunk'; readonly seq: number; readonly lines: number; readonly parsed: number; readonly bytes: Uint8Array }
  | {
      readonly type: 'done';
      readonly aggregates: readonly PeerAggregate[];
      readonly badLines: readonly WorkerBadLine[];
      readonly bad: number;
      readonly parsed: number;
      readonly nonEmpty: number;
      readonly ignored: number;
    }
  | { readonly type: 'error'; readonly message: string };

const port = parentPort!;
const init = workerData as WorkerInit;
const parse = parserFor(init.format, init.header);
const folder = new PeerFolder();
const badLines: WorkerBadLine[] = [];
let bad = 0;
let parsed = 0;
let nonEmpty = 0;
let ignored = 0;

function chunk(seq: number, bytes: Uint8Array, length: number, skipLine: number): { lines: number; parsed: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, length);
  const before = parsed;
  let lineNo = 0;
  const read = (line: string | undefined, start: number, end: number) => {
    lineNo++;
    if (lineNo === skipLine || (line === undefined ? blank(buf, start, end) : line.trim() === '')) return;
    nonEmpty++;
    let rec;
    try {
      rec = line === undefined ? parse.bytes!(buf, start, end) : parse(line);
    } catch (e) {
      if (!(e instanceof BadFlowLine)) throw e;
      bad++;
      if (badLines.length < init.maxBadLines) badLines.push({ seq, line: lineNo, message: e.message });
      return;
    }
    parsed++;
    if (rec === null) ignored++;
    else folder.add(rec, seq, lineNo);
  };
  // Lines as lineBatchesOf cuts them: LF or CRLF; a last line without terminator only at the
  // end of the input (the reader cuts chunks after a newline).
  if (isAscii(buf)) {
    // An all-ASCII chunk (a Hubble capture, as a rule) is the same text read as Latin-1, byte
    // for character. A parser that reads bytes (Hubble's) is given them as they are; others get
    // each line as a small string on the worker's heap: decoding a whole chunk at once mapped
    // fresh memory for every chunk, and its page faults were a third of the read's.
    for (let start = 0; start < length; ) {
      const nl = buf.indexOf(10, start);
      const end = nl < 0 ? length : nl;
      const e = end > start && buf[end - 1] === 13 ? end - 1 : end;
      if (parse.bytes) read(undefined, start, e);
      else read(buf.toString('latin1', start, e), start, e);
      start = end + 1;
    }
  } else {
    const text = buf.toString('utf8');
    for (let start = 0; start < text.length; ) {
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl;
      read(text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end), 0, 0);
      start = end + 1;
    }
  }
  return { lines: lineNo, parsed: parsed - before };
}

/** An ASCII line that String.prototype.trim would make empty: tab, LF, VT, FF, CR and space only. */
function blank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c !== 0x20 && (c < 0x09 || c > 0x0d)) return false;
  }
  return true;
}

port.on('message', (m: ToWorker) => {
  try {
    if (m.type === 'chunk') {
      const r = chunk(m.seq, m.bytes, m.length, m.skipLine);
      port.postMessage({ type: 'chunk', seq: m.seq, ...r, bytes: m.bytes } satisfies FromWorker, [m.bytes.buffer as ArrayBuffer]);
    } else {
      port.postMessage({ type: 'done', aggregates: folder.aggregates, badLines, bad, parsed, nonEmpty, ignored } satisfies FromWorker);
    }
  } catch (e) {
    port.postMessage({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies FromWorker);
  }
});
port.postMessage({ type: 'ready' } satisfies FromWorker);
