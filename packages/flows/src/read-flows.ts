/**
 * Captures in, a FlowSet out: each input streamed line by line, its format detected (or
 * forced), each line parsed, resolved against the cluster and folded into distinct edges.
 */
import { InputError, type Cluster, type CompiledCluster } from '@lateral/core';
import { detectFormat } from './detect-format.js';
import { EdgeFolder } from './edge-folder.js';
import { BadFlowLine, type ParsedLine } from './flow-record.js';
import { ConnectionResolver } from './connection-resolver.js';
import type { BadLine, FlowFormat, FlowSet } from './flow-set.js';
import { parserFor, type LineParser } from './line-parser.js';
import { fsReason, openInput, recordBatchesOf } from './line-source.js';
import { defaultWorkers, PARALLEL_MIN_BYTES, readFileInParallel } from './parallel-read.js';
import { stat } from 'node:fs/promises';

export interface ReadFlowsOptions {
  /** Skip detection: every input is in this format. */
  readonly format?: FlowFormat;
  /** What `-` reads (default process.stdin). */
  readonly stdin?: NodeJS.ReadableStream;
  /** Called with the records read so far, every PROGRESS_EVERY lines and at the end. */
  readonly onProgress?: (records: number) => void;
  /** The compiled cluster, when the caller has it already (compiling is the costly part). */
  readonly compiled?: CompiledCluster;
  /**
   * Worker threads that parse a file input in parallel (parallel-read.ts): 0 never; a number
   * for every file; default: one per core (up to 4) for files of PARALLEL_MIN_BYTES or more.
   * The FlowSet is the same either way.
   */
  readonly workers?: number;
}

export const FLOW_FORMATS: readonly FlowFormat[] = ['hubble', 'gadget', 'csv', 'jsonl'];

/** Bad lines kept with their numbers; the rest are only counted. */
const MAX_BAD_LINES = 10;
/** Lines looked at to detect a format. */
const DETECT_LINES = 10;
const PROGRESS_EVERY = 1 << 16;

/** An input that gave no record is an input error, naming the file. */
function checkInput(
  name: string,
  format: FlowFormat | undefined,
  parsed: number,
  bad: number,
  nonEmpty: number,
  firstBad: { line: number; message: string } | undefined,
): void {
  if (parsed === 0 && bad === 0) {
    throw new InputError(nonEmpty === 0 ? 'no flow records (the input is empty)' : 'no flow records', { file: name });
  }
  if (parsed === 0 && bad > 0) {
    throw new InputError(`no line is a ${format} flow record (line ${firstBad!.line}: ${firstBad!.message})`, {
      file: name,
    });
  }
}

/** The size of a regular file; -1 for anything else (openInput says what is wrong with it). */
async function fileSize(file: string): Promise<number> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : -1;
  } catch {
    return -1;
  }
}

export async function readFlows(inputs: string[], cluster: Cluster, opts: ReadFlowsOptions = {}): Promise<FlowSet> {
  const folder = new EdgeFolder(new ConnectionResolver(cluster, opts.compiled));
  const badLines: BadLine[] = [];
  let badLineCount = 0;
  let stdinRead = false;
  let sinceProgress = 0;
  /** Progress of a parallel read: records of earlier inputs plus this one's so far. */
  const progressIn = () => {
    if (!opts.onProgress) return undefined;
    const base = folder.records;
    let last = 0;
    return (records: number) => {
      if (records - last < PROGRESS_EVERY) return;
      last = records;
      opts.onProgress!(base + records);
    };
  };

  for (const input of inputs) {
    // `-` given twice reads the stream once: it cannot be rewound.
    if (input === '-') {
      if (stdinRead) continue;
      stdinRead = true;
    }
    const size = input === '-' ? -1 : await fileSize(input);
    const workers = size < 0 ? 0 : (opts.workers ?? (size >= PARALLEL_MIN_BYTES ? defaultWorkers() : 0));
    if (workers > 0) {
      let r;
      try {
        const limits = { maxBadLines: MAX_BAD_LINES, detectLines: DETECT_LINES };
        r = await readFileInParallel(input, opts.format, workers, folder, badLines, limits, progressIn());
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw new InputError(fsReason(e), { file: input });
      }
      if (r) {
        badLineCount += r.bad;
        checkInput(input, r.format, r.parsed, r.bad, r.nonEmpty, r.firstBad);
        continue;
      }
    }
    const { name, stream } = await openInput(input, opts.stdin);
    let format = opts.format;
    let parse: LineParser | undefined;
    const pending: { line: string; n: number }[] = [];
    let lineNo = 0;
    let nonEmpty = 0;
    let parsed = 0;
    let bad = 0;
    let firstBad: { line: number; message: string } | undefined;

    const start = (header?: { line: string; n: number }) => {
      try {
        parse = parserFor(format!, header?.line);
      } catch (e) {
        if (e instanceof BadFlowLine) throw new InputError(e.message, { file: name, ...(header ? { line: header.n } : {}) });
        throw e;
      }
    };
    const handle = (line: string, n: number) => {
      let rec: ParsedLine;
      try {
        rec = parse!(line);
      } catch (e) {
        if (!(e instanceof BadFlowLine)) throw e;
        bad++;
        badLineCount++;
        firstBad ??= { line: n, message: e.message };
        if (badLines.length < MAX_BAD_LINES) badLines.push({ file: name, line: n, message: e.message });
        return;
      }
      parsed++;
      if (rec === null) folder.ignored++;
      else folder.add(rec);
      if (opts.onProgress && ++sinceProgress >= PROGRESS_EVERY) {
        sinceProgress = 0;
        opts.onProgress(folder.records);
      }
    };

    try {
      reading: for await (const batch of recordBatchesOf(stream)) {
        for (let i = 0; i < batch.texts.length; i++) {
          const line = batch.texts[i]!;
          lineNo = batch.lines[i]!;
          if (line.trim() === '') continue;
          nonEmpty++;
          if (parse) {
            handle(line, lineNo);
            continue;
          }
          if (format === 'csv') {
            // Forced CSV: the first non-empty line is the header.
            start({ line, n: lineNo });
            continue;
          }
          pending.push({ line, n: lineNo });
          format ??= detectFormat(pending.map((p) => p.line));
          if (format === undefined && pending.length < DETECT_LINES) continue;
          if (format === undefined) break reading;
          const header = format === 'csv' ? pending.shift() : undefined;
          start(header);
          for (const p of pending.splice(0)) handle(p.line, p.n);
        }
      }
    } catch (e) {
      if (e instanceof InputError) throw e.location.file ? e : e.within({ file: name });
      throw new InputError(fsReason(e), { file: name });
    }
    if (!parse && format === undefined && pending.length > 0) {
      throw new InputError(
        `cannot tell the flow format from the first lines; name it (--flow-format ${FLOW_FORMATS.join('|')})`,
        { file: name },
      );
    }
    if (!parse && pending.length > 0) {
      // Fewer lines than DETECT_LINES, format known only now (or forced): handle them.
      const header = format === 'csv' ? pending.shift() : undefined;
      start(header);
      for (const p of pending.splice(0)) handle(p.line, p.n);
    }
    checkInput(name, format, parsed, bad, nonEmpty, firstBad);
  }
  opts.onProgress?.(folder.records);
  return folder.result(badLines, badLineCount);
}
