import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { InputError } from '@lateral/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowEndpoint, FlowSet } from './flow-set.js';
import { readFlows } from './read-flows.js';
import { testCluster } from './test-cluster.js';

/** A Hubble line shaped as `hubble observe -o json` prints it. */
function hubble(o: {
  src: [ns: string, pod: string, ip: string, labels: string[]] | string;
  dst: [ns: string, pod: string, ip: string, labels: string[]] | string;
  sport: number;
  dport: number;
  proto?: 'TCP' | 'UDP';
  reply?: boolean;
  verdict?: string;
  time: string;
}): string {
  const ep = (e: typeof o.src) =>
    typeof e === 'string'
      ? { identity: 2, labels: ['reserved:world'] }
      : { ID: 1200, identity: 31000, namespace: e[0], labels: [...e[3].map((l) => `k8s:${l}`), `k8s:io.kubernetes.pod.namespace=${e[0]}`], pod_name: e[1] };
  const ip = (e: typeof o.src) => (typeof e === 'string' ? e : e[2]);
  const proto = o.proto ?? 'TCP';
  const flow = {
    time: o.time,
    verdict: o.verdict ?? 'FORWARDED',
    IP: { source: ip(o.src), destination: ip(o.dst), ipVersion: 'IPv4' },
    l4: { [proto]: { source_port: o.sport, destination_port: o.dport, ...(proto === 'TCP' ? { flags: { SYN: true } } : {}) } },
    source: ep(o.src),
    destination: ep(o.dst),
    Type: 'L3_L4',
    node_name: 'worker-1',
    event_type: { type: 4, sub_type: 3 },
    traffic_direction: 'EGRESS',
    is_reply: o.reply ?? false,
    Summary: 'TCP Flags: SYN',
  };
  return JSON.stringify({ flow, node_name: 'worker-1', time: o.time });
}

const FE = ['shop', 'frontend-6c9f8d7b5d-4xk2p', '10.244.1.17', ['app=frontend', 'tier=frontend']] as [string, string, string, string[]];
const FE2 = ['shop', 'frontend-6c9f8d7b5d-9tqzm', '10.244.2.23', ['app=frontend', 'tier=frontend']] as [string, string, string, string[]];
const CART = ['shop', 'cart-7b9c6d5f4-x2k8p', '10.244.2.31', ['app=cart', 'tier=backend']] as [string, string, string, string[]];
const DNS = ['kube-system', 'coredns-5d78c9869d-8kq2x', '10.244.1.3', ['k8s-app=kube-dns']] as [string, string, string, string[]];
const DEBUG = ['shop', 'netshoot-debug', '10.244.2.77', ['run=netshoot']] as [string, string, string, string[]];

const CAPTURE = [
  hubble({ src: FE, dst: CART, sport: 48212, dport: 7070, time: '2025-03-14T10:15:05.603Z' }),
  hubble({ src: CART, dst: FE, sport: 7070, dport: 48212, reply: true, time: '2025-03-14T10:15:05.604Z' }),
  hubble({ src: FE2, dst: CART, sport: 51000, dport: 7070, time: '2025-03-14T10:15:09.100Z' }),
  hubble({ src: FE, dst: DNS, sport: 40312, dport: 53, proto: 'UDP', time: '2025-03-14T10:15:05.500Z' }),
  hubble({ src: DNS, dst: FE, sport: 53, dport: 40312, proto: 'UDP', reply: true, time: '2025-03-14T10:15:05.501Z' }),
  hubble({ src: CART, dst: '203.0.113.10', sport: 39000, dport: 443, verdict: 'DROPPED', time: '2025-03-14T10:15:07.000Z' }),
  hubble({ src: DEBUG, dst: FE, sport: 41000, dport: 8080, time: '2025-03-14T10:15:08.000Z' }),
].join('\n');

const id = (e: FlowEndpoint) => (e.kind === 'pod' ? e.workload : e.ip);
const lines = (s: FlowSet) => s.edges.map((e) => `${id(e.src)} -> ${id(e.dst)} ${e.protocol}/${e.port} x${e.count}${e.dropped ? ` dropped ${e.dropped}` : ''}`);

describe('readFlows', () => {
  const cluster = testCluster();
  let dir: string;
  const file = async (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    await writeFile(p, content);
    return p;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lateral-flows-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('folds replies into the forward edge and duplicates into one edge, sorted, with times', async () => {
    const s = await readFlows([await file('capture.jsonl', CAPTURE + '\n')], cluster);
    expect(lines(s)).toEqual([
      'shop/cart -> 203.0.113.10 TCP/443 x1 dropped 1',
      'shop/frontend -> kube-system/coredns UDP/53 x2',
      'shop/frontend -> shop/cart TCP/7070 x3',
    ]);
    expect(s).toMatchObject({ records: 7, folded: 3, badLineCount: 0 });
    expect(s.unresolved).toEqual([{ reason: 'pod shop/netshoot-debug not in the cluster', count: 1 }]);
    const cartEdge = s.edges[2]!;
    expect(cartEdge).toMatchObject({ firstSeen: '2025-03-14T10:15:05.603Z', lastSeen: '2025-03-14T10:15:09.100Z' });
    // The representative is the first frontend pod the capture named.
    expect(cartEdge.src).toEqual({ kind: 'pod', workload: 'shop/frontend', pod: 0 });
  });

  it('never creates a reversed edge from replies, even when only replies were captured', async () => {
    const onlyReply = hubble({ src: CART, dst: FE, sport: 7070, dport: 48212, reply: true, time: '2025-03-14T10:15:05.604Z' });
    const s = await readFlows([await file('reply.jsonl', onlyReply)], cluster);
    expect(lines(s)).toEqual(['shop/frontend -> shop/cart TCP/7070 x1']);
  });

  it('reads gzip by its magic bytes, whatever the name', async () => {
    const s = await readFlows([await file('capture.jsonl', gzipSync(CAPTURE))], cluster);
    expect(s.records).toBe(7);
    expect(lines(s)).toContain('shop/frontend -> shop/cart TCP/7070 x3');
  });

  it('reads standard input for -, compressed or not, once even when named twice', async () => {
    const plain = await readFlows(['-', '-'], cluster, { stdin: Readable.from([Buffer.from(CAPTURE)]) });
    expect(plain.records).toBe(7);
    const zipped = await readFlows(['-'], cluster, { stdin: Readable.from([gzipSync(CAPTURE)]) });
    expect(lines(zipped)).toEqual(lines(plain));
  });

  it('counts bad lines, keeps the first ten with their line numbers, and reads the rest', async () => {
    const body = [CAPTURE.split('\n')[0]!, '', ...Array.from({ length: 12 }, (_, i) => `{"flow":{"time":"2025-03-14T10:15:0${i % 10}`), CAPTURE.split('\n')[2]!];
    const p = await file('damaged.jsonl', body.join('\r\n'));
    const s = await readFlows([p], cluster);
    expect(s.badLineCount).toBe(12);
    expect(s.badLines).toHaveLength(10);
    expect(s.badLines[0]).toMatchObject({ file: p, line: 3 });
    expect(s.badLines[0]!.message).toMatch(/not JSON/);
    expect(s.badLines[9]!.line).toBe(12);
    expect(lines(s)).toEqual(['shop/frontend -> shop/cart TCP/7070 x2']);
  });

  it('refuses a file where no line parses, naming the file and the first problem', async () => {
    const p = await file('garbage.jsonl', '{"flow":{"time":\n{"flow":{"IP":\n');
    const err = await readFlows([p], cluster, { format: 'hubble' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no line is a hubble flow record \\(line 1: not JSON`));
  });

  it('refuses an empty input, an unknown format, a missing file and a CSV without the columns', async () => {
    await expect(readFlows([await file('empty.jsonl', '\n\n')], cluster)).rejects.toThrow(/empty\.jsonl: no flow records/);
    await expect(readFlows([await file('what.txt', 'hello\nworld\n')], cluster)).rejects.toThrow(
      /what\.txt: cannot tell the flow format .*--flow-format hubble\|gadget\|csv\|jsonl/,
    );
    await expect(readFlows([join(dir, 'nope.jsonl')], cluster)).rejects.toThrow(/nope\.jsonl: no such file/);
    await expect(readFlows([await file('cols.csv', 'from_ip,to_ip\n1.2.3.4,5.6.7.8\n')], cluster, { format: 'csv' })).rejects.toThrow(
      /cols\.csv:1: CSV header has no src, dst, port column/,
    );
  });

  it('detects each input on its own, and sums aggregated counts', async () => {
    const csv = await file('agg.csv', 'src,dst,port,protocol,count,first_seen,last_seen\nshop/frontend,shop/cart,7070,TCP,500,1741910400,1741996799\n');
    const jsonl = await file('agg.jsonl', '{"src":"shop/frontend","dst":"shop/cart","port":7070,"count":20,"time":"2025-03-15T08:00:00Z"}\n');
    const s = await readFlows([csv, jsonl], cluster);
    expect(s.edges).toHaveLength(1);
    expect(s.edges[0]).toMatchObject({ count: 520, firstSeen: '2025-03-14T00:00:00.000Z', lastSeen: '2025-03-15T08:00:00.000Z' });
    expect(s).toMatchObject({ records: 2, folded: 1 });
  });

  it('obeys a forced format over what the content looks like', async () => {
    const p = await file('forced.csv', 'src,dst,port\nshop/frontend,shop/cart,7070\n');
    await expect(readFlows([p], cluster, { format: 'jsonl' })).rejects.toThrow(/no line is a jsonl flow record/);
  });

  it('reports progress as records are read', async () => {
    const seen: number[] = [];
    await readFlows([await file('p.jsonl', CAPTURE)], cluster, { onProgress: (n) => seen.push(n) });
    expect(seen.at(-1)).toBe(7);
  });
});

describe('readFlows on absurd and oversized input', () => {
  const cluster = testCluster();
  const read = (text: string) => readFlows(['-'], cluster, { stdin: Readable.from([Buffer.from(text)]) });
  const row = (time: unknown) => JSON.stringify({ src: '10.244.1.17', dst: '10.244.2.31', port: 7070, time });

  it('takes a timestamp out of range, negative or not a time as a bad line with its number', async () => {
    const s = await read([row(1741947317), row(1e25), row(-5), row({ t: 1 }), row('1e25'), row(9e21), row('-5')].join('\n'));
    expect(s.records).toBe(1);
    expect(s.badLines.map((b) => [b.line, b.message])).toEqual([
      [2, 'time 1e+25 is out of range (1970 to year 275760)'],
      [3, 'time -5 is not a time'],
      [4, 'time {"t":1} is not ISO 8601 or epoch seconds'],
      [5, 'time "1e25" is not ISO 8601 or epoch seconds'],
      [6, 'time 9e+21 is out of range (1970 to year 275760)'],
      [7, 'time "-5" is not ISO 8601 or epoch seconds'],
    ]);
  });

  it('reads a capture that is one JSON array (jq -s), on one line or many', async () => {
    const records = Array.from({ length: 5 }, (_, i) => JSON.parse(row(1741947317 + i)));
    for (const text of [JSON.stringify(records), JSON.stringify(records, null, 2)]) {
      const s = await read(text);
      expect(s).toMatchObject({ records: 5, badLineCount: 0 });
      expect(s.edges).toHaveLength(1);
    }
    // A bad element is named by the line it starts on.
    const s = await read(`[\n${row(1)},\n${row(1e25)}\n]`);
    expect(s.badLines).toEqual([{ file: '<stdin>', line: 3, message: 'time 1e+25 is out of range (1970 to year 275760)' }]);
  });

  it('reads a 24 MiB one-line array and refuses 24 MiB of one line that is not one, naming the line', async () => {
    // Few, large records (a long extra field): the reader's work on 24 MiB without the cost of
    // resolving hundreds of thousands of records (test/bench/long-lines-bench.ts has that).
    const pad = 'p'.repeat(100_000);
    const big = (i: number) => JSON.stringify({ src: '10.244.1.17', dst: '10.244.2.31', port: 7070, time: 1741947317 + i, note: pad });
    const n = Math.ceil((24 * 2 ** 20) / big(0).length);
    const array = `[${Array.from({ length: n }, (_, i) => big(i)).join(',')}]`;
    expect(array.length).toBeGreaterThan(24 * 2 ** 20);
    const s = await read(array);
    expect(s).toMatchObject({ records: n, badLineCount: 0 });
    const notArray = `${row(1741947317)}\n{"src":"${'x'.repeat(24 * 2 ** 20)}"}\n`;
    await expect(read(notArray)).rejects.toThrow(/^<stdin>:2: line 2 is longer than 16,777,216 characters/);
  });
});
