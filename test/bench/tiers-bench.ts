/**
 * `pnpm bench` (tiers): S2 (10,000 pods, 200 namespaces, 1,000 NetworkPolicies) with and without
 * 50 ClusterNetworkPolicies (25 Admin, 25 Baseline; guardrails of the kinds platform teams write:
 * team isolation with Pass for the platform, monitoring always allowed, metadata-address denies,
 * baseline default denies). Prints compile and all-pairs times, median of three runs each, and
 * the ratio. Numbers, never assertions.
 *
 *   pnpm exec tsx test/bench/tiers-bench.ts [pods namespaces policies]
 */
import { type Cluster, type TierPolicy, type TierRule } from '@lateral/core';
import { clusterFromObjects, parseManifests, synthesizeYaml } from '@lateral/k8s';
import { measureCompiles, type CompileMeasure } from './compile-measure.js';

const [pods = 10_000, namespaces = 200, policies = 1_000] = process.argv.slice(2).map(Number);

function guardrails(cluster: Cluster, count: number): TierPolicy[] {
  const teams = [...new Set(cluster.namespaces.map((n) => n.labels.team).filter((t): t is string => t !== undefined))].sort();
  const envs = ['dev', 'staging', 'prod'];
  const out: TierPolicy[] = [];
  for (let i = 0; out.length < count; i++) {
    const team = teams[i % teams.length]!;
    const env = envs[i % envs.length]!;
    const admin = out.length % 2 === 0;
    const rules: TierRule[] = admin
      ? [
          { name: 'pass-platform', action: 'Pass', peers: [{ kind: 'pods', namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] },
          { name: 'allow-monitoring', action: 'Allow', peers: [{ kind: 'pods', namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ namedPort: 'metrics' }] },
          { name: 'pass-own-team', action: 'Pass', peers: [{ kind: 'pods', namespaceSelector: { matchLabels: { team } } }] },
          { name: 'deny-other-teams', action: 'Deny', peers: [{ kind: 'pods', namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] } }] },
        ]
      : [{ name: 'default-deny', action: 'Deny', peers: [{ kind: 'pods', namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 1024, endPort: 65535 }] }];
    const egress: TierRule[] = admin
      ? [{ name: 'no-metadata', action: 'Deny', peers: [{ kind: 'networks', networks: ['169.254.169.254/32'] }] }]
      : [{ name: 'baseline-no-internet', action: 'Deny', peers: [{ kind: 'networks', networks: ['0.0.0.0/0'] }], ports: [{ protocol: 'TCP', port: 25 }] }];
    out.push({
      kind: 'ClusterNetworkPolicy',
      name: `${admin ? 'admin' : 'baseline'}-${team}-${env}-${i}`,
      tier: admin ? 'Admin' : 'Baseline',
      priority: i % 100,
      subject: { namespaceSelector: { matchLabels: { team, env } } },
      ingress: rules,
      egress,
    });
  }
  return out;
}

const base = clusterFromObjects(parseManifests(synthesizeYaml({ pods, namespaces, policies, seed: 1 }), 'S2.yaml')).cluster;
const tiered: Cluster = { ...base, tierPolicies: guardrails(base, 50) };
const [without, withTiers] = measureCompiles([{ cluster: base }, { cluster: tiered }]) as [CompileMeasure, CompileMeasure];
const total = (m: typeof without) => m.compileMs + m.reachMs;
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
console.log(`\nTiers: S2 (${fmt(pods)} pods, ${fmt(namespaces)} namespaces, ${fmt(policies)} NetworkPolicies), rows alternated, median of 5\n`);
console.log('| cluster | classes | compile ms | all-pairs ms | total ms | allowed pairs |');
console.log('|---|---|---|---|---|---|');
for (const [name, m] of [['S2', without], ['S2 + 50 CNPs (25 Admin, 25 Baseline)', withTiers]] as const) {
  console.log(`| ${name} | ${fmt(m.classes)} | ${fmt(m.compileMs)} | ${fmt(m.reachMs)} | ${fmt(total(m))} | ${fmt(m.pairs)} |`);
}
console.log(`\nratio (compile + all-pairs): ${(total(withTiers) / total(without)).toFixed(2)}x (target: within 1.5x)`);
