/**
 * Deterministic synthetic clusters of any size, shaped like real ones: microservices repeated
 * across namespaces, replicas that differ only in pod-template-hash or pod-name labels,
 * named container ports, default-deny plus allow-lists, DNS and internet egress with ipBlock
 * except, partner CIDRs. Used by the engine's sanity tests and by benchmarks; small enough in
 * code to read what a "10k-pod cluster" means in a timing.
 */
import { mulberry32 } from './prng.js';
import { formatIp } from '../semantics/ip.js';
import {
  NO_SECURITY_FLAGS,
  type Cluster,
  type ContainerPort,
  type Namespace,
  type NetworkPolicy,
  type Pod,
} from '../model/model.js';

export interface SyntheticSize {
  readonly pods: number;
  readonly namespaces: number;
  readonly policies: number;
  readonly seed?: number;
}

const TIERS = ['web', 'api', 'db', 'cache', 'worker'] as const;
const META = 'kubernetes.io/metadata.name';

function portsOf(tier: (typeof TIERS)[number]): ContainerPort[] {
  const metrics: ContainerPort = { name: 'metrics', containerPort: 9090, protocol: 'TCP' };
  switch (tier) {
    case 'web':
      return [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, metrics];
    case 'api':
      return [{ name: 'grpc', containerPort: 9000, protocol: 'TCP' }, { name: 'http', containerPort: 8081, protocol: 'TCP' }, metrics];
    case 'db':
      return [{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }, metrics];
    case 'cache':
      return [{ name: 'redis', containerPort: 6379, protocol: 'TCP' }];
    case 'worker':
      return [];
  }
}

/** The policy templates, cycled per namespace until the namespace's share is used up. */
function namespacePolicies(ns: string, i: number, team: string): NetworkPolicy[] {
  return [
    { namespace: ns, name: 'default-deny-ingress', podSelector: {}, policyTypes: ['Ingress'] },
    {
      namespace: ns,
      name: 'egress',
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { [META]: 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
        },
        { to: [{ podSelector: {} }] },
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }], ports: [{ port: 443 }] },
      ],
    },
    {
      namespace: ns,
      name: 'allow-web',
      podSelector: { matchLabels: { tier: 'web' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { [META]: 'ingress-nginx' } } }], ports: [{ port: 'http' }] }],
    },
    {
      namespace: ns,
      name: 'allow-api',
      podSelector: { matchLabels: { tier: 'api' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'web' } } }], ports: [{ port: 'grpc' }, { port: 'http' }] }],
    },
    {
      namespace: ns,
      name: 'allow-db',
      podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db', 'cache'] }] },
      ingress: [
        {
          from: [
            { podSelector: { matchLabels: { tier: 'api' } } },
            { namespaceSelector: { matchLabels: { team } }, podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['api', 'worker'] }] } },
          ],
          ports: [{ port: 5432 }, { port: 6379, endPort: 6380 }],
        },
      ],
    },
    {
      namespace: ns,
      name: 'allow-metrics',
      podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['cache'] }] },
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { team: 'platform' } }, podSelector: { matchLabels: { app: 'prometheus' } } }],
          ports: [{ port: 'metrics' }],
        },
      ],
    },
    {
      namespace: ns,
      name: 'allow-partner',
      podSelector: { matchLabels: { tier: 'worker' } },
      policyTypes: ['Egress'],
      egress: [
        { to: [{ ipBlock: { cidr: `198.18.${i % 256}.0/24`, except: [`198.18.${i % 256}.128/25`] } }], ports: [{ port: 443 }] },
        { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }] },
      ],
    },
  ];
}

export function syntheticCluster(size: SyntheticSize): Cluster {
  const random = mulberry32(size.seed ?? 1);
  const nsCount = Math.max(4, size.namespaces);
  const namespaces: Namespace[] = [];
  const pods: Pod[] = [];
  const policies: NetworkPolicy[] = [];
  const special = ['kube-system', 'ingress-nginx', 'monitoring'];
  for (let i = 0; i < nsCount; i++) {
    const name = i < special.length ? special[i]! : `ns-${i}`;
    const team = i < special.length ? 'platform' : `team-${i % 25}`;
    namespaces.push({ name, labels: { [META]: name, team, env: ['prod', 'staging', 'dev'][i % 3]! } });
  }
  let ip = 10n << 24n;
  const addPod = (ns: string, name: string, labels: Record<string, string>, ports: ContainerPort[], dual: boolean) => {
    ip += 1n;
    const ips = [formatIp(4, ip)];
    if (dual) ips.push(formatIp(6, (0xfd00n << 112n) | ip));
    pods.push({
      namespace: ns,
      name,
      labels,
      ips,
      ports,
      owner: { kind: 'Deployment', namespace: ns, name: labels.app ?? name },
      hostNetwork: false,
      security: NO_SECURITY_FLAGS,
      replicas: 1,
      fromTemplate: false,
    });
  };
  addPod('kube-system', 'coredns-0', { 'k8s-app': 'kube-dns' }, [{ name: 'dns', containerPort: 53, protocol: 'UDP' }], false);
  addPod('monitoring', 'prometheus-0', { app: 'prometheus' }, [], false);
  addPod('ingress-nginx', 'controller-0', { app: 'ingress-nginx' }, [], false);

  const spread = nsCount - special.length;
  for (let i = special.length; i < nsCount && pods.length < size.pods; i++) {
    const ns = namespaces[i]!.name;
    const perNs = Math.max(1, Math.round(((size.pods - 3) * (i - special.length + 1)) / spread) - (pods.length - 3));
    const apps = Math.max(1, Math.round(perNs / 5));
    for (let a = 0; pods.length < size.pods && a < apps; a++) {
      const tier = TIERS[a % TIERS.length]!;
      const app = `svc-${a}`;
      const hash = Math.floor(random() * 0xffffff).toString(16);
      const replicas = a === apps - 1 ? perNs - 5 * (apps - 1) : 5;
      for (let r = 0; r < replicas && pods.length < size.pods; r++) {
        const labels: Record<string, string> = { app, tier, 'pod-template-hash': hash };
        // Per-pod labels no policy reads: must not split classes.
        if (tier === 'db') labels['statefulset.kubernetes.io/pod-name'] = `${app}-${r}`;
        addPod(ns, `${app}-${hash}-${r}`, labels, portsOf(tier), i % 4 === 0);
      }
    }
  }

  const policyNamespaces = nsCount - special.length;
  for (let i = special.length; policies.length < size.policies; i++) {
    const k = special.length + ((i - special.length) % policyNamespaces);
    const round = Math.floor((i - special.length) / policyNamespaces);
    const ns = namespaces[k]!;
    const templates = namespacePolicies(ns.name, k, ns.labels.team!);
    // Rotate per namespace so namespaces differ: some have no default deny, some no egress.
    const t = templates[(round + k) % templates.length]!;
    policies.push(round < templates.length ? t : { ...t, name: `${t.name}-${round}` });
  }
  return { namespaces, pods, workloads: [], services: [], policies };
}
