/**
 * `pnpm bench` (CLI part): what a user waits for — whole `lateral` processes, start to exit,
 * the median of several runs. On S2 (10,000 pods, the YAML `lateral synth` writes, ~12 MB):
 * `--help`, one `check` query, all pairs as JSON, a blast radius. Node's own start (`node -e 0`)
 * is the floor every row includes.
 *
 * Two ways to run the CLI, side by side:
 *   built   node apps/cli/bin/lateral.js   what `pnpm lateral` and an installed `lateral` run
 *   tsx     tsx apps/cli/src/main.ts       the TypeScript sources, as `pnpm lateral` ran before
 *                                          the CLI was built (transpiled on every call)
 * LATERAL_BENCH_CLI="node /other/checkout/apps/cli/bin/lateral.js" adds a column for another
 * build (e.g. an older commit) on the same machine and input; LATERAL_BENCH_NO_TSX=1 leaves out the
 * tsx column (half the time of a run on a busy machine).
 *
 *   tsx test/bench/cli-bench.ts        all rows       (skipped when sizes are named without S2)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const S2 = { pods: 10_000, namespaces: 200, policies: 1_000, seed: 1 };
const S2_FILE = join(REPO, '.bench', `s2-${S2.pods}-${S2.namespaces}-${S2.policies}-${S2.seed}.yaml`);

interface Variant {
  readonly name: string;
  readonly argv: readonly string[];
}

const tsxCli = join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const VARIANTS: Variant[] = [
  { name: 'built', argv: [process.execPath, join(REPO, 'apps', 'cli', 'bin', 'lateral.js')] },
  ...(process.env.LATERAL_BENCH_NO_TSX ? [] : [{ name: 'tsx', argv: [process.execPath, tsxCli, join(REPO, 'apps', 'cli', 'src', 'main.ts')] }]),
  ...(process.env.LATERAL_BENCH_CLI ? [{ name: 'LATERAL_BENCH_CLI', argv: process.env.LATERAL_BENCH_CLI.split(' ') }] : []),
];

interface Case {
  readonly name: string;
  readonly args: readonly string[];
  readonly runs: number;
  /** The goal from the issue, in ms, printed beside the numbers. */
  readonly goalMs?: number;
}

const CASES: Case[] = [
  { name: 'lateral --help', args: ['--help'], runs: 9, goalMs: 150 },
  {
    name: 'lateral check S2 (one query)',
    args: ['check', S2_FILE, '--from', 'ingress-nginx/ingress-nginx-controller', '--to', 'kube-system/coredns', '--port', '53', '--protocol', 'UDP'],
    runs: 5,
    goalMs: 1_500,
  },
  { name: 'lateral reach S2 --format json', args: ['reach', S2_FILE, '--format', 'json'], runs: 3, goalMs: 3_000 },
  { name: 'lateral blast S2 --from internet', args: ['blast', S2_FILE, '--from', 'internet'], runs: 3 },
];

/**
 * GNU time, when present, reports the process's CPU time (user + system): on a shared machine
 * the wall clock also counts other people's work, the CPU time much less so.
 */
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const CPU_MARK = 'lateral-bench-cpu';

function timeOnce(argv: readonly string[]): { ms: number; cpuMs?: number; status: number | null; stderr: string } {
  const cmd = GNU_TIME ? [GNU_TIME, '-f', `${CPU_MARK} %U %S`, ...argv] : argv;
  const t = process.hrtime.bigint();
  // Output to /dev/null, as a redirect to a file would be: the process still formats and writes it all.
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { ...process.env, INIT_CWD: REPO } });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const cpu = new RegExp(`^${CPU_MARK} ([\\d.]+) ([\\d.]+)$`, 'm').exec(r.stderr);
  const stderr = r.stderr.replace(new RegExp(`^${CPU_MARK}.*\\n?`, 'm'), '');
  return { ms, ...(cpu ? { cpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000 } : {}), status: r.status, stderr };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function ensureS2(): void {
  if (existsSync(S2_FILE)) return;
  mkdirSync(join(REPO, '.bench'), { recursive: true });
  process.stderr.write(`writing ${S2_FILE} with lateral synth…\n`);
  const r = spawnSync(VARIANTS[0]!.argv[0]!, [...VARIANTS[0]!.argv.slice(1), 'synth', '--pods', `${S2.pods}`, '--namespaces', `${S2.namespaces}`, '--policies', `${S2.policies}`, '--seed', `${S2.seed}`], {
    cwd: REPO,
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`lateral synth failed: ${r.stderr}`);
  writeFileSync(S2_FILE, r.stdout);
}

function fmtMs(ms: number): string {
  return ms.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

function main(): void {
  const sizes = process.argv.slice(2);
  if (sizes.length > 0 && !sizes.includes('S2')) return;
  ensureS2();
  // Once, untimed: the build is current (bin/lateral.js rebuilds it in a clone when stale).
  timeOnce([...VARIANTS[0]!.argv, '--help']);
  process.stderr.write(`bench CLI processes on S2 (${(statSync(S2_FILE).size / 2 ** 20).toFixed(1)} MiB of YAML)…\n`);

  const cell = (runs: { ms: number; cpuMs?: number }[]) => {
    const cpu = runs.every((r) => r.cpuMs !== undefined) ? ` / ${fmtMs(median(runs.map((r) => r.cpuMs!)))}` : '';
    return `${fmtMs(median(runs.map((r) => r.ms)))}${cpu} (${runs.length})`;
  };
  const floor = cell(Array.from({ length: 9 }, () => timeOnce([process.execPath, '-e', '0'])));
  const header = ['whole process, median ms', ...VARIANTS.map((v) => `${v.name}: wall${GNU_TIME ? ' / cpu' : ''} (runs)`), 'goal'];
  const rows: string[][] = [['node -e 0 (floor)', ...VARIANTS.map(() => floor), '']];
  for (const c of CASES) {
    const cells = [c.name];
    for (const v of VARIANTS) {
      const runs: { ms: number; cpuMs?: number }[] = [];
      let failed: string | undefined;
      for (let i = 0; i < c.runs && failed === undefined; i++) {
        const r = timeOnce([...v.argv, ...c.args]);
        if (r.status !== 0) failed = `exit ${r.status}: ${r.stderr.trim().split('\n')[0]}`;
        runs.push(r);
      }
      if (failed !== undefined) {
        process.stderr.write(`${c.name} (${v.name}) failed: ${failed}\n`);
        process.exitCode = 1;
      }
      cells.push(failed === undefined ? cell(runs) : 'failed');
    }
    cells.push(c.goalMs !== undefined ? `< ${fmtMs(c.goalMs)}` : '');
    rows.push(cells);
  }

  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(`\nCLI start to exit (stdout to /dev/null), median ms of (runs)${GNU_TIME ? '; cpu = user + system time of the process' : ''}:`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('\n2-core shared machine: compare ratios within one run, not absolute numbers across runs.');
}

main();
