/**
 * What a parallel reader's worker (flow-worker.ts) does with each chunk of whole lines: cut it
 * into lines as the sequential reader does (LF or CRLF; a last line without terminator only at
 * the end of the input, since the reader cuts chunks after a newline), parse each with the
 * input's line parser, and fold the records per pair of flow ends (PeerFolder). Bad lines are
 * kept by chunk and line number, so the reader can name them in file order.
 */
import { isAscii, type Buffer } from 'node:buffer';
import { BadFlowLine, type FlowPeer, type ParsedLine } from './flow-record.js';
import { UNSURE, type LineParser } from './line-parser.js';
import { PeerFolder } from './peer-folder.js';

export interface WorkerBadLine {
  readonly seq: number;
  readonly line: number;
  readonly message: string;
}

/** A flow end the parser's memo took, and the line (chunk sequence number, line within it) that named it. */
export interface WorkerPeer {
  readonly peer: FlowPeer;
  readonly seq: number;
  readonly line: number;
}

export class ChunkFolder {
  readonly folder = new PeerFolder();
  readonly badLines: WorkerBadLine[] = [];
  /**
   * Each flow end the parser memoized, with where: one entry per distinct end, not per line. A
   * pod named with other labels on a corrupted line further on is the same flow end, and each
   * worker keeps the spelling it saw first; the reader keeps, per flow end, the one seen first
   * in the file (parallel-read.ts), as the sequential reader's single memo does.
   */
  readonly peers: WorkerPeer[] = [];
  private readonly fresh: FlowPeer[] = [];
  private readonly parse: LineParser;
  bad = 0;
  parsed = 0;
  nonEmpty = 0;
  ignored = 0;

  constructor(
    /** The input's line parser, given the hook that tells of the flow ends it memoizes (parserFor's onPeer). */
    parser: (onPeer: (peer: FlowPeer) => void) => LineParser,
    /** Bad lines kept (the first ones of this worker's share, by position). */
    private readonly maxBadLines: number,
  ) {
    this.parse = parser((peer) => this.fresh.push(peer));
  }

  /** The flow ends memoized while the line at (seq, line) was parsed. */
  private placePeers(seq: number, line: number): void {
    for (const peer of this.fresh) this.peers.push({ peer, seq, line });
    this.fresh.length = 0;
  }

  /** The lines of buf[0, length); `skipLine`: a line number (1-based) that is the CSV header. */
  chunk(seq: number, buf: Buffer, length: number, skipLine: number): { lines: number; parsed: number } {
    const parse = this.parse;
    const before = this.parsed;
    let lineNo = 0;
    const badLine = (e: unknown) => {
      if (!(e instanceof BadFlowLine)) throw e;
      if (this.fresh.length !== 0) this.placePeers(seq, lineNo);
      this.bad++;
      if (this.badLines.length < this.maxBadLines) this.badLines.push({ seq, line: lineNo, message: e.message });
    };
    const read = (line: string | undefined, start: number, end: number) => {
      lineNo++;
      if (lineNo === skipLine || (line === undefined ? blank(buf, start, end) : line.trim() === '')) return;
      this.nonEmpty++;
      let rec;
      try {
        rec = line === undefined ? parse.bytes!(buf, start, end) : parse(line);
      } catch (e) {
        badLine(e);
        return;
      }
      this.record(rec, seq, lineNo);
    };
    if (isAscii(buf.subarray(0, length))) {
      // An all-ASCII chunk (a Hubble capture, as a rule) is the same text read as Latin-1, byte
      // for character. A parser that reads bytes (Hubble's) is given them as they are; others get
      // each line as a small string on the worker's heap: decoding a whole chunk at once mapped
      // fresh memory for every chunk, and its page faults were a third of the read's.
      const run = parse.run;
      for (let start = 0; start < length; ) {
        // A line the parser reads up to its own end (Hubble's scanner checks every byte of it
        // anyway): no second pass over it to find the newline first. A line it is not sure of
        // is cut and read as below.
        if (run !== undefined && buf[start] === 0x7b && lineNo + 1 !== skipLine) {
          lineNo++;
          let rec: ParsedLine | typeof UNSURE;
          try {
            rec = run(buf, start, length);
          } catch (e) {
            const end = parse.runEnd!();
            if (end < start) throw e;
            this.nonEmpty++;
            badLine(e);
            start = end + 1;
            continue;
          }
          if (rec !== UNSURE) {
            this.nonEmpty++;
            this.record(rec, seq, lineNo);
            start = parse.runEnd!() + 1;
            continue;
          }
          lineNo--;
        }
        const nl = buf.indexOf(10, start);
        const end = nl < 0 || nl >= length ? length : nl;
        const e = end > start && buf[end - 1] === 13 ? end - 1 : end;
        if (parse.bytes) read(undefined, start, e);
        else read(buf.toString('latin1', start, e), start, e);
        start = end + 1;
      }
    } else {
      const text = buf.toString('utf8', 0, length);
      for (let start = 0; start < text.length; ) {
        const nl = text.indexOf('\n', start);
        const end = nl < 0 ? text.length : nl;
        read(text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end), 0, 0);
        start = end + 1;
      }
    }
    return { lines: lineNo, parsed: this.parsed - before };
  }

  private record(rec: ParsedLine, seq: number, lineNo: number): void {
    if (this.fresh.length !== 0) this.placePeers(seq, lineNo);
    this.parsed++;
    if (rec === null) this.ignored++;
    else this.folder.add(rec, seq, lineNo);
  }
}

/** An ASCII line that String.prototype.trim would make empty: tab, LF, VT, FF, CR and space only. */
function blank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c !== 0x20 && (c < 0x09 || c > 0x0d)) return false;
  }
  return true;
}
