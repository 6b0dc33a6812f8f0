/**
 * `lateral --help` is answered by the built command's bin without loading the bundle (from the
 * usage.txt the build writes): it must say exactly what the CLI itself says, with its exit codes.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, lateral } from './run-cli.js';

const BIN = join(REPO, 'apps', 'cli', 'bin', 'lateral.js');

describe('the built command\'s help', () => {
  const cases: string[][] = [['--help'], ['-h'], ['help'], [], ['--help', 'reach'], ['help', 'reach'], ['-h', '--no-such-option']];
  for (const args of cases) {
    it(`lateral ${args.join(' ') || '(no arguments)'} prints what the CLI prints, with its exit code`, async () => {
      const built = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
      const inProcess = await lateral(args);
      expect(built.stdout).toBe(inProcess.stdout);
      expect(built.status).toBe(inProcess.code);
      expect(built.stderr.replace(/^lateral: sources changed.*\n|^built .*\n/gm, '')).toBe(inProcess.stderr);
    });
  }

  it('lists every command', () => {
    const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(r.stdout).toContain('Usage: lateral <command> INPUTS... [options]');
    for (const c of ['reach', 'check', 'explain', 'blast', 'paths', 'risk', 'diff', 'whatif', 'serve']) expect(r.stdout).toMatch(new RegExp(`^ {2}${c} +\\S`, 'm'));
  });
});
