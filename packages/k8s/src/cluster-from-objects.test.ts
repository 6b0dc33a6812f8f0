import { InputError } from '@lateral/core';
import { describe, expect, it } from 'vitest';
import { clusterFromObjects } from './cluster-from-objects.js';
import { parseManifests } from './parse-manifests.js';

const load = (yaml: string, file = 'c.yaml') => clusterFromObjects(parseManifests(yaml, file));

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

const deployment = (name: string, extra = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop, labels: {team: a}, uid: d-${name}}
spec:
  replicas: 3
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}, from: deployment}}
    spec:
      containers:
      - name: main
        ports: [{containerPort: 8080, name: http}]${extra}
`;

const replicaSet = (name: string, owner: string, extra = '') => `
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: ${name}
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: ${owner}, controller: true, uid: x}]
spec:
  replicas: 2
  selector: {matchLabels: {app: ${owner}}}
  template:
    metadata: {labels: {app: ${owner}, from: replicaset}}
    spec: {containers: [{name: main}]}${extra}
`;

const pod = (name: string, ownerKind?: string, owner?: string, extra = '') => `
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: shop
  labels: {app: cart}
${ownerKind ? `  ownerReferences: [{apiVersion: v1, kind: ${ownerKind}, name: ${owner}, controller: true, uid: y}]` : ''}
spec:
  containers: [{name: main, ports: [{containerPort: 8080, name: http}]}]
status:
  podIP: 10.0.0.5
  podIPs: [{ip: 10.0.0.5}, {ip: "fd00::5"}]${extra}
`;

const docs = (...d: string[]) => d.join('\n---\n');

describe('clusterFromObjects: owners', () => {
  it('rolls a Pod up through its ReplicaSet to the Deployment', () => {
    const { cluster } = load(docs(deployment('cart'), replicaSet('cart-5d9f7c', 'cart'), pod('cart-5d9f7c-abcde', 'ReplicaSet', 'cart-5d9f7c')));
    expect(cluster.pods).toHaveLength(1);
    const p = cluster.pods[0]!;
    expect(p.owner).toEqual({ kind: 'Deployment', namespace: 'shop', name: 'cart' });
    expect(p.fromTemplate).toBe(false);
    expect(p.replicas).toBe(1);
    expect(cluster.workloads).toEqual([
      {
        kind: 'Deployment',
        namespace: 'shop',
        name: 'cart',
        labels: { team: 'a' },
        selector: { matchLabels: { app: 'cart' } },
        replicas: 3,
      },
    ]);
  });

  it('stops at the owner the last reference names when the chain leaves the input', () => {
    const { cluster } = load(pod('cart-5d9f7c-abcde', 'ReplicaSet', 'cart-5d9f7c'));
    expect(cluster.pods[0]!.owner).toEqual({ kind: 'ReplicaSet', namespace: 'shop', name: 'cart-5d9f7c' });
    expect(cluster.workloads).toEqual([{ kind: 'ReplicaSet', namespace: 'shop', name: 'cart-5d9f7c', labels: {} }]);
  });

  it('follows the chain as far as the input goes: Pod -> ReplicaSet in input -> Deployment not in input', () => {
    const { cluster } = load(docs(replicaSet('cart-5d9f7c', 'cart'), pod('cart-5d9f7c-abcde', 'ReplicaSet', 'cart-5d9f7c')));
    expect(cluster.pods.map((p) => p.owner)).toEqual([{ kind: 'Deployment', namespace: 'shop', name: 'cart' }]);
    expect(cluster.workloads.map((w) => `${w.kind}/${w.name}`)).toEqual(['Deployment/cart']);
  });

  it('rolls up to an owner of a kind it does not model when that owner is in the input', () => {
    const r = load(`
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: cart, namespace: shop, labels: {team: b}}
---
${replicaSet('cart-5d9f7c', 'cart').replace('kind: Deployment, name: cart', 'kind: Rollout, name: cart')}
---
${pod('cart-5d9f7c-x', 'ReplicaSet', 'cart-5d9f7c')}`);
    expect(r.cluster.pods.map((p) => p.owner)).toEqual([{ kind: 'Rollout', namespace: 'shop', name: 'cart' }]);
    expect(r.cluster.workloads).toEqual([{ kind: 'Rollout', namespace: 'shop', name: 'cart', labels: { team: 'b' } }]);
    expect(r.skipped).toEqual({ Rollout: 1 });
  });

  it('prefers the controller reference over others', () => {
    const { cluster } = load(`
kind: Pod
metadata:
  name: p
  ownerReferences:
  - {kind: ConfigMap, name: cm}
  - {kind: StatefulSet, name: db, controller: true}
`);
    expect(cluster.pods[0]!.owner).toEqual({ kind: 'StatefulSet', namespace: 'default', name: 'db' });
  });

  it('makes a pod without owner its own workload', () => {
    const { cluster } = load(pod('solo'));
    expect(cluster.pods[0]!.owner).toEqual({ kind: 'Pod', namespace: 'shop', name: 'solo' });
    expect(cluster.workloads).toEqual([
      { kind: 'Pod', namespace: 'shop', name: 'solo', labels: { app: 'cart' }, replicas: 1 },
    ]);
  });

  it('treats a static pod (owned by its Node) as its own workload', () => {
    const { cluster } = load(`
kind: Pod
metadata:
  name: etcd-node1
  namespace: kube-system
  ownerReferences: [{kind: Node, name: node1, controller: true}]
`);
    expect(cluster.pods[0]!.owner).toEqual({ kind: 'Pod', namespace: 'kube-system', name: 'etcd-node1' });
  });

  it('survives an ownerReferences cycle and says so', () => {
    const rs = (name: string, owner: string) => `
kind: ReplicaSet
metadata:
  name: ${name}
  ownerReferences: [{kind: ReplicaSet, name: ${owner}, controller: true}]
spec: {template: {metadata: {labels: {app: x}}}}
`;
    const { cluster, warnings } = load(docs(rs('a', 'b'), rs('b', 'a'), pod('p', 'ReplicaSet', 'a').replace('namespace: shop', 'namespace: default')));
    // The pod and both ReplicaSets resolve to one top (so no template pod is added beside the pod).
    expect(cluster.pods.map((p) => [p.name, p.owner.name])).toEqual([['p', 'a']]);
    expect(cluster.workloads.map((w) => w.name)).toEqual(['a']);
    expect(warnings).toEqual([
      'ownerReferences form a cycle (ReplicaSet default/a -> ReplicaSet default/b -> ReplicaSet default/a); ReplicaSet default/a taken as the top-level owner',
    ]);
  });
});

describe('clusterFromObjects: template pods', () => {
  it('stands for the pods of a workload that has none in the input', () => {
    const { cluster } = load(deployment('cart', `
        securityContext: {privileged: true}
      hostNetwork: true`));
    expect(cluster.pods).toEqual([
      {
        namespace: 'shop',
        name: 'cart',
        labels: { app: 'cart', from: 'deployment' },
        ips: [],
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        owner: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
        hostNetwork: true,
        security: { privileged: true, hostPID: false, hostIPC: false, hostPath: false, sysAdmin: false },
        replicas: 3,
        fromTemplate: true,
      },
    ]);
  });

  it('gives a Deployment and its pod-less ReplicaSet one template pod, from the Deployment', () => {
    const { cluster } = load(docs(replicaSet('cart-5d9f7c', 'cart'), deployment('cart')));
    expect(cluster.pods).toHaveLength(1);
    expect(cluster.pods[0]!).toMatchObject({
      name: 'cart',
      labels: { from: 'deployment' },
      owner: { kind: 'Deployment', name: 'cart' },
      replicas: 3,
      fromTemplate: true,
    });
    expect(cluster.workloads).toHaveLength(1);
  });

  it('does not use the template where pods exist for the workload', () => {
    const { cluster } = load(
      docs(deployment('cart'), replicaSet('cart-5d9f7c', 'cart'), pod('cart-5d9f7c-a', 'ReplicaSet', 'cart-5d9f7c'), pod('cart-5d9f7c-b', 'ReplicaSet', 'cart-5d9f7c')),
    );
    expect(cluster.pods.map((p) => [p.name, p.fromTemplate])).toEqual([
      ['cart-5d9f7c-a', false],
      ['cart-5d9f7c-b', false],
    ]);
  });

  it('uses the ReplicaSet template when its Deployment is not in the input', () => {
    const { cluster } = load(replicaSet('cart-5d9f7c', 'cart'));
    expect(cluster.pods[0]!).toMatchObject({
      name: 'cart',
      labels: { from: 'replicaset' },
      owner: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
      replicas: 2,
    });
  });

  it('counts replicas per kind: Job parallelism, CronJob, DaemonSet, StatefulSet default', () => {
    const { cluster } = load(`
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec: {parallelism: 4, template: {metadata: {labels: {app: j}}, spec: {containers: [{name: c}]}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cj}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: cj}}
        spec:
          initContainers: [{name: i, ports: [{containerPort: 53, protocol: UDP}]}]
          containers: [{name: c}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds}
spec: {selector: {matchLabels: {app: ds}}, template: {metadata: {labels: {app: ds}}, spec: {hostPID: true, containers: [{name: c}]}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec: {selector: {matchLabels: {app: db}}, template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c}]}}}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc}
spec: {replicas: 0, template: {metadata: {labels: {app: rc}}, spec: {containers: [{name: c}]}}}
`);
    expect(cluster.pods.map((p) => [p.owner.kind, p.name, p.replicas])).toEqual([
      ['Job', 'j', 4],
      ['CronJob', 'cj', 1],
      ['DaemonSet', 'ds', 1],
      ['StatefulSet', 'db', 1],
      ['ReplicationController', 'rc', 0],
    ]);
    expect(cluster.pods[1]!.ports).toEqual([{ containerPort: 53, protocol: 'UDP' }]);
    expect(cluster.pods[2]!.security.hostPID).toBe(true);
    // A ReplicationController's selector defaults to its template labels.
    expect(cluster.workloads.find((w) => w.kind === 'ReplicationController')!.selector).toEqual({
      matchLabels: { app: 'rc' },
    });
  });

  it('warns when a template pod duplicates pods whose owner is missing from the input', () => {
    const { cluster, warnings } = load(docs(deployment('cart'), pod('cart-5d9f7c-abcde', 'ReplicaSet', 'cart-5d9f7c')));
    expect(cluster.pods).toHaveLength(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Deployment shop\/cart .* matches 1 pod\(s\) owned by ReplicaSet cart-5d9f7c/);
  });
});

describe('clusterFromObjects: pods', () => {
  it('reads IPs (deduplicated), container and init container ports, node and security flags', () => {
    const { cluster } = load(`
apiVersion: v1
kind: Pod
metadata: {name: p, labels: {app: web}}
spec:
  nodeName: node-1
  hostIPC: true
  volumes: [{name: v, hostPath: {path: /var/run}}, {name: e, emptyDir: {}}]
  initContainers:
  - name: init
    ports: [{containerPort: 9000}]
  containers:
  - name: a
    ports: [{containerPort: 80, name: http, hostPort: 8080}, {containerPort: 53, protocol: UDP, hostPort: 0}]
    securityContext: {capabilities: {add: [NET_ADMIN, CAP_SYS_ADMIN]}}
status:
  podIP: 10.1.0.7
  podIPs: [{ip: 10.1.0.7}, {ip: "fd00::7"}]
`);
    const p = cluster.pods[0]!;
    expect(p.namespace).toBe('default');
    expect(p.ips).toEqual(['10.1.0.7', 'fd00::7']);
    expect(p.node).toBe('node-1');
    expect(p.ports).toEqual([
      { name: 'http', containerPort: 80, protocol: 'TCP', hostPort: 8080 },
      { containerPort: 53, protocol: 'UDP' },
      { containerPort: 9000, protocol: 'TCP' },
    ]);
    expect(p.security).toEqual({ privileged: false, hostPID: false, hostIPC: true, hostPath: true, sysAdmin: true });
    expect(p.hostNetwork).toBe(false);
  });
});

describe('clusterFromObjects: namespaces', () => {
  it('labels declared namespaces with their name, and creates referenced ones', () => {
    const { cluster } = load(`
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {env: prod, kubernetes.io/metadata.name: wrong}
---
kind: Pod
metadata: {name: a}
---
kind: ConfigMap
metadata: {name: cfg, namespace: monitoring}
---
kind: ClusterRole
metadata: {name: reader}
`);
    expect(cluster.namespaces).toEqual([
      { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } },
      { name: 'monitoring', labels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      { name: 'shop', labels: { env: 'prod', 'kubernetes.io/metadata.name': 'shop' } },
    ]);
  });

  it('does not invent the default namespace for cluster-scoped objects', () => {
    const { cluster } = load('kind: Namespace\nmetadata: {name: a}\n---\nkind: ClusterRole\nmetadata: {name: r}\n');
    expect(cluster.namespaces.map((n) => n.name)).toEqual(['a']);
  });
});

describe('clusterFromObjects: services', () => {
  it('reads type, selector and ports with defaults', () => {
    const { cluster } = load(`
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http, name: web}, {port: 53, protocol: UDP, targetPort: 5353}]
---
kind: Service
metadata: {name: np, namespace: shop}
spec: {type: NodePort, ports: [{port: 443, nodePort: 30443}]}
`);
    expect(cluster.services).toEqual([
      {
        namespace: 'shop',
        name: 'web',
        type: 'ClusterIP',
        selector: { app: 'web' },
        ports: [
          { name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' },
          { port: 53, targetPort: 5353, protocol: 'UDP' },
        ],
      },
      { namespace: 'shop', name: 'np', type: 'NodePort', ports: [{ port: 443, protocol: 'TCP', nodePort: 30443 }] },
    ]);
  });
});

describe('clusterFromObjects: skipped kinds and counts', () => {
  it('counts what it does not model, and reads Calico\'s NetworkPolicy apart from networking.k8s.io\'s', () => {
    const r = load(`
kind: ConfigMap
metadata: {name: a}
---
kind: ConfigMap
metadata: {name: b}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: calico}
spec: {selector: all()}
---
kind: Secret
metadata: {name: s}
`);
    expect(r.skipped).toEqual({ ConfigMap: 2, Secret: 1 });
    expect(r.unevaluated).toEqual([]);
    expect(r.cluster.calico!.policies.map((p) => [p.kind, p.namespace, p.name, p.selector])).toEqual([['NetworkPolicy', 'default', 'calico', 'all()']]);
    expect(r.cluster.policies).toEqual([]);
    expect(r.objectCount).toBe(4);
  });
});

describe('clusterFromObjects: duplicates', () => {
  it('keeps one of two identical definitions, whatever their key order', () => {
    const r = clusterFromObjects([
      ...parseManifests('kind: Pod\nmetadata: {name: a, labels: {x: "1", y: "2"}}\n', 'one.yaml'),
      ...parseManifests('metadata: {labels: {y: "2", x: "1"}, name: a}\nkind: Pod\n', 'two.yaml'),
    ]);
    expect(r.cluster.pods).toHaveLength(1);
    expect(r.objectCount).toBe(2);
  });

  it('rejects two different definitions, naming both places', () => {
    const e = inputError(() =>
      clusterFromObjects([
        ...parseManifests('kind: Pod\nmetadata: {name: a, labels: {x: "1"}}\n', 'one.yaml'),
        ...parseManifests('---\n\nkind: Pod\nmetadata: {name: a, labels: {x: "2"}}\n', 'two.yaml'),
      ]),
    );
    expect(e.message).toBe(
      'two.yaml:3: Pod default/a: Pod default/a is defined twice with different content: at one.yaml:1 and at two.yaml:3',
    );
  });
});

describe('clusterFromObjects: errors in pods and templates', () => {
  it('names file, line, object and field of a bad container port', () => {
    const e = inputError(() =>
      load(docs('kind: ConfigMap\nmetadata: {name: x}', deployment('cart').replace('containerPort: 8080', 'containerPort: 70000'))),
    );
    expect(e.message).toBe(
      'c.yaml:5: Deployment shop/cart: spec.template.spec.containers[0].ports[0].containerPort: port 70000 is out of range 1-65535',
    );
  });

  it('names a bad container port protocol', () => {
    const e = inputError(() => load(pod('p', undefined, undefined).replace('name: http}', 'name: http, protocol: ICMP}')));
    expect(e.message).toBe('c.yaml:2: Pod shop/p: spec.containers[0].ports[0].protocol: unsupported protocol "ICMP" (expected TCP, UDP or SCTP)');
  });

  it('rejects a label value that is not a string', () => {
    const e = inputError(() => load('kind: Pod\nmetadata: {name: p, labels: {version: 2}}\n'));
    expect(e.message).toBe('c.yaml:1: Pod default/p: metadata.labels.version: must be a string, not number 2 (quote it in YAML)');
  });

  it('rejects an invalid pod IP', () => {
    const e = inputError(() => load('kind: Pod\nmetadata: {name: p}\nstatus: {podIPs: [{ip: 10.0.0.300}]}\n'));
    expect(e.message).toBe('c.yaml:1: Pod default/p: status.podIPs[0].ip: invalid IP address "10.0.0.300"');
  });

  it('rejects a workload without a pod template', () => {
    const e = inputError(() => load('kind: Deployment\napiVersion: apps/v1\nmetadata: {name: d}\nspec: {replicas: 1}\n'));
    expect(e.message).toBe('c.yaml:1: Deployment default/d: spec.template: Deployment has no pod template');
  });
});

describe('Node objects', () => {
  const node = `
apiVersion: v1
kind: Node
metadata: {name: worker-1, labels: {kubernetes.io/hostname: worker-1, zone: a}}
spec: {podCIDR: 10.244.1.0/24, podCIDRs: [10.244.1.0/24, "fd00:1::/64"]}
status:
  addresses:
  - {type: InternalIP, address: 192.168.1.11}
  - {type: Hostname, address: worker-1}
  - {type: ExternalIP, address: 203.0.113.7}
`;

  it('reads labels, the addresses traffic uses, and pod CIDRs; a Node is cluster-scoped', () => {
    const r = load(node);
    expect(r.cluster.nodes).toEqual([
      {
        name: 'worker-1',
        labels: { 'kubernetes.io/hostname': 'worker-1', zone: 'a' },
        addresses: ['192.168.1.11', '203.0.113.7'],
        podCIDRs: ['10.244.1.0/24', 'fd00:1::/64'],
      },
    ]);
    expect(r.skipped).toEqual({});
    expect(r.cluster.namespaces).toEqual([]);
  });

  it("records a pod's hostIP", () => {
    const r = load(`
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec: {nodeName: worker-1, containers: [{name: c}]}
status: {hostIP: 192.168.1.11, podIP: 10.244.1.5}
`);
    expect(r.cluster.pods[0]).toMatchObject({ node: 'worker-1', hostIP: '192.168.1.11', ips: ['10.244.1.5'] });
  });

  it('refuses a node address that is not an IP, naming the field', () => {
    const e = inputError(() => load(node.replace('192.168.1.11', '192.168.1.300')));
    expect(e.message).toContain('status.addresses[0].address');
    expect(e.message).toContain('Node worker-1');
  });
});
