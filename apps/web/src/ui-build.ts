/**
 * The browser UI is built by Vite into apps/web/dist. The README's one command must work on a
 * fresh clone with no manual build step, so the server builds it on first use, and again
 * whenever a UI source file is newer than the build.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const WEB_ROOT = join(HERE, '..');
export const UI_ROOT = join(WEB_ROOT, 'ui');
/**
 * Run from source, the UI is built into apps/web/dist. In the built CLI (JavaScript, bundled
 * by apps/cli/scripts/build.ts) it was built at build time into ui/ beside the bundle's chunks,
 * and there is no Vite to rebuild it.
 */
const BUNDLED = !import.meta.url.endsWith('.ts');
export const UI_DIST = BUNDLED ? join(HERE, 'ui') : join(WEB_ROOT, 'dist');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function uiBuildIsCurrent(): boolean {
  const index = join(UI_DIST, 'index.html');
  if (!existsSync(index)) return false;
  if (BUNDLED) return true;
  return statSync(index).mtimeMs >= Math.max(newestMtime(UI_ROOT), statSync(join(WEB_ROOT, 'vite.config.ts')).mtimeMs);
}

/** Held while building: two processes (parallel test files, two servers) must not both empty dist/. */
const LOCK = join(WEB_ROOT, '.ui-build.lock');
/** A lock older than this was left by a build that died; a real build takes well under it. */
const STALE_LOCK_MS = 5 * 60_000;

function tryLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    const held = statSync(LOCK, { throwIfNoEntry: false });
    if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
    return false;
  }
}

/** Builds the UI when it is missing or stale; returns whether it built. */
export async function ensureUiBuilt(log: (line: string) => void = () => {}): Promise<boolean> {
  if (BUNDLED) {
    if (!uiBuildIsCurrent()) throw new Error(`the web UI is missing from this build of lateral (no ${join(UI_DIST, 'index.html')}): rebuild it (pnpm build)`);
    return false;
  }
  // While another process builds, dist/ can hold index.html before its assets: only trust
  // "current" when nobody holds the lock.
  if (uiBuildIsCurrent() && !existsSync(LOCK)) return false;
  while (!tryLock()) await new Promise((r) => setTimeout(r, 250));
  try {
    if (uiBuildIsCurrent()) return false;
    log('building the web UI (first run)…');
    const { build } = await import('vite');
    await build({ configFile: join(WEB_ROOT, 'vite.config.ts'), logLevel: 'warn' });
    return true;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
