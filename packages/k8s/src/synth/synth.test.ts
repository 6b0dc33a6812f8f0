import { annotatedCrownJewels, blastRadius, buildAttackGraph, chokePoints, compile, INTERNET, InputError } from '@lateral/core';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clusterFromObjects } from '../cluster-from-objects.js';
import { parseManifests } from '../parse-manifests.js';
import { synthesizeCluster, synthesizeYaml, type SynthOptions } from './index.js';

type Obj = Record<string, any>;

function byKind(objs: Obj[], kind: string): Obj[] {
  return objs.filter((o) => o.kind === kind);
}

function load(objs: Obj[]) {
  return clusterFromObjects(objs.map((obj) => ({ obj, file: '<synth>' })));
}

/** Every value of `key` anywhere in the tree (policy specs are nested several levels deep). */
function collect(v: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(v)) for (const x of v) collect(x, key, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === key) out.push(x);
      collect(x, key, out);
    }
  }
  return out;
}

const SIZES: SynthOptions[] = [
  { pods: 2, namespaces: 2, policies: 0 },
  { pods: 7, namespaces: 12, policies: 3 },
  { pods: 300, namespaces: 5, policies: 400 }, // more policies than the call graph suggests
  { pods: 1000, namespaces: 20, policies: 100 },
  { pods: 5000, namespaces: 60, policies: 700, seed: 42 },
];

describe('synthesizeCluster', () => {
  it('is deterministic per seed', () => {
    const opts = { pods: 2000, namespaces: 30, policies: 300 };
    expect(synthesizeYaml({ ...opts, seed: 7 })).toBe(synthesizeYaml({ ...opts, seed: 7 }));
    // No seed means seed 1, not "random".
    expect(synthesizeYaml(opts)).toBe(synthesizeYaml({ ...opts, seed: 1 }));
    expect(synthesizeYaml({ ...opts, seed: 8 })).not.toBe(synthesizeYaml({ ...opts, seed: 7 }));
  });

  it.each([
    // A seed names one cluster, byte for byte, across refactorings and releases. Recorded when
    // ServiceAccounts and RBAC were added (identities.ts, its own random stream); the rest of
    // each cluster is byte for byte what the generator wrote before it moved into synth/.
    [{ pods: 300, namespaces: 8, policies: 60, seed: 7 }, 388678, '8e060b32c58e87d9950a81eee31ac15b2c38ca94bf7538b7462f8e51d9084488'],
    [{ pods: 2000, namespaces: 25, policies: 300 }, 2470798, '0956f83e24de3cfd49535464677b15c477beb284a4c4750ed2979838b42a7753'],
    [{ pods: 40, namespaces: 2, policies: 0, seed: -5 }, 56606, 'bfe1504e34338bfda8b99a13f8dadfcd9154c4aebe0a7735224b4bedbd851cb0'],
  ] as const)('writes the same YAML for the same seed as it always has: %o', (opts, length, sha256) => {
    const y = synthesizeYaml(opts);
    expect(y.length).toBe(length);
    expect(createHash('sha256').update(y).digest('hex')).toBe(sha256);
  });

  it.each(SIZES)('has exactly the pods, namespaces and policies asked for: %o', (opts) => {
    const objs = synthesizeCluster(opts) as Obj[];
    const pods = byKind(objs, 'Pod');
    expect(pods).toHaveLength(opts.pods);
    expect(byKind(objs, 'Namespace')).toHaveLength(opts.namespaces);
    expect(byKind(objs, 'NetworkPolicy')).toHaveLength(opts.policies);

    // The controllers agree with the pods: replicas, and one pod per node of each DaemonSet, add
    // up to the pod count.
    const controllers = [...byKind(objs, 'ReplicaSet'), ...byKind(objs, 'StatefulSet')];
    const daemonPods = byKind(objs, 'DaemonSet').reduce((n, d) => n + d.status.desiredNumberScheduled, 0);
    expect(controllers.reduce((n, c) => n + c.spec.replicas, 0) + daemonPods).toBe(opts.pods);
    expect(byKind(objs, 'Deployment')).toHaveLength(byKind(objs, 'ReplicaSet').length);

    const ips = pods.map((p) => p.status.podIP as string);
    expect(new Set(ips).size).toBe(opts.pods);
    for (const ip of ips) expect(ip).toMatch(/^10\.\d+\.\d+\.\d+$/);

    // Names are unique per kind and namespace, or the API server would refuse the objects.
    const keys = objs.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(SIZES)('loads through clusterFromObjects as real pods of their workloads: %o', (opts) => {
    const objs = synthesizeCluster(opts) as Obj[];
    const { cluster, skipped, warnings } = load(objs);
    expect(warnings).toEqual([]);
    expect(skipped).toEqual({});
    expect(cluster.namespaces).toHaveLength(opts.namespaces);
    expect(cluster.policies).toHaveLength(opts.policies);
    // Every pod is a Pod object (none stands for a template), owned through its ReplicaSet by a
    // Deployment, or by a StatefulSet.
    expect(cluster.pods).toHaveLength(opts.pods);
    for (const p of cluster.pods) {
      expect(p.fromTemplate).toBe(false);
      expect(p.ips).toHaveLength(1);
      expect(['Deployment', 'StatefulSet', 'DaemonSet']).toContain(p.owner.kind);
      expect(p.node).toMatch(/^node-\d+$/);
    }
    const workloads = byKind(objs, 'Deployment').length + byKind(objs, 'StatefulSet').length + byKind(objs, 'DaemonSet').length;
    expect(new Set(cluster.pods.map((p) => `${p.owner.kind}/${p.owner.namespace}/${p.owner.name}`)).size).toBe(workloads);
  });

  it('is shaped for lateral movement: exposed frontends, crown jewels, a log shipper on every node', () => {
    const opts = { pods: 3000, namespaces: 40, policies: 400 };
    const objs = synthesizeCluster(opts) as Obj[];
    const pods = byKind(objs, 'Pod');
    const nodes = new Set(pods.map((p) => p.spec.nodeName as string));
    expect(nodes.size).toBe(100); // about 30 pods a node

    // One privileged, hostPath log shipper pod on every node.
    const [shipper, ...more] = byKind(objs, 'DaemonSet');
    expect(more).toEqual([]);
    expect(shipper!.metadata.namespace).toBe('kube-system');
    expect(shipper!.spec.template.spec.containers[0].securityContext.privileged).toBe(true);
    expect(shipper!.spec.template.spec.volumes.every((v: Obj) => v.hostPath)).toBe(true);
    const shipperPods = pods.filter((p) => p.metadata.ownerReferences[0].kind === 'DaemonSet');
    expect(new Set(shipperPods.map((p) => p.spec.nodeName)).size).toBe(nodes.size);
    expect(shipperPods).toHaveLength(nodes.size);

    // Frontends published by Ingress (to their Service), LoadBalancer and NodePort Services.
    const services = byKind(objs, 'Service');
    const types = new Set(services.map((s) => s.spec.type));
    expect([...types].sort()).toEqual(['ClusterIP', 'LoadBalancer', 'NodePort']);
    const ingresses = byKind(objs, 'Ingress');
    expect(ingresses.length).toBeGreaterThan(0);
    for (const ing of ingresses) {
      const backend = ing.spec.rules[0].http.paths[0].backend.service.name;
      expect(services.some((s) => s.metadata.namespace === ing.metadata.namespace && s.metadata.name === backend)).toBe(true);
    }

    // The engine sees what a reviewer would: entry points from the internet, annotated crown
    // jewels (data-tier StatefulSets), the log shipper escaping to every node, and a cut.
    const { cluster } = load(objs);
    const ag = buildAttackGraph(compile(cluster));
    const jewels = annotatedCrownJewels(ag);
    expect(jewels.length).toBeGreaterThanOrEqual(1);
    expect(jewels.length).toBeLessThanOrEqual(3);
    for (const j of jewels) expect(j).toMatch(/^[^/]+-prod[^/]*\/postgres/);
    expect(ag.graph.outDegree(INTERNET)).toBeGreaterThan(1);
    expect(ag.graph.outNeighbors('kube-system/fluent-bit').filter((n) => n.startsWith('node:'))).toHaveLength(nodes.size);
    const fromInternet = blastRadius(ag, INTERNET, { crownJewels: jewels });
    expect(fromInternet.metrics.crownJewelsReached).toBe(jewels.length);
    const cut = chokePoints(ag, [INTERNET], jewels);
    expect(cut.cuttable).toBe(true);
    expect(cut.cut.length).toBeGreaterThan(0);

    // RBAC as real clusters have it: the ingress controller lists Secrets everywhere, so its
    // token (the API server's address unknown: taken as reachable) is a move, and the cut
    // takes it away rather than leaving the jewels uncuttable.
    expect(byKind(objs, 'ServiceAccount').length).toBeGreaterThan(opts.namespaces);
    expect(ag.graph.hasEdge('ingress-nginx/ingress-nginx-controller', 'sa:ingress-nginx/ingress-nginx')).toBe(true);
    expect(ag.graph.outNeighbors('sa:ingress-nginx/ingress-nginx')).toContain('sa:kube-system/fluent-bit');
    // Either the token's use or the Secrets grant is cut: both are one change a person makes.
    const tokenOrGrant = cut.cut.filter(
      (c) =>
        (c.from === 'ingress-nginx/ingress-nginx-controller' && c.to === 'sa:ingress-nginx/ingress-nginx') ||
        (c.from === 'sa:ingress-nginx/ingress-nginx' && /secrets/.test(c.grant ?? '')),
    );
    expect(tokenOrGrant).toHaveLength(1);
  });

  it('writes YAML that reads back as the same objects', () => {
    const opts = { pods: 3000, namespaces: 40, policies: 500, seed: 3 };
    const parsed = parseManifests(synthesizeYaml(opts), 'synth.yaml').map((s) => s.obj);
    expect(parsed).toEqual(JSON.parse(JSON.stringify(synthesizeCluster(opts))));
  });

  it('uses the policy features real clusters use', () => {
    const policies = byKind(synthesizeCluster({ pods: 5000, namespaces: 50, policies: 800 }) as Obj[], 'NetworkPolicy');
    const names = policies.map((p) => p.metadata.name as string);
    expect(names).toContain('default-deny');
    expect(names).toContain('default-deny-ingress');
    expect(names).toContain('allow-dns-egress');
    expect(names).toContain('allow-ingress-controller');

    const operators = new Set(collect(policies, 'matchExpressions').flatMap((m) => (m as Obj[]).map((r) => r.operator)));
    expect([...operators].sort()).toEqual(['Exists', 'In', 'NotIn']);
    expect(collect(policies, 'endPort').length).toBeGreaterThan(0);
    const ipBlocks = collect(policies, 'ipBlock') as Obj[];
    expect(ipBlocks.some((b) => (b.except ?? []).length > 0)).toBe(true);
    const ports = collect(policies, 'port');
    expect(ports.some((p) => typeof p === 'string')).toBe(true);
    expect(ports.some((p) => typeof p === 'number')).toBe(true);
    // Some peers AND a namespaceSelector with a podSelector (cross-namespace allow rules).
    const peers = [...collect(policies, 'from'), ...collect(policies, 'to')].flat() as Obj[];
    expect(peers.some((p) => p.namespaceSelector && p.podSelector)).toBe(true);
  });

  it('gives most namespaces a default-deny before any namespace gets app rules', () => {
    // 30 team namespaces (32 minus kube-system and ingress-nginx), 30 policies: one each at most.
    const policies = byKind(synthesizeCluster({ pods: 2000, namespaces: 32, policies: 30 }) as Obj[], 'NetworkPolicy');
    const perNamespace = new Map<string, number>();
    for (const p of policies) perNamespace.set(p.metadata.namespace, (perNamespace.get(p.metadata.namespace) ?? 0) + 1);
    expect(Math.max(...perNamespace.values())).toBe(1);
    const defaultDeny = policies.filter((p) => p.metadata.name.startsWith('default-deny'));
    expect(defaultDeny.length).toBeGreaterThan(policies.length / 2);
  });

  it.each([
    [{ pods: 10, namespaces: 1, policies: 0 }, 'namespaces'],
    [{ pods: 1, namespaces: 3, policies: 0 }, 'pods'],
    [{ pods: 10, namespaces: 3, policies: -1 }, 'policies'],
    [{ pods: 10.5, namespaces: 3, policies: 0 }, 'pods'],
    [{ pods: 10, namespaces: 3, policies: 0, seed: Number.NaN }, 'seed'],
    [{ pods: 2 ** 24, namespaces: 3, policies: 0 }, 'pods'],
  ])('rejects %o naming the field', (opts, field) => {
    let error: unknown;
    try {
      synthesizeCluster(opts);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).location.field).toBe(field);
  });
});
