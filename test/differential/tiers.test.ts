/**
 * The fast engine against the reference evaluator on random clusters with cluster-wide tiers
 * (random-tiers.ts). LATERAL_TIER_CLUSTERS (default 1,000) clusters per run; a disagreement
 * fails with the seed and the shrunk cluster.
 */
import { describe, expect, it } from 'vitest';
import { compile, explainConnection, referenceVerdict, rangesContain } from '@lateral/core';
import type { Cluster, EvalOptions, Endpoint, Protocol } from '@lateral/core';
import { Rng, probeIps, probePorts } from './random-cluster.js';
import { randomTierCluster, tierProbeIps } from './random-tiers.js';
import { reproductionYaml, shrinkCluster } from './shrink.js';

interface Disagreement {
  src: string;
  dst: string;
  port: number;
  protocol: Protocol;
  reference: string;
  fast: string;
  via: 'reach' | 'possible' | 'allowed' | 'explain';
}

/** `n` items of `xs` (all when it has fewer), drawn without replacement. */
function sample<T>(rng: Rng, xs: readonly T[], n: number): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]!);
  return out;
}

const name = (e: Endpoint) => (e.kind === 'pod' ? `${e.pod.namespace}/${e.pod.name}` : e.ip);

/** Probed protocols and ports are fewer than in differential.test.ts: tiers multiply the cases, not the port logic. */
function findDisagreement(cluster: Cluster, options: EvalOptions, seed: number, withExplain: boolean): Disagreement | undefined {
  const compiled = compile(cluster, options);
  const reach = compiled.reach();
  const possible = compiled.possible?.() ?? reach;
  const extra = new Set<number>();
  for (const p of cluster.tierPolicies ?? []) {
    for (const r of [...p.ingress, ...p.egress]) {
      for (const pp of r.ports ?? []) if ('port' in pp) for (const n of [pp.port, pp.endPort ?? pp.port, (pp.endPort ?? pp.port) + 1]) extra.add(n);
    }
  }
  // A sample of the interesting ports and addresses per cluster keeps a run near 30 s; over a
  // thousand seeds every kind of edge is still probed many times.
  const rng = new Rng(seed ^ 0x7135);
  const ports = sample(rng, [...new Set([...probePorts(cluster), ...extra])].filter((p) => p >= 1 && p <= 65535), 10);
  const ips = [...tierProbeIps(cluster), ...sample(rng, probeIps(cluster, new Rng(seed ^ 0x5eed)), 4)];
  const n = compiled.classCount;
  const check = (src: Endpoint, dst: Endpoint, srcNode: number, dstNode: number): Disagreement | undefined => {
    const allowedPorts = reach.ports(srcNode, dstNode);
    const possiblePorts = possible.ports(srcNode, dstNode);
    for (const protocol of ['TCP', 'UDP', 'SCTP'] as const) {
      for (const port of ports) {
        const verdict = referenceVerdict(cluster, src, dst, port, protocol, options);
        const reference = verdict === 'allowed';
        if (verdict === 'unknown') unknownSeen++;
        const at = { src: name(src), dst: name(dst), port, protocol, reference: verdict };
        // The fast engine answers "certainly allowed": unknown is not allowed.
        const viaReach = rangesContain(allowedPorts[protocol], port);
        if (viaReach !== reference) return { ...at, fast: String(viaReach), via: 'reach' };
        // possible(): allowed or unknown.
        const viaPossible = rangesContain(possiblePorts[protocol], port);
        if (viaPossible !== (verdict !== 'denied')) return { ...at, fast: viaPossible ? 'possible' : 'denied', via: 'possible' };
        const viaAllowed = compiled.allowed(src, dst, port, protocol);
        if (viaAllowed !== reference) return { ...at, fast: String(viaAllowed), via: 'allowed' };
        if (withExplain) {
          const x = explainConnection(cluster, src, dst, port, protocol, options);
          if (x.verdict !== verdict || x.allowed !== reference) return { ...at, fast: `${x.verdict}`, via: 'explain' };
        }
      }
    }
    return undefined;
  };
  const pods = cluster.pods;
  for (let i = 0; i < pods.length; i++) {
    for (let j = 0; j < pods.length; j++) {
      if (i === j) continue;
      const d = check({ kind: 'pod', pod: pods[i]! }, { kind: 'pod', pod: pods[j]! }, compiled.podClass[i]!, compiled.podClass[j]!);
      if (d) return d;
    }
  }
  for (const ip of ips) {
    const ext = n + compiled.externalOf(ip);
    for (let j = 0; j < pods.length; j++) {
      const pod: Endpoint = { kind: 'pod', pod: pods[j]! };
      const node = compiled.podClass[j]!;
      const d = check({ kind: 'ip', ip }, pod, ext, node) ?? check(pod, { kind: 'ip', ip }, node, ext);
      if (d) return d;
    }
  }
  return undefined;
}

/** How many probed connections were unknown: the generator must produce some. */
let unknownSeen = 0;

const COUNT = Number(process.env.LATERAL_TIER_CLUSTERS ?? 1000);
const FIRST_SEED = Number(process.env.LATERAL_TIER_SEED ?? 1);

describe('tiers: fast engine agrees with the reference evaluator', () => {
  it(`on ${COUNT} random clusters with Admin and Baseline tier policies (seeds ${FIRST_SEED}..${FIRST_SEED + COUNT - 1})`, { timeout: 600_000 }, () => {
    let tierPolicies = 0;
    let passRules = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + COUNT; seed++) {
      const cluster = randomTierCluster(seed);
      const options: EvalOptions = { ipBlockPods: seed % 2 === 0 ? 'match' : 'ignore' };
      tierPolicies += cluster.tierPolicies!.length;
      passRules += cluster.tierPolicies!.flatMap((p) => [...p.ingress, ...p.egress]).filter((r) => r.action === 'Pass').length;
      // explain walks the tiers itself: hold it to the reference on every fourth cluster.
      const withExplain = seed % 4 === 0;
      const found = findDisagreement(cluster, options, seed, withExplain);
      if (found) {
        const minimal = shrinkCluster(cluster, (c) => findDisagreement(c, options, seed, withExplain) !== undefined);
        const d = findDisagreement(minimal, options, seed, withExplain)!;
        expect.fail(
          [
            `seed ${seed} (ipBlockPods=${options.ipBlockPods}): ${d.src} -> ${d.dst} ${d.protocol} ${d.port}:`,
            `reference says ${d.reference}, ${d.via === 'explain' ? 'explain' : `fast engine (${d.via})`} says ${d.fast}`,
            `reproduce with LATERAL_TIER_SEED=${seed} LATERAL_TIER_CLUSTERS=1; minimal cluster:`,
            reproductionYaml(minimal),
          ].join('\n'),
        );
      }
    }
    // Guard against a generator that silently stops producing what the test is about.
    expect(tierPolicies).toBeGreaterThan(COUNT * 2);
    expect(passRules).toBeGreaterThan(COUNT / 4);
    expect(unknownSeen).toBeGreaterThan(COUNT / 10);
  });
});
