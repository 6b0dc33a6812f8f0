import { Readable } from 'node:stream';
import { InputError } from '@lateral/core';
import { describe, expect, it } from 'vitest';
import { lineBatchesOf, recordBatchesOf, type RecordBatch } from './line-source.js';

/** A stream of the text cut into pieces of `size` characters: boundaries fall everywhere. */
const pieces = (text: string, size: number) => Readable.from(Array.from({ length: Math.ceil(text.length / size) }, (_, i) => Buffer.from(text.slice(i * size, (i + 1) * size))));

async function lines(text: string, size: number, max?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const b of lineBatchesOf(pieces(text, size), max)) out.push(...b);
  return out;
}

async function records(text: string, size: number, max?: number): Promise<[number, string][]> {
  const out: [number, string][] = [];
  for await (const b of recordBatchesOf(pieces(text, size), max) as AsyncGenerator<RecordBatch>) b.texts.forEach((t, i) => out.push([b.lines[i]!, t]));
  return out;
}

describe('lines of a capture', () => {
  it('cuts LF and CRLF lines wherever the chunks end', async () => {
    const text = 'a,b\r\nccc\n\nddddddd\r\nlast';
    for (const size of [1, 2, 3, 5, 100]) expect(await lines(text, size)).toEqual(['a,b', 'ccc', '', 'ddddddd', 'last']);
  });

  it('refuses a line longer than the cap, naming its number', async () => {
    const err = await lines(`short\n${'x'.repeat(50)}\n`, 7, 40).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).location.line).toBe(2);
    expect((err as InputError).message).toMatch(/line 2 is longer than 40 characters: a capture has one flow record per line/);
  });
});

describe('records of a capture that is one JSON array', () => {
  const array = '[{"a":"x,]\\"}"},\n  {"b":[1,2,{"c":"]"}]},\r\n{"d":1}\n]\n';

  it('gives each element with the line it starts on, wherever the chunks end', async () => {
    for (const size of [1, 2, 3, 7, 1000]) {
      expect(await records(array, size)).toEqual([
        [1, '{"a":"x,]\\"}"}'],
        [2, '{"b":[1,2,{"c":"]"}]}'],
        [3, '{"d":1}'],
      ]);
    }
  });

  it('reads an empty array, and lines when the input is not an array', async () => {
    expect(await records('  []  ', 1)).toEqual([]);
    expect(await records('{"a":1}\n{"b":2}\n', 3)).toEqual([
      [1, '{"a":1}'],
      [2, '{"b":2}'],
    ]);
  });

  it('refuses an array that is not closed, an empty element, text after it, an element over the cap', async () => {
    await expect(records('[{"a":1},', 4)).rejects.toThrow(/not a JSON array of flow records: the array is not closed/);
    await expect(records('[{"a":1},,{"b":2}]', 4)).rejects.toThrow(/an empty element/);
    await expect(records('[{"a":1}] x', 4)).rejects.toThrow(/text after the closing \]/);
    await expect(records(`[{"a":1},\n{"b":"${'y'.repeat(100)}"}]`, 8, 50)).rejects.toThrow(/the array element starting on line 2 is longer than 50 characters/);
  });
});
