/**
 * Captures in, a FlowSet out: each input streamed line by line, its format detected (or
 * forced), each line parsed, resolved against the cluster and folded into distinct edges.
 */
import { InputError, type Cluster, type CompiledCluster } from '@lateral/core';
import { detectFormat } from './detect-format.js';
import { EdgeFolder } from './edge-folder.js';
import { BadFlowLine, type FlowPeer, type ParsedLine } from './flow-record.js';
import { FlowResolver } from './flow-resolver.js';
import type { BadLine, FlowFormat, FlowSet } from './flow-set.js';
import { parseCsvHeader, parseCsvLine } from './csv.js';
import { parseGadgetLine } from './gadget.js';
import { parseHubbleLine } from './hubble.js';
import { parseJsonlLine } from './jsonl.js';
import { fsReason, lineBatchesOf, openInput } from './line-source.js';

export interface ReadFlowsOptions {
  /** Skip detection: every input is in this format. */
  readonly format?: FlowFormat;
  /** What `-` reads (default process.stdin). */
  readonly stdin?: NodeJS.ReadableStream;
  /** Called with the records read so far, every PROGRESS_EVERY lines and at the end. */
  readonly onProgress?: (records: number) => void;
  /** The compiled cluster, when the caller has it already (compiling is the costly part). */
  readonly compiled?: CompiledCluster;
}

export const FLOW_FORMATS: readonly FlowFormat[] = ['hubble', 'gadget', 'csv', 'jsonl'];

/** Bad lines kept with their numbers; the rest are only counted. */
const MAX_BAD_LINES = 10;
/** Lines looked at to detect a format. */
const DETECT_LINES = 10;
const PROGRESS_EVERY = 1 << 16;

type LineParser = (line: string) => ParsedLine;

function parserFor(format: FlowFormat, header: string | undefined): LineParser {
  switch (format) {
    case 'hubble': {
      const peers = new Map<string, FlowPeer>();
      return (line) => parseHubbleLine(line, peers);
    }
    case 'gadget':
      return parseGadgetLine;
    case 'jsonl':
      return parseJsonlLine;
    case 'csv': {
      const h = parseCsvHeader(header!);
      return (line) => parseCsvLine(line, h);
    }
  }
}

export async function readFlows(inputs: string[], cluster: Cluster, opts: ReadFlowsOptions = {}): Promise<FlowSet> {
  const folder = new EdgeFolder(new FlowResolver(cluster, opts.compiled));
  const badLines: BadLine[] = [];
  let badLineCount = 0;
  let stdinRead = false;
  let sinceProgress = 0;

  for (const input of inputs) {
    // `-` given twice reads the stream once: it cannot be rewound.
    if (input === '-') {
      if (stdinRead) continue;
      stdinRead = true;
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
      reading: for await (const batch of lineBatchesOf(stream)) {
        for (const line of batch) {
          lineNo++;
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
      if (e instanceof InputError) throw e;
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
    if (parsed === 0 && bad === 0) {
      throw new InputError(nonEmpty === 0 ? 'no flow records (the input is empty)' : 'no flow records', { file: name });
    }
    if (parsed === 0 && bad > 0) {
      throw new InputError(`no line is a ${format} flow record (line ${firstBad!.line}: ${firstBad!.message})`, {
        file: name,
      });
    }
  }
  opts.onProgress?.(folder.records);
  return folder.result(badLines, badLineCount);
}
