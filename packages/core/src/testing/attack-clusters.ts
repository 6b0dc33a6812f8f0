/**
 * Small clusters for the lateral-movement tests: a hand-checked chain (internet -> web -> api ->
 * db, an escape through a shared node) and random digraphs for brute-force comparisons. Not part
 * of @lateral/core/testing's face: only core's own tests use them.
 */
import { buildAttackGraph } from '../lateral-movement/attack-graph.js';
import { compile } from '../engine/compile.js';
import { NO_SECURITY_FLAGS, type Cluster, type ContainerPort, type NetworkPolicy, type Pod, type PodSecurity } from '../model/model.js';
import { mulberry32 } from './prng.js';

/** A bare pod, as tests write them: no IPs, no node, no security flags unless given. */
export function pod(ns: string, name: string, labels: Record<string, string>, ports: ContainerPort[], extra: Partial<Pod> = {}): Pod {
  return { namespace: ns, name, labels, ips: [], ports, owner: { kind: 'Pod', namespace: ns, name }, hostNetwork: false, security: NO_SECURITY_FLAGS, replicas: 1, fromTemplate: false, ...extra };
}
export const tcp = (containerPort: number, name?: string): ContainerPort => ({ containerPort, protocol: 'TCP', ...(name ? { name } : {}) });
export const ns = (name: string) => ({ name, labels: { 'kubernetes.io/metadata.name': name } });
export const denyAll = (namespace: string): NetworkPolicy => ({ namespace, name: 'deny', podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
export const allow = (namespace: string, name: string, to: string, from: string, port?: number | string): NetworkPolicy[] => [
  { namespace, name: `${name}-in`, podSelector: { matchLabels: { app: to } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: from } } }], ...(port !== undefined ? { ports: [{ port }] } : {}) }] },
  { namespace, name: `${name}-out`, podSelector: { matchLabels: { app: from } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: to } } }], ...(port !== undefined ? { ports: [{ port }] } : {}) }] },
];

/**
 * web (LoadBalancer, admits the internet on 8080) -> api:9000 -> db:5432; api also serves 9001,
 * which policy does not allow; logs (privileged, on node n1) is reached by api and shares n1 with db.
 */
export function chain(extra: Partial<Cluster> = {}): Cluster {
  const sec: PodSecurity = { ...NO_SECURITY_FLAGS, privileged: true };
  return {
    namespaces: [ns('app')],
    pods: [
      pod('app', 'web', { app: 'web' }, [tcp(8080, 'http')], { node: 'n2' }),
      pod('app', 'api', { app: 'api' }, [tcp(9000, 'api'), tcp(9001, 'admin')], { node: 'n2' }),
      pod('app', 'db', { app: 'db', tier: 'data' }, [tcp(5432, 'postgres')], { node: 'n1' }),
      pod('app', 'logs', { app: 'logs' }, [tcp(2020)], { node: 'n1', security: sec }),
    ],
    workloads: [],
    services: [{ namespace: 'app', name: 'web', type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }] }],
    policies: [
      denyAll('app'),
      { namespace: 'app', name: 'web-public', podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 8080 }] }] },
      ...allow('app', 'web-api', 'api', 'web', 9000),
      ...allow('app', 'api-db', 'db', 'api', 5432),
      ...allow('app', 'api-logs', 'logs', 'api'),
    ],
    ...extra,
  };
}

export const edges = (c: Cluster, options = {}) => {
  const ag = buildAttackGraph(compile(c), options);
  const out: string[] = [];
  ag.graph.forEachEdge((_k, a, u, v) => out.push(`${a.kind} ${u} -> ${v}`));
  return { ag, list: out.sort() };
};

export function randomCluster(seed: number): { cluster: Cluster; jewel: string } {
  const r = mulberry32(seed);
  const n = 6;
  const names = Array.from({ length: n }, (_, i) => `w${i}`);
  const pods = names.map((w) => pod('x', w, { app: w }, [tcp(80)]));
  const policies: NetworkPolicy[] = [denyAll('x')];
  names.forEach((a, i) =>
    names.forEach((b, j) => {
      if (i !== j && r() < 0.35) policies.push(...allow('x', `${a}-${b}`, b, a, 80));
    }),
  );
  policies.push({ namespace: 'x', name: 'public', podSelector: { matchLabels: { app: 'w0' } }, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] });
  const services = [{ namespace: 'x', name: 'w0', type: 'LoadBalancer' as const, selector: { app: 'w0' }, ports: [{ port: 80, protocol: 'TCP' as const }] }];
  return { cluster: { namespaces: [ns('x')], pods, workloads: [], services, policies }, jewel: `x/w${n - 1}` };
}

/** A random attack graph (see randomCluster), with its edges listed for brute force. */
export function randomAttackGraph(seed: number): { ag: ReturnType<typeof edges>['ag']; jewel: string; all: [string, string][] } {
  const { cluster, jewel } = randomCluster(seed);
  const { ag } = edges(cluster);
  const all: [string, string][] = [];
  ag.graph.forEachEdge((_k, _a, u, v) => all.push([u, v]));
  return { ag, jewel, all };
}

export function connected(edgesList: [string, string][], from: string, to: string): boolean {
  const seen = new Set([from]);
  const q = [from];
  while (q.length) {
    const u = q.shift()!;
    for (const [a, b] of edgesList) if (a === u && !seen.has(b)) (seen.add(b), q.push(b));
  }
  return seen.has(to);
}
