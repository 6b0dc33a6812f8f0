/**
 * loadCluster converts each object as soon as it is read (ClusterBuilder) and keeps of a pod only
 * what the owner walk needs. What a user sees must not change: the same cluster, and for bad
 * input the same first error — a parse error anywhere before any conversion error, a duplicate
 * that differs before any conversion error, and conversion errors (an owner walk's included) in
 * input order, although owners may come later in the input than the pods they own.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@lateral/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterFromObjects } from './cluster-from-objects.js';
import { loadCluster } from './load-cluster.js';
import { readInputs } from './read-inputs.js';

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'lateral-load-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

const pod = (name: string, extra = '', image = 'nginx') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: shop
  labels:
    app: ${name}
${extra}spec:
  containers:
    - name: c
      image: ${image}
      ports:
        - containerPort: 80
status:
  podIP: 10.0.0.${name.length}
`;
const ownedBy = (rs: string) => `  ownerReferences:
    - apiVersion: apps/v1
      kind: ReplicaSet
      name: ${rs}
      controller: true
`;
const replicaSet = (name: string, ownerRefs = '') => `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: ${name}
  namespace: shop
${ownerRefs}spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: c
          image: nginx
`;
const service = (name: string, port: string) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: shop
spec:
  selector:
    app: web
  ports:
    - port: ${port}
`;

async function fileOf(name: string, docs: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, docs.join('---\n'));
  return path;
}

/** loadCluster's answer, and what reading everything first and converting after gives. */
async function both(path: string): Promise<{ streamed: unknown; whole: unknown }> {
  const settle = async (f: () => Promise<unknown>) => {
    try {
      return { ok: JSON.parse(JSON.stringify(await f())) as unknown };
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      return { error: e.message, location: e.location };
    }
  };
  return {
    streamed: await settle(() => loadCluster([path])),
    whole: await settle(async () => clusterFromObjects(await readInputs([path]))),
  };
}

describe('loadCluster converts objects as they are read', () => {
  it('gives the cluster the whole read gives: pods own by owners later in the file, a pod its own workload', async () => {
    const path = await fileOf('ok.yaml', [pod('web-1', ownedBy('web-rs')), pod('solo', '  annotations:\n    note: alone\n'), replicaSet('web-rs')]);
    const { streamed, whole } = await both(path);
    expect(streamed).toEqual(whole);
    const load = await loadCluster([path]);
    expect(load.cluster.pods.map((p) => [p.name, p.owner.kind, p.owner.name])).toEqual([
      ['web-1', 'ReplicaSet', 'web-rs'],
      ['solo', 'Pod', 'solo'],
    ]);
    expect(load.cluster.workloads.find((w) => w.name === 'solo')).toMatchObject({ labels: { app: 'solo' }, annotations: { note: 'alone' } });
  });

  it('drops an identical copy of a pod, and names both places of a copy that differs', async () => {
    const same = await fileOf('same.yaml', [pod('web-1'), service('svc', '80'), pod('web-1'), service('svc', '80')]);
    expect((await loadCluster([same])).cluster.pods).toHaveLength(1);
    expect((await loadCluster([same])).cluster.services).toHaveLength(1);
    const differs = await fileOf('differs.yaml', [pod('web-1'), service('svc', '80'), pod('web-1', '', 'nginx:2')]);
    const { streamed, whole } = await both(differs);
    expect(streamed).toEqual(whole);
    expect(streamed).toMatchObject({ error: expect.stringMatching(/Pod shop\/web-1 is defined twice with different content: at .*differs\.yaml:1 and at .*differs\.yaml:28/) });
  });

  it('reports a duplicate that differs, later in the input, before an earlier conversion error', async () => {
    const path = await fileOf('dup-after.yaml', [service('bad', '"http"'), service('svc', '80'), service('svc', '81')]);
    const { streamed, whole } = await both(path);
    expect(streamed).toEqual(whole);
    expect(streamed).toMatchObject({ error: expect.stringContaining('Service shop/svc is defined twice') });
  });

  it('reports a parse error, later in the input, before an earlier conversion error', async () => {
    const path = await fileOf('parse-after.yaml', [service('bad', '"http"'), 'kind: Pod\nmetadata: {name: [\n']);
    const { streamed, whole } = await both(path);
    expect(streamed).toEqual(whole);
    expect(streamed).toMatchObject({ error: expect.stringContaining('invalid YAML') });
  });

  it("reports an owner's bad ownerReferences, met by a pod's owner walk, before a later object's error", async () => {
    const badOwner = '  ownerReferences:\n    - apiVersion: apps/v1\n      kind: Deployment\n';
    const path = await fileOf('owner-first.yaml', [pod('web-1', ownedBy('web-rs')), service('bad', '"http"'), replicaSet('web-rs', badOwner)]);
    const { streamed, whole } = await both(path);
    expect(streamed).toEqual(whole);
    expect(streamed).toMatchObject({
      error: expect.stringContaining('owner reference needs a name'),
      location: { object: 'ReplicaSet shop/web-rs', field: 'metadata.ownerReferences[0].name' },
    });
  });

  it('reports an earlier conversion error before a later pod whose owner walk fails', async () => {
    const badOwner = '  ownerReferences:\n    - apiVersion: apps/v1\n      kind: Deployment\n';
    const path = await fileOf('conversion-first.yaml', [service('bad', '"http"'), pod('web-1', ownedBy('web-rs')), replicaSet('web-rs', badOwner)]);
    const { streamed, whole } = await both(path);
    expect(streamed).toEqual(whole);
    expect(streamed).toMatchObject({ location: { object: 'Service shop/bad', field: 'spec.ports[0].port' } });
  });

  it("reports a pod's own bad ownerReferences (read as the pod is read) in input order among conversion errors", async () => {
    const badRef = '  ownerReferences:\n    - apiVersion: apps/v1\n      kind: ReplicaSet\n';
    const podFirst = await fileOf('pod-owner-first.yaml', [pod('web-1', badRef), service('bad', '"http"')]);
    const first = await both(podFirst);
    expect(first.streamed).toEqual(first.whole);
    expect(first.streamed).toMatchObject({ location: { object: 'Pod shop/web-1', field: 'metadata.ownerReferences[0].name' } });
    const serviceFirst = await fileOf('service-first.yaml', [service('bad', '"http"'), pod('web-1', badRef)]);
    const second = await both(serviceFirst);
    expect(second.streamed).toEqual(second.whole);
    expect(second.streamed).toMatchObject({ location: { object: 'Service shop/bad', field: 'spec.ports[0].port' } });
  });
});
