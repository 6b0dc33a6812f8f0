/**
 * `pnpm bench` (Calico): S2 (10,000 pods, 200 namespaces, 1,000 NetworkPolicies) as Kubernetes
 * evaluates it, and with 100 Calico policies under the Calico profile (cni calico) — the kinds
 * platform teams write: per team a security-tier GlobalNetworkPolicy (Pass for the ingress
 * controller and the own team, metrics from monitoring, deny other teams, deny the metadata
 * address on egress), and per namespace a default-tier Calico NetworkPolicy admitting frontends
 * to the app tier in Calico's selector language. Prints compile and all-pairs times, median of
 * three runs each, and the ratio. Numbers, never assertions.
 *
 *   pnpm exec tsx test/bench/calico-bench.ts [pods namespaces policies]
 */
import { type CalicoPolicy, type Cluster } from '@lateral/core';
import { clusterFromObjects, parseManifests, synthesizeYaml } from '@lateral/k8s';
import { measureCompiles } from './compile-measure.js';

const [pods = 10_000, namespaces = 200, policies = 1_000] = process.argv.slice(2).map(Number);

function calicoPolicies(cluster: Cluster, count: number): CalicoPolicy[] {
  const teams = [...new Set(cluster.namespaces.map((n) => n.labels.team).filter((t): t is string => t !== undefined))].sort();
  const out: CalicoPolicy[] = [];
  for (let i = 0; out.length < count / 2; i++) {
    const team = teams[i % teams.length]!;
    out.push({
      kind: 'GlobalNetworkPolicy',
      name: `security.team-${team}-${i}`,
      tier: 'security',
      order: i,
      selector: 'all()',
      namespaceSelector: `team == '${team}'`,
      types: ['Ingress', 'Egress'],
      ingress: [
        { action: 'Pass', source: { namespaceSelector: "projectcalico.org/name == 'ingress-nginx'" }, destination: {} },
        { action: 'Allow', protocol: 'TCP', source: { namespaceSelector: "projectcalico.org/name == 'monitoring'" }, destination: { ports: [{ name: 'metrics' }] } },
        { action: 'Pass', source: { namespaceSelector: `team == '${team}'` }, destination: {} },
        { action: 'Deny', source: { namespaceSelector: 'has(team)' }, destination: {} },
        { action: 'Pass', source: {}, destination: {} },
      ],
      egress: [
        { action: 'Deny', source: {}, destination: { nets: ['169.254.169.254/32'] } },
        { action: 'Pass', source: {}, destination: {} },
      ],
    });
  }
  const nsNames = cluster.namespaces.map((n) => n.name).filter((n) => n !== 'kube-system' && n !== 'ingress-nginx');
  for (let i = 0; out.length < count; i++) {
    const ns = nsNames[(i * 7) % nsNames.length]!;
    out.push({
      kind: 'NetworkPolicy',
      namespace: ns,
      name: `app-tier-${i}`,
      tier: 'default',
      order: 100,
      selector: "tier in {'backend', 'api'} && has(app)",
      ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "tier == 'frontend' || app starts with 'web'" }, destination: { ports: [{ first: 8000, last: 8999 }, { name: 'http' }] } }],
      egress: [],
    });
  }
  return out;
}

const base = clusterFromObjects(parseManifests(synthesizeYaml({ pods, namespaces, policies, seed: 1 }), 'S2.yaml')).cluster;
const withCalico: Cluster = {
  ...base,
  calico: { tiers: [{ name: 'security', order: 100 }], policies: calicoPolicies(base, 100), networkSets: [], hostEndpoints: [] },
};
const names = ['S2 (kubernetes)', 'S2 (calico profile, no Calico policies)', 'S2 + 100 Calico policies (50 GNP security tier, 50 NP default tier)'] as const;
const measures = measureCompiles([
  { cluster: base, options: { ipBlockPods: 'match' } },
  { cluster: base, options: { ipBlockPods: 'match', cni: 'calico' } },
  { cluster: withCalico, options: { ipBlockPods: 'match', cni: 'calico' } },
]);
const rows = names.map((name, i) => [name, measures[i]!] as const);
const total = (m: (typeof rows)[number][1]) => m.compileMs + m.reachMs;
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
console.log(`\nCalico: S2 (${fmt(pods)} pods, ${fmt(namespaces)} namespaces, ${fmt(policies)} NetworkPolicies), rows alternated, median of 5\n`);
console.log('| cluster | classes | compile ms | all-pairs ms | total ms | cpu ms | allowed pairs |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, m] of rows) console.log(`| ${name} | ${fmt(m.classes)} | ${fmt(m.compileMs)} | ${fmt(m.reachMs)} | ${fmt(total(m))} | ${fmt(m.cpuMs)} | ${fmt(m.pairs)} |`);
console.log(`\nratio (compile + all-pairs), S2 + 100 Calico policies vs S2: wall ${(total(rows[2]![1]) / total(rows[0]![1])).toFixed(2)}x, cpu ${(rows[2]![1].cpuMs / rows[0]![1].cpuMs).toFixed(2)}x (target: within 1.5x)`);
