/**
 * The line parser of a format: what the sequential reader and the parallel workers both run,
 * so that a line means the same whichever reads it.
 */
import { parseCsvHeader, parseCsvLine } from './csv.js';
import type { FlowPeer, ParsedLine } from './flow-record.js';
import type { FlowFormat } from './flow-set.js';
import { parseGadgetLine } from './gadget.js';
import type { Buffer } from 'node:buffer';
import { parseHubbleBytes, parseHubbleLine, parseHubbleRun, UNSURE } from './hubble.js';
import { HubbleScanner } from './hubble-scan.js';
import { parseJsonlLine } from './jsonl.js';

export interface LineParser {
  (line: string): ParsedLine;
  /**
   * The line buf[start, end) (no terminator, all ASCII), read without decoding it first where
   * the format can: the same record or error as the text of those bytes.
   */
  readonly bytes?: (buf: Buffer, start: number, end: number) => ParsedLine;
  /**
   * The line from buf[start] to the next '\n' (or `limit`), all ASCII, read without finding its
   * end first: its record or error, and its end from `runEnd()`; UNSURE when the format's reader
   * is not sure of it (then nothing was read: the caller cuts the line and calls `bytes`).
   */
  readonly run?: (buf: Buffer, start: number, limit: number) => ParsedLine | typeof UNSURE;
  /** Where the line `run` last read ends: its '\n', or the limit. */
  readonly runEnd?: () => number;
}

export { UNSURE };

/**
 * One per input: the Hubble parser memoizes flow ends across the input's lines. `onPeer` is told
 * of each flow end the memo takes, when it takes it (while the line that names it is parsed,
 * whether that line turns out good or bad): a parallel reader's worker notes where, so that the
 * reader can keep, per flow end, the spelling a sequential read keeps (the first in the file).
 */
export function parserFor(format: FlowFormat, header: string | undefined, onPeer?: (peer: FlowPeer) => void): LineParser {
  switch (format) {
    case 'hubble': {
      const peers = onPeer ? new TellingMap(onPeer) : new Map<string, FlowPeer>();
      const scanner = new HubbleScanner<FlowPeer>();
      return Object.assign((line: string) => parseHubbleLine(line, peers, scanner), {
        bytes: (buf: Buffer, start: number, end: number) => parseHubbleBytes(buf, start, end, peers, scanner),
        run: (buf: Buffer, start: number, limit: number) => parseHubbleRun(buf, start, limit, peers, scanner),
        runEnd: () => scanner.lineEnd,
      });
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

/** A memo that tells `onSet` of each flow end it takes (peerOf sets a key once, when it makes its flow end). */
class TellingMap extends Map<string, FlowPeer> {
  constructor(private readonly onSet: (peer: FlowPeer) => void) {
    super();
  }

  override set(key: string, peer: FlowPeer): this {
    this.onSet(peer);
    return super.set(key, peer);
  }
}
