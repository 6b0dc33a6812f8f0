import { describe, expect, it } from 'vitest';
import type { Cluster, Service } from '@lateral/core';
import { ConnectionResolver, targetPort } from './connection-resolver.js';
import type { FlowPeer } from './flow-record.js';
import { peerKey } from './flow-record.js';
import { testCluster } from './test-cluster.js';

const peer = (p: Omit<FlowPeer, 'key'>): FlowPeer => ({ key: peerKey([p.namespace, p.pod, p.service, p.ip, p.localNode ? 'node' : '']), ...p });
const frontend = peer({ namespace: 'shop', pod: 'frontend-6c9f8d7b5d-4xk2p' });

function withServices(services: Service[], extra: Partial<Cluster> = {}): Cluster {
  const c = testCluster();
  return { ...c, ...extra, services: [...c.services, ...services] };
}

describe('ConnectionResolver', () => {
  it('reads a Service dial as its targetPort on the backend, a named one through the container ports', () => {
    const c = testCluster();
    const pods = c.pods.map((p) => (p.name === 'cart' ? { ...p, ports: [{ name: 'grpc', containerPort: 7070, protocol: 'TCP' as const }] } : p));
    const cart: Service = { namespace: 'shop', name: 'cart-web', type: 'ClusterIP', selector: { app: 'cart' }, ports: [{ port: 80, targetPort: 'grpc', protocol: 'TCP' }] };
    const r = new ConnectionResolver({ ...c, pods, services: [...c.services, cart] }).resolve(frontend, peer({ namespace: 'shop', service: 'cart-web' }), 80, 'TCP');
    expect(r.ok && r.ends.map((e) => [e.dst.id, e.port, e.service])).toEqual([['shop/cart', 7070, 'shop/cart-web']]);
  });

  it('reports what it cannot map instead of guessing', () => {
    const r = new ConnectionResolver(testCluster());
    expect(r.resolve(frontend, peer({ namespace: 'shop', service: 'ghost', labels: { app: 'cart' } }), 80, 'TCP')).toEqual({
      ok: false,
      reason: 'service shop/ghost is not in the inputs: its port 80/TCP cannot be mapped to a pod\'s port',
    });
    expect(r.resolve(frontend, peer({ namespace: 'shop', service: 'cart' }), 8080, 'TCP')).toEqual({ ok: false, reason: 'service shop/cart has no port 8080/TCP' });
    expect(r.resolve(frontend, peer({ namespace: 'default', service: 'kubernetes' }), 443, 'TCP')).toEqual({ ok: false, reason: 'service default/kubernetes has no selector' });
    const named: Service = { namespace: 'shop', name: 'x', type: 'ClusterIP', selector: { app: 'cart' }, ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }] };
    expect(targetPort(named, 80, 'TCP', testCluster().pods[3])).toBe('service shop/x port 80/TCP targets port "http", which pod shop/cart does not name');
  });

  it('tells a pod to itself from two replicas of one workload', () => {
    const r = new ConnectionResolver(testCluster());
    const other = peer({ namespace: 'shop', pod: 'frontend-6c9f8d7b5d-9tqzm' });
    const same = r.resolve(frontend, peer({ ip: '10.244.1.17' }), 8080, 'TCP');
    const two = r.resolve(frontend, other, 8080, 'TCP');
    expect(same.ok && same.ends[0]!.samePod).toBe(true);
    expect(two.ok && two.ends.map((e) => [e.src.id, e.dst.id, e.samePod])).toEqual([['shop/frontend', 'shop/frontend', false]]);
  });

  it('recognises a pod\'s own node by Node address, pod-range bridge, hostIP, and the capture\'s word', () => {
    const c = testCluster();
    const pods = c.pods.map((p) => (p.name === 'frontend-6c9f8d7b5d-4xk2p' ? { ...p, node: 'n1', hostIP: '192.168.0.1' } : p.name.startsWith('frontend') ? { ...p, node: 'n2' } : p));
    const cluster = withServices([], { pods, nodes: [{ name: 'n1', labels: {}, addresses: ['192.168.0.1'], podCIDRs: ['10.244.1.0/24'] }, { name: 'n2', labels: {}, addresses: ['192.168.0.2'], podCIDRs: ['10.244.2.0/24'] }] });
    const r = new ConnectionResolver(cluster);
    const from = (ip: string, localNode?: boolean) => {
      const x = r.resolve(peer({ ip, ...(localNode ? { localNode } : {}) }), frontend, 8080, 'TCP');
      return x.ok ? x.ends[0]!.nodeLocal : 'unresolved';
    };
    expect(from('192.168.0.1')).toEqual({ node: 'n1', address: '192.168.0.1' });
    expect(from('10.244.1.1')).toEqual({ node: 'n1', address: '10.244.1.1' });
    // Another node's address is not the pod's own node: an ordinary address.
    expect(from('192.168.0.2')).toBeUndefined();
    expect(from('172.16.0.9', true)).toEqual({ node: 'n1', address: '172.16.0.9' });
  });
});
