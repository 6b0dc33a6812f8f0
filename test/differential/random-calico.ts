/**
 * Seeded random clusters with Calico's kinds alongside NetworkPolicies and the cluster-wide tiers:
 * tiers of random order and default action, NetworkPolicies and GlobalNetworkPolicies with
 * orders that tie often, every rule action (Log and Pass included), selectors in Calico's
 * language (==, !=, in, not in, has, !, &&, ||, starts with, all(), global()), namespace
 * selectors, nets and notNets that overlap pod addresses, notSelector, service accounts, named
 * ports, port ranges and notPorts, protocol and notProtocol, network sets (some with domains:
 * unknown), host endpoints, host-networked pods, and rules the manifests cannot decide.
 */
import type { CalicoEntityRule, CalicoNetworkSet, CalicoPolicy, CalicoPort, CalicoRule, CalicoTier, Cluster, Pod } from '@lateral/core';
import { Rng, randomCidr, randomCluster, randomIp } from './random-cluster.js';
import { randomTierCluster } from './random-tiers.js';

const VALUES = ['a', 'b', 'c'];
/** The labels Calico gives a workload endpoint besides the pod's own, and values they take. */
const ENDPOINT_KEYS = ['projectcalico.org/serviceaccount', 'projectcalico.org/namespace', 'pcsa.team', 'pcns.team'];
const VALUES_OF: Readonly<Record<string, readonly string[]>> = {
  'projectcalico.org/serviceaccount': ['sa1', 'default'],
  'projectcalico.org/namespace': ['ns0', 'ns1', 'ns2'],
};

function atom(rng: Rng, keys: readonly string[]): string {
  const k = rng.pick(keys);
  const values = VALUES_OF[k] ?? VALUES;
  switch (rng.int(0, 7)) {
    case 0:
      return `${k} == '${rng.pick(values)}'`;
    case 1:
      return `${k} != '${rng.pick(values)}'`;
    case 2:
      return `has(${k})`;
    case 3:
      return `${k} in {'${rng.pick(values)}', '${rng.pick(values)}'}`;
    case 4:
      return `${k} not in {'${rng.pick(values)}'}`;
    case 5:
      return `${k} starts with '${rng.pick(values)}'`;
    case 6:
      return `!has(${k})`;
    default:
      return 'all()';
  }
}

const POD_KEYS = ['app', 'tier', 'team', 'env', 'set'];
/** Pod selectors' keys: the pod's labels, and with `endpointKeys` also the endpoint's own (service account, namespace). */
let podKeys: readonly string[] = POD_KEYS;

export function randomCalicoSelector(rng: Rng, keys: readonly string[] = podKeys): string {
  const a = atom(rng, keys);
  const shape = rng.int(0, 4);
  if (shape === 0) return `${a} && ${atom(rng, keys)}`;
  if (shape === 1) return `${a} || ${atom(rng, keys)}`;
  if (shape === 2) return `!(${a} && ${atom(rng, keys)})`;
  return a;
}

function randomNamespaceSelector(rng: Rng): string {
  const shape = rng.int(0, 4);
  if (shape === 0) return `projectcalico.org/name == 'ns${rng.int(0, 2)}'`;
  if (shape === 1) return 'global()';
  if (shape === 2) return `global() || ${atom(rng, ['team', 'env'])}`;
  return randomCalicoSelector(rng, ['team', 'env']);
}

function randomPorts(rng: Rng): CalicoPort[] {
  return Array.from({ length: rng.int(1, 2) }, () => {
    const shape = rng.int(0, 2);
    if (shape === 0) return { first: rng.pick([53, 80, 81, 443, 8080]), last: 0 };
    if (shape === 1) {
      const first = rng.pick([53, 80, 443, 8080]);
      return { first, last: first + rng.int(1, 300) };
    }
    return { name: rng.pick(['http', 'dns', 'metrics']) };
  }).map((p) => ('first' in p && p.last === 0 ? { first: p.first, last: p.first } : p));
}

function randomEntity(rng: Rng, withSelectors: boolean): CalicoEntityRule {
  const e: Record<string, unknown> = {};
  if (withSelectors && rng.chance(0.5)) e.selector = randomCalicoSelector(rng);
  if (withSelectors && rng.chance(0.15)) e.notSelector = randomCalicoSelector(rng);
  if (withSelectors && rng.chance(0.3)) e.namespaceSelector = randomNamespaceSelector(rng);
  if (rng.chance(0.25)) e.nets = [randomCidr(rng).cidr, ...(rng.chance(0.3) ? [randomCidr(rng).cidr] : [])];
  if (rng.chance(0.1)) e.notNets = [randomCidr(rng).cidr];
  if (withSelectors && rng.chance(0.1)) e.serviceAccounts = rng.chance(0.5) ? { names: ['sa1'] } : { selector: `team == '${rng.pick(VALUES)}'` };
  return e as CalicoEntityRule;
}

function randomRule(rng: Rng, domains: boolean): CalicoRule {
  const action = rng.pick(['Allow', 'Allow', 'Deny', 'Pass', 'Log'] as const);
  // Pass rules stay decidable (the engine's one approximation, see docs/cni.md): no selector
  // that could see a domain set, no undecidable field.
  const pass = action === 'Pass';
  const selectors = !(pass && domains);
  const protocol = rng.pick([undefined, undefined, 'TCP', 'UDP', 'SCTP', 'ICMP', 6] as const);
  const portsAllowed = protocol !== undefined && protocol !== 'ICMP';
  const destination: Record<string, unknown> = { ...randomEntity(rng, selectors) };
  if (portsAllowed && rng.chance(0.5)) destination.ports = randomPorts(rng);
  if (portsAllowed && rng.chance(0.15)) destination.notPorts = randomPorts(rng);
  return {
    action,
    ...(protocol !== undefined ? { protocol } : {}),
    ...(protocol === undefined && rng.chance(0.15) ? { notProtocol: rng.pick(['TCP', 'UDP'] as const) } : {}),
    source: randomEntity(rng, selectors),
    destination: destination as CalicoEntityRule,
    ...(!pass && rng.chance(0.08) ? { unknown: 'source ports' } : {}),
  };
}

/**
 * With `endpointKeys`, pod selectors also read the labels Calico adds to a workload endpoint
 * (`projectcalico.org/serviceaccount`, `projectcalico.org/namespace`, `pcsa.*`, `pcns.*`) and
 * more pods run as another service account: pods alike in their own labels then differ to
 * Calico, as the fast engine's per-namespace answers must see.
 */
export function randomCalicoCluster(seed: number, options: { readonly endpointKeys?: boolean } = {}): Cluster {
  podKeys = options.endpointKeys ? [...POD_KEYS, ...ENDPOINT_KEYS] : POD_KEYS;
  try {
    return generate(seed, options.endpointKeys === true);
  } finally {
    podKeys = POD_KEYS;
  }
}

function generate(seed: number, endpointKeys: boolean): Cluster {
  const rng = new Rng(seed * 104729 + 3);
  const base = rng.chance(0.5) ? randomTierCluster(seed) : randomCluster(seed, { maxNamespaces: 3, maxPods: 6, maxPolicies: 2 });
  const pods: Pod[] = base.pods.map((p) => ({ ...p, ...(rng.chance(endpointKeys ? 0.5 : 0.3) ? { serviceAccountName: 'sa1' } : {}) }));
  const namespaces = base.namespaces.map((n) => n.name);
  const tiers: CalicoTier[] = [];
  for (const name of ['security', 'platform']) {
    if (rng.chance(0.6)) {
      const order = rng.pick([undefined, 100, 1000, 5_000_000, 20_000_000]);
      tiers.push({ name, ...(order !== undefined ? { order } : {}), ...(rng.chance(0.4) ? { defaultAction: 'Pass' as const } : {}) });
    }
  }
  const tierNames = ['default', 'kube-admin', 'kube-baseline', ...tiers.map((t) => t.name)];
  // Domain sets make matches unknown: only where a rule may be unknown do selectors see them.
  const domains = rng.chance(0.3);
  const networkSets: CalicoNetworkSet[] = Array.from({ length: rng.int(0, 2) }, (_, i) => {
    const ns = rng.chance(0.5) ? rng.pick(namespaces) : undefined;
    return {
      ...(ns !== undefined ? { namespace: ns } : {}),
      name: `set${i}`,
      labels: { set: rng.pick(VALUES) },
      nets: [randomCidr(rng).cidr],
    };
  });
  if (domains) networkSets.push({ name: 'domains', labels: { set: 'dom' }, nets: [], allowedEgressDomains: ['api.example.com'] });
  const hostEndpoints = rng.chance(0.3) ? [{ name: 'hep0', node: 'node0', labels: { set: rng.pick(VALUES) }, expectedIPs: [randomIp(rng)] }] : [];
  const policies: CalicoPolicy[] = Array.from({ length: rng.int(1, 4) }, (_, i) => {
    const global = rng.chance(0.5);
    const order = rng.pick([undefined, 10, 10, 1000, 2000]);
    const types = rng.pick([undefined, ['Ingress'], ['Egress'], ['Ingress', 'Egress']] as const);
    const rules = () => (rng.chance(0.2) ? [] : Array.from({ length: rng.int(1, 3) }, () => randomRule(rng, domains)));
    return {
      kind: global ? 'GlobalNetworkPolicy' : 'NetworkPolicy',
      ...(global ? {} : { namespace: rng.pick(namespaces) }),
      name: `c${i}`,
      tier: rng.pick(tierNames),
      ...(order !== undefined ? { order } : {}),
      ...(rng.chance(0.7) ? { selector: randomCalicoSelector(rng) } : {}),
      ...(global && rng.chance(0.3) ? { namespaceSelector: randomCalicoSelector(rng, ['team', 'env']) } : {}),
      ...(rng.chance(0.1) ? { serviceAccountSelector: `team == '${rng.pick(VALUES)}' || projectcalico.org/name == 'default'` } : {}),
      ...(types ? { types } : {}),
      ingress: rules(),
      egress: rules(),
    } as CalicoPolicy;
  });
  return {
    ...base,
    pods,
    serviceAccounts: namespaces.map((ns) => ({ namespace: ns, name: 'sa1', labels: { team: rng.pick(VALUES) } })),
    calico: { tiers, policies, networkSets, hostEndpoints },
  };
}

/** Addresses worth probing: the edges of every net, network set and host endpoint. */
export function calicoProbeIps(cluster: Cluster): string[] {
  const out = new Set<string>(['203.0.113.9']);
  const cidrs: string[] = [];
  for (const s of cluster.calico?.networkSets ?? []) cidrs.push(...s.nets);
  for (const h of cluster.calico?.hostEndpoints ?? []) for (const ip of h.expectedIPs) out.add(ip);
  for (const p of cluster.calico?.policies ?? []) {
    for (const r of [...p.ingress, ...p.egress]) for (const e of [r.source, r.destination]) cidrs.push(...(e.nets ?? []), ...(e.notNets ?? []));
  }
  for (const c of cidrs) out.add(c.split('/')[0]!);
  return [...out];
}

/** Ports worth probing: every number the Calico rules name, and its neighbours. */
export function calicoProbePorts(cluster: Cluster): number[] {
  const out = new Set<number>();
  for (const p of cluster.calico?.policies ?? []) {
    for (const r of [...p.ingress, ...p.egress]) {
      for (const pp of [...(r.destination.ports ?? []), ...(r.destination.notPorts ?? [])]) {
        if ('first' in pp) for (const n of [pp.first - 1, pp.first, pp.last, pp.last + 1]) if (n >= 1 && n <= 65535) out.add(n);
      }
    }
  }
  return [...out];
}

/**
 * `cluster` with one Calico policy edited as a what-if edits it: its selector changed (to
 * another policy's, to `all()`, or dropped), or its first rule removed. A recompile from the
 * edited cluster back to `cluster` must answer as a compile of `cluster` does.
 */
export function withOneCalicoPolicyEdited(cluster: Cluster, seed: number): Cluster {
  const calico = cluster.calico;
  if (!calico || calico.policies.length === 0) return cluster;
  const rng = new Rng(seed ^ 0xed17);
  const k = rng.int(0, calico.policies.length - 1);
  const p = calico.policies[k]!;
  const other = rng.pick(calico.policies).selector;
  const shape = rng.int(0, 3);
  const { selector: _dropped, ...rest } = p;
  const edited: CalicoPolicy =
    shape === 0 ? { ...p, selector: 'all()' }
    : shape === 1 ? (other !== undefined ? { ...p, selector: other } : rest)
    : shape === 2 ? rest
    : { ...p, ingress: p.ingress.slice(1), egress: p.egress.slice(1) };
  return { ...cluster, calico: { ...calico, policies: calico.policies.map((x, i) => (i === k ? edited : x)) } };
}
