/**
 * Builds the `lateral` command to JavaScript in apps/cli/dist, the directory `npm pack` ships
 * with bin/: `pnpm install` runs it (the root `prepare` script), and bin/lateral.js runs it again
 * in a clone whenever a source is newer than the build.
 *
 * One esbuild bundle of the CLI, split: every command is a dynamic import in main.ts, so each
 * is its own chunk, and what only one command needs (express and the web app for `serve`, the
 * Kubernetes client for `--cluster`) loads only when that command runs. Every dependency is
 * bundled, so the packed tarball installs with nothing to fetch.
 *
 * The directory is flat (entries and chunks side by side) because code finds its neighbours
 * by URL: a worker is started as `new URL('./<name>.js', import.meta.url)` from whichever chunk
 * holds the code that starts it, and the web UI is `./ui/` beside the chunks.
 */
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ensureUiBuilt, UI_DIST } from '@lateral/web';
import { USAGE } from '../src/main.js';
import { WORKER_ENTRIES, workerName } from './worker-entries.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = join(CLI, '..', '..');
export const DIST = join(CLI, 'dist');
/** Written last: its time is the build's, which bin/lateral.js compares with the sources'. */
export const STAMP = '.built';
/** The top-level help text, which bin/lateral.js prints without loading the bundle. */
export const USAGE_FILE = 'usage.txt';


/** The demo cluster, so `lateral demo` works from an installed tarball too. */
const DEMO_FIXTURE = 'fixtures/shop';

async function main(): Promise<void> {
  const started = Date.now();
  await ensureUiBuilt((line) => process.stderr.write(`${line}\n`));

  // Built beside dist, then swapped in, so a CLI started meanwhile never sees half a build.
  const next = `${DIST}.next-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  const entryPoints = [
    { in: join(CLI, 'src', 'main.ts'), out: 'main' },
    ...WORKER_ENTRIES.map((file) => ({ in: join(REPO, file), out: workerName(file) })),
  ];
  await build({
    entryPoints,
    outdir: next,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    chunkNames: 'chunk-[hash]',
    // CommonJS dependencies (express, ws, …) call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __lateralCreateRequire } from 'node:module'; const require = __lateralCreateRequire(import.meta.url);" },
    // The UI build tool: the built CLI serves the UI built into ui/ and never builds it.
    external: ['vite'],
    legalComments: 'linked',
    logLevel: 'warning',
  });
  cpSync(UI_DIST, join(next, 'ui'), { recursive: true });
  mkdirSync(join(next, 'fixtures'), { recursive: true });
  cpSync(join(REPO, DEMO_FIXTURE), join(next, DEMO_FIXTURE), { recursive: true });
  // The top-level help, as `lateral --help` prints it: bin/lateral.js answers from this file
  // without loading the bundle (it depends on main.ts alone, which bin/lateral.js compares).
  writeFileSync(join(next, USAGE_FILE), `${USAGE}\n`);
  writeFileSync(join(next, STAMP), `${new Date().toISOString()}\n`);

  const old = `${DIST}.old-${process.pid}`;
  if (existsSync(DIST)) renameSync(DIST, old);
  renameSync(next, DIST);
  rmSync(old, { recursive: true, force: true });
  process.stderr.write(`built ${relative(process.cwd(), DIST) || '.'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`lateral build failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
