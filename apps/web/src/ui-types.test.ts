/**
 * The browser UI has its own tsconfig (DOM library, no Node types), which the root type-check
 * does not cover; this keeps it strict-clean in every test run.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('web UI sources', () => {
  it('type-check under the UI tsconfig', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const project = fileURLToPath(new URL('../ui/tsconfig.json', import.meta.url));
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '--noEmit', '-p', project], { encoding: 'utf8' });
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(output).toBe('');
  });
});
