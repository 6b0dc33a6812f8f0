/**
 * `pnpm bench` (load part): how long reading manifests takes at S2 (10,000 pods, 12 MB of YAML)
 * and S3 (100,000 pods, 115 MB), as YAML and as `kubectl get -o json` (a List), and at S3 with
 * the parse on 2 worker threads for comparison. Each load is a process of its
 * own: "process" is its whole wall time (Node and tsx start-up, reading, parsing, converting to
 * the model), "in-process" the load alone, split into the read (parse, each object converted as it
 * is read, as loadCluster does) and the rest of the conversion (owners, workloads), with the CPU time of
 * all its threads. Numbers, never assertions; the inputs are written once to .bench/.
 * "built process" is the same load bundled to plain JavaScript by esbuild, as the built CLI runs
 * it: tsx's start-up and transpiling (~0.9 s here) are in "process" but in no user's command.
 * The worker row runs under tsx only (its workers register tsx themselves).
 *
 *   tsx test/bench/load-bench.ts            S2 and S3
 *   tsx test/bench/load-bench.ts S2         chosen sizes
 *   LATERAL_LOAD_RUNS=5                     runs per row (default 3 for S2, 1 for S3; median)
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseManifests, synthesizeYaml } from '@lateral/k8s';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BENCH_DIR = `${REPO}.bench`;
const SIZES = [
  { name: 'S2', pods: 10_000, namespaces: 200, policies: 1_000 },
  { name: 'S3', pods: 100_000, namespaces: 2_000, policies: 10_000 },
];

interface Once {
  parseMs: number;
  convertMs: number;
  cpuMs: number;
  parseCpuMs: number;
  objects: number;
  pods: number;
  peakMiB: number;
}

/** The size's YAML (and JSON List) in .bench/, written on first use. */
function inputs(size: (typeof SIZES)[number]): { yaml: string; json: string } {
  const base = `${BENCH_DIR}/load-${size.name}-seed1`;
  const yaml = `${base}.yaml`;
  const json = `${base}.json`;
  if (!existsSync(yaml) || !existsSync(json)) {
    mkdirSync(BENCH_DIR, { recursive: true });
    process.stderr.write(`load bench: writing ${size.name} to .bench/ (once)\n`);
    const text = synthesizeYaml({ ...size, seed: 1 });
    const items = parseManifests(text, yaml).map((o) => o.obj);
    writeFileSync(`${json}.tmp`, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 4));
    renameSync(`${json}.tmp`, json);
    writeFileSync(`${yaml}.tmp`, text);
    renameSync(`${yaml}.tmp`, yaml);
  }
  return { yaml, json };
}

/** load-once.ts bundled to plain JavaScript with the CLI's own esbuild (written to .bench/ each run). */
async function builtLoadOnce(): Promise<string> {
  // esbuild is the CLI package's dependency, not the root's: resolved from there.
  const { build } = createRequire(`${REPO}apps/cli/package.json`)('esbuild') as { build: (options: Record<string, unknown>) => Promise<unknown> };
  const out = `${BENCH_DIR}/load-once.built.mjs`;
  mkdirSync(BENCH_DIR, { recursive: true });
  await build({
    entryPoints: [fileURLToPath(new URL('./load-once.ts', import.meta.url))],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    // As apps/cli/scripts/build.ts: CommonJS dependencies call require().
    banner: { js: "import { createRequire as __lateralCreateRequire } from 'node:module'; const require = __lateralCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return out;
}

function once(file: string, workers?: number, built?: string): { wallMs: number; r: Once } {
  const t = process.hrtime.bigint();
  const script = built === undefined ? ['--import', 'tsx', fileURLToPath(new URL('./load-once.ts', import.meta.url))] : [built];
  const p = spawnSync(process.execPath, [...script, file, ...(workers === undefined ? [] : [String(workers)])], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const wallMs = Number(process.hrtime.bigint() - t) / 1e6;
  if (p.status !== 0) throw new Error(`load of ${file} failed: ${p.stderr}`);
  return { wallMs, r: JSON.parse(p.stdout.trim().split('\n').pop()!) as Once };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const wanted = process.argv.slice(2).filter((a) => /^S\d$/.test(a));
const rows: string[][] = [];
const sizes = SIZES.filter((s) => wanted.length === 0 || wanted.includes(s.name));
const built = sizes.length === 0 ? undefined : await builtLoadOnce();
for (const size of sizes) {
  const { yaml, json } = inputs(size);
  const runs = Number(process.env['LATERAL_LOAD_RUNS'] ?? (size.name === 'S3' ? 1 : 3));
  const cases: [string, string, number | undefined][] = [
    ['YAML', yaml, undefined],
    ['JSON List', json, undefined],
    // The parse on 2 worker threads (the default uses none below 4 cores): what they cost here.
    ...(size.name === 'S3' ? ([['YAML, 2 workers', yaml, 2]] as [string, string, number][]) : []),
  ];
  for (const [label, file, workers] of cases) {
    const all = Array.from({ length: runs }, () => once(file, workers));
    const pick = (f: (x: { wallMs: number; r: Once }) => number) => median(all.map(f));
    const asBuilt = workers === undefined && built !== undefined ? Array.from({ length: runs }, () => once(file, undefined, built)) : [];
    rows.push([
      `${size.name} ${label}`,
      fmt(all[0]!.r.objects),
      asBuilt.length === 0 ? '-' : `${fmt(median(asBuilt.map((x) => x.wallMs)))} (${fmt(median(asBuilt.map((x) => x.r.parseMs + x.r.convertMs)))})`,
      fmt(pick((x) => x.wallMs)),
      fmt(pick((x) => x.r.parseMs + x.r.convertMs)),
      fmt(pick((x) => x.r.parseMs)),
      fmt(pick((x) => x.r.convertMs)),
      `${fmt(pick((x) => x.r.cpuMs))} (${fmt(pick((x) => x.r.parseCpuMs))})`,
      fmt(Math.max(...all.map((x) => x.r.peakMiB))),
    ]);
  }
}

if (rows.length === 0) {
  console.log('\nload bench: runs on S2 and S3 only; skipped');
  process.exit(0);
}
const header = ['load', 'objects', 'built process ms (in-process)', 'process ms', 'in-process ms', 'read ms', 'finish ms', 'CPU ms (read)', 'peak MiB'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
console.log('\nloading manifests (each a process of its own; median of the runs):');
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
