/**
 * The commands a reader copies from docs/lateral-movement.md run as written: each `pnpm lateral`
 * line of its `sh` blocks, words split as a POSIX shell splits them, from the repository root.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lateral, REPO } from './run-cli.js';

/** Shell words: single quotes literal, double quotes with backslash escapes, `#` starts a comment. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated quote in: ${line}`);
      cur = (cur ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      for (; j < line.length && line[j] !== '"'; j++) s += line[j] === '\\' ? line[++j] : line[j];
      if (j >= line.length) throw new Error(`unterminated quote in: ${line}`);
      cur = (cur ?? '') + s;
      i = j;
    } else if (c === '#' && cur === undefined) break;
    else if (/\s/.test(c)) {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else cur = (cur ?? '') + (c === '\\' ? line[++i] : c);
  }
  if (cur !== undefined) words.push(cur);
  return words;
}

function examples(doc: string): string[] {
  const text = readFileSync(join(REPO, doc), 'utf8');
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.startsWith('pnpm lateral ')));
}

/** Commands whose documented outcome is a failed check (exit 1), not an error. */
const GATES = [/--fail-on/];

describe('docs/lateral-movement.md examples run as written', () => {
  const commands = examples('docs/lateral-movement.md');
  it('has examples', () => expect(commands.length).toBeGreaterThanOrEqual(5));
  it.each(commands)('%s', async (command) => {
    const args = shellWords(command).slice(2);
    const r = await lateral(args);
    // Warnings may be part of the example (the captures keep a cut-off line on purpose); an
    // error would exit 2, a crash would show a stack.
    expect(r.code, r.stderr).toBe(GATES.some((g) => g.test(command)) ? 1 : 0);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout.length).toBeGreaterThan(0);
  });
});

describe('shellWords', () => {
  it('splits as sh does', () => {
    expect(shellWords(`pnpm lateral risk  x --target 'app=postgres' --to "a b" c\\ d  # comment`)).toEqual(['pnpm', 'lateral', 'risk', 'x', '--target', 'app=postgres', '--to', 'a b', 'c d']);
  });
});
