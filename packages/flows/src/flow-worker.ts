/**
 * A worker of the parallel reader (parallel-read.ts): parses the chunks of whole lines it is
 * sent with the input's line parser, and folds the records per pair of flow ends (ChunkFolder,
 * PeerFolder) until the input ends. Resolution and edges stay with the reader: they need the cluster, and
 * must see the flow ends in file order.
 */
import { Buffer } from 'node:buffer';
import { parentPort, workerData } from 'node:worker_threads';
import { ChunkFolder, type WorkerBadLine, type WorkerPeer } from './chunk-folder.js';
import type { FlowFormat } from './flow-set.js';
import { parserFor } from './line-parser.js';
import type { PeerAggregate } from './peer-folder.js';

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

export type { WorkerBadLine, WorkerPeer } from './chunk-folder.js';

export type FromWorker =
  | { readonly type: 'ready' }
  /** A chunk read: its buffer goes back to the reader for the next chunk. */
  | { readonly type: 'chunk'; readonly seq: number; readonly lines: number; readonly parsed: number; readonly bytes: Uint8Array }
  | {
      readonly type: 'done';
      readonly aggregates: readonly PeerAggregate[];
      /** The flow ends the parser memoized, with the line that first named each (in this worker). */
      readonly peers: readonly WorkerPeer[];
      readonly badLines: readonly WorkerBadLine[];
      readonly bad: number;
      readonly parsed: number;
      readonly nonEmpty: number;
      readonly ignored: number;
    }
  | { readonly type: 'error'; readonly message: string };

const port = parentPort!;
const init = workerData as WorkerInit;
const fold = new ChunkFolder((onPeer) => parserFor(init.format, init.header, onPeer), init.maxBadLines);

port.on('message', (m: ToWorker) => {
  try {
    if (m.type === 'chunk') {
      const r = fold.chunk(m.seq, Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.length), m.length, m.skipLine);
      port.postMessage({ type: 'chunk', seq: m.seq, ...r, bytes: m.bytes } satisfies FromWorker, [m.bytes.buffer as ArrayBuffer]);
    } else {
      port.postMessage({ type: 'done', aggregates: fold.folder.aggregates, peers: fold.peers, badLines: fold.badLines, bad: fold.bad, parsed: fold.parsed, nonEmpty: fold.nonEmpty, ignored: fold.ignored } satisfies FromWorker);
    }
  } catch (e) {
    port.postMessage({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies FromWorker);
  }
});
port.postMessage({ type: 'ready' } satisfies FromWorker);
