/**
 * The load progress line: on a terminal, and only once loading has taken more than a second;
 * never on a pipe (stderr stays clean for scripts).
 */
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { loadProgress } from './load.js';

function io(tty: boolean): CliIo & { text(): string } {
  const stderr = Object.assign(new PassThrough(), tty ? { isTTY: true } : {});
  let text = '';
  stderr.on('data', (d) => void (text += String(d)));
  return { stdout: new PassThrough(), stderr, stdin: Readable.from([]), cwd: '/', text: () => text };
}

describe('loadProgress', () => {
  it('says how many MB are parsed of how many, after the first second, on a terminal', async () => {
    const t = io(true);
    let now = 0;
    const report = loadProgress(t, () => now);
    now = 500;
    report(10 * 2 ** 20, 115 * 2 ** 20);
    now = 1200;
    report(45 * 2 ** 20, 115 * 2 ** 20);
    now = 1250; // too soon after the last line
    report(46 * 2 ** 20, 115 * 2 ** 20);
    now = 2000;
    report(115 * 2 ** 20, 115 * 2 ** 20);
    await new Promise((r) => setImmediate(r));
    expect(t.text()).toBe('\r\x1b[Kloading manifests… 45 of 115 MB\r\x1b[Kloading manifests… converting objects');
  });

  it('writes nothing when stderr is not a terminal', async () => {
    const t = io(false);
    let now = 0;
    const report = loadProgress(t, () => now);
    now = 5000;
    report(1, 2);
    await new Promise((r) => setImmediate(r));
    expect(t.text()).toBe('');
  });
});
