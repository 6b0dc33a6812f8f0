/**
 * The GitHub Action (action.yml at the repository root), run as a runner runs a composite
 * action: each step's `run` in `bash --noprofile --norc -eo pipefail`, its `env` with the
 * `${{ inputs.* }}` the workflow gives, and the runner's variables (GITHUB_WORKSPACE,
 * GITHUB_EVENT_PATH, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, …) — on a temporary git repository
 * whose second commit changes a manifests folder.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../cli/run-cli.js';

interface ActionYaml {
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: { id?: string; shell: string; env?: Record<string, string>; run: string }[] };
}

const action = yaml.load(readFileSync(join(REPO, 'action.yml'), 'utf8')) as ActionYaml;

interface RunResult {
  code: number;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
}

let tmp: string;
let repo: string;
let first: string;
let second: string;

function git(...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Runs the action's steps as the runner would, with these inputs and this event payload. */
function runAction(inputs: Record<string, string>, event: { name: string; payload: object; baseRef?: string }): RunResult {
  const dir = mkdtempSync(join(tmp, 'run-'));
  const summaryFile = join(dir, 'step_summary.md');
  const outputFile = join(dir, 'output');
  const eventFile = join(dir, 'event.json');
  writeFileSync(summaryFile, '');
  writeFileSync(outputFile, '');
  writeFileSync(eventFile, JSON.stringify(event.payload));
  for (const [name, spec] of Object.entries(action.inputs)) {
    if (spec.required && inputs[name] === undefined) throw new Error(`input ${name} is required`);
  }
  const expr = (text: string, steps: Record<string, Record<string, string>>) =>
    text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, path: string) => {
      const [scope, a, b, c] = path.split('.');
      if (scope === 'inputs') return inputs[a!] ?? action.inputs[a!]?.default ?? '';
      if (scope === 'steps' && b === 'outputs') return steps[a!]?.[c!] ?? '';
      throw new Error(`expression ${path} is not one a runner would give this action`);
    });
  const { INIT_CWD: _, ...base } = process.env;
  const runner = {
    ...base,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: repo,
    GITHUB_ACTION_PATH: REPO,
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_BASE_REF: event.baseRef ?? '',
    GITHUB_SHA: second,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_OUTPUT: outputFile,
    RUNNER_TEMP: dir,
  };
  const steps: Record<string, Record<string, string>> = {};
  let code = 0;
  let stderr = '';
  for (const [i, step] of action.runs.steps.entries()) {
    expect(step.shell).toBe('bash');
    const script = join(dir, `step-${i}.sh`);
    writeFileSync(script, expr(step.run, steps));
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expr(String(v), steps)]));
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: repo, env: { ...runner, ...env }, encoding: 'utf8' });
    stderr += r.stderr;
    if (step.id) {
      steps[step.id] = Object.fromEntries(
        readFileSync(outputFile, 'utf8')
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    }
    code = r.status ?? -1;
    if (code !== 0) break;
  }
  const outputs = Object.fromEntries(Object.entries(action.outputs).map(([name, o]) => [name, expr(o.value, steps)]));
  return { code, stderr, summary: readFileSync(summaryFile, 'utf8'), outputs };
}

const prEvent = () => ({ name: 'pull_request', baseRef: 'main', payload: { pull_request: { base: { sha: first, ref: 'main' }, head: { sha: second } } } });

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'lateral-action-'));
  repo = join(tmp, 'repo');
  mkdirSync(repo);
  git('init', '-q', '-b', 'main');
  cpSync(join(REPO, 'fixtures', 'shop'), join(repo, 'deploy', 'k8s'), { recursive: true, filter: (src) => !src.includes('/flows') });
  git('add', '.');
  git('commit', '-q', '-m', 'the shop');
  first = git('rev-parse', 'HEAD');
  // The change under review: Prometheus may now reach the database.
  cpSync(join(REPO, 'test', 'whatif', 'shop', 'postgres-from-monitoring.yaml'), join(repo, 'deploy', 'k8s', 'policies', 'postgres-from-monitoring.yaml'));
  git('add', '.');
  git('commit', '-q', '-m', 'let prometheus scrape postgres');
  second = git('rev-parse', 'HEAD');
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the GitHub Action (action.yml)', () => {
  it('is a composite action whose steps run in bash', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.inputs.manifests?.required).toBe(true);
  });

  it('on a pull request: the report in the job summary and the comment file, and the step fails on new exposure', () => {
    const r = runAction({ manifests: 'deploy/k8s' }, prEvent());
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('--fail-on: found new-exposure');
    expect(r.summary).toContain('### Lateral what-if: deploy/k8s');
    expect(r.summary).toContain(':x: **--fail-on: new-exposure**');
    expect(r.summary).toMatch(/\| `monitoring\/prometheus` \| `shop\/postgres` \| TCP 5432 \|/);
    expect(r.summary).toContain(`Compared with ${first.slice(0, 7)}`);
    expect(r.outputs.failed).toBe('new-exposure');
    expect(r.outputs['exit-code']).toBe('1');
    expect(readFileSync(r.outputs['report-file']!, 'utf8')).toBe(r.summary);
  });

  it('with fail-on empty it reports and passes', () => {
    const r = runAction({ manifests: 'deploy/k8s/', 'fail-on': '' }, prEvent());
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary).toMatch(/\| new exposure \(from outside or another namespace\) \| 1 \|/);
    expect(r.summary).not.toContain('--fail-on');
    expect(r.outputs.failed).toBe('');
  });

  it('on a push it compares with the commit before the push', () => {
    const r = runAction({ manifests: 'deploy/k8s', 'fail-on': 'new-paths' }, { name: 'push', payload: { before: first, after: second } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.summary).toContain('| connections with changed ports | 1 |');
    expect(r.summary).toContain(`Compared with ${first.slice(0, 7)}`);
  });

  it('a base commit that is not in the clone is a clear error, in the log and the summary', () => {
    const r = runAction({ manifests: 'deploy/k8s', base: '0123456789abcdef0123456789abcdef01234567' }, prEvent());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not in this clone: check out with fetch-depth: 0');
    expect(r.summary).toContain('is not in this clone');
  });

  it('a broken manifest in the head version fails with the file and field, not a stack trace', () => {
    const bad = join(repo, 'deploy', 'k8s', 'policies', 'broken.yaml');
    writeFileSync(bad, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: broken, namespace: shop}\nspec: {podSelector: {}, ingres: []}\n');
    try {
      const r = runAction({ manifests: 'deploy/k8s' }, prEvent());
      expect(r.code).toBe(2);
      expect(r.summary).toMatch(/broken\.yaml.*ingres/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.outputs['exit-code']).toBe('2');
    } finally {
      rmSync(bad);
    }
  });
});
