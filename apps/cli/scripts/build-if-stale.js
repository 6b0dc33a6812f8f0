// Plain JavaScript, run by bin/lateral.js before the bundle on every call from a clone: it
// must cost a few milliseconds (stat the sources), and needs no TypeScript loader until a
// rebuild is due, which runs build.ts under tsx.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = join(CLI, '..', '..');
const STAMP = join(CLI, 'dist', '.built');
const LOCK = join(CLI, '.build.lock');
/** A lock older than this was left by a build that died. */
const STALE_LOCK_MS = 5 * 60_000;

/** What the bundle is made of: every package's sources, the web UI, the lockfile. */
function sourceRoots() {
  const packages = readdirSync(join(REPO, 'packages')).map((p) => join(REPO, 'packages', p));
  return [
    ...packages.flatMap((p) => [join(p, 'src'), join(p, 'package.json')]),
    join(CLI, 'src'),
    join(CLI, 'scripts'),
    join(CLI, 'package.json'),
    join(REPO, 'apps', 'web', 'src'),
    join(REPO, 'apps', 'web', 'ui'),
    join(REPO, 'apps', 'web', 'vite.config.ts'),
    join(REPO, 'apps', 'web', 'package.json'),
    join(REPO, 'pnpm-lock.yaml'),
  ];
}

function newestMtime(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return path.endsWith('.test.ts') ? 0 : st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry !== 'node_modules') newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function isStale() {
  const built = statSync(STAMP, { throwIfNoEntry: false });
  return !built || sourceRoots().some((root) => newestMtime(root) > built.mtimeMs);
}

function tryLock() {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    const held = statSync(LOCK, { throwIfNoEntry: false });
    if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
    return false;
  }
}

/** Rebuilds dist when a source changed since the last build; one process builds, others wait. */
export async function buildIfStale() {
  if (!isStale()) return;
  while (!tryLock()) await new Promise((r) => setTimeout(r, 200));
  try {
    if (!isStale()) return; // another process built it while we waited
    process.stderr.write('lateral: sources changed since the last build: rebuilding…\n');
    const tsx = createRequire(join(REPO, 'package.json')).resolve('tsx/cli');
    const r = spawnSync(process.execPath, [tsx, join(CLI, 'scripts', 'build.ts')], { stdio: ['ignore', 2, 2] });
    if (r.status !== 0) {
      process.stderr.write('lateral: the build failed (see above)\n');
      process.exit(3);
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
