/**
 * Incremental recompilation and the what-if diff against full compiles, over seeded random
 * clusters, each edited at random the way a what-if edits one: a policy added, replaced,
 * retargeted or deleted, a pod relabelled, added or removed, a namespace relabelled.
 *
 * - recompile(previous, edited) answers every pod pair and external probe exactly as
 *   compile(edited) does (class numbering included);
 * - diffReachability(before, after) lists exactly the pod pairs whose ports differ between two
 *   full compiles, with those ports — although it only compares the pairs the edit can touch.
 */
import { describe, expect, it } from 'vitest';
import { compile, diffReachability, protoPortsEqual, recompile, EMPTY_PROTO_PORTS, formatProtoPorts } from '@lateral/core';
import type { Cluster, CompiledCluster, EvalOptions, Pod, ProtoPorts } from '@lateral/core';
import { Rng, probeIps, randomCluster, randomLabels, randomPolicy } from './random-cluster.js';
import { samePodAnswers } from './same-answers.js';
import { randomTierCluster, randomTierPolicy, tierProbeIps } from './random-tiers.js';

const COUNT = Math.max(50, Math.floor(Number(process.env.LATERAL_DIFF_CLUSTERS ?? 1000) / 2));
const FIRST_SEED = Number(process.env.LATERAL_DIFF_SEED ?? 1);

/** One random edit; `what` says which, for the failure message. */
export function randomEdit(c: Cluster, rng: Rng): { cluster: Cluster; what: string } {
  const ns = rng.pick(c.namespaces).name;
  const tiers = c.tierPolicies ?? [];
  if (tiers.length > 0 && rng.chance(0.4)) {
    // A tier policy added, replaced or deleted: a what-if on a ClusterNetworkPolicy.
    const i = rng.int(0, tiers.length - 1);
    const old = tiers[i]!;
    switch (rng.int(0, 2)) {
      case 0: {
        const p = randomTierPolicy(rng, 'ClusterNetworkPolicy', rng.chance(0.5) ? 'Admin' : 'Baseline', `new${rng.int(0, 99)}`);
        return { cluster: { ...c, tierPolicies: [...tiers, p] }, what: `add ${p.tier} ${p.name}` };
      }
      case 1: {
        const p = randomTierPolicy(rng, old.kind, old.tier, old.name);
        return { cluster: { ...c, tierPolicies: tiers.map((q, j) => (j === i ? p : q)) }, what: `replace ${old.kind} ${old.name}` };
      }
      default:
        return { cluster: { ...c, tierPolicies: tiers.filter((_, j) => j !== i) }, what: `delete ${old.kind} ${old.name}` };
    }
  }
  switch (rng.int(0, 7)) {
    case 0: {
      const p = randomPolicy(rng, ns, `new${rng.int(0, 99)}`);
      return { cluster: { ...c, policies: [...c.policies, p] }, what: `add policy ${p.namespace}/${p.name}` };
    }
    case 1:
    case 2: {
      if (c.policies.length === 0) return randomEdit(c, rng);
      const i = rng.int(0, c.policies.length - 1);
      const old = c.policies[i]!;
      const p = randomPolicy(rng, old.namespace, old.name);
      return { cluster: { ...c, policies: c.policies.map((q, j) => (j === i ? p : q)) }, what: `replace policy ${old.namespace}/${old.name}` };
    }
    case 3: {
      if (c.policies.length === 0) return randomEdit(c, rng);
      const i = rng.int(0, c.policies.length - 1);
      return { cluster: { ...c, policies: c.policies.filter((_, j) => j !== i) }, what: `delete policy ${c.policies[i]!.name}` };
    }
    case 4: {
      const i = rng.int(0, c.pods.length - 1);
      const pods = c.pods.map((p, j): Pod => (j === i ? { ...p, labels: randomLabels(rng) } : p));
      return { cluster: { ...c, pods }, what: `relabel pod ${c.pods[i]!.name}` };
    }
    case 5: {
      if (rng.chance(0.5) && c.pods.length > 2) {
        const i = rng.int(0, c.pods.length - 1);
        return { cluster: { ...c, pods: c.pods.filter((_, j) => j !== i) }, what: `remove pod ${c.pods[i]!.name}` };
      }
      const base = rng.pick(c.pods);
      const pod: Pod = { ...base, namespace: ns, name: 'added', labels: randomLabels(rng), ips: [], owner: { kind: 'Pod', namespace: ns, name: 'added' } };
      return { cluster: { ...c, pods: [...c.pods, pod] }, what: `add pod ${ns}/added` };
    }
    case 7: {
      // The same rules on other pods, picked by a selector already in play: the edit that leaves
      // the classes as they were but moves which of them the policy isolates.
      if (c.policies.length < 2) return randomEdit(c, rng);
      const i = rng.int(0, c.policies.length - 1);
      const old = c.policies[i]!;
      const podSelector = rng.pick(c.policies).podSelector;
      return { cluster: { ...c, policies: c.policies.map((q, j) => (j === i ? { ...old, podSelector } : q)) }, what: `retarget policy ${old.namespace}/${old.name}` };
    }
    default: {
      const namespaces = c.namespaces.map((n) => (n.name === ns ? { name: ns, labels: { ...randomLabels(rng, ['team', 'env']), 'kubernetes.io/metadata.name': ns } } : n));
      return { cluster: { ...c, namespaces }, what: `relabel namespace ${ns}` };
    }
  }
}

/** Pod pairs whose ports differ between two full compiles: `ns/p -> ns/q` -> [before, after]. */
function podLevelDiff(before: CompiledCluster, after: CompiledCluster): Map<string, [ProtoPorts, ProtoPorts]> {
  const id = (p: Pod) => `${p.namespace}/${p.name}`;
  const out = new Map<string, [ProtoPorts, ProtoPorts]>();
  const portsBy = (c: CompiledCluster) => {
    const m = new Map<string, ProtoPorts>();
    const r = c.reach();
    c.cluster.pods.forEach((p, i) =>
      c.cluster.pods.forEach((q, j) => {
        if (i !== j) m.set(`${id(p)} -> ${id(q)}`, r.ports(c.podClass[i]!, c.podClass[j]!));
      }),
    );
    return m;
  };
  const b = portsBy(before);
  const a = portsBy(after);
  for (const k of new Set([...b.keys(), ...a.keys()])) {
    const pb = b.get(k) ?? EMPTY_PROTO_PORTS;
    const pa = a.get(k) ?? EMPTY_PROTO_PORTS;
    if (!protoPortsEqual(pb, pa)) out.set(k, [pb, pa]);
  }
  return out;
}

describe('incremental recompile and the what-if diff', () => {
  it(`agree with full compiles on ${COUNT} random edits (seeds ${FIRST_SEED}..)`, () => {
    let changedPairs = 0;
    let skippedPairs = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + COUNT; seed++) {
      // Every third cluster has tier policies too (and the edits reach them).
      const cluster = seed % 3 === 0 ? randomTierCluster(seed) : randomCluster(seed);
      const options: EvalOptions = { ipBlockPods: seed % 2 === 0 ? 'match' : 'ignore' };
      const rng = new Rng(seed ^ 0xed17);
      const before = compile(cluster, options);
      // Half the time all-pairs is already known on the before side (as in the web app), half
      // the time not (a one-shot CLI what-if): the diff then reads only the pairs it compares.
      if (seed % 2 === 0) before.reach();
      const { cluster: edited, what } = randomEdit(cluster, rng);
      const incremental = recompile(before, edited);
      // Before anything asks the incremental side for all pairs: the diff works them out itself.
      const diff = diffReachability(before, incremental);
      const full = compile(edited, options);
      const ips = [...new Set([...probeIps(cluster, new Rng(seed)), ...probeIps(edited, new Rng(seed)), ...tierProbeIps(cluster), ...tierProbeIps(edited)])];
      const bad = samePodAnswers(edited, incremental, full, ips);
      if (bad) expect.fail(`seed ${seed}, ${what}: recompile differs from compile: ${bad}`);

      const expected = podLevelDiff(before, full);
      // Workload ids are `namespace/name`; address groups are written out ("any IPv4 address outside …").
      const external = (s: string) => !s.includes('/') || /^[0-9a-f:.]+\//.test(s) || s.includes(' ');
      const got = new Map(
        diff.changes.filter((c) => !external(c.from) && !external(c.to)).map((c) => [`${c.from} -> ${c.to}`, [c.before, c.after] as [ProtoPorts, ProtoPorts]]),
      );
      const show = (m: Map<string, [ProtoPorts, ProtoPorts]>) =>
        [...m].map(([k, [b, a]]) => `${k}: ${formatProtoPorts(b) || '-'} => ${formatProtoPorts(a) || '-'}`).sort().join('\n');
      if (show(got) !== show(expected)) {
        expect.fail(`seed ${seed}, ${what}: diff (${diff.scope}) differs from the pod-level diff\ngot:\n${show(got)}\nexpected:\n${show(expected)}`);
      }
      // Externals too: the incremental diff lists what comparing every pair lists.
      const everything = diffReachability(before, full, { full: true });
      expect(everything.scope).toBe('full');
      expect(diff.changes.map((c) => `${c.from} -> ${c.to} ${formatProtoPorts(c.before)} => ${formatProtoPorts(c.after)}`)).toEqual(
        everything.changes.map((c) => `${c.from} -> ${c.to} ${formatProtoPorts(c.before)} => ${formatProtoPorts(c.after)}`),
      );
      // A second edit on top, recompiled from the first (a session answering what-ifs in turn:
      // what the first recompile kept must not answer for the second).
      const { cluster: twice, what: what2 } = randomEdit(edited, rng);
      const ips2 = [...new Set([...ips, ...probeIps(twice, new Rng(seed)), ...tierProbeIps(twice)])];
      const bad2 = samePodAnswers(twice, recompile(incremental, twice), compile(twice, options), ips2);
      if (bad2) expect.fail(`seed ${seed}, ${what} then ${what2}: recompile differs from compile: ${bad2}`);
      changedPairs += diff.changes.length;
      skippedPairs += everything.comparedPairs - diff.comparedPairs;
    }
    // The edits do change things, and the incremental diff does skip pairs.
    expect(changedPairs).toBeGreaterThan(COUNT);
    expect(skippedPairs).toBeGreaterThan(COUNT);
  });
});
