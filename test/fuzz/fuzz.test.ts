/**
 * Fuzzing the CLI in-process, seeded and bounded: a few hundred mutated manifests and flow
 * captures per run, each through a command a user would run. It fails on an exit code other
 * than 0, 1 or 2, a stack frame or "internal error" on stderr, a run past the time limit, and
 * on any reformatting of one input (CRLF, byte-order mark, comments, JSON vs YAML, key order,
 * one file per object vs `kind: List`) that changes the answer.
 *
 *   LATERAL_FUZZ_SEED=7 LATERAL_FUZZ_RUNS=2000 npx vitest run test/fuzz   a longer, other run
 *   LATERAL_FUZZ_KEEP=1 ...                                                keep the inputs
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as yaml from 'js-yaml';
import { mulberry32 } from '@lateral/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lateral, REPO, type CliResult } from '../cli/run-cli.js';
import { mutateCapture, mutateObjects, mutateText, pick, reformattings, toYaml, type Rnd } from './mutate.js';

const SEED = Number(process.env['LATERAL_FUZZ_SEED'] ?? 1);
/** Manifest mutations per run; flow captures and reformatting sets scale with it. */
const RUNS = Number(process.env['LATERAL_FUZZ_RUNS'] ?? 160);
/** One run on a cluster of ~60 objects takes tens of milliseconds; this is a hang. */
const TIME_LIMIT_MS = 15_000;

const SHOP = join(REPO, 'fixtures/shop');
const STACK_FRAME = /^\s+at .+(\(.*:\d+:\d+\)|:\d+:\d+)$/m;

type Json = Parameters<typeof mutateObjects>[0][number];

function shopObjects(): Json[] {
  const files = [
    ...readdirSync(SHOP).filter((f) => f.endsWith('.yaml')).map((f) => join(SHOP, f)),
    ...readdirSync(join(SHOP, 'policies')).map((f) => join(SHOP, 'policies', f)),
    join(REPO, 'test/cli/unevaluated/tanzu.yaml'),
  ].sort();
  return files.flatMap((f) => yaml.loadAll(readFileSync(f, 'utf8'), undefined, { schema: yaml.CORE_SCHEMA }) as Json[]).filter((o) => o !== null);
}

let tmp: string;
let n = 0;
/** Writes files under a fresh directory; returns it. */
function writeCase(files: Record<string, string>): string {
  const dir = join(tmp, String(n++));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function run(args: string[], cwd: string, what: string): Promise<CliResult> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    lateral(args, { cwd }),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), TIME_LIMIT_MS))),
  ]).finally(() => clearTimeout(timer));
  const ms = performance.now() - start;
  const where = `${what}\n  lateral ${args.join(' ')}\n  (in ${cwd}; exit ${r.code}, ${ms.toFixed(0)} ms)\n  stderr: ${r.stderr.slice(0, 600)}`;
  expect([0, 1, 2], where).toContain(r.code);
  expect(r.stderr, where).not.toMatch(STACK_FRAME);
  expect(r.stderr, where).not.toContain('internal error');
  expect(ms, where).toBeLessThan(TIME_LIMIT_MS);
  return r;
}

/** What a user would run on manifests at `input` (relative to the case directory). */
function manifestCommand(r: Rnd, input: string): string[] {
  return pick(r, [
    () => ['reach', input, '--format', pick(r, ['json', 'txt', 'md', 'csv', 'dot'])],
    () => ['explain', input, '--from', 'shop/frontend', '--to', pick(r, ['shop/cart', 'shop/postgres', '203.0.113.7']), ...(r() < 0.5 ? ['--port', '7070'] : [])],
    () => ['check', input, '--from', 'shop/checkout', '--to', 'shop/payment', '--port', '50051'],
    () => ['blast', input, '--from', pick(r, ['shop/frontend', 'internet']), '--format', 'json'],
    () => ['risk', input, '--format', 'md'],
    () => ['whatif', SHOP, '--apply', input, '--format', pick(r, ['txt', 'json', 'md'])],
    () => ['diff', SHOP, '--after', input, ...(r() < 0.5 ? ['--fail-on', 'unknown,new-exposure'] : [])],
  ])();
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'lateral-fuzz-'));
});
// LATERAL_FUZZ_KEEP=1 keeps the inputs, to rerun a failing case by hand.
afterAll(() => (process.env['LATERAL_FUZZ_KEEP'] ? undefined : rmSync(tmp, { recursive: true, force: true })));

describe(`fuzzing the CLI (seed ${SEED}, ${RUNS} manifest runs)`, () => {
  const base = shopObjects();

  it('mutated manifests: exit 0, 1 or 2, never a stack trace, never a hang', async () => {
    const r = mulberry32(SEED);
    const codes = [0, 0, 0];
    for (let i = 0; i < RUNS; i++) {
      const objects = mutateObjects(base, r);
      let text = toYaml(objects);
      if (r() < 0.35) text = mutateText(text, r);
      const dir = writeCase({ 'input.yaml': text });
      const res = await run(manifestCommand(r, 'input.yaml'), dir, `manifest case ${i} (seed ${SEED})`);
      codes[res.code]!++;
    }
    // The fuzzing reaches past the reader: some mutations still give answers.
    expect(codes[0]! + codes[1]!).toBeGreaterThan(RUNS / 10);
    expect(codes[2]).toBeGreaterThan(RUNS / 10);
  });

  it('mutated flow captures: exit 0, 1 or 2, never a stack trace, never a hang', async () => {
    const r = mulberry32(SEED ^ 0xf10f);
    const head = (f: string, k: number) => readFileSync(join(SHOP, 'flows', f), 'utf8').split('\n').slice(0, k);
    const captures = [head('hubble.jsonl', 40), head('gadget.jsonl', 40), head('flows.csv', 40)];
    const runs = Math.ceil(RUNS * 0.6);
    for (let i = 0; i < runs; i++) {
      const text = mutateCapture(pick(r, captures), r);
      const dir = writeCase({ 'capture.jsonl': text });
      const args = pick(r, [
        () => ['audit', SHOP, '--flows', 'capture.jsonl', '--format', 'json'],
        () => ['generate', SHOP, '--flows', 'capture.jsonl', '--format', 'json'],
        () => ['whatif', SHOP, '--delete', 'networkpolicy/shop/frontend-ingress', '--flows', 'capture.jsonl', '--fail-on', 'broken-flows'],
      ])();
      await run(args, dir, `flow case ${i} (seed ${SEED})`);
    }
  });

  it('the same input reformatted gives the same answer', async () => {
    const r = mulberry32(SEED ^ 0x5eed);
    const sets = Math.ceil(RUNS / 8);
    let answered = 0;
    for (let i = 0; i < sets; i++) {
      // Structural edits only: every rendering then holds the very same objects.
      const objects = i === 0 ? base : mutateObjects(base, r).filter((o) => !(o && typeof o === 'object' && !Array.isArray(o) && o.kind === 'List'));
      const forms = reformattings(objects, r);
      const args = (input: string) => ['reach', input, '--format', 'json'];
      let first: { name: string; res: CliResult } | undefined;
      for (const f of forms) {
        const dir = writeCase(f.files);
        const res = await run(args(f.input), dir, `reformatting set ${i} (${f.name}, seed ${SEED})`);
        if (!first) {
          first = { name: f.name, res };
          if (res.code === 0) answered++;
          continue;
        }
        const where = `set ${i} (seed ${SEED}): "${f.name}" vs "${first.name}" in ${dir}; stderr: ${res.stderr.slice(0, 400)} / ${first.res.stderr.slice(0, 400)}`;
        expect(res.code, where).toBe(first.res.code);
        if (first.res.code === 0) expect(res.stdout, where).toBe(first.res.stdout);
      }
    }
    expect(answered).toBeGreaterThan(sets / 4);
  });
});

