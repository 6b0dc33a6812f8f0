/**
 * The fast engine against the reference evaluator under `cni: cilium`, on random clusters with
 * CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies (random-cilium.ts) next to
 * NetworkPolicies, in the three enforcement modes. LATERAL_CILIUM_CLUSTERS (default 600)
 * clusters per run; a disagreement fails with the seed and the cluster.
 */
import { describe, expect, it } from 'vitest';
import { compile, explainConnection, recompile, referenceVerdict, rangesContain } from '@lateral/core';
import type { Cluster, EvalOptions, Endpoint, Protocol } from '@lateral/core';
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
