#!/usr/bin/env node
// The `lateral` command (and `kubectl-lateral`, the same program as a kubectl plugin): the
// JavaScript that apps/cli/scripts/build.ts bundled into ../dist. In a clone of the repository
// the build scripts sit beside it: then the bundle is rebuilt first if a source is newer.
import { existsSync } from 'node:fs';

const staleCheck = new URL('../scripts/build-if-stale.js', import.meta.url);
if (existsSync(staleCheck)) await (await import(staleCheck.href)).buildIfStale();
const { main } = await import('../dist/main.js');
main();
