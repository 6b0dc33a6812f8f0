/**
 * What a user installs is what is tested: the CLI packed with `npm pack`, installed from the
 * tarball into a temporary prefix with `npm install -g --offline` (so it must carry everything
 * it needs), and run from that prefix's bin/ — as `lateral`, and as the kubectl plugin
 * `kubectl lateral` when kubectl is on PATH.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_ENTRIES, workerName } from '../../apps/cli/scripts/worker-entries.js';
import { REPO } from './run-cli.js';

const CLI = join(REPO, 'apps', 'cli');
let tmp: string;
let prefix: string;
/** Where npm puts a global prefix's commands (bin/ on POSIX). */
let binDir: string;
/** PATH with the installed commands first, and npm's own node. */
let path: string;

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  // npm-cli.js beside this node, so the test does not depend on which npm is first on PATH.
  const npmCli = join(process.execPath, '..', '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  const r = existsSync(npmCli)
    ? spawnSync(process.execPath, [npmCli, ...args], { cwd, encoding: 'utf8' })
    : spawnSync('npm', args, { cwd, encoding: 'utf8', shell: process.platform === 'win32' });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  // No INIT_CWD: a user's shell has none; relative inputs are relative to cwd.
  const { INIT_CWD: _, ...base } = process.env;
  return spawnSync(command, args, { cwd: REPO, encoding: 'utf8', env: { ...base, PATH: path, ...env } });
}

beforeAll(() => {
  // The bundle is current (bin/lateral.js rebuilds it in a clone when a source changed).
  const built = spawnSync(process.execPath, [join(CLI, 'bin', 'lateral.js'), '--help'], { encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
  tmp = mkdtempSync(join(tmpdir(), 'lateral-pack-'));
  const packed = npm(['pack', '--json', '--pack-destination', tmp], CLI);
  const tarball = join(tmp, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
  prefix = join(tmp, 'prefix');
  npm(['install', '--global', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], tmp);
  binDir = join(prefix, 'bin');
  path = [binDir, process.env.PATH ?? ''].join(delimiter);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the packed CLI, installed from its tarball', () => {
  it('installs the lateral and kubectl-lateral commands, and nothing else but the package', () => {
    expect(readdirSync(binDir).sort()).toEqual(['kubectl-lateral', 'lateral']);
    // Self-contained: every dependency is in the bundle, none was installed beside it.
    expect(readdirSync(join(prefix, 'lib', 'node_modules'))).toEqual(['@lateral']);
    expect(existsSync(join(prefix, 'lib', 'node_modules', '@lateral', 'cli', 'node_modules'))).toBe(false);
  });

  it('lateral --help lists the commands', () => {
    const r = run('lateral', ['--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Usage: lateral <command> INPUTS... [options]');
    expect(r.stdout).toMatch(/^ {2}reach {4}every allowed connection/m);
    expect(r.stderr).toBe('');
  });

  it('lateral reach fixtures/shop lists the shop\'s connections, relative to the current directory', () => {
    const r = run('lateral', ['reach', 'fixtures/shop']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('shop/frontend => shop/cart : TCP 7070');
    expect(lines.filter((l) => l.startsWith('shop/frontend => shop/postgres'))).toEqual([]);
    expect(lines.length).toBeGreaterThan(20);
  });

  it('bad input is one line naming the object and field, exit 2', () => {
    const r = run('lateral', ['reach', 'fixtures/shop', '--format', 'xml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--format must be one of txt, json, csv, md, dot');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('lateral demo --text runs on the demo cluster it carries, from any directory', () => {
    const r = spawnSync(join(binDir, 'lateral'), ['demo', '--text'], { cwd: tmp, encoding: 'utf8', env: { ...process.env, INIT_CWD: tmp } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('shop/frontend => shop/cart : TCP 7070');
    expect(r.stdout).toContain('DENIED');
  });

  it('lateral serve serves the web UI built into the package', async () => {
    const child = spawn(join(binDir, 'lateral'), ['serve', 'fixtures/shop'], { cwd: REPO, env: { ...process.env, PATH: path } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          const m = /serving (http:\/\/\S+)/.exec(text);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${text}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<script[^>]+src="[^"]+\.js"/);
      const api = await fetch(new URL('/api/summary', url));
      expect(api.status).toBe(200);
      expect(await api.json()).toMatchObject({ label: 'fixtures/shop', workloads: 14 });
    } finally {
      child.kill();
    }
  });

  it('ships every worker entry point, and the flow reader worker starts from the package', () => {
    const dist = join(prefix, 'lib', 'node_modules', '@lateral', 'cli', 'dist');
    for (const entry of WORKER_ENTRIES) expect(existsSync(join(dist, `${workerName(entry)}.js`)), entry).toBe(true);
    const script = `
      import { Worker } from 'node:worker_threads';
      const w = new Worker(${JSON.stringify(join(dist, 'flow-worker.js'))}, { workerData: { format: 'hubble', maxBadLines: 1 }, execArgv: [] });
      w.once('message', (m) => { console.log(m.type); w.terminate(); });
      w.once('error', (e) => { console.log('error: ' + e.message); process.exitCode = 1; });`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stdout.trim(), r.stderr).toBe('ready');
  });
});

const kubectl = (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, 'kubectl')));

describe.skipIf(!kubectl)(`kubectl lateral (the kubectl plugin)${kubectl ? '' : ' — skipped: kubectl is not on PATH'}`, () => {
  it('kubectl finds the plugin on PATH', () => {
    const r = run('kubectl', ['plugin', 'list']);
    expect(r.stdout).toContain(join(binDir, 'kubectl-lateral'));
  });

  it('kubectl lateral --help and kubectl lateral reach fixtures/shop', () => {
    const help = run('kubectl', ['lateral', '--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: lateral <command> INPUTS... [options]');
    const reach = run('kubectl', ['lateral', 'reach', 'fixtures/shop', '--format', 'json']);
    expect(reach.status, reach.stderr).toBe(0);
    const json = JSON.parse(reach.stdout) as { connections: { from: string; to: string }[] };
    expect(json.connections).toContainEqual(expect.objectContaining({ from: 'shop/frontend', to: 'shop/cart' }));
  });
});
