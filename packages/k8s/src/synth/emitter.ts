/**
 * Manifests as controllers and the API server would leave them: workloads with their
 * ReplicaSets, StatefulSet and DaemonSet pods (names, uids, IPs, nodes), Services, Ingresses.
 */
import type { Rng } from './rng.js';
import type { NamespaceSpec, Obj, PortSpec } from './vocabulary.js';

export function podIp(index: number): string {
  return `10.${(index >>> 16) & 255}.${(index >>> 8) & 255}.${index & 255}`;
}

/** Deep-freezes the sub-objects many manifests share, so that sharing cannot leak a change. */
export function frozen<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) frozen(x);
    Object.freeze(v);
  }
  return v;
}

export interface WorkloadTemplate {
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
export class Emitter {
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

export function container(name: string, image: string, ports: readonly PortSpec[]): Obj {
  return {
    name,
    image,
    ports: ports.map((p) => ({ name: p.name, containerPort: p.containerPort, ...(p.protocol ? { protocol: p.protocol } : {}) })),
  };
}

export function service(
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
export function ingress(ns: NamespaceSpec, frontend: string): Obj {
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
