/**
 * `pnpm bench` (flows, long lines): the same 24 MiB of flow records as ordinary JSON lines, as
 * one line holding a JSON array (`jq -c -s`), and as one 24 MiB line that is not an array
 * (refused); plus a 16 MiB line (refused). Each is read by the CLI's reader from a file, as
 * `lateral audit --flows` does. Prints the time to read or refuse. Numbers, never assertions.
 *
 *   tsx test/bench/long-lines-bench.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from '@lateral/core';
import { readFlows } from '@lateral/flows';

const MiB = 2 ** 20;
const cluster: Cluster = { namespaces: [], pods: [], workloads: [], services: [], policies: [] };
const record = (i: number) => JSON.stringify({ src: `10.0.${(i >> 8) & 255}.${i & 255}`, dst: '203.0.113.10', port: 443, time: 1741947317 + (i % 3600) });
const one = record(0);
const n = Math.ceil((24 * MiB) / (one.length + 1));
const records = Array.from({ length: n }, (_, i) => record(i));

const dir = mkdtempSync(join(tmpdir(), 'lateral-long-lines-'));
const cases: [string, string][] = [
  ['24 MiB as JSON lines', records.join('\n')],
  ['24 MiB one-line JSON array (jq -c -s)', `[${records.join(',')}]`],
  ['24 MiB on one line, not an array', records.join(' ')],
  ['16 MiB line after a short one', `${one}\n${'x'.repeat(16 * MiB + 1)}\n`],
];
const rows: string[][] = [];
try {
  for (const [name, text] of cases) {
    const file = join(dir, 'capture.jsonl');
    writeFileSync(file, text);
    const start = process.hrtime.bigint();
    let outcome: string;
    try {
      const s = await readFlows([file], cluster, { workers: 0 });
      outcome = `read ${s.records.toLocaleString('en-US')} records`;
    } catch (e) {
      outcome = `refused: ${(e as Error).message.slice(0, 60)}…`;
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    rows.push([name, `${(text.length / MiB).toFixed(1)}`, ms.toFixed(0), outcome]);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const header = ['input', 'MiB', 'ms', 'outcome'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
