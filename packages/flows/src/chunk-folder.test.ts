/**
 * A worker's chunk read (ChunkFolder) against the sequential reader's way of reading the same
 * lines: cut at each '\n' (a '\r' before it dropped), blank lines skipped, each line parsed from
 * its text with JSON.parse (no scanner), the records folded per pair of flow ends. Hubble's
 * scanner reads most lines up to their own end without the cut; the answer (aggregates with the
 * line of their first record, bad lines with their line numbers and messages, the counts) must
 * be the same whatever the lines hold: real records, respellings, broken lines, CRLF, blank and
 * whitespace lines, lines that do not start with '{', a last line without a newline.
 */
import { readFileSync } from 'node:fs';
import { mulberry32 as random } from '@lateral/core/testing';
import { describe, expect, it } from 'vitest';
import { ChunkFolder } from './chunk-folder.js';
import { BadFlowLine, type FlowPeer } from './flow-record.js';
import { parseHubbleLine } from './hubble.js';
import { parserFor } from './line-parser.js';
import { PeerFolder } from './peer-folder.js';

const root = new URL('../../../', import.meta.url);
const linesOf = (path: string) => readFileSync(new URL(path, root), 'utf8').split('\n');
const SEEDS = ['packages/flows/testdata/hubble-1.19-tke.jsonl', 'fixtures/shop/flows/hubble.jsonl', 'fixtures/ledger/flows/hubble.jsonl', 'fixtures/multi-tenant/flows/hubble.jsonl'].flatMap(linesOf);

/** The sequential reader's answer for one chunk's text. */
function plainRead(text: string) {
  const peers = new Map<string, FlowPeer>();
  const folder = new PeerFolder();
  const badLines: { seq: number; line: number; message: string }[] = [];
  let parsed = 0;
  let nonEmpty = 0;
  let ignored = 0;
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    nonEmpty++;
    try {
      const rec = parseHubbleLine(line, peers);
      parsed++;
      if (rec === null) ignored++;
      else folder.add(rec, 0, i + 1);
    } catch (e) {
      if (!(e instanceof BadFlowLine)) throw e;
      badLines.push({ seq: 0, line: i + 1, message: e.message });
    }
  });
  return { lines: lines.length, aggregates: folder.aggregates, badLines, bad: badLines.length, parsed, nonEmpty, ignored };
}

function chunkRead(text: string) {
  const fold = new ChunkFolder((onPeer) => parserFor('hubble', undefined, onPeer), 1000);
  // A chunk buffer is larger than its lines, and holds bytes of the next chunk past `length`.
  const bytes = Buffer.from(text, 'utf8');
  const buf = Buffer.concat([bytes, Buffer.from('{"flow":{"l4":{}}}\n')]);
  const r = fold.chunk(0, buf, bytes.length, 0);
  return { lines: r.lines, aggregates: fold.folder.aggregates, badLines: fold.badLines, bad: fold.bad, parsed: fold.parsed, nonEmpty: fold.nonEmpty, ignored: fold.ignored };
}

function mangle(lines: readonly string[], seed: number): string {
  const rnd = random(seed);
  const junk = ['"', '\\', '{', '}', ',', ':', ' ', 'x', '\t', '\r', '\u0001'];
  const out: string[] = [];
  for (const l of lines) {
    const r = rnd();
    if (r < 0.55 || l === '') out.push(l);
    else if (r < 0.6) out.push(`${l}\r`);
    else if (r < 0.65) out.push(`${l}  \t`);
    else if (r < 0.7) out.push(` ${l}`);
    else if (r < 0.75) out.push('', '  ', '\t\r');
    else if (r < 0.8) out.push(l.slice(0, Math.floor(rnd() * l.length)));
    else if (r < 0.85) {
      const k = Math.floor(rnd() * l.length);
      out.push(l.slice(0, k) + junk[Math.floor(rnd() * junk.length)]! + l.slice(k + 1));
    } else if (r < 0.9) {
      // A line broken in two by a newline in the middle: two bad lines, never one read across.
      const k = Math.floor(rnd() * l.length);
      out.push(l.slice(0, k), l.slice(k));
    } else if (r < 0.95) out.push(`${l}${l}`);
    else out.push(`${l} x`);
  }
  return out.join('\n');
}

describe('ChunkFolder', () => {
  it('reads a chunk of Hubble lines as the sequential reader does', () => {
    const text = `${SEEDS.filter((l) => l.trim() !== '').join('\n')}\n`;
    const plain = plainRead(text);
    expect(plain.parsed).toBeGreaterThan(50);
    expect(chunkRead(text)).toEqual(plain);
  });

  it('gives the same aggregates, bad lines and counts for mangled lines (CRLF, blanks, cuts, junk, a line split by a newline)', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const text = mangle([...SEEDS, ...SEEDS], seed) + (seed % 2 === 0 ? '\n' : '');
      const plain = plainRead(text);
      expect(plain.bad, `seed ${seed}`).toBeGreaterThan(0);
      expect(chunkRead(text), `seed ${seed}`).toEqual(plain);
    }
  });
});
