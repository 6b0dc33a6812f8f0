import { describe, expect, it } from 'vitest';
import type {
  Cluster,
  ContainerPort,
  Endpoint,
  EvalOptions,
  Labels,
  NetworkPolicy,
  Pod,
  Protocol,
} from '../model/model.js';
import { NO_SECURITY_FLAGS } from '../model/model.js';
import { referenceAllowed } from './reference.js';

// A small cluster: namespaces "prod" (team=a) and "dev" (team=b), a few pods with named ports.

const WEB_PORTS: ContainerPort[] = [
  { name: 'http', containerPort: 8080, protocol: 'TCP' },
  { name: 'dns', containerPort: 53, protocol: 'UDP' },
];
const DB_PORTS: ContainerPort[] = [
  { name: 'http', containerPort: 9090, protocol: 'TCP' },
  { name: 'pg', containerPort: 5432, protocol: 'TCP' },
];

function pod(namespace: string, name: string, labels: Labels, ips: string[], ports: ContainerPort[] = []): Pod {
  return {
    namespace,
    name,
    labels,
    ips,
    ports,
    owner: { kind: 'Pod', namespace, name },
    hostNetwork: false,
    security: NO_SECURITY_FLAGS,
    replicas: 1,
    fromTemplate: false,
  };
}

const web = pod('prod', 'web', { app: 'web', tier: 'front' }, ['10.0.0.1', 'fd00::1'], WEB_PORTS);
const db = pod('prod', 'db', { app: 'db' }, ['10.0.0.2'], DB_PORTS);
const tool = pod('dev', 'tool', { app: 'tool' }, ['10.0.1.1']);
const debug = pod('dev', 'debug', { app: 'debug', tier: 'front' }, ['10.0.1.2']);

function cluster(...policies: NetworkPolicy[]): Cluster {
  return {
    namespaces: [
      { name: 'prod', labels: { 'kubernetes.io/metadata.name': 'prod', team: 'a' } },
      { name: 'dev', labels: { 'kubernetes.io/metadata.name': 'dev', team: 'b' } },
    ],
    pods: [web, db, tool, debug],
    workloads: [],
    services: [],
    policies,
  };
}

function policy(spec: Omit<NetworkPolicy, 'namespace' | 'name'> & { namespace?: string; name?: string }): NetworkPolicy {
  return { namespace: 'prod', name: 'p', ...spec };
}

const P = (p: Pod): Endpoint => ({ kind: 'pod', pod: p });
const IP = (ip: string): Endpoint => ({ kind: 'ip', ip });

function ok(c: Cluster, src: Endpoint, dst: Endpoint, port = 80, protocol: Protocol = 'TCP', options?: EvalOptions) {
  return referenceAllowed(c, src, dst, port, protocol, options);
}

const denyIngressDb = policy({ podSelector: { matchLabels: { app: 'db' } }, ingress: [] });

describe('referenceAllowed: isolation', () => {
  it('allows everything when no policy exists', () => {
    const c = cluster();
    expect(ok(c, P(web), P(db))).toBe(true);
    expect(ok(c, P(tool), P(web), 443, 'UDP')).toBe(true);
    expect(ok(c, IP('203.0.113.5'), P(db))).toBe(true);
    expect(ok(c, P(db), IP('203.0.113.5'))).toBe(true);
  });

  it('isolates only the pods the podSelector picks, in the policy namespace', () => {
    const c = cluster(denyIngressDb);
    expect(ok(c, P(web), P(db))).toBe(false);
    expect(ok(c, P(db), P(web))).toBe(true);
    // Ingress isolation of db says nothing about db's own egress.
    expect(ok(c, P(db), P(tool))).toBe(true);
    // A policy in prod never selects dev pods, even when the labels would match.
    const c2 = cluster(policy({ podSelector: { matchLabels: { app: 'tool' } }, ingress: [] }));
    expect(ok(c2, P(web), P(tool))).toBe(true);
  });

  it('always allows a pod to itself, by identity or by namespace/name', () => {
    const c = cluster(policy({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
    expect(ok(c, P(db), P(db))).toBe(true);
    expect(ok(c, P(db), P({ ...db }))).toBe(true);
    expect(ok(c, P(db), P(web))).toBe(false);
  });

  it('allows an address to an address: no policy applies', () => {
    const c = cluster(policy({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
    expect(ok(c, IP('203.0.113.5'), IP('198.51.100.1'))).toBe(true);
  });

  it('needs both the source egress and the destination ingress', () => {
    const egressOnlyToDb = policy({
      name: 'web-egress',
      podSelector: { matchLabels: { app: 'web' } },
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }],
    });
    const c = cluster(egressOnlyToDb, denyIngressDb);
    // web may send to db, but db accepts nothing.
    expect(ok(c, P(web), P(db))).toBe(false);
    // Drop db's ingress isolation: now allowed; web to anything else still blocked by egress.
    const c2 = cluster(egressOnlyToDb);
    expect(ok(c2, P(web), P(db))).toBe(true);
    expect(ok(c2, P(web), P(tool))).toBe(false);
    expect(ok(c2, P(web), IP('203.0.113.5'))).toBe(false);
  });

  it('takes the union of all policies that select a pod', () => {
    const fromWeb = policy({
      name: 'from-web',
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }],
    });
    const fromDev = policy({
      name: 'from-dev',
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } } }] }],
    });
    const c = cluster(denyIngressDb, fromWeb, fromDev);
    expect(ok(c, P(web), P(db))).toBe(true);
    expect(ok(c, P(tool), P(db))).toBe(true);
    expect(ok(c, IP('203.0.113.5'), P(db))).toBe(false);
  });
});

describe('referenceAllowed: policyTypes', () => {
  it('defaults to Ingress only when there are no egress rules', () => {
    const c = cluster(policy({ podSelector: { matchLabels: { app: 'db' } } }));
    expect(ok(c, P(web), P(db))).toBe(false);
    expect(ok(c, P(db), P(web))).toBe(true);
  });

  it('treats `egress: []` without policyTypes as Ingress-only (apiserver: len(spec.Egress) != 0)', () => {
    const c = cluster(policy({ podSelector: { matchLabels: { app: 'db' } }, egress: [] }));
    expect(ok(c, P(db), P(web))).toBe(true);
    expect(ok(c, P(db), IP('203.0.113.5'))).toBe(true);
    expect(ok(c, P(web), P(db))).toBe(false);
  });

  it('adds Egress when egress rules exist, keeping Ingress isolation', () => {
    const c = cluster(
      policy({ podSelector: { matchLabels: { app: 'db' } }, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] }),
    );
    expect(ok(c, P(db), P(web), 53, 'UDP')).toBe(true);
    expect(ok(c, P(db), P(web), 80)).toBe(false);
    expect(ok(c, P(web), P(db))).toBe(false);
  });

  it('takes explicit policyTypes as given', () => {
    const egressOnly = cluster(policy({ podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Egress'] }));
    expect(ok(egressOnly, P(db), P(web))).toBe(false);
    expect(ok(egressOnly, P(web), P(db))).toBe(true);
    // Egress is not enforced when policyTypes omits it, even with egress rules present.
    const ingressOnly = cluster(
      policy({ podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], egress: [{ to: [] }], ingress: [{}] }),
    );
    expect(ok(ingressOnly, P(db), P(tool))).toBe(true);
    expect(ok(ingressOnly, P(tool), P(db))).toBe(true);
  });
});

describe('referenceAllowed: rules and peers', () => {
  it('reads absent or empty `from` as every source, pods and addresses', () => {
    for (const rule of [{}, { from: [] }]) {
      const c = cluster(policy({ podSelector: {}, ingress: [rule] }));
      expect(ok(c, P(tool), P(db))).toBe(true);
      expect(ok(c, IP('203.0.113.5'), P(db))).toBe(true);
      expect(ok(c, IP('2001:db8::1'), P(db), 5432, 'SCTP')).toBe(true);
    }
  });

  it('reads absent or empty `ports` as every port of every protocol', () => {
    for (const ports of [undefined, []]) {
      const c = cluster(policy({ podSelector: {}, ingress: [{ from: [{ podSelector: {} }], ports }] }));
      expect(ok(c, P(web), P(db), 1, 'SCTP')).toBe(true);
      expect(ok(c, P(web), P(db), 65535, 'UDP')).toBe(true);
    }
  });

  it('limits a podSelector-only peer to the policy namespace', () => {
    const c = cluster(policy({ podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'front' } } }] }] }));
    expect(ok(c, P(web), P(db))).toBe(true);
    expect(ok(c, P(debug), P(db))).toBe(false);
  });

  it('takes every pod of matching namespaces for a namespaceSelector-only peer', () => {
    const c = cluster(policy({ podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } } }] }] }));
    expect(ok(c, P(tool), P(db))).toBe(true);
    expect(ok(c, P(debug), P(db))).toBe(true);
    expect(ok(c, P(web), P(db))).toBe(false);
    expect(ok(c, IP('10.0.1.1'), P(db))).toBe(false);
  });

  it('ANDs namespaceSelector and podSelector in one peer, ORs separate peers', () => {
    const both = cluster(
      policy({
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { tier: 'front' } } }] }],
      }),
    );
    expect(ok(both, P(web), P(db))).toBe(true);
    expect(ok(both, P(debug), P(db))).toBe(true);
    expect(ok(both, P(tool), P(db))).toBe(false);
    const either = cluster(
      policy({
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } } }, { podSelector: { matchLabels: { app: 'web' } } }] }],
      }),
    );
    expect(ok(either, P(tool), P(db))).toBe(true);
    expect(ok(either, P(web), P(db))).toBe(true);
  });

  it('gives a namespace missing from the cluster its kubernetes.io/metadata.name label', () => {
    const stray = pod('ops', 'stray', { app: 'x' }, ['10.9.9.9']);
    const c = cluster(
      policy({
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }] }],
      }),
    );
    expect(ok(c, P(stray), P(db))).toBe(true);
    expect(ok(c, P(tool), P(db))).toBe(false);
  });
});

describe('referenceAllowed: label selectors', () => {
  const ingressFrom = (podSelector: NetworkPolicy['podSelector']) =>
    cluster(policy({ podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector }] }] }));

  it('ANDs matchLabels with matchExpressions', () => {
    const c = ingressFrom({ matchLabels: { tier: 'front' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] });
    expect(ok(c, P(web), P(db))).toBe(true);
    expect(ok(c, P(debug), P(db))).toBe(false);
  });

  it('lets NotIn match pods lacking the key, and In not', () => {
    const notIn = ingressFrom({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] });
    expect(ok(notIn, P(tool), P(db))).toBe(true); // no tier label at all
    expect(ok(notIn, P(debug), P(db))).toBe(false);
    const inSel = ingressFrom({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] });
    expect(ok(inSel, P(tool), P(db))).toBe(false);
    expect(ok(inSel, P(debug), P(db))).toBe(true);
  });

  it('supports Exists and DoesNotExist', () => {
    const exists = ingressFrom({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] });
    expect(ok(exists, P(web), P(db))).toBe(true);
    expect(ok(exists, P(tool), P(db))).toBe(false);
    const absent = ingressFrom({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] });
    expect(ok(absent, P(web), P(db))).toBe(false);
    expect(ok(absent, P(tool), P(db))).toBe(true);
  });

  it('does not confuse an empty label value with a missing label', () => {
    const blank = pod('dev', 'blank', { tier: '' }, []);
    const c: Cluster = { ...ingressFrom({ matchLabels: { tier: '' } }), pods: [db, blank, tool] };
    expect(ok(c, P(blank), P(db))).toBe(true);
    expect(ok(c, P(tool), P(db))).toBe(false);
  });
});

describe('referenceAllowed: ports', () => {
  const ingressPorts = (ports: NonNullable<NetworkPolicy['ingress']>[number]['ports']) =>
    cluster(policy({ podSelector: {}, ingress: [{ ports }] }));

  it('defaults the protocol to TCP', () => {
    const c = ingressPorts([{ port: 5432 }]);
    expect(ok(c, P(web), P(db), 5432, 'TCP')).toBe(true);
    expect(ok(c, P(web), P(db), 5432, 'UDP')).toBe(false);
    expect(ok(c, P(web), P(db), 5433, 'TCP')).toBe(false);
  });

  it('matches every port of the protocol when port is absent', () => {
    const c = ingressPorts([{ protocol: 'UDP' }]);
    expect(ok(c, P(web), P(db), 1, 'UDP')).toBe(true);
    expect(ok(c, P(web), P(db), 65535, 'UDP')).toBe(true);
    expect(ok(c, P(web), P(db), 80, 'TCP')).toBe(false);
  });

  it('matches an endPort range inclusively', () => {
    const c = ingressPorts([{ port: 32000, endPort: 32768 }]);
    expect(ok(c, P(web), P(db), 31999)).toBe(false);
    expect(ok(c, P(web), P(db), 32000)).toBe(true);
    expect(ok(c, P(web), P(db), 32768)).toBe(true);
    expect(ok(c, P(web), P(db), 32769)).toBe(false);
  });

  it('resolves an ingress named port on the subject (destination) pod', () => {
    const c = ingressPorts([{ port: 'http' }]);
    // "http" is 8080 on web and 9090 on db.
    expect(ok(c, P(db), P(web), 8080)).toBe(true);
    expect(ok(c, P(db), P(web), 9090)).toBe(false);
    expect(ok(c, P(web), P(db), 9090)).toBe(true);
    expect(ok(c, P(web), P(db), 8080)).toBe(false);
    // A selected pod without container ports has no port named "http".
    const bare = pod('prod', 'bare', { app: 'bare' }, ['10.0.0.3']);
    expect(ok(c, P(web), P(bare), 8080)).toBe(false);
    expect(ok(c, P(web), P(bare), 9090)).toBe(false);
  });

  it('resolves an egress named port on the peer pod, never on an address', () => {
    const c = cluster(policy({ podSelector: { matchLabels: { app: 'web' } }, egress: [{ ports: [{ port: 'pg' }] }] }));
    expect(ok(c, P(web), P(db), 5432)).toBe(true);
    expect(ok(c, P(web), P(tool), 5432)).toBe(false);
    expect(ok(c, P(web), IP('203.0.113.5'), 5432)).toBe(false);
  });

  it('needs the named container port to have the rule protocol', () => {
    // web's "dns" is UDP 53: a rule naming it with the TCP default matches nothing.
    const tcp = ingressPorts([{ port: 'dns' }]);
    expect(ok(tcp, P(db), P(web), 53, 'TCP')).toBe(false);
    expect(ok(tcp, P(db), P(web), 53, 'UDP')).toBe(false);
    const udp = ingressPorts([{ port: 'dns', protocol: 'UDP' }]);
    expect(ok(udp, P(db), P(web), 53, 'UDP')).toBe(true);
  });
});

describe('referenceAllowed: ipBlock', () => {
  const ingressFromBlock = (cidr: string, except?: string[]) =>
    cluster(policy({ podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ ipBlock: { cidr, except } }] }] }));

  it('matches addresses in the cidr minus except', () => {
    const c = ingressFromBlock('203.0.113.0/24', ['203.0.113.128/25']);
    expect(ok(c, IP('203.0.113.5'), P(db))).toBe(true);
    expect(ok(c, IP('203.0.113.200'), P(db))).toBe(false);
    expect(ok(c, IP('203.0.114.1'), P(db))).toBe(false);
  });

  it('clears host bits of the cidr', () => {
    const c = ingressFromBlock('203.0.113.77/24');
    expect(ok(c, IP('203.0.113.1'), P(db))).toBe(true);
    expect(ok(c, IP('203.0.112.1'), P(db))).toBe(false);
  });

  it('matches pods by any of their IPs with ipBlockPods=match (the default), never with ignore', () => {
    const c = ingressFromBlock('fd00::/64');
    expect(ok(c, P(web), P(db))).toBe(true); // web's second IP is fd00::1
    expect(ok(c, P(web), P(db), 80, 'TCP', { ipBlockPods: 'match' })).toBe(true);
    expect(ok(c, P(web), P(db), 80, 'TCP', { ipBlockPods: 'ignore' })).toBe(false);
    expect(ok(c, P(tool), P(db))).toBe(false);
    // ignore still matches addresses outside the cluster.
    expect(ok(c, IP('fd00::99'), P(db), 80, 'TCP', { ipBlockPods: 'ignore' })).toBe(true);
  });

  it('does not let ipBlock peers select pods by labels or namespaces', () => {
    const c = ingressFromBlock('0.0.0.0/0', ['10.0.0.0/8']);
    expect(ok(c, P(web), P(db))).toBe(false); // 10.0.0.1 is excepted; fd00::1 is not IPv4
    expect(ok(c, IP('8.8.8.8'), P(db))).toBe(true);
  });

  it('parses IPv6 with :: compression and embedded IPv4, keeping the families apart', () => {
    const c = ingressFromBlock('2001:db8::/32', ['2001:db8:0:0:1::/80']);
    expect(ok(c, IP('2001:db8::1'), P(db))).toBe(true);
    expect(ok(c, IP('2001:0DB8:0000:0000:0000:0000:0000:0001'), P(db))).toBe(true);
    expect(ok(c, IP('2001:db8::1:0:0:5'), P(db))).toBe(false);
    expect(ok(c, IP('2001:db9::1'), P(db))).toBe(false);
    const mapped = ingressFromBlock('::ffff:192.0.2.0/120');
    expect(ok(mapped, IP('::ffff:192.0.2.9'), P(db))).toBe(true);
    expect(ok(mapped, IP('::ffff:c000:209'), P(db))).toBe(true);
    // An IPv4 address is not inside the IPv4-mapped IPv6 range, nor in ::/0.
    expect(ok(mapped, IP('192.0.2.9'), P(db))).toBe(false);
    expect(ok(ingressFromBlock('::/0'), IP('192.0.2.9'), P(db))).toBe(false);
    expect(ok(ingressFromBlock('::/0'), IP('::'), P(db))).toBe(true);
  });

  it('throws on an address that is not one', () => {
    const c = ingressFromBlock('10.0.0.0/8');
    expect(() => ok(c, IP('10.0.0.256'), P(db))).toThrow(/invalid IP/);
    expect(() => ok(c, IP('1::2::3'), P(db))).toThrow(/invalid IP/);
    expect(() => ok(c, IP('1:2:3:4:5:6:7:8:9'), P(db))).toThrow(/invalid IP/);
  });
});
