import { describe, expect, it } from 'vitest';
import { explainConnection } from './explain.js';
import {
  NO_SECURITY_FLAGS,
  type Cluster,
  type ContainerPort,
  type Endpoint,
  type Labels,
  type NetworkPolicy,
  type Pod,
} from '../model/model.js';
import { pod as testPod } from '../testing/attack-clusters.js';

function pod(ns: string, name: string, labels: Labels, ips: string[] = [], ports: ContainerPort[] = []): Pod {
  return testPod(ns, name, labels, ports, { ips });
}

function cluster(policies: NetworkPolicy[], pods: Pod[] = []): Cluster {
  return {
    namespaces: [
      { name: 'x', labels: { 'kubernetes.io/metadata.name': 'x', team: 'a' } },
      { name: 'y', labels: { 'kubernetes.io/metadata.name': 'y', team: 'b' } },
    ],
    pods,
    workloads: [],
    services: [],
    policies,
  };
}

const a = pod('x', 'a', { app: 'client' }, ['10.0.1.1']);
const b = pod('y', 'b', { app: 'web' }, ['10.0.2.2'], [
  { name: 'http', containerPort: 8080, protocol: 'TCP' },
  { name: 'dns', containerPort: 53, protocol: 'UDP' },
]);
const A: Endpoint = { kind: 'pod', pod: a };
const B: Endpoint = { kind: 'pod', pod: b };
const ip = (s: string): Endpoint => ({ kind: 'ip', ip: s });

const denyAllIngress = (ns: string): NetworkPolicy => ({ namespace: ns, name: 'default-deny', podSelector: {} });
const denyAllEgress = (ns: string): NetworkPolicy => ({
  namespace: ns,
  name: 'deny-egress',
  podSelector: {},
  policyTypes: ['Egress'],
});

describe('explainConnection', () => {
  it('allows everything when no policy selects either side', () => {
    const e = explainConnection(cluster([]), A, B, 80, 'TCP');
    expect(e.allowed).toBe(true);
    expect(e.src).toBe('x/a');
    expect(e.dst).toBe('y/b');
    expect(e.selfConnection).toBe(false);
    expect(e.denyingSides).toEqual([]);
    expect(e.egress).toMatchObject({ endpoint: 'x/a', isolated: false, isolatingPolicies: [], reason: 'not isolated' });
    expect(e.ingress).toMatchObject({ endpoint: 'y/b', isolated: false, allowedBy: [], reason: 'not isolated' });
  });

  it('lists every rule that allows, from every isolating policy, sorted by policy', () => {
    const policies: NetworkPolicy[] = [
      {
        namespace: 'y',
        name: 'zz-web',
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [
          { from: [{ podSelector: { matchLabels: { app: 'other' } } }] },
          {
            from: [
              { podSelector: { matchLabels: { app: 'nope' } } },
              { namespaceSelector: { matchLabels: { team: 'a' } } },
            ],
            ports: [{ port: 80 }],
          },
        ],
      },
      { namespace: 'y', name: 'allow-web', podSelector: {}, ingress: [{}] },
      // Another namespace's policy never selects y/b.
      { namespace: 'x', name: 'elsewhere', podSelector: {} },
    ];
    const e = explainConnection(cluster(policies), A, B, 80, 'TCP');
    expect(e.allowed).toBe(true);
    expect(e.ingress.isolatingPolicies).toEqual(['y/allow-web', 'y/zz-web']);
    expect(e.ingress.allowedBy).toEqual([
      { policy: 'y/allow-web', direction: 'ingress', rule: 0, detail: 'any source on any port' },
      {
        policy: 'y/zz-web',
        direction: 'ingress',
        rule: 1,
        peer: 1,
        detail: 'peer 1: namespaceSelector `team=a` matches namespace x on TCP 80',
      },
    ]);
    expect(e.ingress.nearMisses).toEqual([]);
    expect(e.ingress.reason).toBe('allowed by y/allow-web ingress rule 0, y/zz-web ingress rule 1');
    // The isolated source's egress is untouched: policies in x have only Ingress.
    expect(e.egress.isolated).toBe(false);
  });

  it('denies on ingress and names the rule whose peer matched but whose ports did not', () => {
    const policies: NetworkPolicy[] = [
      denyAllIngress('y'),
      {
        namespace: 'y',
        name: 'allow-web',
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 8080 }, { port: 9000, endPort: 9100 }] }],
      },
    ];
    const e = explainConnection(cluster(policies), A, B, 80, 'TCP');
    expect(e.allowed).toBe(false);
    expect(e.denyingSides).toEqual(['ingress']);
    expect(e.ingress.isolated).toBe(true);
    expect(e.ingress.isolatingPolicies).toEqual(['y/allow-web', 'y/default-deny']);
    expect(e.ingress.allowedBy).toEqual([]);
    expect(e.ingress.reason).toBe('isolated by y/allow-web, y/default-deny; no rule allows x/a on TCP 80');
    expect(e.ingress.nearMisses).toEqual([
      {
        policy: 'y/allow-web',
        direction: 'ingress',
        rule: 0,
        peer: 0,
        detail: 'matches x/a but allows only TCP 8080, 9000-9100',
      },
    ]);
    // The endPort range is inclusive at both ends.
    expect(explainConnection(cluster(policies), A, B, 9100, 'TCP').allowed).toBe(true);
    expect(explainConnection(cluster(policies), A, B, 9101, 'TCP').allowed).toBe(false);
  });

  it('treats an absent protocol as TCP and an absent port as every port of the protocol', () => {
    const policies: NetworkPolicy[] = [
      {
        namespace: 'y',
        name: 'p',
        podSelector: {},
        ingress: [{ ports: [{ port: 53 }] }, { ports: [{ protocol: 'SCTP' }] }],
      },
    ];
    const udp = explainConnection(cluster(policies), A, B, 53, 'UDP');
    expect(udp.allowed).toBe(false);
    expect(udp.ingress.nearMisses.map((r) => [r.rule, r.detail])).toEqual([
      [0, 'matches x/a but allows only TCP 53'],
      [1, 'matches x/a but allows only SCTP all'],
    ]);
    const sctp = explainConnection(cluster(policies), A, B, 4242, 'SCTP');
    expect(sctp.allowed).toBe(true);
    expect(sctp.ingress.allowedBy).toEqual([
      { policy: 'y/p', direction: 'ingress', rule: 1, detail: 'any source on all SCTP ports' },
    ]);
  });

  it('reports both sides when egress and ingress both deny', () => {
    const e = explainConnection(cluster([denyAllEgress('x'), denyAllIngress('y')]), A, B, 443, 'TCP');
    expect(e.allowed).toBe(false);
    expect(e.denyingSides).toEqual(['egress', 'ingress']);
    expect(e.egress.reason).toBe('isolated by x/deny-egress; no rule allows y/b on TCP 443');
    expect(e.ingress.reason).toBe('isolated by y/default-deny; no rule allows x/a on TCP 443');
  });

  it('needs the source egress even when the destination ingress allows', () => {
    const policies: NetworkPolicy[] = [
      denyAllEgress('x'),
      { namespace: 'y', name: 'open', podSelector: {}, ingress: [{}] },
    ];
    const e = explainConnection(cluster(policies), A, B, 80, 'TCP');
    expect(e.allowed).toBe(false);
    expect(e.denyingSides).toEqual(['egress']);
    expect(e.ingress.allowedBy).toHaveLength(1);
  });

  describe('near misses where the port matches but no peer does', () => {
    const ingressFrom = (from: NetworkPolicy['ingress']): Cluster =>
      cluster([{ namespace: 'y', name: 'np', podSelector: {}, ingress: from }]);

    it('names a namespaceSelector that does not match the namespace labels', () => {
      const e = explainConnection(
        ingressFrom([{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } } }], ports: [{ port: 80 }] }]),
        A,
        B,
        80,
        'TCP',
      );
      expect(e.ingress.nearMisses).toEqual([
        {
          policy: 'y/np',
          direction: 'ingress',
          rule: 0,
          peer: 0,
          detail: "allows TCP 80 but namespaceSelector `team=b` does not match namespace x's labels",
        },
      ]);
    });

    it('names a podSelector that does not match, AND-ed with a namespaceSelector that does', () => {
      const e = explainConnection(
        ingressFrom([
          {
            from: [
              {
                namespaceSelector: { matchLabels: { team: 'a' } },
                podSelector: { matchLabels: { app: 'web' } },
              },
            ],
          },
        ]),
        A,
        B,
        80,
        'TCP',
      );
      expect(e.allowed).toBe(false);
      expect(e.ingress.nearMisses.map((r) => r.detail)).toEqual([
        "allows any port but podSelector `app=web` does not match x/a's labels",
      ]);
    });

    it('says a podSelector alone only reaches the policy namespace', () => {
      const e = explainConnection(
        ingressFrom([{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }]),
        A,
        B,
        80,
        'TCP',
      );
      expect(e.allowed).toBe(false);
      expect(e.ingress.nearMisses.map((r) => r.detail)).toEqual([
        "allows any port but x/a is not in namespace y (without a namespaceSelector the peer selects only the policy's namespace)",
      ]);
      // The same pod in the policy's namespace is selected.
      const local = pod('y', 'c', { app: 'client' });
      expect(explainConnection(ingressFrom([{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }]), { kind: 'pod', pod: local }, B, 80, 'TCP').allowed).toBe(true);
    });

    it('gives one near miss per failing peer when a rule has several', () => {
      const e = explainConnection(
        ingressFrom([
          {
            from: [
              { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['b', 'c'] }] } },
              { ipBlock: { cidr: '192.168.0.0/16' } },
            ],
            ports: [{ port: 80 }],
          },
        ]),
        A,
        B,
        80,
        'TCP',
      );
      expect(e.ingress.nearMisses.map((r) => [r.peer, r.detail])).toEqual([
        [0, "allows TCP 80 but peer 0: namespaceSelector `team in (b,c)` does not match namespace x's labels"],
        [1, "allows TCP 80 but peer 1: x/a's IP 10.0.1.1 is not in ipBlock 192.168.0.0/16"],
      ]);
    });

    it('explains an address outside the ipBlock and one inside an except', () => {
      const c = ingressFrom([{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.5.0/24'] } }] }]);
      const outside = explainConnection(c, ip('10.1.2.3'), B, 80, 'TCP');
      expect(outside.allowed).toBe(false);
      expect(outside.ingress.nearMisses.map((r) => r.detail)).toEqual([
        'allows any port but 10.1.2.3 is not in ipBlock 10.0.0.0/16',
      ]);
      const excepted = explainConnection(c, ip('10.0.5.5'), B, 80, 'TCP');
      expect(excepted.allowed).toBe(false);
      expect(excepted.ingress.nearMisses.map((r) => r.detail)).toEqual([
        'allows any port but 10.0.5.5 is in except 10.0.5.0/24 of ipBlock 10.0.0.0/16',
      ]);
      const inside = explainConnection(c, ip('10.0.6.1'), B, 80, 'TCP');
      expect(inside.allowed).toBe(true);
      expect(inside.ingress.allowedBy.map((r) => r.detail)).toEqual(['ipBlock 10.0.0.0/16 contains 10.0.6.1 on any port']);
      // IPv6 never falls in an IPv4 block.
      expect(explainConnection(c, ip('::ffff:10.0.6.1'), B, 80, 'TCP').allowed).toBe(false);
    });

    it('says an address is not a pod when the peer selects pods', () => {
      const e = explainConnection(
        ingressFrom([{ from: [{ namespaceSelector: {} }] }]),
        ip('10.1.2.3'),
        B,
        80,
        'TCP',
      );
      expect(e.allowed).toBe(false);
      expect(e.ingress.nearMisses.map((r) => r.detail)).toEqual([
        'allows any port but 10.1.2.3 is not a pod, and namespaceSelector `{}` selects only pods',
      ]);
    });

    it('lists no near miss for a rule whose peer and port both fail', () => {
      const e = explainConnection(
        ingressFrom([{ from: [{ podSelector: { matchLabels: { app: 'x' } } }], ports: [{ port: 22 }] }]),
        A,
        B,
        80,
        'TCP',
      );
      expect(e.allowed).toBe(false);
      expect(e.ingress.nearMisses).toEqual([]);
    });
  });

  describe('named ports', () => {
    const withPorts = (ports: NonNullable<NetworkPolicy['ingress']>[number]['ports']): Cluster =>
      cluster([{ namespace: 'y', name: 'np', podSelector: {}, ingress: [{ ports }] }]);

    it('resolves against the destination pod, by name and protocol', () => {
      const c = withPorts([{ port: 'http' }]);
      const ok = explainConnection(c, A, B, 8080, 'TCP');
      expect(ok.allowed).toBe(true);
      expect(ok.ingress.allowedBy.map((r) => r.detail)).toEqual(["any source on TCP 'http' (8080 on y/b)"]);
      const other = explainConnection(c, A, B, 80, 'TCP');
      expect(other.allowed).toBe(false);
      expect(other.ingress.nearMisses.map((r) => r.detail)).toEqual([
        "matches x/a but allows only TCP 'http' (8080 on y/b)",
      ]);
    });

    it('says when the destination declares no port of that name', () => {
      const e = explainConnection(withPorts([{ port: 'metrics' }, { port: 9000 }]), A, B, 9090, 'TCP');
      expect(e.allowed).toBe(false);
      expect(e.ingress.nearMisses.map((r) => r.detail)).toEqual([
        "matches x/a but allows only TCP 'metrics', 9000; y/b declares no port named 'metrics'",
      ]);
    });

    it('says when the destination declares the name with another protocol', () => {
      const e = explainConnection(withPorts([{ port: 'dns' }]), A, B, 53, 'TCP');
      expect(e.allowed).toBe(false);
      expect(e.ingress.nearMisses.map((r) => r.detail)).toEqual([
        "matches x/a but allows only TCP 'dns'; y/b declares 'dns' as UDP, the rule asks TCP",
      ]);
      expect(explainConnection(withPorts([{ port: 'dns', protocol: 'UDP' }]), A, B, 53, 'UDP').allowed).toBe(true);
    });

    it('resolves an egress rule against the peer (the destination), not the source', () => {
      // The source declares 'http' as 80; the destination as 8080. Only 8080 is allowed.
      const src = pod('x', 's', { app: 'client' }, [], [{ name: 'http', containerPort: 80, protocol: 'TCP' }]);
      const c = cluster([
        { namespace: 'x', name: 'out', podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] },
      ]);
      const S: Endpoint = { kind: 'pod', pod: src };
      expect(explainConnection(c, S, B, 8080, 'TCP').allowed).toBe(true);
      const e = explainConnection(c, S, B, 80, 'TCP');
      expect(e.allowed).toBe(false);
      expect(e.denyingSides).toEqual(['egress']);
      expect(e.egress.nearMisses.map((r) => r.detail)).toEqual([
        "matches y/b but allows only TCP 'http' (8080 on y/b)",
      ]);
      // An address declares no ports, so a named port never allows egress to it.
      const toIp = explainConnection(c, S, ip('1.2.3.4'), 80, 'TCP');
      expect(toIp.allowed).toBe(false);
      expect(toIp.egress.nearMisses.map((r) => r.detail)).toEqual([
        "matches 1.2.3.4 but allows only TCP 'http'; 1.2.3.4 is not a pod, so it has no port named 'http'",
      ]);
    });
  });

  describe('ipBlock and pods', () => {
    const c = cluster([
      { namespace: 'y', name: 'np', podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16' } }] }] },
    ]);

    it('matches a pod by its IPs by default', () => {
      const e = explainConnection(c, A, B, 80, 'TCP');
      expect(e.allowed).toBe(true);
      expect(e.ingress.allowedBy.map((r) => r.detail)).toEqual(["ipBlock 10.0.0.0/16 contains x/a's IP 10.0.1.1 on any port"]);
    });

    it('matches a dual-stack pod by either of its IPs', () => {
      const dual = pod('x', 'd', {}, ['fd00::1', '10.0.9.9']);
      expect(explainConnection(c, { kind: 'pod', pod: dual }, B, 80, 'TCP').allowed).toBe(true);
    });

    it('never matches a pod when ipBlockPods is ignore', () => {
      const e = explainConnection(c, A, B, 80, 'TCP', { ipBlockPods: 'ignore' });
      expect(e.allowed).toBe(false);
      expect(e.ingress.nearMisses.map((r) => r.detail)).toEqual([
        'allows any port but ipBlock 10.0.0.0/16 does not select pods (ipBlockPods: ignore)',
      ]);
      // Addresses outside the cluster are still matched.
      expect(explainConnection(c, ip('10.0.3.3'), B, 80, 'TCP', { ipBlockPods: 'ignore' }).allowed).toBe(true);
    });

    it('says when a pod has no known IP', () => {
      const unscheduled = pod('x', 'u', {});
      const e = explainConnection(c, { kind: 'pod', pod: unscheduled }, B, 80, 'TCP');
      expect(e.allowed).toBe(false);
      expect(e.ingress.nearMisses.map((r) => r.detail)).toEqual([
        'allows any port but x/u has no known IP for ipBlock 10.0.0.0/16 to match',
      ]);
    });
  });

  it('always allows a pod to itself, even under default-deny both ways', () => {
    const e = explainConnection(cluster([denyAllEgress('y'), denyAllIngress('y')]), B, B, 8080, 'TCP');
    expect(e.allowed).toBe(true);
    expect(e.selfConnection).toBe(true);
    expect(e.denyingSides).toEqual([]);
    expect(e.ingress.isolated).toBe(true);
    expect(e.ingress.nearMisses).toEqual([]);
    expect(e.ingress.reason).toBe(
      'isolated by y/default-deny; no rule allows y/b on TCP 8080, but a pod may always connect to itself',
    );
    // Two distinct pods with the same labels are not a self connection.
    const twin = pod('y', 'b2', { app: 'web' });
    expect(explainConnection(cluster([denyAllIngress('y')]), { kind: 'pod', pod: twin }, B, 8080, 'TCP').allowed).toBe(false);
  });

  describe('IP endpoints', () => {
    it('never isolates an address, as source or destination', () => {
      const e = explainConnection(cluster([denyAllEgress('y'), denyAllIngress('y')]), ip('1.2.3.4'), ip('5.6.7.8'), 80, 'TCP');
      expect(e.allowed).toBe(true);
      expect(e.egress).toMatchObject({ endpoint: '1.2.3.4', isolated: false, reason: 'not isolated (not a pod)' });
      expect(e.ingress).toMatchObject({ endpoint: '5.6.7.8', isolated: false, reason: 'not isolated (not a pod)' });
    });

    it('checks only the pod side of pod -> address and address -> pod', () => {
      const policies: NetworkPolicy[] = [
        {
          namespace: 'y',
          name: 'egress-dns',
          podSelector: {},
          policyTypes: ['Ingress', 'Egress'],
          egress: [{ to: [{ ipBlock: { cidr: '8.8.8.0/24' } }], ports: [{ protocol: 'UDP', port: 53 }] }],
        },
      ];
      const out = explainConnection(cluster(policies), B, ip('8.8.8.8'), 53, 'UDP');
      expect(out.allowed).toBe(true);
      expect(out.ingress.isolated).toBe(false);
      expect(out.egress.allowedBy).toEqual([
        { policy: 'y/egress-dns', direction: 'egress', rule: 0, peer: 0, detail: 'ipBlock 8.8.8.0/24 contains 8.8.8.8 on UDP 53' },
      ]);
      const wrong = explainConnection(cluster(policies), B, ip('9.9.9.9'), 53, 'UDP');
      expect(wrong.allowed).toBe(false);
      expect(wrong.denyingSides).toEqual(['egress']);
      expect(wrong.egress.nearMisses.map((r) => r.detail)).toEqual(['allows UDP 53 but 9.9.9.9 is not in ipBlock 8.8.8.0/24']);
      // Inbound from the internet: the policy isolates ingress with no rules.
      const inbound = explainConnection(cluster(policies), ip('8.8.8.8'), B, 80, 'TCP');
      expect(inbound.allowed).toBe(false);
      expect(inbound.denyingSides).toEqual(['ingress']);
      expect(inbound.egress.isolated).toBe(false);
    });
  });

  describe('policyTypes inference', () => {
    it('does not isolate egress for `egress: []` without policyTypes', () => {
      const c = cluster([{ namespace: 'x', name: 'p', podSelector: {}, egress: [] }]);
      const e = explainConnection(c, A, B, 80, 'TCP');
      expect(e.egress.isolated).toBe(false);
      // ... but still isolates ingress, as every policy does by default.
      expect(explainConnection(c, B, A, 80, 'TCP').ingress.isolatingPolicies).toEqual(['x/p']);
    });

    it('isolates egress when the egress list is non-empty', () => {
      const c = cluster([
        { namespace: 'x', name: 'p', podSelector: {}, egress: [{ to: [{ namespaceSelector: { matchLabels: { team: 'z' } } }] }] },
      ]);
      const e = explainConnection(c, A, B, 80, 'TCP');
      expect(e.egress.isolatingPolicies).toEqual(['x/p']);
      expect(e.allowed).toBe(false);
      expect(e.egress.nearMisses.map((r) => r.detail)).toEqual([
        "allows any port but namespaceSelector `team=z` does not match namespace y's labels",
      ]);
    });

    it('uses policyTypes as given: Egress only ignores the ingress rules', () => {
      const c = cluster([
        { namespace: 'y', name: 'p', podSelector: {}, policyTypes: ['Egress'], ingress: [{ ports: [{ port: 1 }] }] },
      ]);
      const e = explainConnection(c, A, B, 80, 'TCP');
      expect(e.ingress.isolated).toBe(false);
      expect(e.allowed).toBe(true);
    });
  });

  it('knows an undeclared namespace by its kubernetes.io/metadata.name label', () => {
    const ghost = pod('z', 'g', {});
    const c = cluster([
      {
        namespace: 'y',
        name: 'p',
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'z' } } }] }],
      },
    ]);
    expect(explainConnection(c, { kind: 'pod', pod: ghost }, B, 80, 'TCP').allowed).toBe(true);
  });
});
