import { InputError } from '@lateral/core';
import yaml from 'js-yaml';

/**
 * Synthetic clusters, for benchmarks, differential tests and demos at a size no fixture can
 * have. The output is what `kubectl get -o yaml` would give for a plausible cluster (plain
 * manifest objects), so it exercises the manifest loader exactly as a real cluster does: Pods
 * with IPs owned by ReplicaSets owned by Deployments, StatefulSet pods, NetworkPolicies.
 *
 * The shape follows what real clusters look like rather than uniform randomness, because the
 * engine's cost depends on it (how many pods policy can tell apart, how many port atoms):
 *
 * - `kube-system` runs CoreDNS (k8s-app: kube-dns) and, once the cluster has room for it, a
 *   log shipper DaemonSet (fluent-bit: privileged, hostPath) with one pod on every node;
 *   `ingress-nginx` runs the ingress controller behind a LoadBalancer Service. Every other
 *   namespace belongs to a team (labels `team`, `env`).
 * - Pods run on nodes `node-1`..`node-N`, about 30 pods a node (spec.nodeName), so placement
 *   and the escalation through a node are known, as in a real `kubectl get pods -o yaml`.
 * - Each team namespace runs apps labelled `app` and `tier`: a frontend first, then backends,
 *   and every sixth app a data store (a StatefulSet). Replicas 1–20, mostly small.
 * - Every app has a Service. Each namespace's frontend is published: mostly by an Ingress
 *   (networking.k8s.io/v1, class nginx) to its Service, some by a LoadBalancer Service, a few
 *   by a NodePort one; the published ones get a policy admitting outside addresses on http.
 * - A few data stores are crown jewels: the first postgres of some locked-down prod namespaces carries
 *   `lateral.dev/crown-jewel: "true"` on its StatefulSet's pod template (and so on its pods).
 * - Apps call each other inside their namespace (a small call graph); policies follow it:
 *   default-deny in most namespaces (ingress, often egress too), DNS egress, the ingress
 *   controller allowed into frontends, per-app ingress from callers (matchLabels, or
 *   matchExpressions In), per-app egress to callees, a metrics scrape over a port range
 *   (endPort, Exists), some cross-namespace peers (namespaceSelector + podSelector, NotIn),
 *   ipBlock egress with except, and a few ipBlocks that overlap pod IPs.
 *
 * Counts are exact: opts.pods pods (replicas and the log shipper's pods sum), opts.namespaces
 * namespaces, opts.policies NetworkPolicies. Policies are handed out round-robin across namespaces in priority order
 * (default-deny first, then DNS, ...), so a small budget gives every namespace its baseline
 * before any gets app rules; a budget beyond what the call graph suggests is filled with
 * extra cross-namespace allow rules.
 *
 * Objects of one app share frozen sub-objects (labels, containers, ownerReferences) to keep
 * 100k pods cheap: treat the output as read-only.
 */
export interface SynthOptions {
  /** Total pods, system pods included. */
  pods: number;
  /** Total namespaces, kube-system and ingress-nginx included. */
  namespaces: number;
  /** Total NetworkPolicies. */
  policies: number;
  /** Same seed, same cluster. Default 1. */
  seed?: number;
}

type Obj = Record<string, unknown>;
type Tier = 'frontend' | 'backend' | 'data';
/** How a namespace's frontend is published outside the cluster. */
type Exposure = 'Ingress' | 'LoadBalancer' | 'NodePort';

interface PortSpec {
  readonly name: string;
  readonly containerPort: number;
  readonly protocol?: 'UDP';
}

interface NamespaceSpec {
  readonly name: string;
  readonly team: string;
  readonly env: string;
  readonly apps: AppSpec[];
  /** default-deny for ingress */
  readonly ingressIsolated: boolean;
  /** default-deny for egress too */
  readonly egressIsolated: boolean;
  readonly exposure: Exposure;
}

interface AppSpec {
  readonly ns: NamespaceSpec;
  readonly name: string;
  readonly tier: Tier;
  readonly replicas: number;
  /** The port callers use; the first of `ports`. */
  readonly ports: readonly PortSpec[];
  readonly store?: DataStore;
  readonly callers: AppSpec[];
  readonly callees: AppSpec[];
}

interface DataStore {
  readonly name: string;
  readonly image: string;
  readonly ports: readonly PortSpec[];
  readonly exporterPort: number;
}

const TEAMS = [
  'payments', 'checkout', 'search', 'identity', 'growth', 'platform', 'data', 'ml', 'ads',
  'media', 'messaging', 'billing', 'catalog', 'logistics', 'support', 'analytics', 'security',
  'sre', 'mobile', 'web',
];
const ENVS = ['prod', 'prod', 'prod', 'staging', 'staging', 'dev'];
const FRONTEND_NAMES = ['web', 'storefront', 'portal', 'gateway', 'ui', 'bff'];
const BACKEND_NAMES = [
  'api', 'orders', 'billing', 'auth', 'search', 'catalog', 'inventory', 'payments', 'notifications',
  'users', 'reports', 'pricing', 'shipping', 'reviews', 'media', 'ledger', 'profile', 'sessions',
  'cart', 'checkout', 'recommendations', 'audit', 'scheduler', 'webhooks',
];
const DATA_STORES: readonly DataStore[] = [
  { name: 'postgres', image: 'postgres:16.4', ports: [{ name: 'postgres', containerPort: 5432 }], exporterPort: 9187 },
  { name: 'redis', image: 'redis:7.2-alpine', ports: [{ name: 'redis', containerPort: 6379 }], exporterPort: 9121 },
  { name: 'kafka', image: 'apache/kafka:3.8.0', ports: [{ name: 'kafka', containerPort: 9092 }], exporterPort: 9308 },
  { name: 'mongodb', image: 'mongo:7.0', ports: [{ name: 'mongodb', containerPort: 27017 }], exporterPort: 9216 },
  {
    name: 'elasticsearch',
    image: 'elasticsearch:8.15.0',
    ports: [{ name: 'http', containerPort: 9200 }, { name: 'transport', containerPort: 9300 }],
    exporterPort: 9114,
  },
  { name: 'rabbitmq', image: 'rabbitmq:3.13', ports: [{ name: 'amqp', containerPort: 5672 }], exporterPort: 15692 },
];
/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** Nodes are sized so that about this many pods share one (kubelet's default limit is 110). */
const PODS_PER_NODE = 30;
const CROWN_JEWEL_ANNOTATION = 'lateral.dev/crown-jewel';
/** Pod IPs are 10.0.0.0/8 offsets 1..MAX_PODS (the broadcast address stays unused). */
const MAX_PODS = (1 << 24) - 2;
const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** mulberry32: tiny, fast and good enough to shape test data; Math.random cannot be seeded. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** `n` distinct items (fewer if there are not that many), in their original order. */
  sample<T>(items: readonly T[], n: number): T[] {
    if (n >= items.length) return [...items];
    const chosen = new Set<number>();
    while (chosen.size < n) chosen.add(Math.floor(this.next() * items.length));
    return [...chosen].sort((a, b) => a - b).map((i) => items[i]!);
  }
  chars(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += NAME_ALPHABET[Math.floor(this.next() * NAME_ALPHABET.length)];
    return s;
  }
  /** 32 random bits as 8 hex digits. */
  private hex32(): string {
    const v = (this.next() * 4294967296) >>> 0;
    return HEX_BYTE[v >>> 24]! + HEX_BYTE[(v >>> 16) & 255]! + HEX_BYTE[(v >>> 8) & 255]! + HEX_BYTE[v & 255]!;
  }
  /** A version-4 UUID, as the API server assigns metadata.uid. */
  uid(): string {
    const a = this.hex32(), b = this.hex32(), c = this.hex32(), d = this.hex32();
    return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-${'89ab'[parseInt(c[0]!, 16) & 3]}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }
}

function checkOptions(opts: SynthOptions): number {
  const whole = (v: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new InputError(`must be an integer from ${min} to ${max}, not ${String(v)}`, { object: 'synthetic cluster', field });
    }
  };
  // kube-system (CoreDNS, the ingress controller when there is no room for its own namespace)
  // plus at least one team namespace for the apps and their policies.
  whole(opts.namespaces, 'namespaces', 2);
  // One CoreDNS pod and one ingress controller pod: the policies refer to both.
  whole(opts.pods, 'pods', 2, MAX_PODS);
  whole(opts.policies, 'policies', 0);
  const seed = opts.seed ?? 1;
  whole(seed, 'seed', Number.MIN_SAFE_INTEGER);
  return seed;
}

function podIp(index: number): string {
  return `10.${(index >>> 16) & 255}.${(index >>> 8) & 255}.${index & 255}`;
}

/** Deep-freezes the sub-objects many manifests share, so that sharing cannot leak a change. */
function frozen<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) frozen(x);
    Object.freeze(v);
  }
  return v;
}

interface WorkloadTemplate {
  readonly namespace: string;
  readonly name: string;
  readonly kind: 'Deployment' | 'StatefulSet';
  /** Labels of the workload and of its pod template. */
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  readonly containers: readonly Obj[];
  readonly replicas: number;
  /** Pod template annotations, which the controller copies onto every pod. */
  readonly templateAnnotations?: Readonly<Record<string, string>>;
}

/** Emits manifests; owns the pod counter (IPs) and the node spread. */
class Emitter {
  readonly out: Obj[] = [];
  private podIndex = 0;
  constructor(
    private readonly rng: Rng,
    private readonly nodes: number,
  ) {}

  workload(w: WorkloadTemplate): void {
    const uid = this.rng.uid();
    const containers = frozen(w.containers);
    const annotations = w.templateAnnotations ? { annotations: frozen({ ...w.templateAnnotations }) } : {};
    const workload: Obj = {
      apiVersion: 'apps/v1',
      kind: w.kind,
      metadata: { name: w.name, namespace: w.namespace, uid, labels: frozen({ ...w.labels }) },
      spec: {
        ...(w.kind === 'StatefulSet' ? { serviceName: w.name } : {}),
        replicas: w.replicas,
        selector: { matchLabels: frozen({ ...w.selector }) },
        template: { metadata: { labels: frozen({ ...w.labels }), ...annotations }, spec: { containers } },
      },
    };
    this.out.push(workload);
    if (w.kind === 'Deployment') this.deploymentPods(w, uid, containers);
    else this.statefulSetPods(w, uid, containers);
  }

  private deploymentPods(w: WorkloadTemplate, deployUid: string, containers: readonly Obj[]): void {
    const hash = this.rng.chars(10);
    const rsName = `${w.name}-${hash}`;
    const rsUid = this.rng.uid();
    const podLabels = frozen({ ...w.labels, 'pod-template-hash': hash });
    this.out.push({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rsName,
        namespace: w.namespace,
        uid: rsUid,
        labels: podLabels,
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: w.name, uid: deployUid, controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: {
        replicas: w.replicas,
        selector: { matchLabels: frozen({ ...w.selector, 'pod-template-hash': hash }) },
        template: { metadata: { labels: podLabels }, spec: { containers } },
      },
      status: { replicas: w.replicas, readyReplicas: w.replicas },
    });
    const owner = frozen([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: rsUid, controller: true, blockOwnerDeletion: true }]);
    const names = new Set<string>();
    for (let i = 0; i < w.replicas; i++) {
      let name: string;
      do name = `${rsName}-${this.rng.chars(5)}`;
      while (names.has(name));
      names.add(name);
      this.pod(w.namespace, name, podLabels, owner, containers);
    }
  }

  private statefulSetPods(w: WorkloadTemplate, stsUid: string, containers: readonly Obj[]): void {
    const revision = `${w.name}-${this.rng.chars(10)}`;
    const owner = frozen([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: w.name, uid: stsUid, controller: true, blockOwnerDeletion: true }]);
    const annotations = w.templateAnnotations ? frozen({ ...w.templateAnnotations }) : undefined;
    for (let i = 0; i < w.replicas; i++) {
      const name = `${w.name}-${i}`;
      const labels = {
        ...w.labels,
        'controller-revision-hash': revision,
        'statefulset.kubernetes.io/pod-name': name,
        'apps.kubernetes.io/pod-index': String(i),
      };
      this.pod(w.namespace, name, labels, owner, containers, { annotations });
    }
  }

  /**
   * A DaemonSet with one pod on every node (node-1..node-N, in order), as the DaemonSet
   * controller schedules it: placement is then known for every pod.
   */
  daemonSet(namespace: string, name: string, labels: Readonly<Record<string, string>>, containers: readonly Obj[], volumes: readonly Obj[]): void {
    const uid = this.rng.uid();
    const frozenContainers = frozen(containers);
    const frozenVolumes = frozen(volumes);
    const hash = this.rng.chars(10);
    this.out.push({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name, namespace, uid, labels: frozen({ ...labels }) },
      spec: {
        selector: { matchLabels: frozen({ ...labels }) },
        template: { metadata: { labels: frozen({ ...labels }) }, spec: { containers: frozenContainers, volumes: frozenVolumes } },
      },
      status: { desiredNumberScheduled: this.nodes, currentNumberScheduled: this.nodes, numberReady: this.nodes },
    });
    const podLabels = frozen({ ...labels, 'controller-revision-hash': hash, 'pod-template-generation': '1' });
    const owner = frozen([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name, uid, controller: true, blockOwnerDeletion: true }]);
    const names = new Set<string>();
    for (let n = 1; n <= this.nodes; n++) {
      let podName: string;
      do podName = `${name}-${this.rng.chars(5)}`;
      while (names.has(podName));
      names.add(podName);
      this.pod(namespace, podName, podLabels, owner, frozenContainers, { node: n, volumes: frozenVolumes });
    }
  }

  private pod(
    namespace: string,
    name: string,
    labels: Obj,
    ownerReferences: readonly Obj[],
    containers: readonly Obj[],
    extra: { node?: number; volumes?: readonly Obj[]; annotations?: Obj | undefined } = {},
  ): void {
    const ip = podIp(++this.podIndex);
    const node = extra.node ?? this.rng.int(1, this.nodes);
    this.out.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, uid: this.rng.uid(), labels, ...(extra.annotations ? { annotations: extra.annotations } : {}), ownerReferences },
      spec: { nodeName: `node-${node}`, containers, ...(extra.volumes ? { volumes: extra.volumes } : {}) },
      status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
    });
  }
}

function container(name: string, image: string, ports: readonly PortSpec[]): Obj {
  return {
    name,
    image,
    ports: ports.map((p) => ({ name: p.name, containerPort: p.containerPort, ...(p.protocol ? { protocol: p.protocol } : {}) })),
  };
}

function service(
  namespace: string,
  name: string,
  type: 'ClusterIP' | 'LoadBalancer' | 'NodePort',
  selector: Readonly<Record<string, string>>,
  ports: readonly { name: string; port: number; targetPort: string; protocol?: 'UDP'; nodePort?: number }[],
  headless = false,
): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: {
      type,
      ...(headless ? { clusterIP: 'None' } : {}),
      ...(type === 'LoadBalancer' ? { externalTrafficPolicy: 'Local' } : {}),
      selector: { ...selector },
      ports: ports.map((p) => ({ name: p.name, protocol: p.protocol ?? 'TCP', port: p.port, targetPort: p.targetPort, ...(p.nodePort ? { nodePort: p.nodePort } : {}) })),
    },
  };
}

/** The frontend published through the cluster's ingress controller, by host name. */
function ingress(ns: NamespaceSpec, frontend: string): Obj {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: frontend, namespace: ns.name },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host: `${frontend}.${ns.name}.example.com`,
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: frontend, port: { name: 'http' } } } }] },
        },
      ],
    },
  };
}

function networkPolicy(namespace: string, name: string, spec: Obj): Obj {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

/** How a rule names an app's main port: by name or by number, as people write both. */
function portRef(rng: Rng, p: PortSpec): Obj {
  if (rng.chance(0.5)) return { port: p.name, ...(p.protocol ? { protocol: p.protocol } : {}) };
  // protocol omitted half the time: the API defaults it to TCP.
  return { ...(p.protocol || rng.chance(0.5) ? { protocol: p.protocol ?? 'TCP' } : {}), port: p.containerPort };
}

/** Egress destinations outside the cluster, all from documentation ranges except the catch-all. */
function externalRule(rng: Rng): Obj {
  switch (rng.int(0, 3)) {
    case 0:
      return {
        to: [{ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.128/25'] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      };
    case 1:
      // Internet egress that keeps the cluster and the cloud metadata service out.
      return {
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '169.254.169.254/32'] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      };
    case 2:
      return {
        to: [{ ipBlock: { cidr: '198.51.100.0/24', except: ['198.51.100.0/28'] } }],
        ports: [{ protocol: 'TCP', port: 8000, endPort: 8099 }],
      };
    default:
      return {
        to: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:ffff::/48'] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      };
  }
}

export function synthesizeCluster(opts: SynthOptions): Record<string, unknown>[] {
  const seed = checkOptions(opts);
  const rng = new Rng(seed);
  // Exposure choices come from their own stream, so publishing frontends leaves the rest of
  // the cluster as the main stream draws it.
  const exposureRng = new Rng(seed ^ 0x5eed);
  const nodes = Math.max(3, Math.ceil(opts.pods / PODS_PER_NODE));
  const emit = new Emitter(rng, nodes);

  // ---------------------------------------------------------------------------- namespaces
  // The ingress controller gets its own namespace when there is room for it and a team namespace.
  const ingressNs = opts.namespaces >= 3 ? 'ingress-nginx' : 'kube-system';
  const teamNsCount = opts.namespaces - (ingressNs === 'kube-system' ? 1 : 2);
  const namespaces: NamespaceSpec[] = [];
  const usedNs = new Set(['kube-system', 'ingress-nginx', 'default']);
  for (let i = 0; i < teamNsCount; i++) {
    const team = rng.pick(TEAMS);
    const env = rng.pick(ENVS);
    let name = `${team}-${env}`;
    for (let k = 2; usedNs.has(name); k++) name = `${team}-${env}-${k}`;
    usedNs.add(name);
    // Most namespaces are locked down; of those about half deny egress by default as well.
    const ingressIsolated = rng.chance(0.85);
    const egressIsolated = ingressIsolated && rng.chance(0.5);
    // Most frontends sit behind the ingress controller; some have their own load balancer, a
    // few a NodePort (the legacy way in).
    const r = exposureRng.next();
    const exposure: Exposure = r < 0.1 ? 'LoadBalancer' : r < 0.14 ? 'NodePort' : 'Ingress';
    namespaces.push({ name, team, env, apps: [], ingressIsolated, egressIsolated, exposure });
  }
  emit.out.push(namespaceObject('kube-system', {}));
  if (ingressNs === 'ingress-nginx') emit.out.push(namespaceObject('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }));
  for (const ns of namespaces) emit.out.push(namespaceObject(ns.name, { team: ns.team, env: ns.env }));

  // -------------------------------------------------------------------------- system pods
  const systemReplicas = opts.pods >= 20 ? 2 : 1;
  const dnsLabels = { 'k8s-app': 'kube-dns' };
  emit.workload({
    namespace: 'kube-system',
    name: 'coredns',
    kind: 'Deployment',
    labels: dnsLabels,
    selector: dnsLabels,
    replicas: systemReplicas,
    containers: [
      container('coredns', 'registry.k8s.io/coredns/coredns:v1.11.3', [
        { name: 'dns', containerPort: 53, protocol: 'UDP' },
        { name: 'dns-tcp', containerPort: 53 },
        { name: 'metrics', containerPort: 9153 },
      ]),
    ],
  });
  const controllerLabels = { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' };
  emit.workload({
    namespace: ingressNs,
    name: 'ingress-nginx-controller',
    kind: 'Deployment',
    labels: controllerLabels,
    selector: controllerLabels,
    replicas: systemReplicas,
    containers: [
      container('controller', 'registry.k8s.io/ingress-nginx/controller:v1.11.2', [
        { name: 'http', containerPort: 80 },
        { name: 'https', containerPort: 443 },
        { name: 'metrics', containerPort: 10254 },
      ]),
    ],
  });
  emit.out.push(
    service('kube-system', 'kube-dns', 'ClusterIP', dnsLabels, [
      { name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, targetPort: 'dns-tcp' },
    ]),
    service(ingressNs, 'ingress-nginx-controller', 'LoadBalancer', controllerLabels, [
      { name: 'http', port: 80, targetPort: 'http' },
      { name: 'https', port: 443, targetPort: 'https' },
    ]),
  );

  // A log shipper on every node, once there are pods enough that it takes at most half of
  // what the apps would get: it reads every container's logs from the host (hostPath) and runs
  // privileged for journald, which makes it a way from a pod to its node.
  const logShipper = opts.pods - 2 * systemReplicas >= 2 * nodes;
  if (logShipper) {
    const labels = { 'app.kubernetes.io/name': 'fluent-bit', 'app.kubernetes.io/component': 'log-shipper' };
    emit.daemonSet(
      'kube-system',
      'fluent-bit',
      labels,
      [
        {
          ...container('fluent-bit', 'cr.fluentbit.io/fluent/fluent-bit:3.1.9', [{ name: 'http', containerPort: 2020 }]),
          securityContext: { privileged: true },
          volumeMounts: [
            { name: 'varlog', mountPath: '/var/log', readOnly: true },
            { name: 'containers', mountPath: '/var/lib/docker/containers', readOnly: true },
          ],
        },
      ],
      [
        { name: 'varlog', hostPath: { path: '/var/log' } },
        { name: 'containers', hostPath: { path: '/var/lib/docker/containers' } },
      ],
    );
  }

  // --------------------------------------------------------------------------------- apps
  let remaining = opts.pods - 2 * systemReplicas - (logShipper ? nodes : 0);
  const usedApps = new Map<NamespaceSpec, Set<string>>();
  // A few crown jewels: the first postgres of locked-down prod namespaces, about one per 20
  // namespaces.
  let jewelsLeft = Math.ceil(namespaces.length / 20);
  const jewelNamespaces = new Set<NamespaceSpec>();
  let nodePort = 30080;
  for (let k = 0; remaining > 0; k++) {
    // First one app per namespace so every namespace has a frontend, then skewed towards the
    // first namespaces: real clusters have a few big namespaces and many small ones.
    const ns = k < namespaces.length ? namespaces[k]! : namespaces[Math.floor(namespaces.length * rng.next() ** 2)]!;
    const j = ns.apps.length;
    const tier: Tier = j === 0 ? 'frontend' : j % 6 === 5 ? 'data' : 'backend';
    const store = tier === 'data' ? rng.pick(DATA_STORES) : undefined;
    // Mostly small: cube of a uniform gives a mean near 6 out of 1..20; stores run 1..3.
    const wanted = store ? rng.int(1, 3) : 1 + Math.floor(20 * rng.next() ** 3);
    const replicas = Math.min(remaining, wanted);
    remaining -= replicas;

    let used = usedApps.get(ns);
    if (!used) usedApps.set(ns, (used = new Set()));
    const base = store?.name ?? rng.pick(tier === 'frontend' ? FRONTEND_NAMES : BACKEND_NAMES);
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
    used.add(name);

    let ports: PortSpec[];
    if (store) ports = [...store.ports, { name: 'metrics', containerPort: store.exporterPort }];
    else if (tier === 'frontend') ports = [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }];
    else {
      ports = rng.chance(0.5)
        ? [{ name: 'grpc', containerPort: 50051 }, { name: 'metrics', containerPort: 9090 }]
        : [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }];
      // Some services also take UDP (statsd-style telemetry), so rules can differ by protocol.
      if (rng.chance(0.1)) ports.push({ name: 'statsd', containerPort: 8125, protocol: 'UDP' });
    }
    const app: AppSpec = { ns, name, tier, replicas, ports, callers: [], callees: [], ...(store ? { store } : {}) };

    // Callers come from earlier apps (frontends and backends), so the call graph is acyclic
    // and every backend is reachable from its namespace's frontend in a few hops.
    const earlier = ns.apps.filter((a) => a.tier !== 'data');
    const callers = rng.sample(earlier, tier === 'data' ? rng.int(1, 2) : rng.int(1, 3));
    for (const c of callers) {
      app.callers.push(c);
      c.callees.push(app);
    }
    ns.apps.push(app);

    const labels = { app: name, tier, 'app.kubernetes.io/part-of': ns.team };
    const containers = store
      ? [
          container(store.name, store.image, store.ports),
          container('exporter', `registry.example.com/exporters/${store.name}-exporter:1.0.0`, [{ name: 'metrics', containerPort: store.exporterPort }]),
        ]
      : [container(name, `registry.example.com/${ns.team}/${name}:1.${rng.int(0, 30)}.${rng.int(0, 9)}`, ports)];
    // Those are what a team locks down first: only in namespaces with default-deny ingress.
    const jewel = store?.name === 'postgres' && ns.env === 'prod' && ns.ingressIsolated && jewelsLeft > 0 && !jewelNamespaces.has(ns);
    if (jewel) {
      jewelsLeft--;
      jewelNamespaces.add(ns);
    }
    emit.workload({
      namespace: ns.name,
      name,
      kind: store ? 'StatefulSet' : 'Deployment',
      labels,
      selector: { app: name },
      replicas,
      containers,
      ...(jewel ? { templateAnnotations: { [CROWN_JEWEL_ANNOTATION]: 'true' } } : {}),
    });
    const main = ports[0]!;
    const mainPort = { name: main.name, targetPort: main.name, ...(main.protocol ? { protocol: main.protocol } : {}) };
    if (tier === 'frontend' && ns.exposure === 'LoadBalancer') {
      emit.out.push(service(ns.name, name, 'LoadBalancer', { app: name }, [{ ...mainPort, name: 'https', port: 443 }]));
    } else if (tier === 'frontend' && ns.exposure === 'NodePort') {
      emit.out.push(service(ns.name, name, 'NodePort', { app: name }, [{ ...mainPort, port: 80, nodePort: nodePort++ }]));
    } else {
      // StatefulSets get the headless Service their serviceName names.
      emit.out.push(service(ns.name, name, 'ClusterIP', { app: name }, [{ ...mainPort, port: store ? main.containerPort : 80 }], !!store));
    }
    if (tier === 'frontend' && ns.exposure === 'Ingress') emit.out.push(ingress(ns, name));
  }

  // ----------------------------------------------------------------------------- policies
  const maxPodOctet = (opts.pods >>> 16) & 255;
  const candidates = namespaces.map((ns) => namespacePolicies(rng, ns, namespaces, ingressNs, maxPodOctet));
  const take = namespaces.map(() => 0);
  let budget = opts.policies;
  for (let round = 0, progressed = true; budget > 0 && progressed; round++) {
    progressed = false;
    for (let i = 0; i < candidates.length && budget > 0; i++) {
      if (candidates[i]!.length > round) {
        take[i]!++;
        budget--;
        progressed = true;
      }
    }
  }
  const extras: Obj[][] = namespaces.map(() => []);
  for (let k = 0; budget > 0; k++, budget--) {
    const i = k % namespaces.length;
    extras[i]!.push(extraPolicy(rng, namespaces[i]!, namespaces, k));
  }
  namespaces.forEach((_, i) => {
    emit.out.push(...candidates[i]!.slice(0, take[i]), ...extras[i]!);
  });
  addIdentities(emit.out, namespaces, ingressNs, logShipper, new Rng(seed ^ 0x1d3)); // own stream: the rest stays as drawn
  return emit.out;
}

/**
 * ServiceAccounts and RBAC shaped like a real cluster's, for the identity moves of lateral
 * movement: the ingress controller lists Secrets cluster-wide (as ingress-nginx's chart grants
 * it), the log shipper and CoreDNS read pod metadata; every team namespace binds `edit` to its
 * team's group; about one namespace in four has a backend with its own account that reads the
 * namespace's Secrets, about one in eight a `deployer` account (a CD agent's) bound to `edit`,
 * held by that namespace's first backend. prod namespaces enforce the restricted Pod Security
 * level, the rest carry no label (privileged). No `default/kubernetes` Service: namespaces stay
 * exactly as many as asked, and the API server's address is then unknown (taken as reachable).
 * Pods and templates get serviceAccountName in place, after the fact, so the rest of the
 * cluster is what the main stream drew.
 */
function addIdentities(out: Obj[], namespaces: readonly NamespaceSpec[], ingressNs: string, logShipper: boolean, rng: Rng): void {
  const rbac = 'rbac.authorization.k8s.io/v1';
  const sa = (namespace: string, name: string): Obj => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  const rule = (apiGroups: string[], resources: string[], verbs: string[]): Obj => ({ apiGroups, resources, verbs });
  const clusterRole = (name: string, rules: Obj[]): Obj => ({ apiVersion: rbac, kind: 'ClusterRole', metadata: { name }, rules });
  const bindTo = (kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, namespace: string | undefined, roleKind: string, role: string, subjects: Obj[]): Obj => ({
    apiVersion: rbac,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
    subjects,
  });
  const saSubject = (namespace: string, name: string): Obj => ({ kind: 'ServiceAccount', name, namespace });
  const RO = ['get', 'list', 'watch'];
  const RW = ['create', 'update', 'patch', 'delete', ...RO];
  out.push(
    clusterRole('view', [rule(['', 'apps', 'batch'], ['pods', 'services', 'configmaps', 'deployments', 'statefulsets', 'jobs'], RO)]),
    clusterRole('edit', [
      rule([''], ['pods', 'pods/exec', 'pods/attach', 'services', 'configmaps', 'secrets', 'serviceaccounts'], RW),
      rule(['apps'], ['deployments', 'statefulsets', 'replicasets'], RW),
      rule(['batch'], ['jobs', 'cronjobs'], RW),
    ]),
    clusterRole('ingress-nginx', [rule([''], ['configmaps', 'endpoints', 'nodes', 'pods', 'secrets', 'namespaces'], ['list', 'watch']), rule(['networking.k8s.io'], ['ingresses', 'ingressclasses'], RO)]),
    clusterRole('system:coredns', [rule([''], ['endpoints', 'services', 'pods', 'namespaces'], ['list', 'watch'])]),
    sa(ingressNs, 'ingress-nginx'),
    bindTo('ClusterRoleBinding', 'ingress-nginx', undefined, 'ClusterRole', 'ingress-nginx', [saSubject(ingressNs, 'ingress-nginx')]),
    sa('kube-system', 'coredns'),
    bindTo('ClusterRoleBinding', 'system:coredns', undefined, 'ClusterRole', 'system:coredns', [saSubject('kube-system', 'coredns')]),
  );
  const holders: { namespace: string; app: string; account: string }[] = [
    { namespace: 'kube-system', app: 'kube-dns', account: 'coredns' },
    { namespace: ingressNs, app: 'ingress-nginx', account: 'ingress-nginx' },
  ];
  if (logShipper) {
    out.push(
      clusterRole('fluent-bit', [rule([''], ['pods', 'namespaces'], RO)]),
      sa('kube-system', 'fluent-bit'),
      bindTo('ClusterRoleBinding', 'fluent-bit', undefined, 'ClusterRole', 'fluent-bit', [saSubject('kube-system', 'fluent-bit')]),
    );
    holders.push({ namespace: 'kube-system', app: 'fluent-bit', account: 'fluent-bit' });
  }
  const nsObjects = new Map(out.filter((o) => o.kind === 'Namespace').map((o) => [(o.metadata as Obj).name as string, o]));
  for (const ns of namespaces) {
    if (ns.env === 'prod') ((nsObjects.get(ns.name)!.metadata as Obj).labels as Record<string, string>)['pod-security.kubernetes.io/enforce'] = 'restricted';
    out.push(
      sa(ns.name, 'default'),
      bindTo('RoleBinding', 'team-edit', ns.name, 'ClusterRole', 'edit', [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `team:${ns.team}` }]),
    );
    const backends = ns.apps.filter((a) => a.tier === 'backend');
    if (backends.length > 0 && rng.chance(0.25)) {
      const app = rng.pick(backends);
      out.push(
        sa(ns.name, app.name),
        { apiVersion: rbac, kind: 'Role', metadata: { name: `${app.name}-secrets`, namespace: ns.name }, rules: [rule([''], ['secrets'], ['get', 'list'])] },
        bindTo('RoleBinding', `${app.name}-secrets`, ns.name, 'Role', `${app.name}-secrets`, [saSubject(ns.name, app.name)]),
      );
      holders.push({ namespace: ns.name, app: app.name, account: app.name });
    }
    if (backends.length > 0 && rng.chance(0.125)) {
      const app = backends[0]!;
      out.push(sa(ns.name, 'deployer'), bindTo('RoleBinding', 'deployer-edit', ns.name, 'ClusterRole', 'edit', [saSubject(ns.name, 'deployer')]));
      if (!holders.some((h) => h.namespace === ns.name && h.app === app.name)) holders.push({ namespace: ns.name, app: app.name, account: 'deployer' });
    }
  }
  // serviceAccountName on the holders' controllers' templates and pods (by their app label).
  const holderOf = new Map(holders.map((h) => [`${h.namespace}/${h.app}`, h.account]));
  for (const o of out) {
    const meta = o.metadata as Obj | undefined;
    const spec = o.spec as Obj | undefined;
    if (!meta || !spec) continue;
    const labels = (o.kind === 'Pod' ? meta.labels : ((spec.template as Obj | undefined)?.metadata as Obj | undefined)?.labels) as Record<string, string> | undefined;
    const app = labels?.app ?? labels?.['k8s-app'] ?? labels?.['app.kubernetes.io/name'];
    const account = app === undefined ? undefined : holderOf.get(`${meta.namespace as string}/${app}`);
    if (!account) continue;
    if (o.kind === 'Pod') spec.serviceAccountName = account;
    else if (spec.template) (spec.template as Obj).spec = { ...((spec.template as Obj).spec as Obj), serviceAccountName: account };
  }
}

function namespaceObject(name: string, labels: Record<string, string>): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

/** The policies a namespace's owners would write, most important first. */
function namespacePolicies(rng: Rng, ns: NamespaceSpec, all: readonly NamespaceSpec[], ingressNs: string, maxPodOctet: number): Obj[] {
  const out: Obj[] = [];
  const name = ns.name;
  if (ns.ingressIsolated) {
    const types = ns.egressIsolated ? ['Ingress', 'Egress'] : ['Ingress'];
    // Now and then one app is exempted from the baseline "until it is fixed": a NotIn selector.
    const exempt = ns.apps.length > 2 && rng.chance(0.1) ? rng.pick(ns.apps).name : undefined;
    const podSelector = exempt ? { matchExpressions: [{ key: 'app', operator: 'NotIn', values: [exempt] }] } : {};
    out.push(networkPolicy(name, ns.egressIsolated ? 'default-deny' : 'default-deny-ingress', { podSelector, policyTypes: types }));
  }
  if (ns.egressIsolated) {
    out.push(
      networkPolicy(name, 'allow-dns-egress', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      }),
    );
  }
  if (ns.egressIsolated && rng.chance(0.4)) {
    // Namespace-wide egress to partner APIs and the internet (ipBlock with except) comes right
    // after DNS in real baselines, so even a tight policy budget exercises ipBlocks.
    out.push(
      networkPolicy(name, 'allow-external-egress', {
        podSelector: { matchLabels: { tier: 'backend' } },
        policyTypes: ['Egress'],
        egress: [externalRule(rng)],
      }),
    );
  }
  if (ns.apps.some((a) => a.tier === 'frontend')) {
    out.push(
      networkPolicy(name, 'allow-ingress-controller', {
        podSelector: { matchLabels: { tier: 'frontend' } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ingressNs } },
                podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
              },
            ],
            ports: [{ port: 'http' }],
          },
        ],
      }),
    );
  }
  if (ns.ingressIsolated && ns.exposure !== 'Ingress' && ns.apps.some((a) => a.tier === 'frontend')) {
    // Its own load balancer (externalTrafficPolicy: Local keeps client addresses) or a
    // NodePort: clients arrive from outside the cluster, so their addresses must be admitted.
    out.push(
      networkPolicy(name, 'allow-external-http', {
        podSelector: { matchLabels: { tier: 'frontend' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 'http' }] }],
      }),
    );
  }
  if (ns.ingressIsolated) {
    // Scrapers run in the platform and SRE teams' namespaces; apps export on 9090, exporters in
    // 9100-9199 (a port range), and anything with an app label is scraped.
    out.push(
      networkPolicy(name, 'allow-metrics-scrape', {
        podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['platform', 'sre'] }] } }],
            ports: [{ protocol: 'TCP', port: 9090, endPort: 9199 }],
          },
        ],
      }),
    );
  }

  for (const app of ns.apps) {
    const main = app.ports[0]!;
    if (app.tier !== 'frontend') {
      const from: Obj[] = [];
      if (app.tier === 'data' && rng.chance(0.3)) from.push({ podSelector: { matchLabels: { tier: 'backend' } } });
      else if (app.callers.length > 1 && rng.chance(0.4)) {
        from.push({ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: app.callers.map((c) => c.name) }] } });
      } else for (const c of app.callers) from.push({ podSelector: { matchLabels: { app: c.name } } });
      if (app.tier === 'backend' && rng.chance(0.15)) {
        // Another team's backends call this one: both selectors in one peer (AND).
        from.push({ namespaceSelector: { matchLabels: { team: rng.pick(all).team } }, podSelector: { matchLabels: { tier: 'backend' } } });
      }
      if (app.tier === 'backend' && rng.chance(0.05)) {
        from.push({
          namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] },
          podSelector: { matchLabels: { app: app.name } },
        });
      }
      if (app.tier === 'data' && rng.chance(0.1)) {
        // A "legacy VM subnet" that in fact overlaps the pod network: ipBlock peers match pods.
        const octet = rng.int(0, maxPodOctet);
        from.push({ ipBlock: { cidr: `10.${octet}.0.0/16`, except: [`10.${octet}.0.0/24`] } });
      }
      const ports =
        app.store?.name === 'elasticsearch'
          ? [{ protocol: 'TCP', port: 9200, endPort: 9300 }]
          : [portRef(rng, main)];
      out.push(networkPolicy(name, `${app.name}-ingress`, { podSelector: { matchLabels: { app: app.name } }, policyTypes: ['Ingress'], ingress: [{ from, ports }] }));
    }
    if (ns.egressIsolated) {
      const egress: Obj[] = app.callees.map((c) => ({ to: [{ podSelector: { matchLabels: { app: c.name } } }], ports: [portRef(rng, c.ports[0]!)] }));
      if (app.tier === 'backend' && rng.chance(0.1)) {
        egress.push({
          to: [{ namespaceSelector: { matchLabels: { team: rng.pick(all).team } }, podSelector: { matchLabels: { tier: 'backend' } } }],
          ports: [{ port: 'grpc' }],
        });
      }
      if (app.tier !== 'frontend' && rng.chance(0.15)) egress.push(externalRule(rng));
      if (egress.length > 0) {
        out.push(networkPolicy(name, `${app.name}-egress`, { podSelector: { matchLabels: { app: app.name } }, policyTypes: ['Egress'], egress }));
      }
    }
  }
  return out;
}

/** Beyond what the call graph suggests: more cross-namespace allow rules on port ranges. */
function extraPolicy(rng: Rng, ns: NamespaceSpec, all: readonly NamespaceSpec[], k: number): Obj {
  const target = ns.apps.length > 0 ? { matchLabels: { app: rng.pick(ns.apps).name } } : {};
  const peer = rng.pick(all).name;
  const port = rng.int(1024, 32000);
  return networkPolicy(ns.name, `allow-from-${peer}-${k}`, {
    podSelector: target,
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer } },
            podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'backend'] }] },
          },
        ],
        ports: [{ protocol: rng.chance(0.8) ? 'TCP' : 'UDP', port, endPort: port + rng.int(0, 100) }],
      },
    ],
  });
}

/** The same cluster as multi-document YAML, one document per object. */
export function synthesizeYaml(opts: SynthOptions): string {
  const pods = new PodYaml();
  return synthesizeCluster(opts)
    .map((o) => (o.kind === 'Pod' && pods.render(o)) || dump(o))
    .join('---\n');
}

function dump(o: Obj): string {
  // noRefs: shared sub-objects are written out in full, never as YAML anchors and aliases.
  // The core schema is how the manifest loader reads (no timestamps, no binary), and checking
  // each string against fewer implicit types is most of js-yaml's time.
  return yaml.dump(o, { noRefs: true, lineWidth: -1, schema: yaml.CORE_SCHEMA });
}

const TOKENS = { name: 'synthtokname', uid: 'synthtokuid', node: 'synthtoknode', ip: 'synthtokip' } as const;
type Slot = keyof typeof TOKENS;
const TOKEN_PATTERN = /(synthtok(?:name|uid|node|ip))/;
const SLOT_OF: Record<string, Slot> = Object.fromEntries(Object.entries(TOKENS).map(([k, v]) => [v, k as Slot]));
/** Values js-yaml writes as plain scalars, so that pasting them into a template gives its output. */
const PLAIN: Record<Slot, RegExp> = {
  name: /^[a-z][-a-z0-9]*$/,
  node: /^[a-z][-a-z0-9]*$/,
  uid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  ip: /^\d+\.\d+\.\d+\.\d+$/,
};

/**
 * js-yaml writes about 15 MB/s; at 100k pods dumping every Pod would take most of the run.
 * Pods of one ReplicaSet (or DaemonSet) differ only in name, uid, node and IP, and share their
 * labels object (and containers, volumes, annotations):
 * dump the first one with placeholders, then fill in the rest. Anything that does not fit
 * (a pod with its own labels, a value js-yaml would quote) is dumped normally.
 */
class PodYaml {
  private readonly templates = new WeakMap<object, { owner: unknown; containers: unknown; volumes: unknown; annotations: unknown; parts: string[] }>();

  render(pod: Obj): string | undefined {
    const meta = pod.metadata as Obj;
    const spec = pod.spec as Obj;
    const status = pod.status as Obj;
    const labels = meta.labels as object;
    if (!Object.isFrozen(labels)) return undefined;
    const values: Record<Slot, unknown> = { name: meta.name, uid: meta.uid, node: spec.nodeName, ip: status.podIP };
    for (const slot of Object.keys(PLAIN) as Slot[]) {
      const v = values[slot];
      if (typeof v !== 'string' || !PLAIN[slot].test(v)) return undefined;
    }
    let t = this.templates.get(labels);
    if (!t) {
      const stand = {
        ...pod,
        metadata: { ...meta, name: TOKENS.name, uid: TOKENS.uid },
        spec: { ...spec, nodeName: TOKENS.node },
        status: { ...status, podIP: TOKENS.ip, podIPs: [{ ip: TOKENS.ip }] },
      };
      t = {
        owner: meta.ownerReferences,
        containers: spec.containers,
        volumes: spec.volumes,
        annotations: meta.annotations,
        parts: dump(stand).split(TOKEN_PATTERN),
      };
      this.templates.set(labels, t);
    }
    const ips = status.podIPs as { ip?: unknown }[] | undefined;
    if (
      t.owner !== meta.ownerReferences ||
      t.containers !== spec.containers ||
      t.volumes !== spec.volumes ||
      t.annotations !== meta.annotations ||
      ips?.length !== 1 ||
      ips[0]?.ip !== values.ip
    ) {
      return undefined;
    }
    let s = '';
    for (let i = 0; i < t.parts.length; i++) s += i % 2 === 0 ? t.parts[i] : (values[SLOT_OF[t.parts[i]!]!] as string);
    return s;
  }
}
