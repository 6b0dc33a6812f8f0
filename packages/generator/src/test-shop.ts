/**
 * A small shop (web -> api -> db, plus their replicas) and flow sets over it, for the
 * generator's and the verifier's tests.
 */
import { NO_SECURITY_FLAGS, type Cluster, type ContainerPort, type Labels, type NetworkPolicy, type Pod, type Protocol, type Workload } from '@lateral/core';
import type { FlowEdge, FlowEndpoint, FlowSet } from '@lateral/flows';
import { generatePolicies, type GenerateOptions } from './generate.js';
import { verifyPolicies } from './verify.js';

// A small cluster written out by hand: shop (web, api, db), ops (prom), kube-system (coredns).
export interface PodSpec {
  ns: string;
  owner: string;
  kind?: string;
  name?: string;
  labels: Labels;
  ports?: ContainerPort[];
  ips?: string[];
  replicas?: number;
}

export function pod(s: PodSpec): Pod {
  return {
    namespace: s.ns,
    name: s.name ?? s.owner,
    labels: s.labels,
    ips: s.ips ?? [],
    ports: s.ports ?? [],
    owner: { kind: s.kind ?? 'Deployment', namespace: s.ns, name: s.owner },
    hostNetwork: false,
    security: NO_SECURITY_FLAGS,
    replicas: s.replicas ?? 2,
    fromTemplate: s.name === undefined,
  };
}

export const tcp = (name: string, containerPort: number): ContainerPort => ({ name, containerPort, protocol: 'TCP' });

export function makeCluster(policies: NetworkPolicy[] = [], extraPods: Pod[] = [], extraWorkloads: Workload[] = []): Cluster {
  const pods = [
    pod({ ns: 'shop', owner: 'web', labels: { app: 'web', tier: 'frontend', 'pod-template-hash': 'abc123', 'app.kubernetes.io/version': '1.2.3' }, ports: [tcp('http', 8080)] }),
    pod({ ns: 'shop', owner: 'api', labels: { app: 'api', tier: 'backend', 'pod-template-hash': 'def456' }, ports: [tcp('grpc', 7070), tcp('metrics', 9090)] }),
    pod({ ns: 'shop', owner: 'db', kind: 'StatefulSet', labels: { app: 'db', 'controller-revision-hash': 'db-5d4', 'statefulset.kubernetes.io/pod-name': 'db-0' }, ports: [tcp('postgres', 5432)], name: 'db-0', replicas: 1 }),
    pod({ ns: 'ops', owner: 'prom', labels: { app: 'prom' } }),
    pod({ ns: 'kube-system', owner: 'coredns', labels: { 'k8s-app': 'kube-dns' }, ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, tcp('dns-tcp', 53)] }),
    ...extraPods,
  ];
  const workloads: Workload[] = [
    { kind: 'Deployment', namespace: 'shop', name: 'web', labels: {}, selector: { matchLabels: { app: 'web' } } },
    { kind: 'Deployment', namespace: 'shop', name: 'api', labels: {}, selector: { matchLabels: { app: 'api' } } },
    { kind: 'StatefulSet', namespace: 'shop', name: 'db', labels: {}, selector: { matchLabels: { app: 'db' } } },
    ...extraWorkloads,
  ];
  const namespaces = ['shop', 'ops', 'kube-system'].map((name) => ({ name, labels: { 'kubernetes.io/metadata.name': name } }));
  return { namespaces, pods, workloads, services: [], policies };
}

export function ep(cluster: Cluster, id: string): FlowEndpoint {
  if (!id.includes('/')) return { kind: 'ip', ip: id };
  const i = cluster.pods.findIndex((p) => `${p.owner.namespace}/${p.owner.name}` === id);
  if (i < 0) throw new Error(`no ${id}`);
  return { kind: 'pod', workload: id, pod: i };
}

export function flowSet(cluster: Cluster, flows: [string, string, number, Protocol?, number?][], extra: Partial<FlowEdge> = {}): FlowSet {
  const edges = flows.map(([s, d, port, protocol, count]) => ({
    src: ep(cluster, s),
    dst: ep(cluster, d),
    port,
    protocol: protocol ?? 'TCP',
    count: count ?? 5,
    dropped: 0,
    firstSeen: '2025-03-14T10:00:00Z',
    lastSeen: '2025-03-14T11:00:00Z',
    ...extra,
  }));
  return { edges, records: edges.reduce((s, e) => s + e.count, 0), folded: 0, badLines: [], badLineCount: 0, unresolved: [] };
}

export const BASIC: [string, string, number, Protocol?][] = [
  ['203.0.113.7', 'shop/web', 8080],
  ['shop/web', 'shop/api', 7070],
  ['shop/api', 'shop/db', 5432],
  ['ops/prom', 'shop/api', 9090],
  ['shop/api', 'kube-system/coredns', 53, 'UDP'],
  ['shop/api', '198.51.100.20', 443],
];

export function gen(cluster: Cluster, flows: FlowSet, options: GenerateOptions = {}) {
  const g = generatePolicies(cluster, flows, options);
  const v = verifyPolicies(cluster, g.policies.map((p) => p.policy), g.considered, { aggregates: g.aggregates });
  const byName = (name: string) => g.policies.find((p) => `${p.policy.namespace}/${p.policy.name}` === name)?.policy;
  return { g, v, byName };
}
