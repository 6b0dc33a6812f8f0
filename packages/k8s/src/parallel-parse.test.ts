/**
 * Parsing a stream on worker threads gives what parseManifests gives on the main thread: the
 * same objects in the same order with the same lines, whatever the chunking; the first error
 * in file order with its line in the file; and it declines streams only a whole read handles.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '@lateral/core';
import { chunkCuts, parseManifestsInParallel } from './parallel-parse.js';
import { parseManifests } from './parse-manifests.js';
import { synthesizeYaml } from './synth/index.js';

const SYNTH = synthesizeYaml({ pods: 300, namespaces: 6, policies: 30, seed: 5 });
/** Documents js-yaml reads (flow mappings, a block scalar, CRLF) among the fast reader's. */
const MIXED = [
  'apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {team: x}}\n',
  '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: script\n  namespace: a\ndata:\n  run.sh: |\n    echo ---\n    exit 0\n',
  '---\r\napiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\n  namespace: a\r\n',
  `---\n${SYNTH}`,
].join('');

async function rejection(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('parseManifestsInParallel', () => {
  it('gives the objects and lines of a sequential parse, in small chunks and large', async () => {
    const sequential = parseManifests(MIXED, 'm.yaml');
    expect(sequential.length).toBeGreaterThan(300);
    for (const chunkBytes of [256, 64 * 1024]) {
      const parallel = await parseManifestsInParallel(Buffer.from(MIXED), 'm.yaml', 2, { chunkBytes });
      expect(parallel, 'the workers started and read the stream').toBeDefined();
      expect(parallel).toEqual(sequential);
      // And chunk by chunk on this thread, telling how far it got.
      const done: number[] = [];
      const here = await parseManifestsInParallel(Buffer.from(MIXED), 'm.yaml', 0, { chunkBytes, onBytes: (d) => done.push(d) });
      expect(here).toEqual(sequential);
      expect(done.length).toBeGreaterThan(1);
      expect(done.at(-1)).toBe(Buffer.byteLength(MIXED));
    }
  });

  it('reports the first bad document in file order, with its line in the file', async () => {
    const docs = SYNTH.split(/^---\n/m);
    const at = Math.floor(docs.length * 0.7);
    const bad = [...docs.slice(0, at), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\n', ...docs.slice(at), 'kind: Pod\nmetadata: {name: [x\n'].join('---\n');
    const expected = (() => {
      try {
        parseManifests(bad, 'bad.yaml');
      } catch (e) {
        return e as InputError;
      }
      throw new Error('the sequential parse accepted it');
    })();
    expect(expected.location.line).toBeGreaterThan(1000);
    const e = await rejection(parseManifestsInParallel(Buffer.from(bad), 'bad.yaml', 2, { chunkBytes: 4096 }));
    expect(e.message).toBe(expected.message);
    expect((await rejection(parseManifestsInParallel(Buffer.from(bad), 'bad.yaml', 0, { chunkBytes: 4096 }))).message).toBe(expected.message);
    expect(e.message).toMatch(/^bad\.yaml:\d+: Pod: metadata\.name: invalid name "Bad_Name"/);
  });

  it('leaves streams with directives or `...` ends, and single chunks, to the sequential parse', async () => {
    expect(chunkCuts(Buffer.from('%YAML 1.2\n---\na: 1\n'), 4)).toBeUndefined();
    expect(chunkCuts(Buffer.from('a: 1\n...\n---\nb: 2\n'), 4)).toBeUndefined();
    expect(chunkCuts(Buffer.from('a: 1\n---\nb: |\n  ---x\n---\nc: 3\n'), 4)).toEqual([5, 21]);
    expect(await parseManifestsInParallel(Buffer.from('kind: Pod\nmetadata: {name: a}\n'), 'one.yaml', 2)).toBeUndefined();
  });
});
