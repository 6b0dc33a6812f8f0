#!/usr/bin/env node
// The `lateral` command (and `kubectl-lateral`, the same program as a kubectl plugin): the
// JavaScript that apps/cli/scripts/build.ts bundled into ../dist. In a clone of the repository
// the build scripts sit beside it: then the bundle is rebuilt first if a source is newer.
//
// CommonJS (bin/package.json says so), and the top-level help answered from ../dist/usage.txt
// without loading the bundle: starting Node's ES module loader costs more than printing the
// help does, so `lateral --help` runs in about the time of `node -e 0`.
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

// Node 22.1+: keep V8's compiled code of the bundle between runs (Node 20 has no such cache).
require('node:module').enableCompileCache?.();

const args = process.argv.slice(2);
const first = args[0];
// What main.ts answers with its USAGE text alone: no command, -h/--help (whatever follows), `help`.
const usageExit = first === undefined ? 2 : first === '-h' || first === '--help' || (first === 'help' && args.length === 1) ? 0 : undefined;
if (usageExit === undefined || !printUsage(usageExit)) {
  runBundle().catch((e) => {
    process.stderr.write(`lateral: internal error: ${String(e)}\n`);
    process.exitCode = 3;
  });
}

/** Prints the help the last build wrote, if it is current: in a clone, newer than main.ts, where it is written. */
function printUsage(exitCode) {
  const usage = statSync(join(__dirname, '..', 'dist', 'usage.txt'), { throwIfNoEntry: false });
  if (!usage) return false;
  const source = statSync(join(__dirname, '..', 'src', 'main.ts'), { throwIfNoEntry: false });
  if (source && source.mtimeMs > usage.mtimeMs) return false;
  process.stdout.on('error', () => {}); // `lateral --help | head -1`
  process.stdout.write(readFileSync(join(__dirname, '..', 'dist', 'usage.txt'), 'utf8'));
  process.exitCode = exitCode;
  return true;
}

async function runBundle() {
  const staleCheck = join(__dirname, '..', 'scripts', 'build-if-stale.js');
  if (statSync(staleCheck, { throwIfNoEntry: false })) await (await import(pathToFileURL(staleCheck).href)).buildIfStale();
  const { main } = await import(pathToFileURL(join(__dirname, '..', 'dist', 'main.js')).href);
  main();
}
