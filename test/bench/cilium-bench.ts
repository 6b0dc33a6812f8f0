/**
 * `pnpm bench` (cilium): S2 (10,000 pods, 200 namespaces, 1,000 NetworkPolicies) as is, and with
 * 200 CiliumNetworkPolicies / CiliumClusterwideNetworkPolicies under `cni: cilium` — the kinds
 * teams write: per-namespace lockdowns admitting their own team and the ingress controller on
 * named ports, monitoring scrapes, DNS egress with an L7 rule, FQDN egress (unknown), and
 * cluster-wide denies of the metadata address and of other teams; then the same with a Node object
 * for every node the pods run on, as a live cluster has them (allow-localhost makes each node's
 * address reach its own pods: the classes of isolated pods tell nodes apart), and those Node
 * objects with allow-localhost off (nothing splits: what node addresses cost alone). Prints
 * compile and all-pairs times and CPU time, median of five alternated rounds, and the ratios.
 * Numbers, never assertions.
 *
 *   pnpm exec tsx test/bench/cilium-bench.ts [pods namespaces policies]
 */
import { type CiliumPolicy, type Cluster } from '@lateral/core';
import { clusterFromObjects, parseManifests, synthesizeYaml } from '@lateral/k8s';
import { measureCompiles, type CompileMeasure } from './compile-measure.js';

const [pods = 10_000, namespaces = 200, policies = 1_000] = process.argv.slice(2).map(Number);

function ciliumPolicies(cluster: Cluster, count: number): CiliumPolicy[] {
  const out: CiliumPolicy[] = [];
  const ns = cluster.namespaces.filter((n) => n.labels.team !== undefined);
  const none = { ingress: [], ingressDeny: [], egress: [], egressDeny: [] };
  for (let i = 0; out.length < count; i++) {
    const n = ns[i % ns.length]!;
    const team = n.labels.team!;
    if (i % 10 === 9) {
      out.push({
        kind: 'CiliumClusterwideNetworkPolicy',
        namespace: '',
        name: `guard-${team}-${i}`,
        subject: { kind: 'endpoints', selector: { pod: {}, namespace: { matchLabels: { team } } } },
        ...none,
        ingressDeny: [{ index: 0, peers: [{ kind: 'endpoints', selector: { pod: {}, namespace: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: [team] }, { key: 'team', operator: 'Exists' }] } } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
        egressDeny: [{ index: 0, peers: [{ kind: 'cidr', cidr: '169.254.169.254/32' }] }],
        defaultDeny: { ingress: false, egress: false },
      });
      continue;
    }
    out.push({
      kind: 'CiliumNetworkPolicy',
      namespace: n.name,
      name: `lockdown-${i}`,
      subject: { kind: 'endpoints', selector: { pod: {}, namespace: {} } },
      ...none,
      ingress: [
        { index: 0, peers: [{ kind: 'endpoints', selector: { pod: {}, namespace: { matchLabels: { team } } } }] },
        { index: 1, peers: [{ kind: 'endpoints', selector: { pod: {}, namespace: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } } }], ports: [{ protocol: 'TCP', port: 'http' }], l7: i % 3 === 0 },
        { index: 2, peers: [{ kind: 'endpoints', selector: { pod: {}, namespace: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } } }], ports: [{ protocol: 'TCP', port: 'metrics' }] },
      ],
      egress: [
        { index: 0, peers: [{ kind: 'endpoints', selector: { pod: { matchLabels: { 'k8s-app': 'kube-dns' } }, namespace: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } } }], ports: [{ protocol: 'UDP', port: 53 }], l7: true },
        { index: 1, peers: [{ kind: 'endpoints', selector: { pod: {}, namespace: { matchLabels: { team } } } }] },
        ...(i % 4 === 0 ? [{ index: 2, peers: [{ kind: 'unresolved' as const, what: 'toFQDNs api.stripe.com' }], ports: [{ protocol: 'TCP' as const, port: 443 }] }] : []),
      ],
      defaultDeny: { ingress: true, egress: true },
    });
  }
  return out;
}

const base = clusterFromObjects(parseManifests(synthesizeYaml({ pods, namespaces, policies, seed: 1 }), 'S2.yaml')).cluster;
const withCilium: Cluster = { ...base, ciliumPolicies: ciliumPolicies(base, 200) };
// With the Node objects a live cluster has: allow-localhost (and host/remote-node) are relative to
// each pod's node, so classes tell nodes apart.
const nodeNames = [...new Set(base.pods.flatMap((p) => (p.node ? [p.node] : [])))];
const withNodes: Cluster = {
  ...withCilium,
  nodes: nodeNames.map((name, i) => ({ name, labels: {}, addresses: [`10.255.${Math.floor(i / 250)}.${(i % 250) + 1}`] })),
};
// The same Node objects with allow-localhost off (`policy`): no policy names host or remote-node,
// so classes do not split, but every node address is still an endpoint of the answer. Its pair
// count and all-pairs time are what node addresses cost by themselves, without the split.
const [without, cilium, perNode, nodesUnsplit] = measureCompiles([
  { cluster: base },
  { cluster: withCilium, options: { ipBlockPods: 'ignore', cni: 'cilium' } },
  { cluster: withNodes, options: { ipBlockPods: 'ignore', cni: 'cilium' } },
  { cluster: withNodes, options: { ipBlockPods: 'ignore', cni: 'cilium', ciliumAllowLocalhost: 'policy' } },
]) as [CompileMeasure, CompileMeasure, CompileMeasure, CompileMeasure];
const total = (m: typeof without) => m.compileMs + m.reachMs;
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
console.log(`\nCilium: S2 (${fmt(pods)} pods, ${fmt(namespaces)} namespaces, ${fmt(policies)} NetworkPolicies), rows alternated, median of 5\n`);
console.log('| cluster | classes | compile ms | all-pairs ms | total ms | cpu ms | allowed pairs |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, m] of [
  ['S2', without],
  ['S2 + 200 Cilium policies (180 CNP, 20 CCNP), --cni cilium', cilium],
  [`the same + ${fmt(nodeNames.length)} Node objects (allow-localhost: classes per node)`, perNode],
  ['the same, --cilium-allow-localhost policy (classes not per node)', nodesUnsplit],
] as const) {
  console.log(`| ${name} | ${fmt(m.classes)} | ${fmt(m.compileMs)} | ${fmt(m.reachMs)} | ${fmt(total(m))} | ${fmt(m.cpuMs)} | ${fmt(m.pairs)} |`);
}
// CPU time beside wall time: on a loaded machine wall time also counts waiting for a core.
const ratios = (m: CompileMeasure) => `${(total(m) / total(without)).toFixed(2)}x wall / ${(m.cpuMs / without.cpuMs).toFixed(2)}x cpu`;
console.log(`\nratio to S2 (compile + all-pairs): ${ratios(cilium)} (target: within 1.5x); with Node objects ${ratios(perNode)}; the same without the split ${ratios(nodesUnsplit)}`);
