import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { InputError } from '@lateral/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCluster } from './load-cluster.js';
import { readInputs } from './read-inputs.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lateral-k8s-'));
  await mkdir(join(dir, 'tree', 'b', 'deep'), { recursive: true });
  await mkdir(join(dir, 'tree', 'a'), { recursive: true });
  await mkdir(join(dir, 'empty', 'sub'), { recursive: true });
  await writeFile(join(dir, 'tree', 'b', 'deep', 'pod.yml'), 'kind: Pod\nmetadata: {name: deep, namespace: b}\n');
  await writeFile(join(dir, 'tree', 'a', 'svc.yaml'), '# svc\nkind: Service\nmetadata: {name: svc, namespace: a}\n');
  await writeFile(
    join(dir, 'tree', 'a', 'list.json'),
    JSON.stringify({ kind: 'List', items: [{ kind: 'Pod', metadata: { name: 'j1', namespace: 'a' } }] }, null, 2),
  );
  await writeFile(join(dir, 'tree', 'README.md'), 'kind: Pod\nnot: a manifest we read\n');
  await writeFile(join(dir, 'tree', 'top.yaml'), 'kind: Namespace\nmetadata: {name: top}\n');
  await writeFile(join(dir, 'empty', 'sub', 'notes.txt'), 'nothing\n');
  await writeFile(join(dir, 'pods.txt'), 'kind: Pod\nmetadata: {name: txt}\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function inputError(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

const names = (objs: { obj: unknown }[]) => objs.map((o) => (o.obj as { metadata: { name: string } }).metadata.name);

describe('readInputs', () => {
  it('walks a directory tree recursively, reading *.yaml, *.yml and *.json in sorted path order', async () => {
    const objs = await readInputs([join(dir, 'tree')]);
    expect(names(objs)).toEqual(['j1', 'svc', 'deep', 'top']);
    expect(objs.map((o) => [o.file.slice(dir.length + 1), o.line])).toEqual([
      ['tree/a/list.json', 4],
      ['tree/a/svc.yaml', 2],
      ['tree/b/deep/pod.yml', 1],
      ['tree/top.yaml', 1],
    ]);
  });

  it('reads a file named explicitly whatever its extension, inputs in the order given', async () => {
    const objs = await readInputs([join(dir, 'pods.txt'), join(dir, 'tree', 'top.yaml')]);
    expect(names(objs)).toEqual(['txt', 'top']);
  });

  it('reads `-` from the given stdin stream, as <stdin>', async () => {
    const stdin = Readable.from([Buffer.from('kind: Pod\nmetadata: {name: in1}\n---\nkind: Po'), Buffer.from('d\nmetadata: {name: in2}\n')]);
    const objs = await readInputs(['-'], { stdin });
    expect(names(objs)).toEqual(['in1', 'in2']);
    expect(objs.map((o) => `${o.file}:${o.line}`)).toEqual(['<stdin>:1', '<stdin>:4']);
  });

  it('fails on a missing file, naming it', async () => {
    const missing = join(dir, 'nope.yaml');
    const e = await inputError(readInputs([join(dir, 'tree'), missing]));
    expect(e.message).toBe(`${missing}: no such file or directory`);
  });

  it('fails on a directory with no manifests', async () => {
    const e = await inputError(readInputs([join(dir, 'empty')]));
    expect(e.message).toBe(`${join(dir, 'empty')}: no manifests (*.yaml, *.yml, *.json) in directory`);
  });

  it('reports a syntax error with the file it is in', async () => {
    const stdin = Readable.from(['kind: Pod\nmetadata: {name: a\n']);
    const e = await inputError(readInputs(['-'], { stdin }));
    expect(e.location.file).toBe('<stdin>');
    expect(e.message).toMatch(/^<stdin>:\d+: invalid YAML/);
  });
});

describe('loadCluster', () => {
  it('reads and converts in one step', async () => {
    const r = await loadCluster([join(dir, 'tree')]);
    expect(r.objectCount).toBe(4);
    expect(r.cluster.pods.map((p) => `${p.namespace}/${p.name}`)).toEqual(['a/j1', 'b/deep']);
    expect(r.cluster.services.map((s) => s.name)).toEqual(['svc']);
    expect(r.cluster.namespaces.map((n) => n.name)).toEqual(['a', 'b', 'top']);
  });
});
