/**
 * recompile when only NetworkPolicies change, as the web app's what-ifs change them: several
 * what-ifs each from the same compiled cluster, then one on top of another. recompile keeps the
 * previous policy table where it can (policy-table.ts, patchPolicyTable) and must answer every
 * pod pair exactly as compile(edited) does, class numbering included — for a policy changed in
 * place, replaced by an equal copy, removed or added in the middle of the list, given another
 * policy's rules (ids first interned by a later policy), or two policies changed at once.
 * The diff of each what-if lists what comparing every pair of two full compiles lists, also
 * when prepareWhatIf(before) worked out the endpoints' refinement ahead (every other cluster).
 */
import { describe, expect, it } from 'vitest';
import { compile, diffReachability, prepareWhatIf, recompile, formatProtoPorts } from '@lateral/core';
import type { Cluster, CompiledCluster, EvalOptions, NetworkPolicy } from '@lateral/core';
import { Rng, randomCluster, randomPolicy } from './random-cluster.js';
import { samePodAnswers } from './same-answers.js';
import { randomTierCluster } from './random-tiers.js';

const COUNT = Math.max(50, Math.floor(Number(process.env.LATERAL_DIFF_CLUSTERS ?? 1000) / 4));
const FIRST_SEED = Number(process.env.LATERAL_DIFF_SEED ?? 1);

/** One policy-only edit; `what` says which, for the failure message. */
function policyEdit(c: Cluster, rng: Rng): { cluster: Cluster; what: string } {
  const ps = c.policies;
  if (ps.length < 2) {
    const p = randomPolicy(rng, rng.pick(c.namespaces).name, 'first');
    return { cluster: { ...c, policies: [...ps, p] }, what: 'add a policy' };
  }
  const i = rng.int(0, ps.length - 1);
  const old = ps[i]!;
  const replace = (j: number, p: NetworkPolicy, list = ps) => list.map((q, k) => (k === j ? p : q));
  switch (rng.int(0, 5)) {
    case 0: {
      // In place: one rule dropped (the bench's edit drops them all).
      const ingress = old.ingress?.slice(rng.int(0, 1), rng.chance(0.5) ? undefined : 1);
      const egress = old.egress?.slice(1);
      const p: NetworkPolicy = rng.chance(0.5) ? { ...old, ingress: ingress ?? [] } : { ...old, ...(egress ? { egress } : {}) };
      return { cluster: { ...c, policies: replace(i, p) }, what: `rules of policy ${i} dropped in place` };
    }
    case 1:
      return { cluster: { ...c, policies: replace(i, structuredClone(old)) }, what: `policy ${i} replaced by an equal copy` };
    case 2:
      return { cluster: { ...c, policies: ps.filter((_, k) => k !== i) }, what: `policy ${i} removed` };
    case 3: {
      const p = randomPolicy(rng, old.namespace, `mid${rng.int(0, 99)}`);
      return { cluster: { ...c, policies: [...ps.slice(0, i), p, ...ps.slice(i)] }, what: `policy added at ${i}` };
    }
    case 4: {
      // Another policy's rules: what they intern may be first interned after this policy.
      const j = rng.int(0, ps.length - 1);
      const o = ps[j]!;
      const p: NetworkPolicy = { ...old, ingress: o.ingress ?? [], egress: o.egress ?? [], ...(o.policyTypes ? { policyTypes: o.policyTypes } : {}) };
      return { cluster: { ...c, policies: replace(i, p) }, what: `policy ${i} given policy ${j}'s rules` };
    }
    default: {
      const j = rng.int(0, ps.length - 1);
      const a = randomPolicy(rng, old.namespace, old.name);
      const b = randomPolicy(rng, ps[j]!.namespace, ps[j]!.name);
      return { cluster: { ...c, policies: replace(j, b, replace(i, a)) }, what: `policies ${i} and ${j} replaced` };
    }
  }
}

describe('recompile after NetworkPolicy edits', () => {
  it(`agrees with full compiles on ${COUNT} clusters, three what-ifs each from one before and one on top (seeds ${FIRST_SEED}..)`, () => {
    let checked = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + COUNT; seed++) {
      const cluster = seed % 3 === 0 ? randomTierCluster(seed) : randomCluster(seed);
      const options: EvalOptions = { ipBlockPods: seed % 2 === 0 ? 'match' : 'ignore' };
      const rng = new Rng(seed ^ 0x9011);
      const before = compile(cluster, options);
      if (seed % 2 === 0) prepareWhatIf(before);
      const show = (d: ReturnType<typeof diffReachability>) => d.changes.map((c) => `${c.from} -> ${c.to} ${formatProtoPorts(c.before)} => ${formatProtoPorts(c.after)}`);
      let last: { cluster: Cluster; compiled: CompiledCluster; what: string } | undefined;
      for (let k = 0; k < 3; k++) {
        const { cluster: edited, what } = policyEdit(cluster, rng);
        const incremental = recompile(before, edited);
        const bad = samePodAnswers(edited, incremental, compile(edited, options), []);
        if (bad) expect.fail(`seed ${seed}, what-if ${k + 1}, ${what}: recompile differs from compile: ${bad}`);
        const got = show(diffReachability(before, incremental));
        const expected = show(diffReachability(compile(cluster, options), compile(edited, options), { full: true }));
        if (got.join('\n') !== expected.join('\n')) expect.fail(`seed ${seed}, what-if ${k + 1}, ${what}: diff\n${got.join('\n')}\nvs every pair\n${expected.join('\n')}`);
        last = { cluster: edited, compiled: incremental, what };
        checked++;
      }
      const { cluster: twice, what } = policyEdit(last!.cluster, rng);
      const bad = samePodAnswers(twice, recompile(last!.compiled, twice), compile(twice, options), []);
      if (bad) expect.fail(`seed ${seed}, ${last!.what} then ${what}: recompile differs from compile: ${bad}`);
    }
    expect(checked).toBe(3 * COUNT);
  });
});
