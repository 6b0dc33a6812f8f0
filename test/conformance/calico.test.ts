/**
 * Calico conformance, our own cases: each encodes one sentence of Calico's documentation (quoted
 * in `doc`), as manifests read through the real adapter, with the answers the sentence implies.
 * Every case is checked against the reference evaluator and the fast engine (allowed, reach and
 * possible), under `cni: calico`. The last block replays the tiered example of Calico's docs
 * (fixtures/calico-tiers).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile, explainConnection, formatExplanation, rangesContain, referenceVerdict, type Cluster, type Endpoint, type EvalOptions, type Protocol, type Verdict } from '@lateral/core';
import { clusterFromObjects, parseManifests } from '@lateral/k8s';
import { describe, expect, it } from 'vitest';

const OPTIONS: EvalOptions = { ipBlockPods: 'match', cni: 'calico' };

/** Three pods in two namespaces; every case adds its policies. */
const BASE = `apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: a}}
---
apiVersion: v1
kind: Namespace
metadata: {name: b, labels: {team: b}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web, tier: front}}
spec: {serviceAccountName: web-sa, containers: [{name: c, image: x, ports: [{containerPort: 8080, name: http}]}]}
status: {podIPs: [{ip: 10.0.0.1}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: a, labels: {app: db}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432, name: pg}]}]}
status: {podIPs: [{ip: 10.0.0.2}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: b, labels: {app: api, version: v2-canary}}
spec: {containers: [{name: c, image: x}]}
status: {podIPs: [{ip: 10.0.1.1}]}
`;

function load(yaml: string): Cluster {
  return clusterFromObjects(parseManifests(yaml, 'case.yaml')).cluster;
}

function endpoint(cluster: Cluster, name: string): Endpoint {
  if (!name.includes('/')) return { kind: 'ip', ip: name };
  const [ns, pod] = name.split('/');
  const p = cluster.pods.find((x) => x.namespace === ns && x.name === pod);
  if (!p) throw new Error(`no pod ${name}`);
  return { kind: 'pod', pod: p };
}

type Probe = readonly [src: string, dst: string, port: number, expected: Verdict, protocol?: Protocol];

/** The verdict of every evaluator on every probe: all must be the documented one. */
function verdicts(cluster: Cluster, probes: readonly Probe[]) {
  const compiled = compile(cluster, OPTIONS);
  const reach = compiled.reach();
  const possible = compiled.possible?.() ?? reach;
  return probes.map(([s, d, port, expected, protocol = 'TCP']) => {
    const src = endpoint(cluster, s);
    const dst = endpoint(cluster, d);
    const reference = referenceVerdict(cluster, src, dst, port, protocol, OPTIONS);
    const sn = compiled.nodeOf(src);
    const dn = compiled.nodeOf(dst);
    const certain = rangesContain(reach.ports(sn, dn)[protocol], port);
    const maybe = rangesContain(possible.ports(sn, dn)[protocol], port);
    const fast: Verdict = certain ? 'allowed' : maybe ? 'unknown' : 'denied';
    const single = compiled.allowed(src, dst, port, protocol);
    return { probe: `${s} -> ${d} ${protocol}/${port}`, expected, reference, fast, allowed: single === (expected === 'allowed') };
  });
}

interface Case {
  readonly doc: string;
  readonly source: string;
  readonly yaml: string;
  readonly probes: readonly Probe[];
}

const gnp = (name: string, spec: string) => `---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n${spec}\n`;
const cnp = (ns: string, name: string, spec: string) => `---\napiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n${spec}\n`;
const tier = (name: string, spec: string) => `---\napiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: ${name}}\nspec: ${spec}\n`;

const CASES: readonly Case[] = [
  {
    doc: 'Policies are processed in sequential order from lowest order (highest priority) to highest order (lowest priority).',
    source: 'tiered-policy: Policy processing',
    yaml: gnp('allow-web', "  order: 20\n  selector: app == 'db'\n  ingress: [{action: Allow, source: {selector: app == 'web'}}]") +
      gnp('deny-all', "  order: 10\n  selector: app == 'db'\n  ingress: [{action: Deny}]"),
    probes: [['a/web', 'a/db', 5432, 'denied']],
  },
  {
    doc: 'Allow or Deny - traffic is allowed or denied and the packet is handled accordingly. No further rules are processed.',
    source: 'tiered-policy: Policy action rules',
    yaml: gnp('first', "  selector: app == 'db'\n  ingress: [{action: Allow, source: {selector: app == 'web'}}, {action: Deny}]"),
    probes: [['a/web', 'a/db', 5432, 'allowed'], ['b/api', 'a/db', 5432, 'denied']],
  },
  {
    doc: 'Log - creates a log, and evaluation continues processing to the next rule',
    source: 'tiered-policy: Policy action rules',
    yaml: gnp('log-then-allow', "  selector: app == 'db'\n  ingress: [{action: Log}, {action: Allow, source: {selector: app == 'web'}}]"),
    probes: [['a/web', 'a/db', 5432, 'allowed'], ['b/api', 'a/db', 5432, 'denied']],
  },
  {
    doc: 'At the end of each tier is an implicit default deny.',
    source: 'tiered-policy: Implicit default deny',
    yaml: tier('security', '{order: 100}') + gnp('security.web-only', "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Allow, source: {selector: app == 'web'}, destination: {ports: [5432]}, protocol: TCP}]"),
    probes: [['a/web', 'a/db', 5432, 'allowed'], ['a/web', 'a/db', 5433, 'denied'], ['b/api', 'a/db', 5432, 'denied'], ['b/api', 'a/web', 8080, 'allowed']],
  },
  {
    doc: "The other option, is to update tier's default action to Pass to override the implicit default deny.",
    source: 'tiered-policy: Pass default action tier example',
    yaml: tier('security', '{order: 100, defaultAction: Pass}') +
      gnp('security.deny-api', "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Deny, source: {selector: app == 'api'}}]") +
      gnp('allow-web', "  selector: app == 'db'\n  ingress: [{action: Allow, source: {selector: app == 'web'}}]"),
    probes: [['a/web', 'a/db', 5432, 'allowed'], ['b/api', 'a/db', 5432, 'denied'], ['10.9.9.9', 'a/db', 5432, 'denied']],
  },
  {
    doc: 'Pass - skips to the next tier that contains a policy that applies to the endpoint, and processes the packet.',
    source: 'tiered-policy: Policy action rules',
    yaml: tier('security', '{order: 100}') +
      tier('platform', '{order: 200}') +
      gnp('security.pass-web', "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Pass, source: {selector: app == 'web'}}]") +
      gnp('platform.unrelated', "  tier: platform\n  selector: app == 'api'\n  ingress: [{action: Deny}]") +
      cnp('a', 'db-from-web', "  selector: app == 'db'\n  ingress: [{action: Allow, source: {selector: app == 'web'}}]"),
    probes: [['a/web', 'a/db', 5432, 'allowed'], ['b/api', 'a/db', 5432, 'denied']],
  },
  {
    doc: 'If no policies within a tier apply to endpoints, the tier is skipped, and the tier\'s implicit deny behavior is not executed.',
    source: 'tiered-policy: Policy endpoint matching across tiers',
    yaml: tier('security', '{order: 100}') + gnp('security.db', "  tier: security\n  selector: app == 'db'\n  ingress: [{action: Allow, source: {selector: app == 'web'}}]"),
    probes: [['a/db', 'a/web', 8080, 'allowed'], ['a/db', 'b/api', 80, 'allowed']],
  },
  {
    doc: 'The default tier is where: You manage all Kubernetes network policies ... [it] has the order of 1,000,000.',
    source: 'tiered-policy: The default tier',
    yaml: `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: a}
spec: {podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]}
` + cnp('a', 'deny-web-early', "  order: 999\n  selector: app == 'db'\n  ingress: [{action: Deny, source: {selector: app == 'web'}}]"),
    probes: [['a/web', 'a/db', 5432, 'denied'], ['b/api', 'a/db', 5432, 'denied'], ['b/api', 'a/web', 8080, 'allowed']],
  },
  {
    doc: '`kube-admin` ... has the order of 1,000 and a default action of `Pass`.',
    source: 'tiered-policy: kube-admin tier',
    yaml: tier('early', '{order: 10}') +
      gnp('early.allow-api', "  tier: early\n  selector: app == 'db'\n  ingress: [{action: Allow, source: {selector: app == 'api'}}, {action: Pass}]") + `---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: guard}
spec:
  priority: 5
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}
  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {team: b}}}]}]
`,
    probes: [['b/api', 'a/db', 5432, 'allowed'], ['a/web', 'a/db', 5432, 'allowed']],
  },
  {
    doc: "k != 'v': Matches resources without label 'k' or with label 'k' and value not equal to v; k starts with 's' ... k not in { 'v1', 'v2' }",
    source: 'Selectors',
    yaml: gnp('sel', "  selector: app == 'db'\n  ingress: [{action: Allow, source: {selector: \"tier != 'back' && version starts with 'v2' || app not in {'api', 'db', 'web'}\"}}]"),
    probes: [['b/api', 'a/db', 5432, 'allowed'], ['a/web', 'a/db', 5432, 'denied']],
  },
  {
    doc: 'The top-level selector in a NetworkPolicy selects over the workloads in the same namespace as the NetworkPolicy.',
    source: 'Selector scopes',
    yaml: cnp('b', 'all-of-b', '  selector: all()\n  ingress: [{action: Deny}]'),
    probes: [['a/web', 'b/api', 80, 'denied'], ['b/api', 'a/web', 8080, 'allowed']],
  },
  {
    doc: 'If no namespaceSelector is present then the rule\'s selector matches the default scope ... the same namespace for NetworkPolicy',
    source: 'Selector scopes',
    yaml: cnp('b', 'from-web', "  selector: all()\n  ingress: [{action: Allow, source: {selector: app == 'web'}}]") +
      cnp('a', 'from-web', "  selector: app == 'db'\n  ingress: [{action: Allow, source: {selector: app == 'web'}}]"),
    probes: [['a/web', 'b/api', 80, 'denied'], ['a/web', 'a/db', 5432, 'allowed']],
  },
  {
    doc: 'Match a specific namespace by name using the projectcalico.org/name label.',
    source: 'EntityRule: namespaceSelector',
    yaml: cnp('b', 'from-a', "  selector: all()\n  ingress: [{action: Allow, source: {namespaceSelector: projectcalico.org/name == 'a', selector: app == 'web'}}]"),
    probes: [['a/web', 'b/api', 80, 'allowed'], ['a/db', 'b/api', 80, 'denied']],
  },
  {
    doc: 'notSelector ... matches packets from/to anywhere (including outside the cluster), except traffic from/to endpoints and network sets that have the label',
    source: 'EntityRule: Understanding notSelector',
    yaml: gnp('not-web', "  selector: app == 'db'\n  ingress: [{action: Allow, source: {notSelector: app == 'web'}}]"),
    probes: [['a/web', 'a/db', 5432, 'denied'], ['b/api', 'a/db', 5432, 'allowed'], ['192.0.2.1', 'a/db', 5432, 'allowed']],
  },
  {
    doc: 'A rule with a selector all() won\'t match "all packets", it will match "packets from all in-scope endpoints and network sets".',
    source: 'EntityRule',
    yaml: gnp('all-endpoints', "  selector: app == 'db'\n  ingress: [{action: Allow, source: {selector: all()}}]"),
    probes: [['b/api', 'a/db', 5432, 'allowed'], ['192.0.2.1', 'a/db', 5432, 'denied']],
  },
  {
    doc: 'nets: Match packets with IP in any of the listed CIDRs. notNets: ... not in any of the listed CIDRs.',
    source: 'EntityRule',
    yaml: gnp('nets', "  selector: app == 'db'\n  ingress: [{action: Allow, source: {nets: [10.0.0.0/16, 192.0.2.0/24], notNets: [10.0.1.0/24]}}]"),
    probes: [['a/web', 'a/db', 5432, 'allowed'], ['b/api', 'a/db', 5432, 'denied'], ['192.0.2.1', 'a/db', 5432, 'allowed'], ['198.51.100.1', 'a/db', 5432, 'denied']],
  },
  {
    doc: 'Selectors can match ... (namespaced or global) network sets; global() ... to include non-namespaced resources such as GlobalNetworkSet',
    source: 'EntityRule; Selector scopes',
    yaml: `---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: partners, labels: {kind: partner}}
spec: {nets: [198.51.100.0/24]}
` + cnp('a', 'partners', "  selector: app == 'db'\n  ingress: [{action: Allow, source: {namespaceSelector: global(), selector: kind == 'partner'}}]") +
      cnp('b', 'partners-own-ns', "  selector: all()\n  ingress: [{action: Allow, source: {selector: kind == 'partner'}}]"),
    probes: [['198.51.100.7', 'a/db', 5432, 'allowed'], ['192.0.2.7', 'a/db', 5432, 'denied'], ['198.51.100.7', 'b/api', 80, 'denied']],
  },
  {
    doc: 'ports: start:end All (numeric) ports within the range; a named port, as defined in the ports list of one or more endpoints; notPorts: Negative match on the specified ports',
    source: 'Ports; EntityRule',
    yaml: gnp('ports', "  selector: app in {'db', 'web'}\n  ingress: [{action: Allow, protocol: TCP, destination: {ports: ['5000:5999', http], notPorts: [5433]}}]"),
    probes: [['b/api', 'a/db', 5432, 'allowed'], ['b/api', 'a/db', 5433, 'denied'], ['b/api', 'a/db', 6000, 'denied'], ['b/api', 'a/web', 8080, 'allowed'], ['b/api', 'a/web', 8081, 'denied'], ['b/api', 'a/db', 5432, 'denied', 'UDP']],
  },
  {
    doc: 'protocol: Positive protocol match; notProtocol: Negative protocol match.',
    source: 'Rule',
    yaml: gnp('proto', "  selector: app == 'db'\n  ingress: [{action: Allow, notProtocol: UDP}]"),
    probes: [['b/api', 'a/db', 53, 'allowed', 'TCP'], ['b/api', 'a/db', 53, 'denied', 'UDP'], ['b/api', 'a/db', 53, 'allowed', 'SCTP']],
  },
  {
    doc: 'If types has no value, Calico defaults as follows: ... No ingress rules, Yes egress rules: Egress',
    source: 'NetworkPolicy: Spec',
    yaml: gnp('egress-only', "  selector: app == 'db'\n  egress: [{action: Allow, destination: {selector: app == 'web'}}]"),
    probes: [['a/db', 'a/web', 8080, 'allowed'], ['a/db', 'b/api', 80, 'denied'], ['b/api', 'a/db', 5432, 'allowed']],
  },
  {
    doc: 'serviceAccounts: Match endpoints running under service accounts.',
    source: 'EntityRule: ServiceAccountMatch',
    yaml: gnp('sa', "  selector: app == 'db'\n  ingress: [{action: Allow, source: {serviceAccounts: {names: [web-sa]}}}]"),
    probes: [['a/web', 'a/db', 5432, 'allowed'], ['b/api', 'a/db', 5432, 'denied']],
  },
  {
    doc: 'Which addresses a domain resolves to is in no manifest (allowedEgressDomains): the answer is unknown, never a guess.',
    source: 'GlobalNetworkSet (allowedEgressDomains)',
    yaml: `---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: apis, labels: {kind: api}}
spec: {allowedEgressDomains: [api.example.com]}
` + gnp('egress', "  selector: app == 'web'\n  egress: [{action: Allow, destination: {selector: kind == 'api'}}]"),
    probes: [['a/web', '192.0.2.1', 443, 'unknown'], ['a/web', 'a/db', 5432, 'denied']],
  },
];

describe('Calico conformance: one documentation sentence per case', () => {
  it.each(CASES.map((c) => [`${c.source}: "${c.doc}"`, c] as const))('%s', (_, c) => {
    const cluster = load(BASE + c.yaml);
    for (const v of verdicts(cluster, c.probes)) {
      expect({ probe: v.probe, reference: v.reference, fast: v.fast, allowedAgrees: v.allowed }).toEqual({
        probe: v.probe,
        reference: v.expected,
        fast: v.expected,
        allowedAgrees: true,
      });
    }
  });
});

describe('Calico tiered example (fixtures/calico-tiers, from "Get started with policy tiers")', () => {
  const cluster = load(readFileSync(fileURLToPath(new URL('../../fixtures/calico-tiers/cluster.yaml', import.meta.url)), 'utf8'));
  it.each([
    // "The policy denies ingress and egress traffic to workloads that match selector, env == "stage"" from elsewhere.
    ['prod/web', 'stage/web', 8080, 'denied'],
    ['stage/web', 'prod/web', 8080, 'denied'],
    // "the policy adds a Pass action for both ingress and egress": the default tier decides next.
    ['stage/web', 'stage/db', 5432, 'allowed'],
    ['stage/batch', 'stage/db', 5432, 'denied'],
    // No policy of the default tier selects stage/web: past the last tier, allowed.
    ['stage/batch', 'stage/web', 8080, 'allowed'],
    // prod is selected by no tier at all.
    ['prod/web', '192.0.2.1', 443, 'allowed'],
  ] as const)('%s -> %s :%i is %s', (src, dst, port, expected) => {
    const [v] = verdicts(cluster, [[src, dst, port, expected]]);
    expect([v!.reference, v!.fast, v!.allowed]).toEqual([expected, expected, true]);
  });
});

describe('explain names Calico tiers, policies and rules', () => {
  it('shows the Pass of devops.stage-env and the end of the default tier for stage/batch -> stage/db', () => {
    const cluster = load(readFileSync(fileURLToPath(new URL('../../fixtures/calico-tiers/cluster.yaml', import.meta.url)), 'utf8'));
    const batch = endpoint(cluster, 'stage/batch');
    const db = endpoint(cluster, 'stage/db');
    const x = explainConnection(cluster, batch, db, 5432, 'TCP', OPTIONS);
    expect(x.verdict).toBe('denied');
    expect(x.ingress.reason).toBe('calico tier devops: gnp/devops.stage-env ingress[1] Pass → calico tier default: Deny (end of tier for knp/stage/db-from-web)');
    expect(x.egress.reason).toBe('calico tier devops: gnp/devops.stage-env egress[1] Pass → no tier decided: allowed by default');
    expect(formatExplanation(x)).toContain('DENIED');
    const prod = explainConnection(cluster, endpoint(cluster, 'prod/web'), endpoint(cluster, 'stage/web'), 8080, 'TCP', OPTIONS);
    expect(prod.ingress.reason).toBe('calico tier devops: gnp/devops.stage-env ingress[0] Deny');
  });
  it('names the Kubernetes NetworkPolicy rule in the default tier that would allow stage/batch -> stage/db on another peer', () => {
    const cluster = load(readFileSync(fileURLToPath(new URL('../../fixtures/calico-tiers/cluster.yaml', import.meta.url)), 'utf8'));
    const x = explainConnection(cluster, endpoint(cluster, 'stage/batch'), endpoint(cluster, 'stage/db'), 5432, 'TCP', OPTIONS);
    expect(x.ingress.tiers?.nearMisses.map((m) => [m.tier, m.policy, m.rule])).toEqual([['calico tier default', 'knp/stage/db-from-web', 0]]);
    expect(formatExplanation(x)).toContain('near miss (calico tier default): knp/stage/db-from-web ingress[0] (Allow)');
  });

  it('gives the near misses of Calico Allow rules: the rule that matches the port but not the peer, and the one that matches the peer but not the port', () => {
    const cluster = load(`${BASE}---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: db-access}
spec:
  selector: app == 'db'
  ingress:
    - action: Allow
      protocol: TCP
      source: {selector: app == 'web'}
      destination: {ports: [5432]}
    - action: Allow
      protocol: TCP
      source: {selector: app == 'api', namespaceSelector: all()}
      destination: {ports: ['9000:9100']}
`);
    const x = explainConnection(cluster, endpoint(cluster, 'b/api'), endpoint(cluster, 'a/db'), 5432, 'TCP', OPTIONS);
    expect(x.verdict).toBe('denied');
    expect(x.ingress.reason).toBe('calico tier default: Deny (end of tier for gnp/db-access)');
    const misses = x.ingress.tiers?.nearMisses ?? [];
    expect(misses.map((m) => `${m.policy} ${m.direction}[${m.rule}]: ${m.detail}`)).toEqual([
      'gnp/db-access ingress[0]: would match if b/api were among its sources: it matches TCP 5432',
      'gnp/db-access ingress[1]: would match if the port were among its protocol TCP, ports 9000:9100: it matches b/api, not TCP 5432',
    ]);
    // An allowed connection lists none.
    const ok = explainConnection(cluster, endpoint(cluster, 'a/web'), endpoint(cluster, 'a/db'), 5432, 'TCP', OPTIONS);
    expect(ok.verdict).toBe('allowed');
    expect(ok.ingress.tiers?.nearMisses).toEqual([]);
  });
});
