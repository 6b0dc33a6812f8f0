/**
 * The fast engine against the reference evaluator under `cni: cilium`, on random clusters with
 * CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies (random-cilium.ts) next to
 * NetworkPolicies, in the three enforcement modes. LATERAL_CILIUM_CLUSTERS (default 600)
 * clusters per run; a disagreement fails with the seed and the cluster.
 */
import { describe, expect, it } from 'vitest';
import { NO_SECURITY_FLAGS, compile, explainConnection, recompile, referenceVerdict, rangesContain } from '@lateral/core';
import type { CiliumPolicy, Cluster, EvalOptions, Endpoint, Pod, Protocol } from '@lateral/core';
import { Rng, probeIps, probePorts } from './random-cluster.js';
import { ciliumProbeIps, randomCiliumCluster, withOneCiliumPolicyEdited } from './random-cilium.js';

const name = (e: Endpoint) => (e.kind === 'pod' ? `${e.pod.namespace}/${e.pod.name}` : e.ip);

function sample<T>(rng: Rng, xs: readonly T[], n: number): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]!);
  return out;
}

let unknownSeen = 0;

function findDisagreement(cluster: Cluster, options: EvalOptions, seed: number, withExplain: boolean): string | undefined {
  // A third of the clusters through recompile from the cluster without its Cilium policies, as a
  // what-if that applies them compiles it, and a third from the cluster with one policy edited
  // (a what-if that edits a CNP): the answers must be the reference's, as compile's are.
  const compiled =
    seed % 3 === 0 ? recompile(compile({ ...cluster, ciliumPolicies: [] }, options), cluster, options)
    : seed % 3 === 1 ? recompile(compile(withOneCiliumPolicyEdited(cluster, seed), options), cluster, options)
    : compile(cluster, options);
  // "The result is the one compile(cluster, options) gives, class numbering included."
  if (seed % 3 !== 2) {
    const fresh = compile(cluster, options);
    if (fresh.classCount !== compiled.classCount || fresh.podClass.some((c, i) => compiled.podClass[i] !== c)) return `recompile's pod classes differ from compile's (${compiled.classCount} vs ${fresh.classCount})`;
  }
  const reach = compiled.reach();
  const possible = compiled.possible?.() ?? reach;
  const extra = new Set<number>();
  for (const p of cluster.ciliumPolicies ?? []) {
    for (const r of [...p.ingress, ...p.egress, ...p.ingressDeny, ...p.egressDeny]) {
      for (const pp of r.ports ?? []) if (typeof pp.port === 'number') for (const n of [pp.port, pp.endPort ?? pp.port, (pp.endPort ?? pp.port) + 1]) extra.add(n);
    }
  }
  const rng = new Rng(seed ^ 0x3c1);
  const ports = sample(rng, [...new Set([...probePorts(cluster), ...extra])].filter((p) => p >= 1 && p <= 65535), 8);
  const ips = [...ciliumProbeIps(cluster), ...sample(rng, probeIps(cluster, new Rng(seed ^ 0x5eed)), 3)];
  const n = compiled.classCount;
  const check = (src: Endpoint, dst: Endpoint, s: number, d: number): string | undefined => {
    const allowedPorts = reach.ports(s, d);
    const possiblePorts = possible.ports(s, d);
    for (const protocol of ['TCP', 'UDP', 'SCTP'] as Protocol[]) {
      for (const port of ports) {
        const verdict = referenceVerdict(cluster, src, dst, port, protocol, options);
        if (verdict === 'unknown') unknownSeen++;
        const at = `${name(src)} -> ${name(dst)} ${protocol} ${port}: reference says ${verdict}`;
        const viaReach = rangesContain(allowedPorts[protocol], port);
        if (viaReach !== (verdict === 'allowed')) return `${at}, reach says ${viaReach}`;
        const viaPossible = rangesContain(possiblePorts[protocol], port);
        if (viaPossible !== (verdict !== 'denied')) return `${at}, possible says ${viaPossible}`;
        const viaAllowed = compiled.allowed(src, dst, port, protocol);
        if (viaAllowed !== (verdict === 'allowed')) return `${at}, allowed() says ${viaAllowed}`;
        if (withExplain) {
          const x = explainConnection(cluster, src, dst, port, protocol, options);
          if ((x.verdict ?? (x.allowed ? 'allowed' : 'denied')) !== verdict) return `${at}, explain says ${x.verdict ?? x.allowed}`;
        }
      }
    }
    return undefined;
  };
  const pods = cluster.pods;
  for (let i = 0; i < pods.length; i++) {
    for (let j = 0; j < pods.length; j++) {
      if (i === j) continue;
      const found = check({ kind: 'pod', pod: pods[i]! }, { kind: 'pod', pod: pods[j]! }, compiled.podClass[i]!, compiled.podClass[j]!);
      if (found) return found;
    }
  }
  for (const ip of ips) {
    const ext = n + compiled.externalOf(ip);
    for (let j = 0; j < pods.length; j++) {
      const pod: Endpoint = { kind: 'pod', pod: pods[j]! };
      const found = check({ kind: 'ip', ip }, pod, ext, compiled.podClass[j]!) ?? check(pod, { kind: 'ip', ip }, compiled.podClass[j]!, ext);
      if (found) return found;
    }
  }
  return undefined;
}

const COUNT = Number(process.env.LATERAL_CILIUM_CLUSTERS ?? 600);
const FIRST_SEED = Number(process.env.LATERAL_CILIUM_SEED ?? 1);

describe('cilium: fast engine agrees with the reference evaluator', () => {
  it(`on ${COUNT} random clusters with CiliumNetworkPolicies (seeds ${FIRST_SEED}..${FIRST_SEED + COUNT - 1})`, { timeout: 600_000 }, () => {
    let rules = 0;
    let denyRules = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + COUNT; seed++) {
      const cluster = randomCiliumCluster(seed);
      const ciliumEnforcement = seed % 7 === 0 ? 'always' : seed % 23 === 0 ? 'never' : 'default';
      const options: EvalOptions = { ipBlockPods: 'match', cni: 'cilium', ciliumEnforcement, ...(seed % 5 === 0 ? { ciliumAllowLocalhost: 'policy' as const } : {}) };
      for (const p of cluster.ciliumPolicies!) {
        rules += p.ingress.length + p.egress.length + p.ingressDeny.length + p.egressDeny.length;
        denyRules += p.ingressDeny.length + p.egressDeny.length;
      }
      const found = findDisagreement(cluster, options, seed, process.env.LATERAL_CILIUM_EXPLAIN === '1' || seed % 4 === 0);
      if (found) {
        expect.fail(
          [
            `seed ${seed} (enforcement ${ciliumEnforcement}): ${found}`,
            `reproduce with LATERAL_CILIUM_SEED=${seed} LATERAL_CILIUM_CLUSTERS=1; cluster:`,
            JSON.stringify({ namespaces: cluster.namespaces, pods: cluster.pods.map((p) => ({ ns: p.namespace, name: p.name, labels: p.labels, ips: p.ips, hostNetwork: p.hostNetwork, node: p.node, ports: p.ports })), nodes: cluster.nodes, apiServer: cluster.apiServer, policies: cluster.policies, ciliumPolicies: cluster.ciliumPolicies }, null, 1),
          ].join('\n'),
        );
      }
    }
    // Guard against a generator that silently stops producing what the test is about.
    expect(rules).toBeGreaterThan(COUNT * 2);
    expect(denyRules).toBeGreaterThan(COUNT / 2);
    expect(unknownSeen).toBeGreaterThan(COUNT / 20);
  });
});

/**
 * Classes alike in everything but the Cilium policies that select them (no NetworkPolicy, no
 * named ports) must not share destination groups: the fast engine keeps them per list of
 * selecting Cilium policies, per rule set, per deny regions, per node-local allow-localhost
 * rules. Here a/db admits every endpoint except team y on 5432, b/db admits team x alone, a/web
 * admits team y on 8080, a cluster-wide policy denies team y port 22 into team x, and pods sit on
 * two nodes (allow-localhost per node).
 */
function policyListCluster(): Cluster {
  const pod = (namespace: string, name: string, app: string, node: string): Pod => ({
    namespace, name, labels: { app }, ips: [], ports: [], node, owner: { kind: 'Pod', namespace, name }, hostNetwork: false,
    security: NO_SECURITY_FLAGS, replicas: 1, fromTemplate: false,
  });
  const none = { ingress: [], ingressDeny: [], egress: [], egressDeny: [] };
  const team = (t: string) => ({ kind: 'endpoints' as const, selector: { pod: {}, namespace: { matchLabels: { team: t } } } });
  const cnp = (namespace: string, name: string, app: string, rest: Partial<CiliumPolicy>): CiliumPolicy => ({
    kind: 'CiliumNetworkPolicy', namespace, name, subject: { kind: 'endpoints', selector: { pod: { matchLabels: { app } }, namespace: {} } }, ...none, defaultDeny: { ingress: true, egress: false }, ...rest,
  });
  return {
    namespaces: [
      { name: 'a', labels: { 'kubernetes.io/metadata.name': 'a', team: 'x' } },
      { name: 'b', labels: { 'kubernetes.io/metadata.name': 'b', team: 'x' } },
      { name: 'c', labels: { 'kubernetes.io/metadata.name': 'c', team: 'y' } },
    ],
    pods: [pod('a', 'web', 'web', 'n1'), pod('a', 'db', 'db', 'n1'), pod('a', 'db2', 'db', 'n2'), pod('b', 'web', 'web', 'n2'), pod('b', 'db', 'db', 'n1'), pod('c', 'client', 'client', 'n2')],
    nodes: [{ name: 'n1', labels: {}, addresses: ['10.9.0.1'] }, { name: 'n2', labels: {}, addresses: ['10.9.0.2'] }],
    workloads: [],
    services: [],
    policies: [],
    ciliumPolicies: [
      cnp('a', 'db', 'db', { ingress: [{ index: 0, peers: [{ kind: 'entity', entity: 'all' }] }], ingressDeny: [{ index: 0, peers: [team('y')], ports: [{ protocol: 'TCP', port: 5432 }] }] }),
      cnp('b', 'db', 'db', { ingress: [{ index: 0, peers: [team('x')] }] }),
      cnp('a', 'web', 'web', { ingress: [{ index: 0, peers: [team('y')], ports: [{ protocol: 'TCP', port: 8080 }] }] }),
      {
        kind: 'CiliumClusterwideNetworkPolicy', namespace: '', name: 'guard', subject: { kind: 'endpoints', selector: { pod: {}, namespace: { matchLabels: { team: 'x' } } } },
        ...none, ingressDeny: [{ index: 0, peers: [team('y')], ports: [{ protocol: 'TCP', port: 22 }] }], defaultDeny: { ingress: false, egress: false },
      },
    ],
  };
}

describe('cilium: classes told apart only by their Cilium policies', () => {
  it('get their own answers, as the reference evaluator gives them', () => {
    const cluster = policyListCluster();
    const options: EvalOptions = { ipBlockPods: 'match', cni: 'cilium' };
    const at = (ns: string, name: string): Endpoint => ({ kind: 'pod', pod: cluster.pods.find((p) => p.namespace === ns && p.name === name)! });
    // The case holds what it is about: a/db and b/db answer the same source differently.
    expect(referenceVerdict(cluster, at('c', 'client'), at('a', 'db'), 80, 'TCP', options)).toBe('allowed');
    expect(referenceVerdict(cluster, at('c', 'client'), at('b', 'db'), 80, 'TCP', options)).toBe('denied');
    expect(referenceVerdict(cluster, at('c', 'client'), at('a', 'db'), 5432, 'TCP', options)).toBe('denied');
    expect(referenceVerdict(cluster, { kind: 'ip', ip: '10.9.0.1' }, at('b', 'db'), 80, 'TCP', options)).toBe('allowed');
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      for (const allowLocalhost of [{}, { ciliumAllowLocalhost: 'policy' as const }]) expect(findDisagreement(cluster, { ...options, ...allowLocalhost }, seed, false)).toBeUndefined();
    }
  });
});
