import { describe, expect, it } from 'vitest';
import { compile } from './compile.js';
import { InputError } from '../model/errors.js';
import {
  NO_SECURITY_FLAGS,
  type Cluster,
  type ContainerPort,
  type EvalOptions,
  type Labels,
  type Namespace,
  type NetworkPolicy,
  type Pod,
  type Protocol,
} from '../model/model.js';
import { formatProtoPorts, type ProtoPorts } from '../semantics/port-set.js';
import type { CompiledCluster } from './reachability.js';

// --- Small builders: a cluster reads like the YAML it stands for -----------------------------

function ns(name: string, labels: Labels = {}): Namespace {
  return { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } };
}

function pod(namespace: string, name: string, labels: Labels, extra: { ips?: string[]; ports?: ContainerPort[] } = {}): Pod {
  return {
    namespace,
    name,
    labels,
    ips: extra.ips ?? [],
    ports: extra.ports ?? [],
    owner: { kind: 'Pod', namespace, name },
    hostNetwork: false,
    security: NO_SECURITY_FLAGS,
    replicas: 1,
    fromTemplate: false,
  };
}

function cluster(namespaces: Namespace[], pods: Pod[], policies: NetworkPolicy[]): Cluster {
  return { namespaces, pods, policies, workloads: [], services: [] };
}

function policy(namespace: string, spec: Omit<NetworkPolicy, 'namespace' | 'name'>, name = 'p'): NetworkPolicy {
  return { namespace, name, ...spec };
}

const P = (p: Pod) => ({ kind: 'pod', pod: p }) as const;
const IP = (ip: string) => ({ kind: 'ip', ip }) as const;

/** The ports reach() reports between two pods (as classes), in `TCP 80; UDP 53` notation. */
function between(c: CompiledCluster, a: Pod, b: Pod): string {
  const pods = c.cluster.pods;
  return formatProtoPorts(c.reach().ports(c.podClass[pods.indexOf(a)]!, c.podClass[pods.indexOf(b)]!));
}

function fromIp(c: CompiledCluster, ip: string, b: Pod): string {
  return formatProtoPorts(c.reach().ports(c.classCount + c.externalOf(ip), c.podClass[c.cluster.pods.indexOf(b)]!));
}

function toIp(c: CompiledCluster, a: Pod, ip: string): string {
  return formatProtoPorts(c.reach().ports(c.podClass[c.cluster.pods.indexOf(a)]!, c.classCount + c.externalOf(ip)));
}

const ok = (c: CompiledCluster, a: Pod, b: Pod, port: number, proto: Protocol = 'TCP') => c.allowed(P(a), P(b), port, proto);

// A two-namespace world used by many tests.
const prod = ns('prod', { env: 'prod' });
const dev = ns('dev', { env: 'dev' });
const web = pod('prod', 'web', { app: 'web' }, { ips: ['10.0.0.1'] });
const db = pod('prod', 'db', { app: 'db' }, { ips: ['10.0.0.2'] });
const tool = pod('dev', 'tool', { app: 'tool' }, { ips: ['10.0.1.1'] });
const devDb = pod('dev', 'db', { app: 'db' }, { ips: ['10.0.1.2'] });

describe('compile: no policies', () => {
  it('allows everything, and collapses pods no selector tells apart', () => {
    const c = compile(cluster([prod, dev], [web, db, tool, devDb], []));
    expect(between(c, web, db)).toBe('All');
    expect(between(c, tool, web)).toBe('All');
    expect(fromIp(c, '8.8.8.8', web)).toBe('All');
    expect(toIp(c, web, '2001:db8::1')).toBe('All');
    // Nothing distinguishes pods inside a namespace: one class per namespace, one external group.
    expect(c.classCount).toBe(2);
    expect(c.externals).toHaveLength(1);
    expect(c.allowed(P(web), P(tool), 1, 'SCTP')).toBe(true);
  });
});

describe('compile: policyTypes inference and absent vs empty rule lists', () => {
  it('a policy with no rules and no policyTypes isolates ingress only', () => {
    const c = compile(cluster([prod], [web, db], [policy('prod', { podSelector: { matchLabels: { app: 'db' } } })]));
    expect(between(c, web, db)).toBe('');
    expect(between(c, db, web)).toBe('All');
    expect(toIp(c, db, '1.1.1.1')).toBe('All');
  });

  it('`egress: []` without policyTypes does not make the policy Egress', () => {
    const c = compile(cluster([prod], [web, db], [policy('prod', { podSelector: {}, egress: [] })]));
    expect(toIp(c, web, '1.1.1.1')).toBe('All');
    expect(between(c, web, db)).toBe(''); // Ingress is still isolated with no rules
  });

  it('a non-empty egress list without policyTypes makes it Ingress and Egress', () => {
    const c = compile(
      cluster([prod], [web, db], [policy('prod', { podSelector: { matchLabels: { app: 'web' } }, egress: [{ ports: [{ port: 443 }] }] })]),
    );
    expect(toIp(c, web, '1.1.1.1')).toBe('TCP 443');
    expect(between(c, web, db)).toBe('TCP 443');
    expect(between(c, db, web)).toBe(''); // web is ingress-isolated with no ingress rules
    expect(c.allowed(P(web), IP('1.1.1.1'), 443, 'TCP')).toBe(true);
    expect(c.allowed(P(web), IP('1.1.1.1'), 80, 'TCP')).toBe(false);
  });

  it('policyTypes [Egress] ignores its ingress rules', () => {
    const c = compile(
      cluster([prod], [web, db], [
        policy('prod', { podSelector: {}, policyTypes: ['Egress'], ingress: [{ ports: [{ port: 1 }] }] }),
      ]),
    );
    expect(between(c, db, web)).toBe(''); // egress isolated, no egress rules
    expect(fromIp(c, '1.2.3.4', web)).toBe('All'); // ingress untouched
  });

  it('`ingress: [{}]` allows every source on every port, outside addresses too', () => {
    const c = compile(
      cluster([prod, dev], [web, tool], [
        policy('prod', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}] }),
      ]),
    );
    expect(between(c, tool, web)).toBe('All');
    expect(fromIp(c, '203.0.113.9', web)).toBe('All');
    expect(toIp(c, web, '203.0.113.9')).toBe(''); // egress isolated, no egress rules
  });

  it('`from: []` and `ports: []` mean every source and every port', () => {
    const c = compile(cluster([prod, dev], [web, tool], [policy('prod', { podSelector: {}, ingress: [{ from: [], ports: [] }] })]));
    expect(between(c, tool, web)).toBe('All');
    expect(fromIp(c, '9.9.9.9', web)).toBe('All');
  });
});

describe('compile: peers', () => {
  const denyAllBut = (from: NetworkPolicy['ingress']) =>
    policy('prod', { podSelector: { matchLabels: { app: 'db' } }, ingress: from ?? [] });

  it('namespaceSelector and podSelector in one peer are ANDed, in two peers ORed', () => {
    const and = compile(
      cluster([prod, dev], [web, db, tool, devDb], [
        denyAllBut([{ from: [{ namespaceSelector: { matchLabels: { env: 'dev' } }, podSelector: { matchLabels: { app: 'tool' } } }] }]),
      ]),
    );
    expect(between(and, tool, db)).toBe('All');
    expect(between(and, devDb, db)).toBe(''); // in dev but not app=tool
    expect(between(and, web, db)).toBe(''); // in prod: namespace does not match

    const or = compile(
      cluster([prod, dev], [web, db, tool, devDb], [
        denyAllBut([{ from: [{ namespaceSelector: { matchLabels: { env: 'dev' } } }, { podSelector: { matchLabels: { app: 'web' } } }] }]),
      ]),
    );
    expect(between(or, tool, db)).toBe('All');
    expect(between(or, devDb, db)).toBe('All');
    expect(between(or, web, db)).toBe('All');
    expect(fromIp(or, '10.9.9.9', db)).toBe('');
  });

  it('a podSelector alone means pods of the policy namespace only', () => {
    const c = compile(cluster([prod, dev], [web, db, tool, devDb], [denyAllBut([{ from: [{ podSelector: { matchLabels: { app: 'db' } } }] }])]));
    expect(between(c, devDb, db)).toBe('');
    // Two pods of the same class: ports(c, c) is ordinary evaluation between distinct pods.
    const db2 = pod('prod', 'db-2', { app: 'db' });
    const c2 = compile(cluster([prod, dev], [web, db, db2, tool, devDb], [denyAllBut([{ from: [{ podSelector: { matchLabels: { app: 'db' } } }] }])]));
    expect(c2.podClass[1]).toBe(c2.podClass[2]);
    expect(between(c2, db, db2)).toBe('All');
  });

  it('NotIn is satisfied by a pod without the key; DoesNotExist and Exists read presence', () => {
    const untagged = pod('prod', 'untagged', {});
    const staging = pod('prod', 'staging', { stage: 'staging' });
    const live = pod('prod', 'live', { stage: 'live' });
    const pods = [db, untagged, staging, live];
    const notIn = compile(
      cluster([prod], pods, [denyAllBut([{ from: [{ podSelector: { matchExpressions: [{ key: 'stage', operator: 'NotIn', values: ['live'] }] } }] }])]),
    );
    expect(between(notIn, untagged, db)).toBe('All');
    expect(between(notIn, staging, db)).toBe('All');
    expect(between(notIn, live, db)).toBe('');
    const exists = compile(
      cluster([prod], pods, [denyAllBut([{ from: [{ podSelector: { matchExpressions: [{ key: 'stage', operator: 'Exists' }] } }] }])]),
    );
    expect(between(exists, untagged, db)).toBe('');
    expect(between(exists, live, db)).toBe('All');
    const absent = compile(
      cluster([prod], pods, [denyAllBut([{ from: [{ podSelector: { matchExpressions: [{ key: 'stage', operator: 'DoesNotExist' }] } }] }])]),
    );
    expect(between(absent, untagged, db)).toBe('All');
    expect(between(absent, live, db)).toBe('');
  });

  it('a namespace the input does not list still matches on kubernetes.io/metadata.name', () => {
    const stray = pod('stray', 'x', {});
    const c = compile(
      cluster([prod], [db, stray], [
        denyAllBut([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'stray' } } }] }]),
      ]),
    );
    expect(between(c, stray, db)).toBe('All');
  });

  it('an IP endpoint is outside the cluster even when it equals a pod IP', () => {
    const c = compile(cluster([prod], [web, db], [denyAllBut([{ from: [{ podSelector: {} }] }])]));
    expect(c.allowed(P(web), P(db), 5432, 'TCP')).toBe(true);
    expect(c.allowed(IP('10.0.0.1'), P(db), 5432, 'TCP')).toBe(false);
  });
});

describe('compile: ports', () => {
  const onDb = (ports: NonNullable<NetworkPolicy['ingress']>[number]['ports']) =>
    policy('prod', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ ports }] });

  it('protocol defaults to TCP; a port without number is every port of its protocol; endPort is inclusive', () => {
    const c = compile(
      cluster([prod], [web, db], [onDb([{ port: 5432 }, { protocol: 'UDP' }, { protocol: 'SCTP', port: 8000, endPort: 8010 }])]),
    );
    expect(between(c, web, db)).toBe('TCP 5432; UDP all; SCTP 8000-8010');
    expect(ok(c, web, db, 8010, 'SCTP')).toBe(true);
    expect(ok(c, web, db, 8011, 'SCTP')).toBe(false);
    expect(ok(c, web, db, 5432, 'UDP')).toBe(true);
    expect(ok(c, web, db, 5433, 'TCP')).toBe(false);
  });

  it('a named port resolves on the destination pod, by name and protocol', () => {
    const pg = (name: string, port: number, ports: ContainerPort[]) => pod('prod', name, { app: 'db' }, { ports: [...ports, { name: 'pg', containerPort: port, protocol: 'TCP' }] });
    const db1 = pg('db1', 5432, []);
    const db2 = pg('db2', 6432, []);
    const dns = pod('prod', 'dns', { app: 'db' }, { ports: [{ name: 'dns', containerPort: 53, protocol: 'TCP' }] });
    const c = compile(cluster([prod], [web, db1, db2, dns], [onDb([{ port: 'pg' }, { port: 'dns', protocol: 'UDP' }])]));
    expect(between(c, web, db1)).toBe('TCP 5432');
    expect(between(c, web, db2)).toBe('TCP 6432');
    // The rule asks for UDP "dns"; the container's "dns" is TCP: nothing matches.
    expect(between(c, web, dns)).toBe('');
    expect(ok(c, web, dns, 53, 'UDP')).toBe(false);
    expect(ok(c, web, dns, 53, 'TCP')).toBe(false);
    expect(ok(c, web, db2, 6432)).toBe(true);
    expect(ok(c, web, db2, 5432)).toBe(false);
    // Same labels, different named ports: policy tells them apart.
    expect(c.podClass[1]).not.toBe(c.podClass[2]);
  });

  it('an egress named port resolves on the peer; an outside address never has one', () => {
    const api = pod('prod', 'api', { app: 'api' }, { ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] });
    const c = compile(
      cluster([prod], [web, api], [policy('prod', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] })]),
    );
    expect(between(c, web, api)).toBe('TCP 8080');
    expect(toIp(c, web, '1.1.1.1')).toBe('');
    expect(c.allowed(P(web), IP('1.1.1.1'), 8080, 'TCP')).toBe(false);
    expect(ok(c, web, api, 8080)).toBe(true);
  });
});

describe('compile: ipBlock', () => {
  const egressTo = (cidr: string, except: string[]) =>
    policy('prod', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr, except } }] }] });

  it('cidr minus except, IPv4', () => {
    const c = compile(cluster([prod], [web], [egressTo('10.0.0.0/8', ['10.1.0.0/16', '10.2.3.0/24'])]));
    expect(c.allowed(P(web), IP('10.9.9.9'), 80, 'TCP')).toBe(true);
    expect(c.allowed(P(web), IP('10.1.200.1'), 80, 'TCP')).toBe(false);
    expect(c.allowed(P(web), IP('10.2.3.255'), 80, 'TCP')).toBe(false);
    expect(c.allowed(P(web), IP('10.2.4.0'), 80, 'TCP')).toBe(true);
    expect(c.allowed(P(web), IP('11.0.0.0'), 80, 'TCP')).toBe(false);
    expect(toIp(c, web, '10.255.255.255')).toBe('All');
    expect(toIp(c, web, '10.1.0.0')).toBe('');
    // Two groups: inside the block, and everything else (both families).
    expect(c.externals).toHaveLength(2);
    const inside = c.externals[c.externalOf('10.0.0.0')]!;
    expect(inside.ranges.map((r) => `${r.start}-${r.end}`)).toEqual([
      `${10n << 24n}-${(10n << 24n) + (1n << 16n) - 1n}`,
      `${(10n << 24n) + (2n << 16n)}-${(10n << 24n) + (2n << 16n) + (3n << 8n) - 1n}`,
      `${(10n << 24n) + (2n << 16n) + (4n << 8n)}-${(11n << 24n) - 1n}`,
    ]);
    // The inside group has no IPv6; its ranges are disjoint and sorted.
    expect(inside.ranges.every((r) => r.family === 4)).toBe(true);
  });

  it('cidr minus except, IPv6, and the families stay apart', () => {
    const c = compile(cluster([prod], [web], [egressTo('fd00::/16', ['fd00:1::/32'])]));
    expect(c.allowed(P(web), IP('fd00:2::1'), 443, 'TCP')).toBe(true);
    expect(c.allowed(P(web), IP('fd00:1::1'), 443, 'TCP')).toBe(false);
    expect(c.allowed(P(web), IP('10.0.0.1'), 443, 'TCP')).toBe(false);
    expect(c.allowed(P(web), IP('::ffff:10.0.0.1'), 443, 'TCP')).toBe(false);
  });

  it('matches pods by their IPs unless ipBlockPods is ignore; a pod without IPs never matches', () => {
    const inside = pod('prod', 'inside', { app: 'x' }, { ips: ['192.168.1.5', 'fd00::5'] });
    const outside = pod('prod', 'outside', { app: 'x' }, { ips: ['172.16.0.1'] });
    const unknown = pod('prod', 'unknown', { app: 'x' });
    const pods = [web, inside, outside, unknown];
    const rule = [egressTo('192.168.0.0/16', [])];
    const match = compile(cluster([prod], pods, rule));
    expect(between(match, web, inside)).toBe('All');
    expect(between(match, web, outside)).toBe('');
    expect(between(match, web, unknown)).toBe('');
    expect(ok(match, web, inside, 80)).toBe(true);
    // Same labels, but the ipBlock sees one and not the others.
    expect(match.podClass[1]).not.toBe(match.podClass[2]);

    const ignore: EvalOptions = { ipBlockPods: 'ignore' };
    const ign = compile(cluster([prod], pods, rule), ignore);
    expect(between(ign, web, inside)).toBe('');
    expect(ok(ign, web, inside, 80)).toBe(false);
    expect(ign.allowed(P(web), IP('192.168.1.5'), 80, 'TCP')).toBe(true);
    expect(ign.podClass[1]).toBe(ign.podClass[2]);
  });

  it('an invalid CIDR is an input error naming the policy and field', () => {
    let err: unknown;
    try {
      compile(cluster([prod], [web], [egressTo('10.0.0.0/33', [])]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).location).toMatchObject({ object: 'NetworkPolicy prod/p', field: 'spec.egress[0].to[0].ipBlock.cidr' });
  });
});

describe('compile: bad addresses', () => {
  it('a pod IP that does not parse is an input error naming the pod, once ipBlocks need it', () => {
    const bad = pod('prod', 'bad', {}, { ips: ['10.0.0.300'] });
    const withBlock = policy('prod', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] });
    expect(() => compile(cluster([prod], [bad], [withBlock]))).toThrow(/Pod prod\/bad.*invalid pod IP "10.0.0.300"/);
  });

  it('an endpoint address that does not parse is an input error', () => {
    const c = compile(cluster([prod], [web], []));
    expect(() => c.externalOf('nope')).toThrow(InputError);
    expect(() => c.allowed(IP('1.2.3'), P(web), 80, 'TCP')).toThrow(/invalid IP address "1.2.3"/);
  });
});

describe('compile: isolation in both directions and union across policies', () => {
  it('needs the source egress and the destination ingress', () => {
    const egressToDb = policy('prod', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 5432 }, { port: 6000 }] }],
    }, 'web-egress');
    const dbIngress = policy('prod', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 5432 }, { port: 7000 }] }],
    }, 'db-ingress');
    const both = compile(cluster([prod], [web, db], [egressToDb, dbIngress]));
    expect(between(both, web, db)).toBe('TCP 5432');
    expect(ok(both, web, db, 6000)).toBe(false);
    expect(ok(both, web, db, 7000)).toBe(false);
    const onlyEgress = compile(cluster([prod], [web, db], [egressToDb]));
    expect(between(onlyEgress, web, db)).toBe('TCP 5432,6000');
  });

  it('rules of all policies selecting a pod add up, each with its own sources', () => {
    const c = compile(
      cluster([prod, dev], [web, db, tool], [
        policy('prod', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 80 }] }] }, 'a'),
        policy('prod', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'dev' } } }], ports: [{ port: 443 }] }] }, 'b'),
        policy('prod', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 81, endPort: 90 }] }] }, 'c'),
      ]),
    );
    expect(between(c, web, db)).toBe('TCP 80-90');
    expect(between(c, tool, db)).toBe('TCP 443');
    expect(between(c, tool, web)).toBe('TCP 443');
    expect(between(c, db, web)).toBe('');
  });

  it('a pod may always reach itself; two pods of one class follow policy', () => {
    const a = pod('prod', 'a', { app: 'x' });
    const b = pod('prod', 'b', { app: 'x' });
    const c = compile(cluster([prod], [a, b], [policy('prod', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })]));
    expect(c.classCount).toBe(1);
    expect(c.allowed(P(a), P(a), 80, 'TCP')).toBe(true);
    expect(c.allowed(P(a), P(b), 80, 'TCP')).toBe(false);
    expect(c.reach().ports(0, 0)).toEqual({ TCP: [], UDP: [], SCTP: [] });
  });
});

describe('compile: classes', () => {
  it('labels no selector reads do not split classes; labels a selector reads do', () => {
    const r1 = pod('prod', 'api-1', { app: 'api', 'pod-template-hash': 'aaa' });
    const r2 = pod('prod', 'api-2', { app: 'api', 'pod-template-hash': 'bbb' });
    const other = pod('prod', 'other', { app: 'other' });
    const mentionsApi = policy('prod', { podSelector: { matchLabels: { app: 'api' } }, ingress: [{}] });
    const c = compile(cluster([prod], [r1, r2, other], [mentionsApi]));
    expect(c.classCount).toBe(2);
    expect(c.podClass[0]).toBe(c.podClass[1]);
    expect(c.classPods[c.podClass[0]!]).toEqual([0, 1]);

    const readsHash = policy('prod', { podSelector: { matchLabels: { 'pod-template-hash': 'aaa' } }, ingress: [] }, 'hash');
    const split = compile(cluster([prod], [r1, r2, other], [mentionsApi, readsHash]));
    expect(split.podClass[0]).not.toBe(split.podClass[1]);
  });

  it('a named port no rule mentions does not split classes', () => {
    const a = pod('prod', 'a', { app: 'x' }, { ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }] });
    const b = pod('prod', 'b', { app: 'x' }, { ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] });
    const c = compile(cluster([prod], [a, b], [policy('prod', { podSelector: {}, ingress: [{ ports: [{ port: 'grpc' }] }] })]));
    expect(c.podClass[0]).toBe(c.podClass[1]);
    const d = compile(cluster([prod], [a, b], [policy('prod', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] })]));
    expect(d.podClass[0]).not.toBe(d.podClass[1]);
  });
});

describe('compile: pods outside the cluster', () => {
  it('are evaluated by their fields', () => {
    const c = compile(
      cluster([prod, dev], [web, db], [
        policy('prod', {
          podSelector: { matchLabels: { app: 'db' } },
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'dev' } }, podSelector: { matchLabels: { app: 'tool' } } }], ports: [{ port: 'pg' }] }],
        }),
      ]),
    );
    const visitor = pod('dev', 'visitor', { app: 'tool' });
    const stranger = pod('dev', 'stranger', { app: 'other' });
    expect(c.allowed(P(visitor), P(db), 5432, 'TCP')).toBe(false); // db has no port named pg
    const newDb = pod('prod', 'db-new', { app: 'db' }, { ports: [{ name: 'pg', containerPort: 15432, protocol: 'TCP' }] });
    expect(c.allowed(P(visitor), P(newDb), 15432, 'TCP')).toBe(true);
    expect(c.allowed(P(stranger), P(newDb), 15432, 'TCP')).toBe(false);
    expect(c.allowed(P(visitor), P(newDb), 15433, 'TCP')).toBe(false);
    expect(c.allowed(P(web), P(visitor), 1, 'TCP')).toBe(true);
  });
});

describe('compile: forEachAllowed', () => {
  it('reports each allowed pair once, agreeing with ports(), never external to external', () => {
    const c = compile(
      cluster([prod, dev], [web, db, tool, devDb], [
        policy('prod', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }, { ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 5432 }] }] }),
        policy('dev', { podSelector: {}, egress: [{ to: [{ namespaceSelector: {} }] }] }),
      ]),
    );
    const r = c.reach();
    const seen = new Map<string, string>();
    r.forEachAllowed((s, d, ports: ProtoPorts) => {
      const key = `${s}>${d}`;
      expect(seen.has(key)).toBe(false);
      seen.set(key, formatProtoPorts(ports));
    });
    for (let s = 0; s < r.nodeCount; s++) {
      for (let d = 0; d < r.nodeCount; d++) {
        const p = formatProtoPorts(r.ports(s, d));
        expect(seen.get(`${s}>${d}`) ?? '').toBe(p);
        if (s >= c.classCount && d >= c.classCount) expect(p).toBe('');
      }
    }
    expect(seen.size).toBeGreaterThan(0);
  });
});

describe('compile: a destination with many rules', () => {
  // n sources, each let in on its own port by its own policy and let out by its own egress
  // policy: the destination has n ingress groups and n+1 egress groups that cannot be merged.
  const build = (n: number) => {
    const target = pod('prod', 'db', { app: 'db' });
    const sources = Array.from({ length: n }, (_, i) => pod('prod', `s${i}`, { app: `s${i}` }));
    const policies = sources.flatMap((_, i) => [
      policy('prod', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: `s${i}` } } }], ports: [{ port: 1000 + i }] }],
      }, `in-${i}`),
      policy('prod', {
        podSelector: { matchLabels: { app: `s${i}` } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 1000 + i, endPort: 1000 + i + 1 }] }],
      }, `out-${i}`),
    ]);
    return { target, sources, c: compile(cluster([prod], [target, ...sources], policies)) };
  };

  for (const n of [3, 10, 30]) {
    it(`gives each of ${n} sources exactly its own port`, () => {
      const { target, sources, c } = build(n);
      const dst = c.podClass[0]!;
      const reported = new Map<number, string>();
      c.reach().forEachAllowed((s, d, ports) => {
        if (d === dst) reported.set(s, formatProtoPorts(ports));
      });
      expect(reported.size).toBe(n);
      sources.forEach((src, i) => {
        expect(between(c, src, target)).toBe(`TCP ${1000 + i}`);
        expect(reported.get(c.podClass[i + 1]!)).toBe(`TCP ${1000 + i}`);
        expect(ok(c, src, target, 1000 + i)).toBe(true);
        expect(ok(c, src, target, 1001 + i)).toBe(false);
      });
    });
  }
});
