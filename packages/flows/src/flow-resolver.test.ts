import { describe, expect, it } from 'vitest';
import { peerKey, type FlowPeer } from './flow-record.js';
import { FlowResolver, ownersImpliedBy } from './flow-resolver.js';
import { testCluster } from './test-cluster.js';

const peer = (p: Omit<FlowPeer, 'key'>): FlowPeer => ({ key: JSON.stringify(p), ...p });
const ids = (r: ReturnType<FlowResolver['resolve']>) =>
  r.ok ? r.endpoints.map((e) => (e.endpoint.kind === 'pod' ? e.endpoint.workload : e.endpoint.ip)) : r.reason;

describe('FlowResolver', () => {
  const cluster = testCluster();
  const podIndex = (name: string) => cluster.pods.findIndex((p) => p.name === name);

  it('finds a pod of the input by name, and gives its workload and the pod', () => {
    const r = new FlowResolver(cluster).resolve(peer({ namespace: 'shop', pod: 'frontend-6c9f8d7b5d-9tqzm', ip: '10.9.9.9' }));
    expect(r).toEqual({ ok: true, endpoints: [{ id: 'shop/frontend', index: expect.any(Number), endpoint: { kind: 'pod', workload: 'shop/frontend', pod: podIndex('frontend-6c9f8d7b5d-9tqzm') } }] });
  });

  it('represents a workload by the first pod the flows named', () => {
    const res = new FlowResolver(cluster);
    res.resolve(peer({ namespace: 'shop', pod: 'frontend-6c9f8d7b5d-wb7hn' }));
    const r = res.resolve(peer({ ip: '10.244.1.17' }));
    expect(r.ok && r.endpoints[0]!.endpoint).toEqual({ kind: 'pod', workload: 'shop/frontend', pod: podIndex('frontend-6c9f8d7b5d-wb7hn') });
  });

  it('finds a pod by IP when the capture knows only the address', () => {
    expect(ids(new FlowResolver(cluster).resolve(peer({ ip: '10.244.3.9' })))).toEqual(['shop/frontend']);
  });

  it('keeps addresses outside the cluster as addresses, IPv6 included', () => {
    const res = new FlowResolver(cluster);
    expect(ids(res.resolve(peer({ ip: '203.0.113.10' })))).toEqual(['203.0.113.10']);
    expect(ids(res.resolve(peer({ ip: '2001:db8::1' })))).toEqual(['2001:db8::1']);
  });

  it('maps a pod the input knows only as a template by namespace and labels, whichever side has more', () => {
    const res = new FlowResolver(cluster);
    // Cilium drops some labels from identities...
    expect(ids(res.resolve(peer({ namespace: 'shop', pod: 'cart-7b9c6d5f4-x2k8p', labels: { app: 'cart' } })))).toEqual(['shop/cart']);
    // ...Gadget reports all of them, including the controller's.
    expect(
      ids(res.resolve(peer({ namespace: 'shop', pod: 'checkout-5f8d9c7b64-m4n7p', labels: { app: 'checkout', tier: 'backend', 'pod-template-hash': '5f8d9c7b64' } }))),
    ).toEqual(['shop/checkout']);
    expect(ids(res.resolve(peer({ namespace: 'shop', labels: { app: 'postgres', tier: 'data' } })))).toEqual(['shop/postgres']);
  });

  it('does not match labels that disagree, nor a pod whose labels only overlap', () => {
    const res = new FlowResolver(cluster);
    expect(ids(res.resolve(peer({ namespace: 'shop', pod: 'legacy-6d9f-abcde', labels: { app: 'legacy', tier: 'backend' } })))).toBe(
      'pod shop/legacy-6d9f-abcde not in the cluster',
    );
  });

  it('uses the owner the capture names, or the one the pod name implies, when labels do not decide', () => {
    const res = new FlowResolver(cluster);
    expect(ids(res.resolve(peer({ namespace: 'shop', pod: 'worker-green-7c4d9-x1x2x', labels: { app: 'worker' } })))).toEqual(['shop/worker-green']);
    expect(ids(res.resolve(peer({ namespace: 'shop', pod: 'anything', workload: 'worker-blue', labels: { app: 'worker' } })))).toEqual(['shop/worker-blue']);
    expect(ids(res.resolve(peer({ namespace: 'shop', pod: 'postgres-1' })))).toEqual(['shop/postgres']);
    expect(ids(res.resolve(peer({ namespace: 'kube-system', pod: 'coredns-5d78c9869d-8kq2x' })))).toEqual(['kube-system/coredns']);
  });

  it('reports labels that match several workloads instead of picking one', () => {
    const r = new FlowResolver(cluster).resolve(peer({ namespace: 'shop', pod: 'w-1', labels: { app: 'worker' } }));
    expect(ids(r)).toBe('labels app=worker in namespace shop match 2 workloads: shop/worker-blue, shop/worker-green');
  });

  it('reports a named pod it cannot place, and never falls back to its (reused) IP', () => {
    const r = new FlowResolver(cluster).resolve(peer({ namespace: 'shop', pod: 'netshoot-debug', ip: '10.244.1.17', labels: { run: 'netshoot' } }));
    expect(ids(r)).toBe('pod shop/netshoot-debug not in the cluster');
  });

  it('resolves generic namespace/name: a pod, a workload, an endpoint id, a pod name of a template', () => {
    const res = new FlowResolver(cluster);
    const ref = (s: string) => ids(res.resolve({ key: peerKey(['ref', s]), ref: s }));
    expect(ref('shop/frontend-6c9f8d7b5d-4xk2p')).toEqual(['shop/frontend']);
    expect(ref('shop/cart')).toEqual(['shop/cart']);
    expect(ref('kube-system/coredns')).toEqual(['kube-system/coredns']);
    expect(ref('shop/cart-7b9c6d5f4-x2k8p')).toEqual(['shop/cart']);
    expect(ref('shop/nothing')).toBe('shop/nothing matches no pod or workload in the cluster');
    expect(ref('team-d/api')).toBe('team-d/api matches no pod or workload in the cluster');
  });

  it('resolves a service to the workloads it selects, and says why when it cannot', () => {
    const res = new FlowResolver(cluster);
    expect(ids(res.resolve(peer({ namespace: 'kube-system', service: 'kube-dns', labels: { 'k8s-app': 'kube-dns' } })))).toEqual(['kube-system/coredns']);
    expect(ids(res.resolve(peer({ namespace: 'shop', service: 'cart' })))).toEqual(['shop/cart']);
    expect(ids(res.resolve(peer({ namespace: 'shop', service: 'workers' })))).toEqual(['shop/worker-blue', 'shop/worker-green']);
    expect(ids(res.resolve(peer({ namespace: 'default', service: 'kubernetes' })))).toBe('service default/kubernetes has no selector');
    expect(ids(res.resolve(peer({ namespace: 'shop', service: 'gone' })))).toBe('service shop/gone not in the cluster');
  });
});

describe('ownersImpliedBy', () => {
  it('strips generated suffixes, nearest owner first', () => {
    expect(ownersImpliedBy('cart-7b9c6d5f4-x2k8p')).toEqual(['cart-7b9c6d5f4', 'cart']);
    expect(ownersImpliedBy('postgres-0')).toEqual(['postgres']);
    expect(ownersImpliedBy('netshoot')).toEqual([]);
  });
});
