/**
 * The fast load (the plain YAML reader, large streams read in chunks, each object converted as
 * it is read and a pod kept small) must give exactly what js-yaml and the converter give when
 * every object is read first: on every fixture, and on a generated cluster large enough to be
 * read in chunks. A bad object after the first chunk is named at its line in the file. JSON
 * (a List cut into its items, or one object) gives what the same objects written as YAML give.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '@lateral/core';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterFromObjects } from './cluster-from-objects.js';
import { loadCluster } from './load-cluster.js';
import { readInputs } from './read-inputs.js';
import type { SourceObject } from './parse-manifests.js';
import { synthesizeYaml } from './synth/index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** How Kubernetes reads YAML (parse-manifests.ts): the core schema and merge keys. */
const SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [(yaml as unknown as { types: { merge: yaml.Type } }).types.merge] });

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'lateral-exact-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** The slow, plain way: js-yaml reads each file whole, a List gives its items, then convert. */
async function reference(files: string[]): Promise<unknown> {
  const objects: SourceObject[] = [];
  for (const file of files) {
    for (const doc of yaml.loadAll(await readFile(file, 'utf8'), undefined, { schema: SCHEMA })) {
      if (doc === null || doc === undefined) continue;
      const o = doc as { kind?: unknown; items?: unknown[] };
      if (o.kind === 'List') for (const item of o.items ?? []) objects.push({ obj: item, file });
      else objects.push({ obj: doc, file });
    }
  }
  return JSON.parse(JSON.stringify(clusterFromObjects(objects)));
}

async function fast(files: string[]): Promise<unknown> {
  return JSON.parse(JSON.stringify(await loadCluster(files)));
}

async function yamlFiles(d: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(d)).sort()) {
    const p = join(d, name);
    if ((await stat(p)).isDirectory()) out.push(...(await yamlFiles(p)));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

describe('the fast load gives what js-yaml and the converter give', () => {
  it('on every fixture cluster', async () => {
    const fixtures = join(REPO, 'fixtures');
    const clusters = (await readdir(fixtures, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(clusters.length).toBeGreaterThan(5);
    for (const name of clusters) {
      const files = await yamlFiles(join(fixtures, name));
      expect(await fast(files), name).toEqual(await reference(files));
    }
  });

  it('on a generated cluster read in chunks (5,000 pods, 6 MB)', async () => {
    const text = synthesizeYaml({ pods: 5_000, namespaces: 60, policies: 400, seed: 3 });
    expect(text.length).toBeGreaterThan(4 * 2 ** 20); // read in chunks (read-inputs.ts)
    const file = join(dir, 'synth.yaml');
    await writeFile(file, text);
    expect(await fast([file])).toEqual(await reference([file]));

    // A bad object at the end: the error names its line in the whole file, not in its chunk.
    const bad = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\n  namespace: default\nspec:\n  ports:\n    - port: http\n';
    const badFile = join(dir, 'synth-bad.yaml');
    await writeFile(badFile, `${text}---\n${bad}`);
    const line = text.split('\n').length + 1;
    const error = await loadCluster([badFile]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).location).toMatchObject({ file: badFile, line, object: 'Service default/bad', field: 'spec.ports[0].port' });
  });

  it('on a file read in chunks into one small buffer: the same objects and lines, errors and duplicates', async () => {
    const text = synthesizeYaml({ pods: 600, namespaces: 12, policies: 60, seed: 5 });
    const file = join(dir, 'chunked.yaml');
    await writeFile(file, text);
    const whole = await readInputs([file], { chunkBytes: 2 ** 30 });
    // 64 KiB chunks; 256 bytes, less than most documents, so the buffer must grow to take one.
    for (const chunkBytes of [64 * 1024, 256]) {
      expect(await readInputs([file], { chunkBytes }), `chunks of ${chunkBytes}`).toEqual(whole);
      expect(JSON.parse(JSON.stringify(await loadCluster([file], { chunkBytes })))).toEqual(await reference([file]));
    }
    const docs = text.split(/^(?=---$)/m);
    const half = Math.floor(docs.length / 2);
    const lineOf = (i: number) => docs.slice(0, i).join('').split('\n').length;

    // A bad object in the middle: named at its line in the file.
    const bad = '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: bad\n  namespace: default\nspec:\n  ports:\n    - port: http\n';
    const badFile = join(dir, 'chunked-bad.yaml');
    await writeFile(badFile, [...docs.slice(0, half), bad, ...docs.slice(half)].join(''));
    const error = await loadCluster([badFile], { chunkBytes: 4096 }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).location).toMatchObject({ file: badFile, line: lineOf(half) + 1, object: 'Service default/bad', field: 'spec.ports[0].port' });

    // A copy of an early object late in the file is read again from the file to be compared:
    // the same, it is dropped; different, both places are named.
    const first = docs.findIndex((d) => d.includes('\nkind: Pod\n'));
    const same = join(dir, 'chunked-same.yaml');
    await writeFile(same, [...docs, docs[first]!].join(''));
    expect(JSON.parse(JSON.stringify(await loadCluster([same], { chunkBytes: 4096 })))).toEqual(await reference([same]));
    const differs = join(dir, 'chunked-differs.yaml');
    const changed = docs[first]!.replace('\nstatus:\n', '\n  hostNetwork: true\nstatus:\n');
    expect(changed).not.toBe(docs[first]);
    await writeFile(differs, [...docs, changed].join(''));
    const dup = await loadCluster([differs], { chunkBytes: 4096 }).then(() => undefined, (e: unknown) => e);
    expect(dup).toBeInstanceOf(InputError);
    expect((dup as InputError).message).toContain(`defined twice with different content: at ${differs}:${lineOf(first) + 1} and at ${differs}:${lineOf(docs.length) + 1}`);

    // CRLF line ends, a tab in a comment and a stream with a directive: read as a whole read reads them.
    const crlf = join(dir, 'chunked-crlf.yaml');
    await writeFile(crlf, text.replaceAll('\n', '\r\n').replace('\r\n---', '\r\n#\ttab\r\n---'));
    expect(await readInputs([crlf], { chunkBytes: 4096 })).toEqual((await readInputs([crlf], { chunkBytes: 2 ** 30 })));
    expect((await readInputs([crlf], { chunkBytes: 4096 })).map((o) => o.line)).toEqual(whole.map((o) => o.line! + (o.line! > 1 ? 1 : 0)));
    const directive = join(dir, 'chunked-directive.yaml');
    await writeFile(directive, `${text}---\n...\n%YAML 1.2\n---\nkind: Namespace\nmetadata:\n  name: last\n`);
    expect((await readInputs([directive], { chunkBytes: 4096 })).map((o) => [o.file, o.line])).toEqual((await readInputs([directive], { workers: 0 })).map((o) => [o.file, o.line]));
  });

  describe('on JSON input (`kubectl get -o json`), read item by item', () => {
    /** A file's objects as js-yaml reads them (a List flattened), to be written as JSON. */
    const objectsOf = async (file: string): Promise<unknown[]> =>
      yaml
        .loadAll(await readFile(file, 'utf8'), undefined, { schema: SCHEMA })
        .filter((d) => d !== null && d !== undefined)
        .flatMap((d) => ((d as { kind?: unknown }).kind === 'List' ? ((d as { items?: unknown[] }).items ?? []) : [d]));

    it('a List of every fixture cluster, and each object alone, is what the same objects read as YAML give', async () => {
      const fixtures = join(REPO, 'fixtures');
      const clusters = (await readdir(fixtures, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
      for (const name of clusters) {
        const items = (await Promise.all((await yamlFiles(join(fixtures, name))).map(objectsOf))).flat();
        if (items.length === 0) continue;
        // kubectl's layout: 4 spaces.
        const list = join(dir, `${name}.json`);
        await writeFile(list, JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items }, null, 4));
        const asYaml = join(dir, `${name}.yaml`);
        await writeFile(asYaml, items.map((o) => yaml.dump(o)).join('---\n'));
        expect(await fast([list]), name).toEqual(await reference([asYaml]));
        // Each object as a file of its own (`kubectl get pod x -o json`), and the List on one line.
        const singles: string[] = [];
        for (const [i, o] of items.entries()) {
          const f = join(dir, `${name}-${String(i).padStart(4, '0')}.json`);
          await writeFile(f, JSON.stringify(o, null, 4));
          singles.push(f);
        }
        expect(await fast(singles), name).toEqual(await reference([asYaml]));
        await writeFile(list, JSON.stringify({ kind: 'List', items }));
        expect(await fast([list]), name).toEqual(await reference([asYaml]));
      }
    });

    it('a generated cluster as a List (5,000 pods), a typed PodList, and a List in the List', async () => {
      const text = synthesizeYaml({ pods: 5_000, namespaces: 60, policies: 400, seed: 3 });
      const asYaml = join(dir, 'synth-json.yaml');
      await writeFile(asYaml, text);
      const items = await objectsOf(asYaml);
      const list = join(dir, 'synth.json');
      await writeFile(list, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 4));
      expect(await fast([list])).toEqual(await reference([asYaml]));

      // A PodList's items carry no kind; a List in a List is flattened too (lines from js-yaml).
      const pods = items.filter((o) => (o as { kind: string }).kind === 'Pod');
      const rest = items.filter((o) => (o as { kind: string }).kind !== 'Pod');
      const typed = join(dir, 'typed.json');
      const podList = { apiVersion: 'v1', kind: 'PodList', items: pods.map((p) => ({ ...(p as object), kind: undefined, apiVersion: undefined })) };
      await writeFile(typed, JSON.stringify({ kind: 'List', items: [podList, ...rest] }, null, 2));
      expect(await fast([typed])).toEqual(await reference([asYaml]));
    });

    it('names a bad item by file, line, object and field, and a syntax error anywhere before that', async () => {
      const items: unknown[] = [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad', namespace: 'default' }, spec: { ports: [{ port: 'http' }] } },
      ];
      const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 4);
      const file = join(dir, 'bad.json');
      await writeFile(file, text);
      // The item's `{` (1-based) is two lines above its "kind" (0-based): `{`, "apiVersion", "kind".
      const line = text.split('\n').findIndex((l) => l.includes('"kind": "Service"')) - 1;
      const error = await loadCluster([file]).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).location).toMatchObject({ file, line, object: 'Service default/bad', field: 'spec.ports[0].port' });

      // An item with no name is named by its place in the List; a syntax error in a later item
      // (or a trailing comma) is still the error reported: JSON.parse of the whole finds it first.
      const noName = JSON.stringify({ kind: 'List', items: [{ kind: 'Pod', metadata: {} }, { kind: 'Pod', metadata: { name: 'x' } }] }, null, 4);
      await writeFile(file, noName);
      const e1 = await loadCluster([file]).then(() => undefined, (e: unknown) => e);
      expect((e1 as InputError).location).toMatchObject({ file, object: 'List', field: 'items[0].metadata.name' });
      await writeFile(file, noName.replace('"x"', 'x'));
      const e3 = await loadCluster([file]).then(() => undefined, (e: unknown) => e);
      expect(e3).toBeInstanceOf(InputError);
      expect((e3 as InputError).message).toMatch(/invalid JSON/);
      expect((e3 as InputError).location.file).toBe(file);
      await writeFile(file, noName.replace(/}\s*]\s*}\s*$/, '},\n]\n}\n'));
      const e2 = await loadCluster([file]).then(() => undefined, (e: unknown) => e);
      expect(e2).toBeInstanceOf(InputError);
      expect((e2 as InputError).message).toMatch(/invalid JSON/);
      expect((e2 as InputError).location.file).toBe(file);
    });

    it('reads UTF-8, escapes, brackets in strings and a doubled `items` key as JSON.parse does', async () => {
      const pod = (name: string, note: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: name }, annotations: { note } } });
      const items = [pod('a', 'café ✓ 🚀'), pod('b', '] }, { "items": [ \\" \\\\'), pod('c', '')];
      const asYaml = join(dir, 'odd.yaml');
      await writeFile(asYaml, items.map((o) => yaml.dump(o)).join('---\n'));
      const file = join(dir, 'odd.json');
      // An escaped key (`"na\u006de"` is "name"), as JSON.parse reads it.
      await writeFile(file, JSON.stringify({ kind: 'List', items }, null, 1).replace('"name": "c"', '"na\\u006de": "c"'));
      expect(await fast([file])).toEqual(await reference([asYaml]));
      // `items` twice: JSON.parse keeps the last (read whole, not cut).
      await writeFile(file, `{"kind": "List", "items": [${JSON.stringify(pod('z', ''))}], "items": ${JSON.stringify(items)}}`);
      expect(await fast([file])).toEqual(await reference([asYaml]));
    });

    it('compares a duplicate item with the first by reading both again', async () => {
      const pod = (image: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image }] } });
      const file = join(dir, 'dup.json');
      await writeFile(file, JSON.stringify({ kind: 'List', items: [pod('a'), pod('a')] }, null, 4));
      expect((await loadCluster([file])).cluster.pods).toHaveLength(1);
      await writeFile(file, JSON.stringify({ kind: 'List', items: [pod('a'), pod('b')] }, null, 4));
      const error = await loadCluster([file]).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).location.file).toBe(file);
    });
  });
});
