import { describe, expect, it } from 'vitest';
import { compile } from '../engine/compile.js';
import type { Cluster, NetworkPolicy, Pod } from '../model/model.js';
import { NO_SECURITY_FLAGS } from '../model/model.js';
import { buildEndpointIndex, externalId, workloadReachability } from './workload-reach.js';
import { parseCidr } from '../semantics/ip.js';

function pod(namespace: string, name: string, labels: Record<string, string>, owner: { kind: string; name: string }, extra: Partial<Pod> = {}): Pod {
  return {
    namespace,
    name,
    labels,
    ips: [],
    ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }],
    owner: { kind: owner.kind, namespace, name: owner.name },
    hostNetwork: false,
    security: NO_SECURITY_FLAGS,
    replicas: 1,
    fromTemplate: false,
    ...extra,
  };
}

function cluster(pods: Pod[], policies: NetworkPolicy[] = []): Cluster {
  const names = [...new Set(pods.map((p) => p.namespace))];
  return {
    namespaces: names.map((name) => ({ name, labels: { 'kubernetes.io/metadata.name': name } })),
    pods,
    workloads: [...new Map(pods.filter((p) => p.owner.kind !== 'Pod').map((p) => [p.owner.name, { kind: p.owner.kind, namespace: p.namespace, name: p.owner.name, labels: {} }])).values()],
    services: [],
    policies,
  };
}

const denyToWeb: NetworkPolicy = {
  namespace: 'a',
  name: 'web-from-api',
  podSelector: { matchLabels: { app: 'web' } },
  ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 80 }] }],
};

describe('workload reachability', () => {
  it('groups pods by owner and reports ports per workload pair', () => {
    const c = cluster(
      [
        pod('a', 'web-1', { app: 'web' }, { kind: 'Deployment', name: 'web' }),
        pod('a', 'web-2', { app: 'web' }, { kind: 'Deployment', name: 'web' }),
        pod('a', 'api-1', { app: 'api' }, { kind: 'Deployment', name: 'api' }),
      ],
      [denyToWeb],
    );
    const r = workloadReachability(compile(c));
    const web = r.endpoints.find((e) => e.id === 'a/web');
    expect(web).toEqual({ id: 'a/web', kind: 'Deployment', namespace: 'a', name: 'web', pods: 2 });
    const pairs = r.connections.map((x) => `${x.from} => ${x.to}`);
    expect(pairs).toContain('a/api => a/web');
    // web is ingress-isolated: its replicas may not talk to each other, and api's single pod to itself is not listed.
    expect(pairs).not.toContain('a/web => a/web');
    expect(pairs).not.toContain('a/api => a/api');
    expect(r.connections.find((x) => x.from === 'a/api' && x.to === 'a/web')).toMatchObject({ all: false, ports: { TCP: [[80, 80]], UDP: [], SCTP: [] } });
    expect(r.warnings).toEqual([]);
  });

  it('splits an owner whose pods policy treats differently, and warns', () => {
    const c = cluster(
      [
        pod('a', 'web-1', { app: 'web', canary: 'true' }, { kind: 'Deployment', name: 'web' }),
        pod('a', 'web-2', { app: 'web' }, { kind: 'Deployment', name: 'web' }),
        pod('a', 'api-1', { app: 'api' }, { kind: 'Deployment', name: 'api' }),
      ],
      [{ ...denyToWeb, podSelector: { matchLabels: { canary: 'true' } } }],
    );
    const r = workloadReachability(compile(c));
    const ids = r.endpoints.map((e) => e.id);
    expect(ids).toContain('a/web#1');
    expect(ids).toContain('a/web#2');
    expect(r.warnings).toHaveLength(1);
    // One line with counts, not the pods' names: a DaemonSet split in two has hundreds.
    expect(r.warnings[0]).toBe('a/web: policy treats its 2 pods as 2 groups (1 / 1)');
    const split = r.endpoints.filter((e) => e.id.startsWith('a/web#'));
    expect(split.map((e) => ('podNames' in e ? e.podNames : undefined)).flat().sort()).toEqual(['web-1', 'web-2']);
  });

  it('names an owner outside the input with its kind', () => {
    const c: Cluster = { ...cluster([pod('default', 'cart-5d9f7c-x1', { app: 'cart' }, { kind: 'ReplicaSet', name: 'cart-5d9f7c' })]), workloads: [] };
    const index = buildEndpointIndex(compile(c));
    expect(index.endpoints.map((e) => e.id)).toContain('default/cart-5d9f7c[ReplicaSet]');
  });

  it('filters by namespace, from and to', () => {
    const c = cluster([
      pod('a', 'x', { app: 'x' }, { kind: 'Pod', name: 'x' }),
      pod('b', 'y', { app: 'y' }, { kind: 'Pod', name: 'y' }),
      pod('c', 'z', { app: 'z' }, { kind: 'Pod', name: 'z' }),
    ]);
    const compiled = compile(c);
    const onlyA = workloadReachability(compiled, { namespace: 'a' });
    expect(onlyA.connections.every((x) => x.from === 'a/x' || x.to === 'a/x')).toBe(true);
    const fromB = workloadReachability(compiled, { from: 'b/y', to: 'c/z' });
    expect(fromB.connections.map((x) => `${x.from}>${x.to}`)).toEqual(['b/y>c/z']);
  });
});

describe('external endpoint names', () => {
  const range = (cidr: string) => {
    const c = parseCidr(cidr);
    return { family: c.family, start: c.start, end: c.end };
  };
  it('uses the CIDR when the group is one block', () => {
    expect(externalId([range('203.0.113.0/25')])).toBe('203.0.113.0/25');
  });
  it('describes "the rest of the internet" as a cover minus holes', () => {
    const v4 = parseCidr('0.0.0.0/0');
    const hole = parseCidr('10.0.0.0/8');
    expect(externalId([
      { family: 4, start: v4.start, end: hole.start - 1n },
      { family: 4, start: hole.end + 1n, end: v4.end },
    ])).toBe('any IPv4 address outside 10.0.0.0/8');
  });
  it('names a cover narrower than the family, and both families', () => {
    const cover = parseCidr('10.0.0.0/8');
    const hole = parseCidr('10.1.0.0/16');
    const v6 = parseCidr('::/0');
    const doc = parseCidr('2001:db8::/32');
    expect(externalId([
      { family: 4, start: cover.start, end: hole.start - 1n },
      { family: 4, start: hole.end + 1n, end: cover.end },
      { family: 6, start: v6.start, end: doc.start - 1n },
      { family: 6, start: doc.end + 1n, end: v6.end },
    ])).toBe('addresses in 10.0.0.0/8 outside 10.1.0.0/16 + any IPv6 address outside 2001:db8::/32');
  });
  it('lists both families', () => {
    expect(externalId([range('198.51.100.25/32'), range('2001:db8::/32')])).toBe('198.51.100.25/32,2001:db8::/32');
  });
});
