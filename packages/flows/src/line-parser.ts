/**
 * The line parser of a format: what the sequential reader and the parallel workers both run,
 * so that a line means the same whichever reads it.
 */
import { parseCsvHeader, parseCsvLine } from './csv.js';
import type { FlowPeer, ParsedLine } from './flow-record.js';
import type { FlowFormat } from './flow-set.js';
import { parseGadgetLine } from './gadget.js';
import { parseHubbleLine } from './hubble.js';
import { EndpointTexts } from './hubble-endpoints.js';
import { parseJsonlLine } from './jsonl.js';

export type LineParser = (line: string) => ParsedLine;

/** One per input: the Hubble parser memoizes flow ends across the input's lines. */
export function parserFor(format: FlowFormat, header: string | undefined): LineParser {
  switch (format) {
    case 'hubble': {
      const peers = new Map<string, FlowPeer>();
      const texts = new EndpointTexts<FlowPeer>();
      return (line) => parseHubbleLine(line, peers, texts);
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
