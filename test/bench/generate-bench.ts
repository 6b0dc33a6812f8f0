/**
 * `pnpm bench` (generation part), end to end: 1,000,000 synthetic flow records over S2 (10,000
 * pods) written to a capture file, then file -> readFlows -> generatePolicies -> YAML -> read
 * back -> verifyPolicies, as `lateral generate` does it. Prints a table per input path; never
 * asserts.
 *
 * - `hubble`: `hubble observe -o json` lines (about a gigabyte), `hubble.gz` the same gzipped;
 * - `csv`: the same traffic aggregated where the flows live (docs/flows.md's SQL), one row per
 *   distinct connection with its count.
 *
 * Each path runs in its own process, so its peak RSS is its own (it includes loading S2, as a
 * `lateral generate` run would). Target (issue 18): 1M records -> verified policies < 5 s,
 * < 512 MiB. `cpu ms` is the process's CPU (worker threads included) from file to verified.
 *
 *   tsx test/bench/generate-bench.ts            1,000,000 records
 *   tsx test/bench/generate-bench.ts S1 S2      runs when S2 is named (pnpm bench passes sizes)
 *   LATERAL_BENCH_FLOW_RECORDS=200000           fewer records
 *   LATERAL_BENCH_CAPTURES=DIR                  write the captures to DIR and keep them (a
 *                                               second run reuses them); default: a temp dir,
 *                                               removed at the end
 *   LATERAL_BENCH_WORKERS=0                     read on the main thread only (readFlows' `workers`;
 *                                               default: one worker per core for big files)
 *   tsx test/bench/generate-bench.ts --child hubble FILE    one path, e.g. under node --cpu-prof
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFlows } from '@lateral/flows';
import { generatePolicies, policiesYaml, verifyPolicies } from '@lateral/generator';
import { clusterFromObjects, parseManifests } from '@lateral/k8s';
import { loadS2, writeCaptures } from './synthetic-captures.js';

const RECORDS = Number(process.env['LATERAL_BENCH_FLOW_RECORDS'] ?? 1_000_000);
const PATHS = ['hubble', 'hubble.gz', 'csv'] as const;
type PathName = (typeof PATHS)[number];
const FILE_OF: Readonly<Record<PathName, string>> = { hubble: 'capture.jsonl', 'hubble.gz': 'capture.jsonl.gz', csv: 'aggregated.csv' };

interface Row {
  path: PathName;
  fileMiB: number;
  records: number;
  edges: number;
  unresolved: number;
  bad: number;
  policies: number;
  rules: number;
  allowed: number;
  unobserved: number;
  clusterMs: number;
  readMs: number;
  readCpuMs: number;
  generateMs: number;
  yamlMs: number;
  rereadMs: number;
  verifyMs: number;
  /** CPU of each step after the read (the main thread alone then): on a shared machine, wall time says less. */
  generateCpuMs: number;
  yamlCpuMs: number;
  rereadCpuMs: number;
  verifyCpuMs: number;
  /** CPU of the whole process (worker threads included) from file to verified: the machine is shared, so wall time says less. */
  cpuMs: number;
  peakMiB: number;
}

const ms = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;
const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

async function runOne(path: PathName, file: string): Promise<Row> {
  let t = process.hrtime.bigint();
  const { cluster, compiled } = loadS2();
  const clusterMs = ms(t);

  t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const cpuAll = process.cpuUsage();
  const workers = process.env['LATERAL_BENCH_WORKERS'];
  const flows = await readFlows([file], cluster, { compiled, ...(workers !== undefined ? { workers: Number(workers) } : {}) });
  const readMs = ms(t);
  const used = process.cpuUsage(cpu);

  t = process.hrtime.bigint();
  let c = process.cpuUsage();
  const generated = generatePolicies(cluster, flows, { defaultDeny: true, compiled });
  const generateMs = ms(t);
  const generateCpuMs = cpuMs(c);

  t = process.hrtime.bigint();
  c = process.cpuUsage();
  const text = policiesYaml(generated.policies);
  const yamlMs = ms(t);
  const yamlCpuMs = cpuMs(c);

  t = process.hrtime.bigint();
  c = process.cpuUsage();
  const reread = clusterFromObjects(parseManifests(text, '<generated>')).cluster.policies;
  const rereadMs = ms(t);
  const rereadCpuMs = cpuMs(c);

  t = process.hrtime.bigint();
  c = process.cpuUsage();
  // On the capture as recorded (pod level), as `lateral generate` verifies.
  const v = verifyPolicies(cluster, reread, flows, { compiled, aggregates: generated.aggregates, dns: generated.dns ?? false, written: generated.policies.map((g) => g.policy) });
  const verifyMs = ms(t);
  const verifyCpuMs = cpuMs(c);
  const all = process.cpuUsage(cpuAll);

  return {
    path,
    fileMiB: statSync(file).size / 2 ** 20,
    records: flows.edges.reduce((s, e) => s + e.count, 0),
    edges: flows.edges.length,
    unresolved: flows.unresolved.reduce((s, u) => s + u.count, 0),
    bad: flows.badLineCount,
    policies: v.emitted.policies,
    rules: v.emitted.rules,
    allowed: v.flows.share,
    unobserved: v.overPermission.count,
    clusterMs,
    readMs,
    readCpuMs: (used.user + used.system) / 1000,
    generateMs,
    yamlMs,
    rereadMs,
    verifyMs,
    generateCpuMs,
    yamlCpuMs,
    rereadCpuMs,
    verifyCpuMs,
    cpuMs: (all.user + all.system) / 1000,
    peakMiB: process.resourceUsage().maxRSS / 1024,
  };
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function printTable(rows: readonly Row[]): void {
  const header = ['input', 'file MiB', 'flows', 'edges', 'policies', 'rules', 'read ms (cpu)', 'generate ms (cpu)', 'yaml ms (cpu)', 'read back ms (cpu)', 'verify ms (cpu)', 'file -> verified ms', 'cpu ms', 'recall', 'over', 'peak MiB'];
  const body = rows.map((r) => [
    r.path,
    fmt(r.fileMiB, 1),
    fmt(r.records),
    fmt(r.edges),
    fmt(r.policies),
    fmt(r.rules),
    `${fmt(r.readMs)} (${fmt(r.readCpuMs)})`,
    `${fmt(r.generateMs)} (${fmt(r.generateCpuMs)})`,
    `${fmt(r.yamlMs)} (${fmt(r.yamlCpuMs)})`,
    `${fmt(r.rereadMs)} (${fmt(r.rereadCpuMs)})`,
    `${fmt(r.verifyMs)} (${fmt(r.verifyCpuMs)})`,
    fmt(r.readMs + r.generateMs + r.yamlMs + r.rereadMs + r.verifyMs),
    fmt(r.cpuMs),
    `${fmt(r.allowed * 100, 1)} %`,
    fmt(r.unobserved),
    fmt(r.peakMiB),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((l) => l[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(`\ngenerate, end to end: S2, ${fmt(RECORDS)} synthetic flow records (loading S2 itself: ${fmt(rows[0]?.clusterMs ?? 0)} ms, not counted)`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of body) console.log(line(l));
  console.log('target (issue 18): file -> verified < 5,000 ms, peak < 512 MiB (peak includes loading S2); cpu: all threads, file -> verified');
  for (const r of rows) {
    if (r.unresolved > 0 || r.bad > 0) console.log(`  ${r.path}: ${fmt(r.unresolved)} unresolved records, ${fmt(r.bad)} bad lines`);
  }
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  const row = await runOne(args[1] as PathName, args[2]!);
  process.stdout.write(JSON.stringify(row));
} else {
  const sizes = args.filter((a) => /^S\d$/.test(a));
  if (sizes.length > 0 && !sizes.includes('S2')) {
    process.stderr.write('generate bench: runs on S2 only; skipped\n');
    process.exit(0);
  }
  const keep = process.env['LATERAL_BENCH_CAPTURES'];
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'lateral-generate-bench-'));
  mkdirSync(dir, { recursive: true });
  const files = Object.fromEntries(PATHS.map((p) => [p, join(dir, `${RECORDS}-${FILE_OF[p]}`)])) as Record<PathName, string>;
  try {
    if (!PATHS.every((p) => existsSync(files[p]))) {
      process.stderr.write(`generate bench: writing ${fmt(RECORDS)} synthetic flow records over S2 to ${dir}…\n`);
      const t = process.hrtime.bigint();
      const stats = await writeCaptures(loadS2(), RECORDS, { hubble: files.hubble, hubbleGz: files['hubble.gz'], csv: files.csv });
      process.stderr.write(`  ${fmt(stats.connections)} connections, ${fmt(stats.hubbleBytes / 2 ** 20)} MiB of Hubble JSON, ${fmt(stats.csvRows)} CSV rows (${fmt(ms(t))} ms)\n`);
    }
    const self = fileURLToPath(import.meta.url);
    const rows: Row[] = [];
    for (const p of PATHS) {
      const r = spawnSync(process.execPath, [...process.execArgv, self, '--child', p, files[p]], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (r.status !== 0) throw new Error(`generate bench ${p} failed (exit ${r.status})`);
      rows.push(JSON.parse(r.stdout) as Row);
    }
    printTable(rows);
  } finally {
    if (keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}
