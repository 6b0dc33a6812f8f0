/**
 * The fast engine against the reference evaluator over seeded random clusters.
 * Every CI run checks LATERAL_DIFF_CLUSTERS (default 1,000) clusters; a disagreement fails with
 * the seed and a shrunk reproduction that can be pasted into a test.
 */
import { describe, expect, it } from 'vitest';
import { compile, explainConnection, referenceAllowed, PROTOCOLS, rangesContain } from '@lateral/core';
import type { Cluster, EvalOptions, Endpoint, Protocol } from '@lateral/core';
import { Rng, probeIps, probePorts, randomCluster } from './random-cluster.js';
import { reproductionYaml, shrinkCluster } from './shrink.js';
import { clusterFromObjects, parseManifests } from '@lateral/k8s';

export interface Disagreement {
  src: string;
  dst: string;
  port: number;
  protocol: Protocol;
  reference: boolean;
  fast: boolean;
  via: 'reach' | 'reachToward' | 'reachFrom' | 'allowed' | 'explain';
}

function name(e: Endpoint): string {
  return e.kind === 'pod' ? `${e.pod.namespace}/${e.pod.name}` : e.ip;
}

/**
 * First disagreement between the evaluators on this cluster, or undefined. `withExplain` also
 * holds explain's verdict to the reference: it is a third evaluator (it walks the policies
 * itself to find the rules), so it must agree too.
 */
export function findDisagreement(cluster: Cluster, options: EvalOptions, seed: number, withExplain = false): Disagreement | undefined {
  const compiled = compile(cluster, options);
  // Pairs toward every other node, worked out for those destinations alone (as a what-if diff
  // reads them): asked before reach(), which it would otherwise reuse.
  const nodeCount = compiled.classCount + compiled.externals.length;
  const towardNodes = Array.from({ length: nodeCount }, (_, i) => i).filter((i) => i % 2 === seed % 2);
  const toward = compiled.reachToward(towardNodes);
  const reach = compiled.reach();
  // Pairs from the other half of the nodes, as verification's egress pass reads them: their
  // ports, and the very pairs reach() lists from those sources (reach is held to the reference
  // pair by pair below).
  const fromNodes = new Set(Array.from({ length: nodeCount }, (_, i) => i).filter((i) => i % 2 !== seed % 2));
  const from = compiled.reachFrom(fromNodes);
  const listed = new Map<number, string>();
  from.forEachAllowed((s, d, p) => listed.set(s * nodeCount + d, JSON.stringify(p)));
  let expectedPairs = 0;
  let listing: Disagreement | undefined;
  reach.forEachAllowed((s, d, p) => {
    if (!fromNodes.has(s) || listing) return;
    expectedPairs++;
    if (listed.get(s * nodeCount + d) !== JSON.stringify(p)) listing = { src: `node ${s}`, dst: `node ${d}`, port: 0, protocol: 'TCP', reference: true, fast: false, via: 'reachFrom' };
  });
  if (listing) return listing;
  if (listed.size !== expectedPairs) return { src: 'a source', dst: 'a destination', port: 0, protocol: 'TCP', reference: false, fast: true, via: 'reachFrom' };
  const ports = probePorts(cluster);
  const ips = probeIps(cluster, new Rng(seed ^ 0x5eed));
  const n = compiled.classCount;
  const pods = cluster.pods;

  const check = (src: Endpoint, dst: Endpoint, srcNode: number, dstNode: number): Disagreement | undefined => {
    const allowedPorts = reach.ports(srcNode, dstNode);
    const towardPorts = dstNode % 2 === seed % 2 ? toward.ports(srcNode, dstNode) : undefined;
    const fromPorts = fromNodes.has(srcNode) ? from.ports(srcNode, dstNode) : undefined;
    for (const protocol of PROTOCOLS) {
      for (const port of ports) {
        const reference = referenceAllowed(cluster, src, dst, port, protocol, options);
        const viaReach = rangesContain(allowedPorts[protocol], port);
        if (viaReach !== reference) return { src: name(src), dst: name(dst), port, protocol, reference, fast: viaReach, via: 'reach' };
        const viaToward = towardPorts === undefined ? reference : rangesContain(towardPorts[protocol], port);
        if (viaToward !== reference) return { src: name(src), dst: name(dst), port, protocol, reference, fast: viaToward, via: 'reachToward' };
        const viaFrom = fromPorts === undefined ? reference : rangesContain(fromPorts[protocol], port);
        if (viaFrom !== reference) return { src: name(src), dst: name(dst), port, protocol, reference, fast: viaFrom, via: 'reachFrom' };
        const viaAllowed = compiled.allowed(src, dst, port, protocol);
        if (viaAllowed !== reference) return { src: name(src), dst: name(dst), port, protocol, reference, fast: viaAllowed, via: 'allowed' };
        if (withExplain) {
          const explained = explainConnection(cluster, src, dst, port, protocol, options).allowed;
          if (explained !== reference) return { src: name(src), dst: name(dst), port, protocol, reference, fast: explained, via: 'explain' };
        }
      }
    }
    return undefined;
  };

  for (let i = 0; i < pods.length; i++) {
    for (let j = 0; j < pods.length; j++) {
      if (i === j) continue;
      const d = check({ kind: 'pod', pod: pods[i]! }, { kind: 'pod', pod: pods[j]! }, compiled.podClass[i]!, compiled.podClass[j]!);
      if (d) return d;
    }
  }
  for (const ip of ips) {
    const ext = compiled.nodeOf({ kind: 'ip', ip });
    for (let j = 0; j < pods.length; j++) {
      const pod: Endpoint = { kind: 'pod', pod: pods[j]! };
      const node = compiled.podClass[j]!;
      const d = check({ kind: 'ip', ip }, pod, ext, node) ?? check(pod, { kind: 'ip', ip }, node, ext);
      if (d) return d;
    }
  }
  return undefined;
}

const COUNT = Number(process.env.LATERAL_DIFF_CLUSTERS ?? 1000);
const FIRST_SEED = Number(process.env.LATERAL_DIFF_SEED ?? 1);

describe('fast engine and explain agree with the reference evaluator', () => {
  it(`on ${COUNT} random clusters (seeds ${FIRST_SEED}..${FIRST_SEED + COUNT - 1})`, () => {
    let checkedPods = 0;
    let checkedPolicies = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + COUNT; seed++) {
      const cluster = randomCluster(seed);
      // Alternate the plugin-dependent reading so both are covered on every run.
      const options: EvalOptions = { ipBlockPods: seed % 2 === 0 ? 'match' : 'ignore' };
      checkedPods += cluster.pods.length;
      checkedPolicies += cluster.policies.length;
      // explain is slower than the engines: hold it to the reference on every fourth cluster.
      const withExplain = seed % 4 === 0;
      const found = findDisagreement(cluster, options, seed, withExplain);
      if (found) {
        const minimal = shrinkCluster(cluster, (c) => findDisagreement(c, options, seed, withExplain) !== undefined);
        const d = findDisagreement(minimal, options, seed, withExplain)!;
        const message = [
          `seed ${seed} (ipBlockPods=${options.ipBlockPods}): ${d.src} -> ${d.dst} ${d.protocol} ${d.port}:`,
          `reference says ${d.reference ? 'allowed' : 'denied'}, ${d.via === 'explain' ? 'explain' : `fast engine (${d.via})`} says ${d.fast ? 'allowed' : 'denied'}`,
          `reproduce with LATERAL_DIFF_SEED=${seed} LATERAL_DIFF_CLUSTERS=1; minimal cluster:`,
          reproductionYaml(minimal),
        ].join('\n');
        expect.fail(message);
      }
    }
    // Guard against a generator that silently produces empty clusters.
    expect(checkedPods).toBeGreaterThan(COUNT * 2);
    expect(checkedPolicies).toBeGreaterThan(COUNT);
    // Bounded by COUNT, not by a clock: a busy 2-core machine can take minutes for 1,000 clusters.
  }, 1_800_000);
});

describe('the manifests of random clusters read back through the manifest reader', () => {
  // podSelector {} is written omitted or null (see reproductionYaml): the API server accepts
  // both, and the reader must give them the meaning of {} — every pod of the namespace.
  it('give the same policies, with podSelector omitted and null read as {}', () => {
    let omitted = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + Math.min(COUNT, 200); seed++) {
      const cluster = randomCluster(seed);
      const yaml = reproductionYaml(cluster);
      omitted += cluster.policies.filter((p) => !p.podSelector.matchLabels && !p.podSelector.matchExpressions).length;
      const read = clusterFromObjects(parseManifests(yaml, `seed-${seed}.yaml`));
      expect(read.cluster.policies, `seed ${seed}`).toEqual(cluster.policies);
    }
    expect(omitted).toBeGreaterThan(10);
  });
});
