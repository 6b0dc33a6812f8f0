import { afterEach, describe, expect, it } from 'vitest';
import { clusterFromObjects, parseManifests } from '@lateral/k8s';
import { formatSnapshot, readCluster } from '@lateral/k8s/live';
import { InputError } from '@lateral/core';
import { startKubeApiServer, type KubeApiServer } from './kube-api-server.js';
import { writeKubeconfig } from './kubeconfig.js';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { REPO, fixtureObjects } from './fixture-objects.js';

let server: KubeApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ANP = {
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'AdminNetworkPolicy',
  metadata: { name: 'deny-metadata' },
  spec: { priority: 10, subject: { namespaces: {} }, egress: [{ name: 'no-imds', action: 'Deny', to: [{ networks: ['169.254.169.254/32'] }] }] },
};

function names(objects: { obj: unknown }[], kind: string): string[] {
  return objects
    .map((o) => o.obj as { kind: string; metadata: { namespace?: string; name: string } })
    .filter((o) => o.kind === kind)
    .map((o) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name));
}

describe('readCluster', () => {
  it('reads every kind page by page, with kind and apiVersion set on list items', async () => {
    const objects = await fixtureObjects('shop');
    server = await startKubeApiServer({ objects, maxPageSize: 4 });
    const read = await readCluster({ kubeconfig: writeKubeconfig(server) }, { pageSize: 3 });
    expect(read.warnings).toEqual([]);
    expect(read.objects).toHaveLength(objects.length);
    expect(read.label).toBe('<cluster test-cluster>');
    for (const o of read.objects) {
      expect(o.file).toBe('<cluster test-cluster>');
      expect(typeof (o.obj as { kind?: unknown }).kind).toBe('string');
    }
    expect(names(read.objects, 'Pod')).toHaveLength(3);
    expect((read.objects.find((o) => (o.obj as { kind: string }).kind === 'Deployment')!.obj as { apiVersion: string }).apiVersion).toBe('apps/v1');
    // 21 policies in pages of 3: the client followed continue tokens to the end.
    const policyPages = server.requests.filter((r) => r.startsWith('GET /apis/networking.k8s.io/v1/networkpolicies?'));
    expect(policyPages).toHaveLength(7);
    expect(policyPages[0]).toContain('limit=3');
    expect(policyPages.slice(1).every((r) => r.includes('continue='))).toBe(true);
    // The model is the one the fixture files give.
    const fromCluster = clusterFromObjects(read.objects).cluster;
    const fromFiles = clusterFromObjects(objects.map((obj) => ({ obj, file: 'f' }))).cluster;
    expect(fromCluster.policies.map((p) => `${p.namespace}/${p.name}`).sort()).toEqual(fromFiles.policies.map((p) => `${p.namespace}/${p.name}`).sort());
    expect(fromCluster.pods.length).toBe(fromFiles.pods.length);
  });

  it('never asks for secrets, and asks only to read', async () => {
    server = await startKubeApiServer({ objects: await fixtureObjects('multi-tenant'), crds: true });
    await readCluster({ kubeconfig: writeKubeconfig(server) });
    expect(server.requests.length).toBeGreaterThan(10);
    expect(server.requests.every((r) => r.startsWith('GET '))).toBe(true);
    expect(server.requests.filter((r) => /secrets|configmaps/.test(r))).toEqual([]);
  });

  it('reads exactly the resources the documented ClusterRole grants, with only get/list/watch', async () => {
    server = await startKubeApiServer({ objects: await fixtureObjects('shop'), crds: true });
    await readCluster({ kubeconfig: writeKubeconfig(server) });
    const requested = new Set(
      server.requests
        .map((r) => /^GET \/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/([a-z]+)\?/.exec(r))
        .filter((m) => m !== null)
        .map((m) => `${m[1] ?? ''}/${m[2]}`),
    );
    const docs = readFileSync(`${REPO}docs/live-clusters.md`, 'utf8');
    const role = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => yaml.load(m[1]!) as { kind?: string; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] })
      .find((d) => d.kind === 'ClusterRole')!;
    const granted = new Set(role.rules!.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}`))));
    expect([...requested].sort()).toEqual([...granted].sort());
    expect(new Set(role.rules!.flatMap((r) => r.verbs))).toEqual(new Set(['get', 'list', 'watch']));
  });

  it('reads Cilium and Calico policies and the policy kinds Lateral does not evaluate, so that answers can name them', async () => {
    const cnp = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'lockdown', namespace: 'shop' }, spec: { endpointSelector: {} } };
    const gnp = { apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkPolicy', metadata: { name: 'deny' }, spec: { selector: 'all()' } };
    const anp = { apiVersion: 'crd.antrea.io/v1beta1', kind: 'NetworkPolicy', metadata: { name: 'isolate', namespace: 'shop' }, spec: { appliedTo: [{ podSelector: {} }] } };
    server = await startKubeApiServer({ objects: [...(await fixtureObjects('shop')), cnp, gnp, anp], crds: true });
    const read = await readCluster({ kubeconfig: writeKubeconfig(server) });
    const load = clusterFromObjects(read.objects);
    expect(load.cluster.ciliumPolicies?.map((p) => `${p.kind} ${p.namespace}/${p.name}`)).toEqual(['CiliumNetworkPolicy shop/lockdown']);
    // Calico's policies are read into the model (calico/), not listed as unevaluated.
    expect(load.cluster.calico?.policies.map((p) => p.name)).toEqual(['deny']);
    expect(load.unevaluated.map((p) => `${p.kindLabel} ${p.namespace ?? ''}/${p.name}`)).toEqual(['NetworkPolicy (crd.antrea.io) shop/isolate']);
  });

  it('a 403 on one kind is a warning naming it and what the analysis assumes', async () => {
    server = await startKubeApiServer({ objects: await fixtureObjects('multi-tenant') });
    server.forbid('networkpolicies');
    const read = await readCluster({ kubeconfig: writeKubeconfig(server) });
    expect(read.warnings).toEqual([
      'cannot list networkpolicies (forbidden: grant list on networkpolicies.networking.k8s.io): the analysis assumes no policies in any namespace',
    ]);
    expect(names(read.objects, 'NetworkPolicy')).toEqual([]);
    expect(names(read.objects, 'Deployment').length).toBeGreaterThan(0);
  });

  it('falls back to the namespaces RBAC allows, and names the ones it could not read', async () => {
    server = await startKubeApiServer({ objects: await fixtureObjects('multi-tenant') });
    server.forbid('networkpolicies', { allowIn: ['team-a', 'shared-db'] });
    const read = await readCluster({ kubeconfig: writeKubeconfig(server) });
    const policyNamespaces = new Set(names(read.objects, 'NetworkPolicy').map((n) => n.split('/')[0]));
    expect([...policyNamespaces].sort()).toEqual(['shared-db', 'team-a']);
    expect(read.warnings).toHaveLength(1);
    expect(read.warnings[0]).toBe(
      'cannot list networkpolicies in ci, ingress-nginx, kube-system, monitoring, team-b, team-c (forbidden: grant list on networkpolicies.networking.k8s.io): the analysis assumes no policies there',
    );
  });

  it('reads AdminNetworkPolicies when their CRD is served, and does not ask when it is not', async () => {
    const objects = [...(await fixtureObjects('shop')), ANP];
    server = await startKubeApiServer({ objects, crds: true });
    const read = await readCluster({ kubeconfig: writeKubeconfig(server) });
    expect(names(read.objects, 'AdminNetworkPolicy')).toEqual(['deny-metadata']);
    // Read into the Admin tier, not skipped.
    const loaded = clusterFromObjects(read.objects);
    expect(loaded.skipped).not.toHaveProperty('AdminNetworkPolicy');
    expect(loaded.cluster.tierPolicies?.map((p) => `${p.kind} ${p.tier} ${p.priority} ${p.name}`)).toEqual(['AdminNetworkPolicy Admin 10 deny-metadata']);
    await server.close();

    server = await startKubeApiServer({ objects: await fixtureObjects('shop') });
    const without = await readCluster({ kubeconfig: writeKubeconfig(server) });
    expect(without.warnings).toEqual([]);
    expect(server.requests.filter((r) => r.includes('adminnetworkpolicies'))).toEqual([]);
  });

  it('starts a list over when its continue token expires', async () => {
    const objects = await fixtureObjects('shop');
    server = await startKubeApiServer({ objects });
    server.expireNextContinue();
    const read = await readCluster({ kubeconfig: writeKubeconfig(server) }, { pageSize: 5 });
    expect(read.objects).toHaveLength(objects.length);
    // Paged kinds are read concurrently; whichever met the expired token started again from page one.
    const firstPages = server.requests.filter((r) => /\?limit=5$/.test(r));
    expect(firstPages.length).toBe(new Set(firstPages).size + 1);
  });

  it('a snapshot is a kind: List that parses back to the same objects', async () => {
    server = await startKubeApiServer({ objects: [...(await fixtureObjects('shop')), ANP], crds: true });
    const read = await readCluster({ kubeconfig: writeKubeconfig(server) });
    for (const format of ['yaml', 'json'] as const) {
      const text = formatSnapshot(read.objects, format);
      expect(text).toMatch(format === 'yaml' ? /^apiVersion: v1\nkind: List\n/ : /^\{\n {2}"apiVersion": "v1",\n {2}"kind": "List"/);
      expect(parseManifests(text, 'snap').map((o) => o.obj)).toEqual(read.objects.map((o) => o.obj));
    }
  });

  it('wrong credentials, an unreachable server and a bad kubeconfig are one-line input errors', async () => {
    server = await startKubeApiServer({ objects: [] });
    const attempts: [Parameters<typeof readCluster>[0], RegExp][] = [
      [{ kubeconfig: writeKubeconfig(server, { token: 'wrong' }) }, /rejected the credentials of context "test-cluster" \(401 Unauthorized\)/],
      [{ kubeconfig: writeKubeconfig(server), context: 'unreachable' }, /cannot reach the API server at http:\/\/127\.0\.0\.1:1 \(context "unreachable"\): .*ECONNREFUSED/],
      [{ kubeconfig: writeKubeconfig(server), context: 'nope' }, /no context "nope" in the kubeconfig \(contexts: test-cluster, unreachable\)/],
      [{ kubeconfig: '/nonexistent/kubeconfig' }, /^\/nonexistent\/kubeconfig: no such kubeconfig file$/],
    ];
    for (const [source, message] of attempts) {
      const e = await readCluster(source).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).toMatch(message);
      expect((e as Error).message).not.toContain('\n');
    }
  });
});
