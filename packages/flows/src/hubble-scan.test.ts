/**
 * The byte scanner (hubble-scan.ts) against JSON.parse of the whole line: every line, however it
 * is spelled, must give the same record or the same error message as the ordinary read. Lines
 * are real `hubble observe -o json` output (Hubble 1.19 on a managed cluster, three records
 * from a public write-up, in testdata/), the fixtures' captures (`flow`-wrapped, bare legacy
 * flows, non-flow records), and fuzzed variants of them: keys reordered and repeated, whitespace,
 * escapes in keys and values, non-ASCII text, other value types, bytes cut, dropped or changed.
 */
import { readFileSync } from 'node:fs';
import { mulberry32 as random } from '@lateral/core/testing';
import { describe, expect, it } from 'vitest';
import type { FlowPeer, ParsedLine } from './flow-record.js';
import { parseHubbleBytes, parseHubbleLine } from './hubble.js';
import { HubbleScanner } from './hubble-scan.js';

const root = new URL('../../../', import.meta.url);
const linesOf = (path: string) =>
  readFileSync(new URL(path, root), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
const REAL = linesOf('packages/flows/testdata/hubble-1.19-tke.jsonl');
const FIXTURES = ['fixtures/shop/flows/hubble.jsonl', 'fixtures/ledger/flows/hubble.jsonl', 'fixtures/multi-tenant/flows/hubble.jsonl'].flatMap(linesOf);
const SEEDS = [...REAL, ...FIXTURES];
/** The seeds that are JSON objects (the fixtures hold broken lines on purpose): what the fuzz edits. */
const OBJECTS = SEEDS.filter((l) => {
  try {
    const v: unknown = JSON.parse(l);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
});

type Outcome = ParsedLine | { error: string };

const outcome = (f: () => ParsedLine): Outcome => {
  try {
    return f();
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
};

/**
 * Each line read the ordinary way (JSON.parse of the whole line, with the reader's peer memo)
 * and through the scanner, in order, as bytes (as a worker reads them) and as text (as the
 * sequential reader does); `scanned` counts the lines the scanner read itself.
 */
function both(lines: readonly string[]) {
  const plainPeers = new Map<string, FlowPeer>();
  const bytePeers = new Map<string, FlowPeer>();
  const textPeers = new Map<string, FlowPeer>();
  const byteScanner = new HubbleScanner<FlowPeer>();
  const textScanner = new HubbleScanner<FlowPeer>();
  const probe = new HubbleScanner<FlowPeer>();
  let scanned = 0;
  const plain: Outcome[] = [];
  const bytes: Outcome[] = [];
  const text: Outcome[] = [];
  for (const line of lines) {
    plain.push(outcome(() => parseHubbleLine(line, plainPeers)));
    const b = Buffer.from(line, 'utf8');
    // Inside a larger buffer, as a worker's chunk holds it: the scanner must not read past `end`.
    const padded = Buffer.concat([Buffer.from('{"x":1}\n'), b, Buffer.from('\n{"flow":{}}')]);
    bytes.push(outcome(() => parseHubbleBytes(padded, 8, 8 + b.length, bytePeers, byteScanner)));
    text.push(outcome(() => parseHubbleLine(line, textPeers, textScanner)));
    if (probe.scan(b, 0, b.length)) scanned++;
  }
  return { plain, bytes, text, scanned };
}

function expectSame(lines: readonly string[]): number {
  const r = both(lines);
  for (let i = 0; i < lines.length; i++) {
    const at = `line ${i + 1}: ${lines[i]!.slice(0, 300)}`;
    expect(r.bytes[i], at).toEqual(r.plain[i]);
    expect(r.text[i], at).toEqual(r.plain[i]);
  }
  return r.scanned;
}

/** A JSON text of v spelled another legal way: keys shuffled, whitespace, escapes, repeated keys. */
function respell(v: unknown, rnd: () => number, p: number): string {
  const ws = () => (rnd() < p ? [' ', '\t', '\r', '\n', '  '][Math.floor(rnd() * 5)]! : '');
  const str = (s: string) => {
    let out = '"';
    for (const ch of s) {
      const c = ch.codePointAt(0)!;
      if (rnd() < p / 4 && c < 0x10000) {
        const hex = c.toString(16).padStart(4, '0');
        out += `\\u${rnd() < 0.5 ? hex : hex.toUpperCase()}`;
      } else if (ch === '/' && rnd() < p) out += '\\/';
      else out += JSON.stringify(ch).slice(1, -1);
    }
    return out + '"';
  };
  if (typeof v === 'string') return str(v);
  if (Array.isArray(v)) return `[${ws()}${v.map((x) => respell(x, rnd, p)).join(`${ws()},${ws()}`)}${ws()}]`;
  if (typeof v === 'object' && v !== null) {
    const keys = Object.keys(v);
    if (rnd() < p) keys.sort(() => rnd() - 0.5);
    const parts = keys.map((k) => `${str(k)}${ws()}:${ws()}${respell((v as Record<string, unknown>)[k], rnd, p)}`);
    // A repeated key: JSON.parse keeps the last value, so an earlier decoy must lose.
    if (keys.length > 0 && rnd() < p / 2) {
      const k = keys[Math.floor(rnd() * keys.length)]!;
      parts.unshift(`${str(k)}:${rnd() < 0.5 ? 'null' : '{"pod_name":"decoy","namespace":"decoy"}'}`);
    }
    return `{${ws()}${parts.join(`${ws()},${ws()}`)}${ws()}}`;
  }
  return JSON.stringify(v);
}

/** The flow of a seed line, for edits. */
function flowOf(line: string): { obj: Record<string, unknown>; flow: Record<string, unknown> } {
  const obj = JSON.parse(line) as Record<string, unknown>;
  const flow = (typeof obj['flow'] === 'object' && obj['flow'] !== null ? obj['flow'] : obj) as Record<string, unknown>;
  return { obj, flow };
}

/** Edits of a flow's fields that the reader reads: other types, other spellings of the same value. */
const EDITS: ((flow: Record<string, unknown>, obj: Record<string, unknown>) => void)[] = [
  (f) => ((f['l4'] as Record<string, Record<string, unknown>>)['TCP'] ? ((f['l4'] as Record<string, Record<string, unknown>>)['TCP']!['destination_port'] = '8080') : undefined),
  (f) => (f['l4'] = { UDP: { source_port: 0, destination_port: 70000 } }),
  (f) => (f['l4'] = { TCP: { source_port: 1.5e3, destination_port: -0 } }),
  (f) => (f['l4'] = { ICMPv4: { type: 8 } }),
  (f) => (f['l4'] = []),
  (f) => delete f['l4'],
  (f) => (f['l4'] = { SCTP: null, UDP: { source_port: 5353, destination_port: 53 } }),
  (f) => (f['IP'] = { source: 'fd00::0a', destination: '2001:db8::1' }),
  (f) => (f['IP'] = { source: 'not an ip', destination: 7 }),
  (f) => (f['IP'] = 'x'),
  (f) => (f['is_reply'] = !f['is_reply']),
  (f) => {
    f['reply'] = f['is_reply'];
    delete f['is_reply'];
  },
  (f) => (f['is_reply'] = null),
  (f) => (f['time'] = 1710410105.25),
  (f, o) => {
    delete f['time'];
    o['time'] = '2024-13-45T99:00:00Z';
  },
  (f) => (f['time'] = { seconds: 5 }),
  (f) => (f['verdict'] = 'DROPPED'),
  (f) => (f['source'] = null),
  (f) => (f['destination'] = 'world'),
  (f) => (f['source'] = {}),
  (f) => (f['destination_service'] = { name: 'cart', namespace: 'shop' }),
  (f) => (f['source_service'] = ['x']),
  (f) => (f['Type'] = 'L7'),
  (f) => (f['extra'] = { deep: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] }),
  (f) => (f['note'] = 'caf\u00e9 \u4e2d \ud83d\ude00'),
  (f) => ((f['destination'] as Record<string, unknown> | undefined) ? ((f['destination'] as Record<string, unknown>)['pod_name'] = 'caf\u00e9-0') : undefined),
  (_f, o) => (o['node_status'] = { state: 'NODE_CONNECTED' }),
  (_f, o) => (o['flow'] = null),
];

describe('HubbleScanner', () => {
  it('reads the real Hubble 1.19 records and the fixtures as JSON.parse does, and reads them itself', () => {
    const scanned = expectSame(SEEDS);
    // Not a test that cannot fail: the scanner itself read (nearly) all of them.
    expect(scanned).toBeGreaterThan(SEEDS.length * 0.9);
  });

  it('reads each line the same when its endpoints come from the memo (the whole input twice)', () => {
    expect(expectSame([...SEEDS, ...SEEDS])).toBeGreaterThan(SEEDS.length * 1.8);
  });

  it('reads bare (legacy) flows and `reply` instead of `is_reply`', () => {
    const bare = OBJECTS.map(flowOf).map(({ obj, flow }) => {
      const f: Record<string, unknown> = { ...flow, time: flow['time'] ?? obj['time'] };
      if ('is_reply' in f) {
        f['reply'] = f['is_reply'];
        delete f['is_reply'];
      }
      return JSON.stringify(f);
    });
    expect(expectSame(bare)).toBeGreaterThan(bare.length * 0.9);
  });

  it('gives the same answer for the same record spelled other ways (order, whitespace, escapes, repeated keys)', () => {
    const rnd = random(18);
    const lines: string[] = [];
    for (let round = 0; round < 6; round++) {
      for (const s of OBJECTS) lines.push(respell(JSON.parse(s), rnd, [0.02, 0.1, 0.3][round % 3]!).replace(/\n/g, ' '));
    }
    expectSame(lines);
  });

  it('gives the same record or error for edited fields (types, values, non-ASCII)', () => {
    const rnd = random(7);
    const lines: string[] = [];
    for (const s of OBJECTS) {
      for (let k = 0; k < 3; k++) {
        const { obj, flow } = flowOf(s);
        EDITS[Math.floor(rnd() * EDITS.length)]!(flow, obj);
        lines.push(JSON.stringify(obj));
      }
    }
    for (const edit of EDITS) {
      const { obj, flow } = flowOf(REAL[0]!);
      edit(flow, obj);
      lines.push(JSON.stringify(obj));
    }
    expectSame(lines);
  });

  it('reads times as parseTime does: RFC 3339 seconds, fractions of 1 to 11 digits, days and hours out of range', () => {
    const rnd = random(24);
    const pick = (xs: readonly string[]) => xs[Math.floor(rnd() * xs.length)]!;
    const two = (hi: number) => String(Math.floor(rnd() * hi)).padStart(2, '0');
    const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(rnd() * 10))).join('');
    const times: string[] = ['2025-03-14T10:00:00.064633127Z', '2025-03-14T24:00:00Z', '2025-03-14T24:00:00.000Z', '2025-03-14T24:00:00.5Z', '2025-03-14T23:59:60Z', '1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00Z', '2025-02-30T10:00:00Z', '0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '275760-09-13T00:00:00.001Z'];
    for (let i = 0; i < 400; i++) {
      const year = pick(['2025', '1970', '1969', '2000', '9999', '0001', digits(4)]);
      const fraction = rnd() < 0.8 ? `.${digits(1 + Math.floor(rnd() * 11))}` : pick(['', '.', '.x']);
      times.push(`${year}-${two(14)}-${two(33)}T${two(26)}:${two(62)}:${two(62)}${fraction}${pick(['Z', 'Z', 'Z', 'z', '+00:00', '', ' Z'])}`);
    }
    const { obj, flow } = flowOf(REAL[0]!);
    const lines = times.map((t) => JSON.stringify({ ...obj, flow: { ...flow, time: t } }));
    // The scanner reads these lines itself (the memo test above shows it does for the seed).
    expect(expectSame(lines)).toBe(lines.length);
  });

  it('reads addresses as canonicalIp does: dotted quads kept as bytes, every other spelling as before', () => {
    const spellings = ['10.0.0.1', '0.0.0.0', '255.255.255.255', '010.000.0.01', '1.2.3.256', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1.2.3.', '.1.2.3', '1..2.3', '1.2.3.0004', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4\n', 'fd00::0a', '::ffff:1.2.3.4', '', 'x', '1.2.3.\u0034'];
    const { obj, flow } = flowOf(REAL[0]!);
    const lines: string[] = [];
    for (const a of spellings) {
      for (const b of ['10.0.0.2', a]) {
        lines.push(JSON.stringify({ ...obj, flow: { ...flow, IP: { source: a, destination: b } } }));
        // The same address in an IP object of the line beside the flow's (kept apart), and twice in one object (the last one counts).
        lines.push(JSON.stringify({ ...obj, flow: { ...flow, IP: { source: b, destination: a } }, IP: { source: a, destination: a } }));
        lines.push(JSON.stringify({ ...obj, flow: { ...flow, IP: { source: a, destination: b } } }).replace(`"source":${JSON.stringify(a)}`, `"source":"10.9.9.9","source":${JSON.stringify(a)}`));
      }
    }
    // Each line twice, with the world's end as well: a flow end that is not a pod reads its address.
    const world = lines.map((l) => l.replace(/"source":\{"ID":[^]*?"workloads":\[[^\]]*\]\}/, '"source":{"identity":2,"labels":["reserved:world"]}'));
    expect(expectSame([...lines, ...lines, ...world])).toBeGreaterThan(lines.length);
  });

  it('gives the same error for broken lines: cut, a byte dropped, a byte changed', () => {
    const rnd = random(3);
    const lines: string[] = [];
    const junk = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', 'x', '0', '-', '\u0001', '\u00e9', 'e', '.'];
    for (const s of SEEDS) {
      const at = () => Math.floor(rnd() * s.length);
      const i = at();
      lines.push(s.slice(0, i));
      const j = at();
      lines.push(s.slice(0, j) + s.slice(j + 1));
      const k = at();
      lines.push(s.slice(0, k) + junk[Math.floor(rnd() * junk.length)]! + s.slice(k + 1));
    }
    lines.push('', '[]', '"flow"', '{}', '{"flow":{}} x', '{"flow":{}}{', 'null', '{"flow":{"source":{}}', '{"fl\\u006fw":{"l4":{}}}', '\ufeff{}');
    expectSame(lines);
  });
});
