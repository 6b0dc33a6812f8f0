import { afterEach, describe, expect, it } from 'vitest';
import { clusterFromObjects, type SourceObject } from '@lateral/k8s';
import { CLUSTER_RESOURCES, ClusterWatcher } from '@lateral/k8s/live';
import { startKubeApiServer, type KubeApiServer } from './kube-api-server.js';
import { writeKubeconfig } from './kubeconfig.js';
import { fixtureObjects } from './fixture-objects.js';

let server: KubeApiServer | undefined;
let watcher: ClusterWatcher | undefined;
afterEach(async () => {
  await watcher?.stop();
  await server?.close();
  watcher = undefined;
  server = undefined;
});

type Obj = { kind: string; metadata: { namespace?: string; name: string; labels?: Record<string, string> }; spec?: unknown };

/** The next emitted object set that satisfies `test`, or a rejection after `ms`. */
function emitted(w: ClusterWatcher, test: (objects: SourceObject[]) => boolean, ms = 5000): Promise<SourceObject[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching object set within ${ms} ms`));
    }, ms);
    const off = w.onChange((objects) => {
      if (!test(objects)) return;
      clearTimeout(timer);
      off();
      resolve(objects);
    });
  });
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const find = (objects: SourceObject[], kind: string, ns: string, name: string) =>
  objects.map((o) => o.obj as Obj).find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);

const pod = (name: string, labels: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop', labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
  status: { podIP: '10.244.9.9' },
});

async function startWatching(debounceMs = 30): Promise<{ server: KubeApiServer; watcher: ClusterWatcher; first: SourceObject[] }> {
  server = await startKubeApiServer({ objects: await fixtureObjects('shop') });
  watcher = new ClusterWatcher({ source: { kubeconfig: writeKubeconfig(server) }, debounceMs, backoff: { initialMs: 20, maxMs: 200 } });
  const first = await watcher.start();
  await until(() => server!.openWatches() === WATCHED);
  return { server, watcher, first };
}

/** One watch (and one list) per resource read; the CRD-backed ones are not served here. */
const WATCHED = CLUSTER_RESOURCES.filter((r) => !r.optional).length;

const listRequests = (s: KubeApiServer) => s.requests.filter((r) => r.includes('limit=') && !r.includes('watch='));

describe('ClusterWatcher', () => {
  it('lists, then emits the new object set when objects change while watched', async () => {
    const { server, watcher, first } = await startWatching();
    expect(clusterFromObjects(first).cluster.policies).toHaveLength(21);
    expect(watcher.objects()).toEqual(first);

    const next = emitted(watcher, (objs) => find(objs, 'Pod', 'shop', 'debug') !== undefined && !find(objs, 'NetworkPolicy', 'shop', 'default-deny-egress'));
    server.apply(pod('debug', { app: 'debug' }));
    server.remove('NetworkPolicy', 'shop', 'default-deny-egress');
    const objects = await next;
    // Watch events carry no kind; the watcher sets it, so the set loads like the first one.
    expect(find(objects, 'Pod', 'shop', 'debug')).toMatchObject({ apiVersion: 'v1', kind: 'Pod' });
    const cluster = clusterFromObjects(objects).cluster;
    expect(cluster.policies).toHaveLength(20);
    expect(cluster.pods.some((p) => p.name === 'debug')).toBe(true);

    const relabelled = emitted(watcher, (objs) => find(objs, 'Pod', 'shop', 'debug')?.metadata.labels?.app === 'cart');
    server.apply(pod('debug', { app: 'cart' }));
    await relabelled;
  });

  it('emits once for a burst of changes', async () => {
    // A window wide enough that a loaded machine still delivers the burst within it.
    const { server, watcher } = await startWatching(300);
    const sets: SourceObject[][] = [];
    watcher.onChange((o) => sets.push(o));
    for (let i = 0; i < 20; i++) server.apply(pod(`burst-${i}`, { app: 'burst' }));
    await until(() => sets.length > 0);
    await new Promise((r) => setTimeout(r, 400));
    expect(sets).toHaveLength(1);
    expect(sets[0]!.filter((o) => (o.obj as Obj).metadata.name.startsWith('burst-'))).toHaveLength(20);
  });

  it('reconnects after a dropped stream and resumes from the last resourceVersion', async () => {
    const { server, watcher } = await startWatching();
    const warnings: string[] = [];
    watcher.onWarning((w) => warnings.push(w));
    // A change seen on the first connection moves the pods watch to a later resourceVersion.
    server.apply(pod('before', { app: 'x' }));
    const seen = await emitted(watcher, (objs) => find(objs, 'Pod', 'shop', 'before') !== undefined);
    const seenVersion = (find(seen, 'Pod', 'shop', 'before')!.metadata as { resourceVersion?: string }).resourceVersion;
    const listsBefore = listRequests(server).length;
    server.dropWatches();
    // Changed while no watch is connected: the resumed watch replays it.
    server.apply(pod('while-away', { app: 'x' }));
    await emitted(watcher, (objs) => find(objs, 'Pod', 'shop', 'while-away') !== undefined);
    await until(() => server.openWatches() === WATCHED);
    expect(listRequests(server)).toHaveLength(listsBefore); // resumed, not relisted
    const podWatches = server.requests.filter((r) => r.startsWith('GET /api/v1/pods?') && r.includes('watch=true'));
    expect(podWatches).toHaveLength(2);
    expect(podWatches[1]).toContain(`resourceVersion=${seenVersion}&`);
    expect(warnings.some((w) => w.startsWith('watch of pods failed'))).toBe(true);
  });

  it('relists on 410 Gone and emits what changed in between', async () => {
    const { server, watcher } = await startWatching();
    const listsBefore = listRequests(server).length;
    server.dropWatches();
    server.remove('NetworkPolicy', 'shop', 'default-deny-ingress');
    server.compact(); // the resumed watches' versions are gone: 410
    const objects = await emitted(watcher, (objs) => !find(objs, 'NetworkPolicy', 'shop', 'default-deny-ingress'));
    expect(clusterFromObjects(objects).cluster.policies).toHaveLength(20);
    await until(() => server.openWatches() === WATCHED);
    // Every collection relisted once (one page each), then watched again.
    expect(listRequests(server).length - listsBefore).toBe(WATCHED);
  });

  it('stop() closes every watch and stops emitting', async () => {
    const { server, watcher } = await startWatching();
    let calls = 0;
    watcher.onChange(() => calls++);
    await watcher.stop();
    await until(() => server.openWatches() === 0);
    server.apply(pod('after-stop', { app: 'x' }));
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(0);
  });
});
