/**
 * A small cluster written out as core model data, for the unit tests of this package (which
 * may not load manifests: flows imports core only). It mirrors fixtures/shop where the tests
 * need it: frontend with three real pods and IPs, template-only backends, CoreDNS.
 */
import { NO_SECURITY_FLAGS, type Cluster, type Labels, type Pod } from '@lateral/core';

function pod(
  namespace: string,
  name: string,
  labels: Labels,
  owner: { kind: string; name: string },
  extra: Partial<Pod> = {},
): Pod {
  return {
    namespace,
    name,
    labels,
    ips: [],
    ports: [],
    owner: { ...owner, namespace },
    hostNetwork: false,
    security: NO_SECURITY_FLAGS,
    replicas: 1,
    fromTemplate: false,
    ...extra,
  };
}

const frontendLabels = { app: 'frontend', tier: 'frontend', 'pod-template-hash': '6c9f8d7b5d' };
const deployment = (name: string) => ({ kind: 'Deployment', name });
const template = (replicas: number): Partial<Pod> => ({ fromTemplate: true, replicas });

export function testCluster(): Cluster {
  return {
    namespaces: [
      { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } },
      { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } },
    ],
    pods: [
      pod('shop', 'frontend-6c9f8d7b5d-4xk2p', frontendLabels, deployment('frontend'), { ips: ['10.244.1.17'] }),
      pod('shop', 'frontend-6c9f8d7b5d-9tqzm', frontendLabels, deployment('frontend'), { ips: ['10.244.2.23'] }),
      pod('shop', 'frontend-6c9f8d7b5d-wb7hn', frontendLabels, deployment('frontend'), { ips: ['10.244.3.9'] }),
      pod('shop', 'cart', { app: 'cart', tier: 'backend' }, deployment('cart'), template(2)),
      pod('shop', 'checkout', { app: 'checkout', tier: 'backend' }, deployment('checkout'), template(2)),
      pod('shop', 'postgres', { app: 'postgres', tier: 'data' }, { kind: 'StatefulSet', name: 'postgres' }, template(2)),
      // Two workloads with the same pod labels: labels alone cannot tell them apart.
      pod('shop', 'worker-blue', { app: 'worker' }, deployment('worker-blue'), template(1)),
      pod('shop', 'worker-green', { app: 'worker' }, deployment('worker-green'), template(1)),
      pod('kube-system', 'coredns', { 'k8s-app': 'kube-dns' }, deployment('coredns'), template(2)),
    ],
    workloads: [
      { kind: 'Deployment', namespace: 'shop', name: 'frontend', labels: { app: 'frontend' } },
      { kind: 'Deployment', namespace: 'shop', name: 'cart', labels: { app: 'cart' } },
      { kind: 'Deployment', namespace: 'shop', name: 'checkout', labels: { app: 'checkout' } },
      { kind: 'StatefulSet', namespace: 'shop', name: 'postgres', labels: { app: 'postgres' } },
      { kind: 'Deployment', namespace: 'shop', name: 'worker-blue', labels: { app: 'worker' } },
      { kind: 'Deployment', namespace: 'shop', name: 'worker-green', labels: { app: 'worker' } },
      { kind: 'Deployment', namespace: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' } },
    ],
    services: [
      { namespace: 'shop', name: 'cart', type: 'ClusterIP', selector: { app: 'cart' }, ports: [{ port: 7070, protocol: 'TCP' }] },
      { namespace: 'shop', name: 'workers', type: 'ClusterIP', selector: { app: 'worker' }, ports: [{ port: 80, protocol: 'TCP' }] },
      { namespace: 'default', name: 'kubernetes', type: 'ClusterIP', ports: [{ port: 443, protocol: 'TCP' }] },
      { namespace: 'kube-system', name: 'kube-dns', type: 'ClusterIP', selector: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, protocol: 'UDP' }] },
    ],
    policies: [],
  };
}
