/**
 * `pnpm bench`: every benchmark under test/bench, one after another, each in its own process
 * (so one's heap and JIT state cannot colour the next one's numbers). An entry is a file no
 * other bench file imports (the rest are sections and helpers they import), so a new
 * benchmark runs by being added here, with no list to keep. Arguments go to every entry
 * (e.g. size names: `pnpm bench S1 S2`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const self = fileURLToPath(import.meta.url).slice(dir.length);
const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== self).sort();
const imported = new Set(files.flatMap((f) => [...readFileSync(dir + f, 'utf8').matchAll(/from '\.\/([^']+)\.js'/g)].map((m) => `${m[1]}.ts`)));
// bench.ts (the engine on the S1..S4 clusters) first: the other entries' tables build on its sizes.
const entries = files.filter((f) => !imported.has(f)).sort((a, b) => Number(b === 'bench.ts') - Number(a === 'bench.ts') || a.localeCompare(b));

let failed = 0;
for (const f of entries) {
  process.stdout.write(`\n## ${f}\n`);
  const r = spawnSync(process.execPath, [...process.execArgv, dir + f, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench: ${f} exited with ${r.status ?? r.signal}\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
