/**
 * Seeded random clusters for the differential test: small (so every pair and port can be
 * checked against the reference) but dense in the features where engines go wrong —
 * absent vs empty lists, selector expressions, named ports with mismatched protocols,
 * endPort ranges, ipBlocks with except in both families, policyTypes inference.
 */
import type {
  Cluster,
  ContainerPort,
  LabelSelector,
  LabelSelectorRequirement,
  Labels,
  Namespace,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Pod,
  PolicyType,
  Protocol,
} from '@lateral/core';
import { MAX_V4, MAX_V6, NO_SECURITY_FLAGS, formatIp, parseCidr } from '@lateral/core';
import { SeededRandom } from '@lateral/core/testing';

export class Rng extends SeededRandom {
  float(): number {
    return this.next();
  }
  some<T>(xs: readonly T[], max: number): T[] {
    const n = this.int(0, Math.min(max, xs.length));
    const pool = [...xs];
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(pool.splice(this.int(0, pool.length - 1), 1)[0]!);
    return out;
  }
}

const KEYS = ['app', 'tier', 'team', 'env'];
const VALUES = ['a', 'b', 'c'];
const PROTOS: Protocol[] = ['TCP', 'UDP', 'SCTP'];
/** Few distinct numbers so rules and container ports collide often. */
const PORTS = [53, 80, 81, 443, 8080, 8081];
const PORT_NAMES = ['http', 'dns', 'metrics'];

/** Addresses: pods and ipBlocks draw from the same small neighbourhoods so they overlap. */
const V4_NETS = ['10.0.0.0/24', '10.0.1.0/24', '192.168.0.0/24'];
const V6_NETS = ['fd00::/120', 'fd00:0:0:1::/120'];

export function randomLabels(rng: Rng, keys = KEYS): Labels {
  const out: Record<string, string> = {};
  for (const k of keys) if (rng.chance(0.5)) out[k] = rng.pick(VALUES);
  return out;
}

export function randomSelector(rng: Rng, keys = KEYS): LabelSelector {
  if (rng.chance(0.25)) return {};
  const sel: { matchLabels?: Labels; matchExpressions?: LabelSelectorRequirement[] } = {};
  if (rng.chance(0.6)) {
    const ml: Record<string, string> = {};
    for (const k of rng.some(keys, 2)) ml[k] = rng.pick(VALUES);
    sel.matchLabels = ml;
  }
  if (rng.chance(0.5)) {
    const exprs: LabelSelectorRequirement[] = [];
    for (const key of rng.some(keys, 2)) {
      const op = rng.pick(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const);
      exprs.push(
        op === 'In' || op === 'NotIn'
          ? { key, operator: op, values: rng.some(VALUES, 2).concat(rng.pick(VALUES)) }
          : { key, operator: op },
      );
    }
    sel.matchExpressions = exprs;
  }
  return sel;
}

function v4In(rng: Rng, net: string): string {
  const [base] = net.split('/');
  const parts = base!.split('.');
  return `${parts[0]}.${parts[1]}.${parts[2]}.${rng.int(0, 255)}`;
}

function v6In(rng: Rng, net: string): string {
  // V6_NETS all end in `::/120`: the last group is the host part.
  return `${net.split('/')[0]!}${rng.int(0, 255).toString(16)}`;
}

export function randomIp(rng: Rng): string {
  return rng.chance(0.7) ? v4In(rng, rng.pick(V4_NETS)) : v6In(rng, rng.pick(V6_NETS));
}

export function randomCidr(rng: Rng): { cidr: string; except?: string[] } {
  if (rng.chance(0.7)) {
    const net = rng.pick(V4_NETS);
    const base = net.split('/')[0]!.split('.');
    const shape = rng.int(0, 3);
    if (shape === 0) return { cidr: '0.0.0.0/0', except: rng.chance(0.5) ? [net] : [] };
    if (shape === 1) return { cidr: net };
    const prefix = rng.int(25, 32);
    const host = rng.int(0, 255);
    const inner = `${base[0]}.${base[1]}.${base[2]}.${host}/${prefix}`;
    if (shape === 2) return { cidr: inner };
    const exPrefix = rng.int(26, 32);
    const exHost = rng.int(0, 255);
    return { cidr: net, except: [`${base[0]}.${base[1]}.${base[2]}.${exHost}/${Math.max(exPrefix, 25)}`] };
  }
  const net = rng.pick(V6_NETS);
  const shape = rng.int(0, 2);
  if (shape === 0) return { cidr: '::/0', except: rng.chance(0.5) ? [net] : [] };
  if (shape === 1) return { cidr: net };
  return { cidr: net, except: [`${net.split('/')[0]}${rng.int(0, 255).toString(16)}/${rng.int(124, 128)}`] };
}

function randomPolicyPort(rng: Rng): NetworkPolicyPort {
  const port: { protocol?: Protocol; port?: number | string; endPort?: number } = {};
  if (rng.chance(0.7)) port.protocol = rng.pick(PROTOS);
  const shape = rng.int(0, 3);
  if (shape === 1) port.port = rng.pick(PORTS);
  if (shape === 2) {
    port.port = rng.pick(PORTS);
    port.endPort = (port.port as number) + rng.int(0, 400);
  }
  if (shape === 3) port.port = rng.pick(PORT_NAMES);
  return port;
}

function randomPeer(rng: Rng): NetworkPolicyPeer {
  const shape = rng.int(0, 3);
  if (shape === 0) return { podSelector: randomSelector(rng) };
  if (shape === 1) return { namespaceSelector: randomSelector(rng, ['team', 'env']) };
  if (shape === 2) return { podSelector: randomSelector(rng), namespaceSelector: randomSelector(rng, ['team', 'env']) };
  return { ipBlock: randomCidr(rng) };
}

function maybeList<T>(rng: Rng, make: () => T, max: number): T[] | undefined {
  if (rng.chance(0.25)) return undefined;
  if (rng.chance(0.15)) return [];
  const n = rng.int(1, max);
  return Array.from({ length: n }, make);
}

export function randomPolicy(rng: Rng, namespace: string, name: string): NetworkPolicy {
  const ingress = rng.chance(0.2) ? undefined : maybeList(rng, () => ({ from: maybeList(rng, () => randomPeer(rng), 3), ports: maybeList(rng, () => randomPolicyPort(rng), 3) }), 3);
  const egress = rng.chance(0.3) ? undefined : maybeList(rng, () => ({ to: maybeList(rng, () => randomPeer(rng), 3), ports: maybeList(rng, () => randomPolicyPort(rng), 3) }), 3);
  let policyTypes: PolicyType[] | undefined;
  const pt = rng.int(0, 4);
  if (pt === 1) policyTypes = ['Ingress'];
  if (pt === 2) policyTypes = ['Egress'];
  if (pt === 3) policyTypes = ['Ingress', 'Egress'];
  const p: { -readonly [K in keyof NetworkPolicy]: NetworkPolicy[K] } = { namespace, name, podSelector: randomSelector(rng) };
  if (policyTypes) p.policyTypes = policyTypes;
  if (ingress !== undefined) p.ingress = stripUndefined(ingress);
  if (egress !== undefined) p.egress = stripUndefined(egress);
  return p;
}

function stripUndefined<T extends object>(rules: T[]): T[] {
  return rules.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as T);
}

export function randomContainerPorts(rng: Rng): ContainerPort[] {
  const out: ContainerPort[] = [];
  const n = rng.int(0, 3);
  const usedNames = new Set<string>();
  for (let i = 0; i < n; i++) {
    const cp: { name?: string; containerPort: number; protocol: Protocol } = {
      containerPort: rng.pick(PORTS) + rng.int(0, 1) * rng.int(0, 300),
      protocol: rng.pick(PROTOS),
    };
    if (rng.chance(0.7)) {
      const name = rng.pick(PORT_NAMES);
      if (!usedNames.has(name)) {
        usedNames.add(name);
        cp.name = name;
      }
    }
    out.push(cp);
  }
  return out;
}

export interface RandomClusterShape {
  maxNamespaces: number;
  maxPods: number;
  maxPolicies: number;
}

export const DEFAULT_SHAPE: RandomClusterShape = { maxNamespaces: 3, maxPods: 8, maxPolicies: 5 };

export function randomCluster(seed: number, shape: RandomClusterShape = DEFAULT_SHAPE): Cluster {
  const rng = new Rng(seed);
  const nsCount = rng.int(1, shape.maxNamespaces);
  const namespaces: Namespace[] = [];
  for (let i = 0; i < nsCount; i++) {
    const name = `ns${i}`;
    namespaces.push({ name, labels: { ...randomLabels(rng, ['team', 'env']), 'kubernetes.io/metadata.name': name } });
  }
  const pods: Pod[] = [];
  const podCount = rng.int(2, shape.maxPods);
  const usedIps = new Set<string>();
  for (let i = 0; i < podCount; i++) {
    const ns = rng.pick(namespaces).name;
    const ips: string[] = [];
    if (rng.chance(0.8)) {
      const ip = randomIp(rng);
      if (!usedIps.has(ip)) {
        usedIps.add(ip);
        ips.push(ip);
      }
    }
    const name = `p${i}`;
    pods.push({
      namespace: ns,
      name,
      labels: randomLabels(rng),
      ips,
      ports: randomContainerPorts(rng),
      owner: { kind: 'Pod', namespace: ns, name },
      hostNetwork: false,
      security: NO_SECURITY_FLAGS,
      replicas: 1,
      fromTemplate: false,
    });
  }
  const policies: NetworkPolicy[] = [];
  const polCount = rng.int(0, shape.maxPolicies);
  for (let i = 0; i < polCount; i++) policies.push(randomPolicy(rng, rng.pick(namespaces).name, `pol${i}`));
  return { namespaces, pods, workloads: [], services: [], policies };
}

/** Ports worth probing: every number that appears anywhere, its neighbours, and the extremes. */
export function probePorts(cluster: Cluster): number[] {
  const s = new Set<number>([1, 65535]);
  const add = (n: number) => {
    for (const d of [-1, 0, 1]) if (n + d >= 1 && n + d <= 65535) s.add(n + d);
  };
  for (const p of cluster.pods) for (const cp of p.ports) add(cp.containerPort);
  for (const pol of cluster.policies) {
    for (const r of [...(pol.ingress ?? []), ...(pol.egress ?? [])]) {
      for (const pp of r.ports ?? []) {
        if (typeof pp.port === 'number') add(pp.port);
        if (pp.endPort !== undefined) add(pp.endPort);
      }
    }
  }
  return [...s].sort((a, b) => a - b);
}

/** External addresses worth probing: both edges of every ipBlock cidr and except, their outer neighbours, random hosts. */
export function probeIps(cluster: Cluster, rng: Rng): string[] {
  const s = new Set<string>(['8.8.8.8', '2001:db8::1']);
  for (const net of V4_NETS) for (let i = 0; i < 3; i++) s.add(v4In(rng, net));
  for (const net of V6_NETS) for (let i = 0; i < 3; i++) s.add(v6In(rng, net));
  for (const pol of cluster.policies) {
    for (const r of [...(pol.ingress ?? []).map((x) => x.from), ...(pol.egress ?? []).map((x) => x.to)]) {
      for (const peer of r ?? []) {
        if (!peer.ipBlock) continue;
        for (const c of [peer.ipBlock.cidr, ...(peer.ipBlock.except ?? [])]) {
          const cidr = parseCidr(c);
          const max = cidr.family === 4 ? MAX_V4 : MAX_V6;
          for (const v of [cidr.start - 1n, cidr.start, cidr.end, cidr.end + 1n]) {
            if (v >= 0n && v <= max) s.add(formatIp(cidr.family, v));
          }
        }
      }
    }
  }
  for (const p of cluster.pods) for (const ip of p.ips) s.add(ip);
  return [...s];
}
