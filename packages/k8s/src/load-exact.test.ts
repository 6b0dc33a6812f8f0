/**
 * The fast load (the plain YAML reader, large streams read in chunks, each object converted as
 * it is read and a pod kept small) must give exactly what js-yaml and the converter give when
 * every object is read first: on every fixture, and on a generated cluster large enough to be
 * read in chunks. A bad object after the first chunk is named at its line in the file.
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
});
