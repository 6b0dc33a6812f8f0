/**
 * Seeded random clusters for `cni: cilium`: CiliumNetworkPolicies and
 * CiliumClusterwideNetworkPolicies next to NetworkPolicies, dense in what Cilium adds — deny
 * rules over allows, enableDefaultDeny off, namespace-scoped and cluster-wide selectors, namespace
 * label selectors, CIDR sets with except (never pods, never nodes), entities, node peers,
 * L3-only and L4-only rules, ANY and named ports, toFQDNs (unknown), host-networked pods, pods on
 * nodes (host and remote-node are relative to them; allow-localhost) or on none (unknown).
 */
import type { CiliumPeer, CiliumPolicy, CiliumPort, CiliumRule, CiliumSelector, Cluster, ClusterNode, Pod } from '@lateral/core';
import { Rng, randomCidr, randomCluster, randomIp, randomLabels, randomSelector, type RandomClusterShape } from './random-cluster.js';

const PORTS = [53, 80, 81, 443, 8080, 8081];
const PORT_NAMES = ['http', 'dns', 'metrics'];
const ENTITIES = ['world', 'cluster', 'host', 'remote-node', 'kube-apiserver', 'all', 'health', 'world-ipv4'] as const;

function selector(rng: Rng, namespaced: boolean): { selector: CiliumSelector; namesNamespace: boolean } {
  const namesNamespace = !namespaced || rng.chance(0.3);
  const namespace = namesNamespace && rng.chance(0.6) ? randomSelector(rng, ['team', 'env', 'kubernetes.io/metadata.name']) : {};
  return { selector: { pod: randomSelector(rng), namespace, ...(rng.chance(0.03) ? { matchesNoPod: true } : {}) }, namesNamespace };
}

function port(rng: Rng): CiliumPort {
  const protocol = rng.pick(['TCP', 'UDP', 'SCTP', 'ANY'] as const);
  const shape = rng.int(0, 3);
  if (shape === 0) return { protocol };
  if (shape === 1) return { protocol, port: rng.pick(PORT_NAMES) };
  const p = rng.pick(PORTS);
  return shape === 2 ? { protocol, port: p } : { protocol, port: p, endPort: p + rng.int(1, 400) };
}

function peer(rng: Rng, namespace: string | undefined, deny: boolean, egress: boolean): CiliumPeer {
  const shape = rng.int(0, 9);
  if (shape <= 3) {
    const { selector: s, namesNamespace } = selector(rng, namespace !== undefined);
    return { kind: 'endpoints', selector: s, ...(namespace !== undefined && !namesNamespace ? { ownNamespace: namespace } : {}) };
  }
  if (shape <= 5) {
    const c = randomCidr(rng);
    return { kind: 'cidr', cidr: c.cidr, ...(c.except ? { except: c.except } : {}) };
  }
  if (shape <= 7) return { kind: 'entity', entity: rng.pick(ENTITIES) };
  if (shape === 8) return { kind: 'nodes', selector: randomSelector(rng, ['zone', 'role']) };
  if (egress && !deny) return { kind: 'unresolved', what: 'toFQDNs api.example.com' };
  if (egress && deny) return { kind: 'unresolved', what: 'toServices default/ext (not in the input)' };
  return { kind: 'entity', entity: 'world' };
}

function rule(rng: Rng, index: number, namespace: string | undefined, deny: boolean, egress: boolean): CiliumRule {
  const l3 = rng.chance(0.8);
  const l4 = !l3 || rng.chance(0.5);
  const peers = l3 ? Array.from({ length: rng.int(1, 2) }, () => peer(rng, namespace, deny, egress)) : undefined;
  const ports = l4 ? Array.from({ length: rng.int(1, 2) }, () => port(rng)) : undefined;
  return { index, ...(peers ? { peers } : {}), ...(ports ? { ports } : {}), ...(!deny && ports && rng.chance(0.2) ? { l7: true } : {}) };
}

function policy(rng: Rng, kind: CiliumPolicy['kind'], namespace: string, name: string): CiliumPolicy {
  const ns = kind === 'CiliumNetworkPolicy' ? namespace : undefined;
  const rules = (deny: boolean, egress: boolean) =>
    rng.chance(deny ? 0.7 : 0.35) ? [] : Array.from({ length: rng.int(1, 2) }, (_, i) => rule(rng, i, ns, deny, egress));
  const ingress = rules(false, false);
  const ingressDeny = rules(true, false);
  const egress = rules(false, true);
  const egressDeny = rules(true, true);
  const dd = (d: boolean) => (rng.chance(0.2) ? rng.chance(0.5) : d);
  return {
    kind,
    namespace: ns ?? '',
    name,
    subject: { kind: 'endpoints', selector: selector(rng, ns !== undefined).selector },
    ingress,
    ingressDeny,
    egress,
    egressDeny,
    defaultDeny: { ingress: dd(ingress.length + ingressDeny.length > 0), egress: dd(egress.length + egressDeny.length > 0) },
  };
}

export const CILIUM_SHAPE: RandomClusterShape = { maxNamespaces: 3, maxPods: 6, maxPolicies: 3 };

export function randomCiliumCluster(seed: number): Cluster {
  const rng = new Rng(seed * 6007 + 29);
  const base = randomCluster(seed, CILIUM_SHAPE);
  const nodes: ClusterNode[] = Array.from({ length: rng.int(0, 2) }, (_, i) => ({
    name: `node${i}`,
    labels: randomLabels(rng, ['zone', 'role']),
    addresses: [randomIp(rng)],
  }));
  // Pods run on a node of the input, on one the input does not list, or (templates) on none:
  // host and remote-node are relative to it, and unknown without it.
  const pods: Pod[] = base.pods.map((p) => {
    const rest = p;
    if (nodes.length > 0 && rng.chance(0.15)) {
      const n = rng.pick(nodes);
      // A DaemonSet's template is host-networked on no known node.
      return rng.chance(0.2) ? { ...rest, hostNetwork: true, ips: [] } : { ...rest, hostNetwork: true, ips: [...n.addresses], node: n.name };
    }
    const at = rng.int(0, 9);
    if (nodes.length > 0 && at <= 6) return { ...rest, node: rng.pick(nodes).name };
    if (at === 7) return { ...rest, node: 'elsewhere' };
    return rest;
  });
  const namespaces = base.namespaces.map((n) => n.name);
  const ciliumPolicies: CiliumPolicy[] = [];
  const count = rng.int(1, 4);
  for (let i = 0; i < count; i++) {
    const kind = rng.chance(0.7) ? 'CiliumNetworkPolicy' : 'CiliumClusterwideNetworkPolicy';
    ciliumPolicies.push(policy(rng, kind, rng.pick(namespaces.length > 0 ? namespaces : ['default']), `c${i}`));
  }
  const apiServer = rng.chance(0.5) ? { addresses: [nodes.length > 0 && rng.chance(0.5) ? nodes[0]!.addresses[0]! : randomIp(rng)], port: 443, via: 'test' } : undefined;
  return { ...base, pods, nodes, ciliumPolicies, ...(apiServer ? { apiServer } : {}) };
}

/** Addresses worth probing: node and API server addresses, and the edges of every CIDR. */
export function ciliumProbeIps(cluster: Cluster): string[] {
  const out = new Set<string>(['203.0.113.9', '2001:db8::9']);
  for (const n of cluster.nodes ?? []) for (const a of n.addresses) out.add(a);
  for (const a of cluster.apiServer?.addresses ?? []) out.add(a);
  for (const p of cluster.ciliumPolicies ?? []) {
    for (const r of [...p.ingress, ...p.egress, ...p.ingressDeny, ...p.egressDeny]) {
      for (const peer of r.peers ?? []) {
        if (peer.kind !== 'cidr') continue;
        out.add(peer.cidr.split('/')[0]!);
        for (const e of peer.except ?? []) out.add(e.split('/')[0]!);
      }
    }
  }
  return [...out];
}

/**
 * `cluster` with one Cilium policy edited as a what-if edits it: its endpointSelector widened to
 * every pod, a rule removed, or its default deny flipped. A recompile from the edited cluster back
 * to `cluster` must answer as a compile of `cluster` does.
 */
export function withOneCiliumPolicyEdited(cluster: Cluster, seed: number): Cluster {
  const list = cluster.ciliumPolicies ?? [];
  if (list.length === 0) return cluster;
  const rng = new Rng(seed ^ 0xed17);
  const k = rng.int(0, list.length - 1);
  const p = list[k]!;
  const shape = rng.int(0, 2);
  const edited: CiliumPolicy =
    shape === 0 ? { ...p, subject: { kind: 'endpoints', selector: { pod: {}, namespace: {} } } }
    : shape === 1 ? { ...p, ingress: p.ingress.slice(1), egressDeny: p.egressDeny.slice(1), egress: [...p.egress, { index: p.egress.length, peers: [{ kind: 'entity', entity: 'host' }] }] }
    : { ...p, defaultDeny: { ingress: !p.defaultDeny.ingress, egress: !p.defaultDeny.egress } };
  return { ...cluster, ciliumPolicies: list.map((x, i) => (i === k ? edited : x)) };
}
