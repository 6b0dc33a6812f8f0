/**
 * `pnpm bench`: prints a table of load, compile, all-pairs and query times and peak memory on
 * synthetic clusters S1, S2, S3, plus the reference evaluator on S1 for the speed-up ratio.
 * Each size runs in its own process so peak memory is that size's alone. Numbers, never
 * assertions: these machines are small and noisy; compare ratios within one run.
 *
 *   pnpm bench                 S1, S2, S3
 *   pnpm bench S1 S2           chosen sizes
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compile, referenceAllowed, type Endpoint } from '@lateral/core';
import { mulberry32 } from '@lateral/core/testing';
import { lateralMovementBench, printLateralMovement, type LateralMovementRow } from './lateral-movement-bench.js';
import { clusterFromObjects, parseManifests, synthesizeYaml } from '@lateral/k8s';
import { printWhatIf, whatIfBench, type WhatIfRow } from './what-if-bench.js';

interface Size {
  name: string;
  pods: number;
  namespaces: number;
  policies: number;
}

const SIZES: Size[] = [
  { name: 'S1', pods: 1_000, namespaces: 20, policies: 100 },
  { name: 'S2', pods: 10_000, namespaces: 200, policies: 1_000 },
  { name: 'S3', pods: 100_000, namespaces: 2_000, policies: 10_000 },
];

interface Row {
  size: string;
  pods: number;
  classes: number;
  externals: number;
  synthMs: number;
  loadMs: number;
  compileMs: number;
  reachMs: number;
  /** CPU time of the process (all its threads) over the same spans: steadier than wall time on a loaded machine. */
  compileCpuMs: number;
  reachCpuMs: number;
  pairs: number;
  queryUs: number;
  query99Us: number;
  peakMiB: number;
  referencePairUs?: number;
  referenceAllPairsEstS?: number;
  lateral?: LateralMovementRow;
  whatIf?: WhatIfRow;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function ms(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

function runOne(size: Size): Row {
  let t = process.hrtime.bigint();
  const yaml = synthesizeYaml({ pods: size.pods, namespaces: size.namespaces, policies: size.policies, seed: 1 });
  const synthMs = ms(t);

  t = process.hrtime.bigint();
  const load = clusterFromObjects(parseManifests(yaml, `${size.name}.yaml`));
  const loadMs = ms(t);

  let c = cpuMs();
  t = process.hrtime.bigint();
  const compiled = compile(load.cluster);
  const compileMs = ms(t);
  const compileCpuMs = cpuMs() - c;

  c = cpuMs();
  t = process.hrtime.bigint();
  const reach = compiled.reach();
  let pairs = 0;
  reach.forEachAllowed(() => {
    pairs++;
  });
  const reachMs = ms(t);
  const reachCpuMs = cpuMs() - c;

  const pods = load.cluster.pods;
  const rnd = mulberry32(7);
  const ports = [53, 80, 443, 5432, 8080, 9090];
  const queries: [Endpoint, Endpoint, number][] = [];
  for (let i = 0; i < 2000; i++) {
    const a = pods[Math.floor(rnd() * pods.length)]!;
    const b = pods[Math.floor(rnd() * pods.length)]!;
    queries.push([{ kind: 'pod', pod: a }, { kind: 'pod', pod: b }, ports[Math.floor(rnd() * ports.length)]!]);
  }
  const lat: number[] = [];
  for (const [a, b, port] of queries) {
    const q = process.hrtime.bigint();
    compiled.allowed(a, b, port, 'TCP');
    lat.push(Number(process.hrtime.bigint() - q) / 1e3);
  }
  lat.sort((x, y) => x - y);
  const row: Row = {
    size: size.name,
    pods: pods.reduce((s, p) => s + p.replicas, 0),
    classes: compiled.classCount,
    externals: compiled.externals.length,
    synthMs,
    loadMs,
    compileMs,
    reachMs,
    compileCpuMs,
    reachCpuMs,
    pairs,
    queryUs: lat.reduce((s, x) => s + x, 0) / lat.length,
    query99Us: lat[Math.floor(lat.length * 0.99)]!,
    peakMiB: process.resourceUsage().maxRSS / 1024,
  };

  if (size.name !== 'S3') row.lateral = lateralMovementBench(compiled);
  if (size.name !== 'S3') row.whatIf = whatIfBench(load.cluster, compiled);

  if (size.name === 'S1') {
    // The reference answers one pair and one port at a time; time a sample and extrapolate to
    // every pod pair on every port atom the fast engine covers (reported as an estimate).
    const sample = queries.slice(0, 500);
    t = process.hrtime.bigint();
    for (const [a, b, port] of sample) referenceAllowed(load.cluster, a, b, port, 'TCP');
    const perPair = (ms(t) * 1000) / sample.length;
    row.referencePairUs = perPair;
    row.referenceAllPairsEstS = (perPair * pods.length * pods.length) / 1e6;
  }
  return row;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function printTable(rows: Row[]): void {
  const header = ['size', 'pods', 'classes', 'ext', 'synth ms', 'load ms', 'compile ms (cpu)', 'all-pairs ms (cpu)', 'allowed pairs', 'query µs (avg/p99)', 'peak MiB'];
  const lines = rows.map((r) => [
    r.size,
    fmt(r.pods),
    fmt(r.classes),
    fmt(r.externals),
    fmt(r.synthMs),
    fmt(r.loadMs),
    `${fmt(r.compileMs)} (${fmt(r.compileCpuMs)})`,
    `${fmt(r.reachMs)} (${fmt(r.reachCpuMs)})`,
    fmt(r.pairs),
    `${fmt(r.queryUs, 1)} / ${fmt(r.query99Us, 1)}`,
    fmt(r.peakMiB),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(line(l));
  for (const r of rows) {
    if (r.referencePairUs !== undefined) {
      const fastTotalMs = r.compileMs + r.reachMs;
      console.log(
        `\nreference evaluator on ${r.size}: ${fmt(r.referencePairUs, 1)} µs per (pair, one port); ` +
          `all ${fmt(r.pods)}² pod pairs on ONE port ≈ ${fmt(r.referenceAllPairsEstS!, 1)} s (extrapolated from 500 pairs) ` +
          `vs fast engine compile + all pairs on EVERY port and protocol ${fmt(fastTotalMs)} ms ` +
          `(≥ ${fmt((r.referenceAllPairsEstS! * 1000) / fastTotalMs)}× faster)`,
      );
    }
  }
  printLateralMovement(rows.flatMap((r) => (r.lateral ? [{ size: r.size, ...r.lateral }] : [])));
  printWhatIf(rows.flatMap((r) => (r.whatIf ? [{ size: r.size, ...r.whatIf }] : [])));
  console.log('\n2-core shared machine: compare ratios within one run, not absolute numbers across runs.');
}

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
if (args[0] === '--child') {
  const size = SIZES.find((s) => s.name === args[1])!;
  process.stdout.write(JSON.stringify(runOne(size)));
} else {
  const chosen = args.length ? SIZES.filter((s) => args.includes(s.name)) : SIZES;
  const rows: Row[] = [];
  for (const size of chosen) {
    process.stderr.write(`bench ${size.name} (${size.pods} pods, ${size.namespaces} namespaces, ${size.policies} policies)…\n`);
    const r = spawnSync(process.execPath, [...process.execArgv, self, '--child', size.name], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=6144`.trim() },
    });
    if (r.status !== 0) {
      console.error(`bench ${size.name} failed (exit ${r.status})`);
      process.exitCode = 1;
      continue;
    }
    rows.push(JSON.parse(r.stdout) as Row);
  }
  printTable(rows);
}
