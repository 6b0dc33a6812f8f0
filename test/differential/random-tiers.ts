/**
 * Seeded random clusters with the cluster-wide tiers: ClusterNetworkPolicies of both tiers,
 * AdminNetworkPolicies and a BaselineAdminNetworkPolicy alongside NetworkPolicies, dense in
 * what the tiers add — Pass, Deny over a NetworkPolicy Allow, Baseline Deny under NetworkPolicy
 * isolation, equal priorities, named ports of any protocol, networks (which match pod
 * addresses too), nodes peers, host-networked pods, domainNames.
 */
import type { Cluster, ClusterNode, Pod, TierPeer, TierPolicy, TierPort, TierRule } from '@lateral/core';
import { Rng, randomCidr, randomCluster, randomIp, randomLabels, randomSelector, type RandomClusterShape } from './random-cluster.js';

const PROTOS = ['TCP', 'UDP', 'SCTP'] as const;
const PORTS = [53, 80, 81, 443, 8080, 8081];
const PORT_NAMES = ['http', 'dns', 'metrics'];

function randomTierPort(rng: Rng, named: boolean): TierPort {
  const shape = rng.int(0, named ? 2 : 1);
  if (shape === 2) return { namedPort: rng.pick(PORT_NAMES) };
  const port = rng.pick(PORTS);
  if (shape === 1) return { protocol: rng.pick(PROTOS), port, endPort: port + rng.int(1, 400) };
  return { protocol: rng.pick(PROTOS), port };
}

function podsPeer(rng: Rng): TierPeer {
  return rng.chance(0.4)
    ? { kind: 'pods', namespaceSelector: randomSelector(rng, ['team', 'env']) }
    : { kind: 'pods', namespaceSelector: randomSelector(rng, ['team', 'env']), podSelector: randomSelector(rng) };
}

function randomTierRule(rng: Rng, direction: 'ingress' | 'egress', actions: readonly TierRule['action'][]): TierRule {
  const action = rng.pick(actions);
  const peers: TierPeer[] = [];
  const n = rng.int(1, 2);
  let onlyPods = true;
  for (let i = 0; i < n; i++) {
    const shape = direction === 'ingress' ? 0 : rng.int(0, 5);
    if (shape <= 2) peers.push(podsPeer(rng));
    else if (shape === 3) {
      onlyPods = false;
      const c = randomCidr(rng);
      peers.push({ kind: 'networks', networks: [c.cidr, ...(rng.chance(0.3) ? [randomCidr(rng).cidr] : [])] });
    } else if (shape === 4) {
      onlyPods = false;
      peers.push({ kind: 'nodes', nodeSelector: randomSelector(rng, ['zone', 'role']) });
    } else if (action === 'Allow') {
      onlyPods = false;
      peers.push({ kind: 'domainNames', domainNames: ['api.example.com'] });
    } else peers.push(podsPeer(rng));
  }
  const ports = rng.chance(0.5) ? undefined : Array.from({ length: rng.int(1, 2) }, () => randomTierPort(rng, onlyPods));
  return { action, peers, ...(ports ? { ports } : {}) };
}

export function randomTierPolicy(rng: Rng, kind: TierPolicy['kind'], tier: TierPolicy['tier'], name: string): TierPolicy {
  const actions: TierRule['action'][] =
    kind === 'BaselineAdminNetworkPolicy' ? ['Allow', 'Deny'] : ['Allow', 'Deny', 'Pass'];
  const rules = (direction: 'ingress' | 'egress') =>
    rng.chance(0.3) ? [] : Array.from({ length: rng.int(1, 3) }, () => randomTierRule(rng, direction, actions));
  return {
    kind,
    name,
    tier,
    // Few priorities, so that ties (decided by kind and name) happen often.
    priority: kind === 'BaselineAdminNetworkPolicy' ? 0 : rng.pick([0, 1, 5, 1000]),
    subject: rng.chance(0.5)
      ? { namespaceSelector: randomSelector(rng, ['team', 'env']) }
      : { namespaceSelector: randomSelector(rng, ['team', 'env']), podSelector: randomSelector(rng) },
    ingress: rules('ingress'),
    egress: rules('egress'),
  };
}

export const TIER_SHAPE: RandomClusterShape = { maxNamespaces: 3, maxPods: 6, maxPolicies: 3 };

export function randomTierCluster(seed: number): Cluster {
  const rng = new Rng(seed * 7919 + 17);
  const base = randomCluster(seed, TIER_SHAPE);
  const nodes: ClusterNode[] = Array.from({ length: rng.int(0, 2) }, (_, i) => ({
    name: `node${i}`,
    labels: randomLabels(rng, ['zone', 'role']),
    addresses: [randomIp(rng)],
  }));
  // Some pods run on the host network: their address is their node's.
  const pods: Pod[] = base.pods.map((p) =>
    nodes.length > 0 && rng.chance(0.15) ? { ...p, hostNetwork: true, ips: [...rng.pick(nodes).addresses] } : p,
  );
  const tierPolicies: TierPolicy[] = [];
  const count = rng.int(1, 4);
  for (let i = 0; i < count; i++) {
    const tier = rng.chance(0.65) ? 'Admin' : 'Baseline';
    const kind = tier === 'Admin' ? rng.pick(['ClusterNetworkPolicy', 'AdminNetworkPolicy'] as const) : 'ClusterNetworkPolicy';
    tierPolicies.push(randomTierPolicy(rng, kind, tier, `t${i}`));
  }
  if (rng.chance(0.4)) tierPolicies.push(randomTierPolicy(rng, 'BaselineAdminNetworkPolicy', 'Baseline', 'default'));
  return { ...base, pods, nodes, tierPolicies };
}

/** Addresses worth probing besides probeIps': node addresses and the edges of every network. */
export function tierProbeIps(cluster: Cluster): string[] {
  const out = new Set<string>(['203.0.113.9']);
  for (const n of cluster.nodes ?? []) for (const a of n.addresses) out.add(a);
  for (const p of cluster.tierPolicies ?? []) {
    for (const r of p.egress) for (const peer of r.peers) if (peer.kind === 'networks') for (const c of peer.networks) out.add(c.split('/')[0]!);
  }
  return [...out];
}
