/**
 * Bytes a one-policy what-if allocates at S2 (recompile, diff), load-independent: run with
 *   node --expose-gc --max-semi-space-size=256 --min-semi-space-size=256 --import tsx test/bench/what-if-alloc.ts
 * so that no collection runs inside the measured window; the growth of the used heap over N
 * what-ifs (after a forced collection) divided by N. A number, never an assertion.
 */
import { getHeapStatistics } from 'node:v8';
import { compile, diffReachability, recompile, type Cluster } from '@lateral/core';
import { clusterFromObjects, parseManifests, synthesizeYaml } from '@lateral/k8s';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const yaml = synthesizeYaml({ pods: 10_000, namespaces: 200, policies: 1_000, seed: 1 });
const cluster = clusterFromObjects(parseManifests(yaml, 'S2.yaml')).cluster;
const before = compile(cluster);
before.reach();
// The bench's edit: a policy with ingress rules in the middle of the list loses them.
const i = cluster.policies.findIndex((p, k) => k >= cluster.policies.length / 2 && (p.ingress?.length ?? 0) > 0);
const old = cluster.policies[i]!;
const edited: Cluster = { ...cluster, policies: cluster.policies.map((p) => (p === old ? { ...old, ingress: [] } : p)) };
for (let r = 0; r < 5; r++) diffReachability(before, recompile(before, edited));
const N = 20;
const measure = (what: string, f: () => void) => {
  gc!();
  const at = getHeapStatistics().used_heap_size;
  for (let r = 0; r < N; r++) f();
  const kb = (getHeapStatistics().used_heap_size - at) / N / 1024;
  console.log(`${what}: ${kb.toFixed(0)} KB per what-if`);
};
measure('recompile', () => void recompile(before, edited));
const after = recompile(before, edited);
measure('diff', () => void diffReachability(before, after));
measure('recompile + diff', () => void diffReachability(before, recompile(before, edited)));
