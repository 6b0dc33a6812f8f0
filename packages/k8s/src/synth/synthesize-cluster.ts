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
import { checkOptions, type SynthOptions } from './options.js';
import { Rng } from './rng.js';
import { addIdentities } from './identities.js';
import { container, Emitter, frozen, ingress, podIp, service } from './emitter.js';
import { extraPolicy, namespacePolicies, networkPolicy } from './policies.js';
import { BACKEND_NAMES, CROWN_JEWEL_ANNOTATION, DATA_STORES, ENVS, FRONTEND_NAMES, PODS_PER_NODE, TEAMS, type AppSpec, type DataStore, type Exposure, type NamespaceSpec, type Obj, type PortSpec, type Tier } from './vocabulary.js';

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

function namespaceObject(name: string, labels: Record<string, string>): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}
