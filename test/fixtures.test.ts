/**
 * The demo fixtures load cleanly, and keep the properties fixtures/README.md promises: the
 * docs, the demo and other tests point at these holes by name, so a fixture edit that closes
 * one (or opens a new one) must show up here rather than in a confusing demo.
 */
import { fileURLToPath } from 'node:url';
import { referenceAllowed, type Cluster, type Endpoint, type Pod, type Protocol } from '@lateral/core';
import { loadCluster } from '@lateral/k8s';
import { describe, expect, it } from 'vitest';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

function podOf(cluster: Cluster, namespace: string, workload: string): Endpoint {
  const pod = cluster.pods.find((p: Pod) => p.namespace === namespace && p.owner.name === workload);
  if (!pod) throw new Error(`no pod of ${namespace}/${workload} in the fixture`);
  return { kind: 'pod', pod };
}

const ip = (address: string): Endpoint => ({ kind: 'ip', ip: address });

/** `ns/workload` for a pod, an IP otherwise. */
type End = string;

function allowed(cluster: Cluster, src: End, dst: End, port: number, protocol: Protocol = 'TCP'): boolean {
  const end = (e: End): Endpoint => {
    const slash = e.indexOf('/');
    return slash < 0 ? ip(e) : podOf(cluster, e.slice(0, slash), e.slice(slash + 1));
  };
  return referenceAllowed(cluster, end(src), end(dst), port, protocol);
}

describe('fixtures load through loadCluster', () => {
  it.each([
    // inputs, namespaces, workloads, pod entries, services, policies, skipped kinds
    [['shop'], 4, 14, 16, 15, 21, {}],
    // multi-tenant: ci (the GitLab runner, its policy) and default (the kubernetes Service and
    // EndpointSlice, the API server's address) joined the seven tenant and platform namespaces.
    [['multi-tenant'], 9, 15, 15, 11, 17, {}],
    [['xyz'], 3, 9, 9, 0, 0, {}],
    [['xyz-policies'], 1, 0, 0, 0, 1, {}],
    [['xyz', 'xyz-policies'], 3, 9, 9, 0, 1, {}],
  ])('%j', async (dirs, namespaces, workloads, pods, services, policies, skipped) => {
    const { cluster, warnings, skipped: ignored } = await loadCluster(dirs.map(fixture));
    expect(warnings).toEqual([]);
    expect(ignored).toEqual(skipped);
    expect(cluster.namespaces).toHaveLength(namespaces);
    expect(cluster.workloads).toHaveLength(workloads);
    expect(cluster.pods).toHaveLength(pods);
    expect(cluster.services).toHaveLength(services);
    expect(cluster.policies).toHaveLength(policies);
  });
});

describe('shop', async () => {
  const { cluster } = await loadCluster([fixture('shop')]);
  const shopWorkloads = cluster.workloads.filter((w) => w.namespace === 'shop').map((w) => w.name);

  it('has the frontend as three real pods, owned through the ReplicaSet by the Deployment', () => {
    const frontend = cluster.pods.filter((p) => p.owner.name === 'frontend');
    expect(frontend.map((p) => p.ips[0]).sort()).toEqual(['10.244.1.17', '10.244.2.23', '10.244.3.9']);
    for (const p of frontend) {
      expect(p.fromTemplate).toBe(false);
      expect(p.owner.kind).toBe('Deployment');
      expect(p.labels['pod-template-hash']).toBe('6c9f8d7b5d');
    }
    expect(cluster.pods.filter((p) => p.fromTemplate)).toHaveLength(13);
  });

  it('enforces the intended paths', () => {
    expect(allowed(cluster, 'ingress-nginx/ingress-nginx-controller', 'shop/frontend', 8080)).toBe(true);
    expect(allowed(cluster, '198.51.100.7', 'shop/frontend', 8080)).toBe(true);
    expect(allowed(cluster, '198.51.100.7', 'shop/cart', 7070)).toBe(false);
    expect(allowed(cluster, 'shop/frontend', 'shop/cart', 7070)).toBe(true);
    expect(allowed(cluster, 'shop/frontend', 'shop/payment', 50051)).toBe(false);
    expect(allowed(cluster, 'shop/checkout', 'shop/payment', 50051)).toBe(true);
    expect(allowed(cluster, 'shop/catalog', 'shop/postgres', 5432)).toBe(true);
    expect(allowed(cluster, 'shop/email', 'kube-system/coredns', 53, 'UDP')).toBe(true);
    expect(allowed(cluster, 'shop/email', 'kube-system/coredns', 9153)).toBe(false);
    // The payment API, minus the processor's sandbox (except 203.0.113.128/25).
    expect(allowed(cluster, 'shop/payment', '203.0.113.10', 443)).toBe(true);
    expect(allowed(cluster, 'shop/payment', '203.0.113.200', 443)).toBe(false);
    expect(allowed(cluster, 'shop/email', '203.0.113.10', 443)).toBe(false);
  });

  it('hole: the redis cache is reachable from every pod in shop', () => {
    for (const w of shopWorkloads) expect([w, allowed(cluster, `shop/${w}`, 'shop/redis-cart', 6379)]).toEqual([w, true]);
  });

  it('hole: recommendation has no egress isolation', () => {
    expect(allowed(cluster, 'shop/recommendation', '192.0.2.44', 443)).toBe(true);
    expect(allowed(cluster, 'shop/recommendation', 'kube-system/coredns', 9153)).toBe(true);
    expect(allowed(cluster, 'shop/currency', '192.0.2.44', 443)).toBe(false);
  });

  it('hole: the metrics port range is open to every namespace', () => {
    expect(allowed(cluster, 'ingress-nginx/ingress-nginx-controller', 'shop/payment', 9090)).toBe(true);
    expect(allowed(cluster, 'kube-system/coredns', 'shop/postgres', 9187)).toBe(true);
    expect(allowed(cluster, 'monitoring/prometheus', 'shop/redis-cart', 9121)).toBe(true);
  });

  it('hole: postgres admits every backend, so recommendation reaches it', () => {
    expect(allowed(cluster, 'shop/recommendation', 'shop/postgres', 5432)).toBe(true);
    // The other backends are held back only by their own egress policies.
    expect(allowed(cluster, 'shop/email', 'shop/postgres', 5432)).toBe(false);
    expect(allowed(cluster, 'shop/frontend', 'shop/postgres', 5432)).toBe(false);
  });
});

describe('multi-tenant', async () => {
  const { cluster } = await loadCluster([fixture('multi-tenant')]);

  it('enforces the intended paths', () => {
    expect(allowed(cluster, 'ingress-nginx/ingress-nginx-controller', 'team-a/gateway', 8080)).toBe(true);
    expect(allowed(cluster, 'team-a/gateway', 'team-a/orders-api', 8080)).toBe(true);
    expect(allowed(cluster, 'team-b/gateway', 'team-a/orders-api', 8080)).toBe(false);
    expect(allowed(cluster, 'team-a/orders-api', 'shared-db/postgres', 5432)).toBe(true);
    expect(allowed(cluster, 'ingress-nginx/ingress-nginx-controller', 'shared-db/postgres', 5432)).toBe(false);
    expect(allowed(cluster, 'monitoring/prometheus', 'team-b/billing-api', 9090)).toBe(true);
    expect(allowed(cluster, 'team-c/gateway', 'team-b/billing-api', 9090)).toBe(false);
  });

  it('carries the platform guardrails: four Admin ClusterNetworkPolicies and the Baseline default', () => {
    expect((cluster.tierPolicies ?? []).map((t) => `${t.tier} ${t.kind} ${t.name}`).sort()).toEqual([
      'Admin ClusterNetworkPolicy isolate-team-a',
      'Admin ClusterNetworkPolicy isolate-team-b',
      'Admin ClusterNetworkPolicy isolate-team-c',
      'Admin ClusterNetworkPolicy monitoring-always',
      'Baseline BaselineAdminNetworkPolicy default',
    ]);
  });

  // Holes 1 and 2 are the tenants' NetworkPolicy mistakes; the platform's Admin-tier guardrail
  // (platform/guardrails.yaml) denies every tenant's ingress from another tenant, so they are
  // open only in the NetworkPolicies taken alone — what the tenants wrote, and what a cluster
  // without ClusterNetworkPolicy support would enforce.
  const npOnly: Cluster = { ...cluster, tierPolicies: [] };

  it('hole: team-c has no default-deny (closed by the guardrail)', () => {
    expect(allowed(npOnly, 'team-b/invoice-worker', 'team-c/legacy-admin', 8000)).toBe(true);
    expect(allowed(npOnly, 'ingress-nginx/ingress-nginx-controller', 'team-c/reports-worker', 9090)).toBe(true);
    // The one workload a policy selects is isolated.
    expect(allowed(npOnly, 'team-b/invoice-worker', 'team-c/gateway', 8080)).toBe(false);
    // Admin: Deny (cnp/isolate-team-c, "deny-other-tenants").
    expect(allowed(cluster, 'team-b/invoice-worker', 'team-c/legacy-admin', 8000)).toBe(false);
    // Admin: Pass ("pass-platform") -> no NetworkPolicy isolates it -> Baseline: Deny from pods.
    expect(allowed(cluster, 'ingress-nginx/ingress-nginx-controller', 'team-c/reports-worker', 9090)).toBe(false);
    // Admin: Accept ("monitoring-always").
    expect(allowed(cluster, 'monitoring/prometheus', 'team-c/reports-worker', 9090)).toBe(true);
  });

  it("hole: namespaceSelector {} lets another tenant's gateway into billing-api (closed by the guardrail)", () => {
    expect(allowed(npOnly, 'team-c/gateway', 'team-b/billing-api', 8443)).toBe(true);
    expect(allowed(npOnly, 'team-b/gateway', 'team-b/billing-api', 8443)).toBe(true);
    // team-a's gateway matches the peer too, but its own egress policy keeps it in.
    expect(allowed(npOnly, 'team-a/gateway', 'team-b/billing-api', 8443)).toBe(false);
    // Admin: Deny from another tenant; Pass for the tenant's own gateway, which its policy admits.
    expect(allowed(cluster, 'team-c/gateway', 'team-b/billing-api', 8443)).toBe(false);
    expect(allowed(cluster, 'team-b/gateway', 'team-b/billing-api', 8443)).toBe(true);
  });

  it('hole: internet egress does not except the cloud metadata address', () => {
    expect(allowed(cluster, 'team-a/orders-api', '169.254.169.254', 80)).toBe(true);
    expect(allowed(cluster, 'team-a/orders-worker', '203.0.113.5', 443)).toBe(true);
    expect(allowed(cluster, 'team-a/orders-api', '10.20.30.40', 443)).toBe(false);
    expect(allowed(cluster, 'team-a/gateway', '169.254.169.254', 80)).toBe(false);
  });

  it('hole: a privileged DaemonSet with hostPath, reachable from tenants without egress isolation', () => {
    const fluentBit = podOf(cluster, 'monitoring', 'fluent-bit');
    expect(fluentBit.kind === 'pod' && fluentBit.pod.security).toMatchObject({ privileged: true, hostPath: true });
    expect(allowed(cluster, 'team-b/billing-api', 'monitoring/fluent-bit', 2020)).toBe(true);
    expect(allowed(cluster, 'team-c/legacy-admin', 'monitoring/fluent-bit', 2020)).toBe(true);
    expect(allowed(cluster, 'team-a/orders-api', 'monitoring/fluent-bit', 2020)).toBe(false);
  });

  it('hole: legacy-admin is exposed on a NodePort', () => {
    const svc = cluster.services.find((s) => s.namespace === 'team-c' && s.name === 'legacy-admin');
    expect(svc?.type).toBe('NodePort');
    expect(svc?.ports[0]?.nodePort).toBe(30080);
    expect(allowed(cluster, 'team-c/legacy-admin', 'shared-db/postgres', 5432)).toBe(true);
  });
});

describe('xyz with xyz-policies', async () => {
  const { cluster } = await loadCluster([fixture('xyz'), fixture('xyz-policies')]);

  it('admits only namespace y into x/a, on every port and protocol', () => {
    for (const proto of ['TCP', 'UDP', 'SCTP'] as const) {
      expect(allowed(cluster, 'y/b', 'x/a', 81, proto)).toBe(true);
      expect(allowed(cluster, 'z/b', 'x/a', 80, proto)).toBe(false);
      expect(allowed(cluster, 'x/b', 'x/a', 80, proto)).toBe(false);
    }
    // Egress is untouched, and so is every other pod.
    expect(allowed(cluster, 'x/a', 'z/c', 80)).toBe(true);
    expect(allowed(cluster, 'z/b', 'x/b', 80, 'SCTP')).toBe(true);
  });

  it('names the container ports serve-<port>-<protocol>', () => {
    const a = podOf(cluster, 'x', 'a');
    expect(a.kind === 'pod' && a.pod.ports.map((p) => `${p.name}:${p.containerPort}/${p.protocol}`).sort()).toEqual([
      'serve-80-sctp:80/SCTP',
      'serve-80-tcp:80/TCP',
      'serve-80-udp:80/UDP',
      'serve-81-sctp:81/SCTP',
      'serve-81-tcp:81/TCP',
      'serve-81-udp:81/UDP',
    ]);
  });
});
