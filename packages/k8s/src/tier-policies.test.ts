import { InputError } from '@lateral/core';
import { describe, expect, it } from 'vitest';
import { clusterFromObjects } from './cluster-from-objects.js';
import { parseManifests } from './parse-manifests.js';

function load(text: string) {
  return clusterFromObjects(parseManifests(text, 'tiers.yaml'));
}

function errorMessage(text: string): string {
  try {
    load(text);
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error('expected an InputError');
}

const cnp = (spec: string, name = 'guard') =>
  `apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n${spec}\n`;
const anp = (spec: string) => `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: guard}\nspec:\n${spec}\n`;
const banp = (spec: string, name = 'default') =>
  `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n${spec}\n`;

describe('ClusterNetworkPolicy (v1alpha2)', () => {
  it('reads tier, priority, subject, rules with Accept/Deny/Pass, peers and protocols', () => {
    const { cluster, skipped } = load(
      cnp(`  tier: Admin
  priority: 10
  subject: {pods: {namespaceSelector: {matchLabels: {tenant: a}}, podSelector: {}}}
  ingress:
  - name: pass-platform
    action: Pass
    from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: platform}}}]
  - action: Accept
    from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: prom}}}}]
    protocols: [{tcp: {destinationPort: {number: 9090}}}, {destinationNamedPort: metrics}]
  egress:
  - action: Deny
    to: [{networks: [169.254.169.254/32]}, {nodes: {}}]
    protocols: [{udp: {destinationPort: {range: {start: 1000, end: 2000}}}}]
  - action: Accept
    to: [{domainNames: ["*.example.com"]}]`),
    );
    expect(skipped).toEqual({});
    expect(cluster.tierPolicies).toEqual([
      {
        kind: 'ClusterNetworkPolicy',
        name: 'guard',
        tier: 'Admin',
        priority: 10,
        subject: { namespaceSelector: { matchLabels: { tenant: 'a' } }, podSelector: {} },
        ingress: [
          { name: 'pass-platform', action: 'Pass', peers: [{ kind: 'pods', namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'platform' } } }] },
          {
            action: 'Allow',
            peers: [{ kind: 'pods', namespaceSelector: {}, podSelector: { matchLabels: { app: 'prom' } } }],
            ports: [{ protocol: 'TCP', port: 9090 }, { namedPort: 'metrics' }],
          },
        ],
        egress: [
          {
            action: 'Deny',
            peers: [{ kind: 'networks', networks: ['169.254.169.254/32'] }, { kind: 'nodes', nodeSelector: {} }],
            ports: [{ protocol: 'UDP', port: 1000, endPort: 2000 }],
          },
          { action: 'Allow', peers: [{ kind: 'domainNames', domainNames: ['*.example.com'] }] },
        ],
      },
    ]);
  });

  it('refuses what the CRD schema refuses, naming file, object and field', () => {
    const base = (extra: string) => cnp(`  tier: Baseline\n  priority: 1\n  subject: {namespaces: {}}\n${extra}`);
    expect(errorMessage(base('  ingress: [{action: Allow, from: [{namespaces: {}}]}]'))).toBe(
      'tiers.yaml:1: ClusterNetworkPolicy guard: spec.ingress[0].action: unknown action "Allow" (expected Accept, Deny, Pass)',
    );
    expect(errorMessage(cnp('  tier: Admin\n  priority: 1001\n  subject: {namespaces: {}}'))).toBe(
      'tiers.yaml:1: ClusterNetworkPolicy guard: spec.priority: priority 1001 is out of range 0-1000',
    );
    expect(errorMessage(cnp('  tier: Admin\n  priority: 1\n  subject: {namespaces: {}, pods: {podSelector: {}}}'))).toBe(
      'tiers.yaml:1: ClusterNetworkPolicy guard: spec.subject: a subject must set exactly one of namespaces, pods, not namespaces and pods',
    );
    expect(errorMessage(cnp('  tier: Top\n  priority: 1\n  subject: {namespaces: {}}'))).toBe(
      'tiers.yaml:1: ClusterNetworkPolicy guard: spec.tier: unknown tier "Top" (expected Admin or Baseline)',
    );
    expect(errorMessage(base('  ingress: [{action: Deny, from: [{networks: [10.0.0.0/8]}]}]'))).toBe(
      'tiers.yaml:1: ClusterNetworkPolicy guard: spec.ingress[0].from[0].networks: unknown field (a peer has namespaces, pods)',
    );
    expect(errorMessage(base('  egress: [{action: Deny, to: []}]'))).toBe(
      'tiers.yaml:1: ClusterNetworkPolicy guard: spec.egress[0].to: must have at least one peer',
    );
    expect(errorMessage(base('  egress: [{action: Deny, to: [{networks: [10.0.0.0/33]}]}]'))).toBe(
      'tiers.yaml:1: ClusterNetworkPolicy guard: spec.egress[0].to[0].networks[0]: invalid CIDR "10.0.0.0/33"',
    );
    expect(errorMessage(base('  egress: [{action: Deny, to: [{domainNames: [example.com]}]}]'))).toBe(
      'tiers.yaml:1: ClusterNetworkPolicy guard: spec.egress[0].to: domainNames peers are only allowed in Accept rules',
    );
    expect(errorMessage(base('  egress: [{action: Deny, to: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {range: {start: 90, end: 80}}}}]}]'))).toBe(
      'tiers.yaml:1: ClusterNetworkPolicy guard: spec.egress[0].protocols[0].tcp.destinationPort.range: start 90 must be less than end 80',
    );
    expect(errorMessage(base('  egress: [{action: Deny, to: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: 80}}, udp: {destinationPort: {number: 53}}}]}]'))).toBe(
      'tiers.yaml:1: ClusterNetworkPolicy guard: spec.egress[0].protocols[0]: a protocol must set exactly one of tcp, udp, sctp, destinationNamedPort, not tcp and udp',
    );
  });
});

describe('AdminNetworkPolicy and BaselineAdminNetworkPolicy (v1alpha1)', () => {
  it('reads ANP ports (portNumber with TCP default, namedPort, portRange) and BANP into the Baseline tier', () => {
    const { cluster } = load(
      anp(`  priority: 5
  subject: {namespaces: {matchLabels: {env: prod}}}
  ingress:
  - {action: Allow, from: [{namespaces: {}}], ports: [{portNumber: {port: 80}}, {namedPort: http}, {portRange: {protocol: UDP, start: 5000, end: 5100}}]}`) +
        '---\n' +
        banp(`  subject: {namespaces: {}}
  ingress:
  - {name: default-deny, action: Deny, from: [{namespaces: {}}]}`),
    );
    expect(cluster.tierPolicies).toEqual([
      {
        kind: 'AdminNetworkPolicy',
        name: 'guard',
        tier: 'Admin',
        priority: 5,
        subject: { namespaceSelector: { matchLabels: { env: 'prod' } } },
        ingress: [
          {
            action: 'Allow',
            peers: [{ kind: 'pods', namespaceSelector: {} }],
            ports: [{ protocol: 'TCP', port: 80 }, { namedPort: 'http' }, { protocol: 'UDP', port: 5000, endPort: 5100 }],
          },
        ],
        egress: [],
      },
      {
        kind: 'BaselineAdminNetworkPolicy',
        name: 'default',
        tier: 'Baseline',
        priority: 0,
        subject: { namespaceSelector: {} },
        ingress: [{ name: 'default-deny', action: 'Deny', peers: [{ kind: 'pods', namespaceSelector: {} }] }],
        egress: [],
      },
    ]);
  });

  it('refuses Pass in a BaselineAdminNetworkPolicy, any name but default, and a missing priority', () => {
    expect(errorMessage(banp('  subject: {namespaces: {}}\n  egress: [{action: Pass, to: [{namespaces: {}}]}]'))).toBe(
      'tiers.yaml:1: BaselineAdminNetworkPolicy default: spec.egress[0].action: unknown action "Pass" (expected Allow, Deny)',
    );
    expect(errorMessage(banp('  subject: {namespaces: {}}', 'strict'))).toBe(
      'tiers.yaml:1: BaselineAdminNetworkPolicy strict: metadata.name: only one BaselineAdminNetworkPolicy, named "default", is allowed (not "strict")',
    );
    expect(errorMessage(anp('  subject: {namespaces: {}}'))).toBe(
      'tiers.yaml:1: AdminNetworkPolicy guard: spec.priority: is required (0-1000, lower first)',
    );
    expect(errorMessage(anp('  priority: 1\n  subject: {pods: {namespaceSelector: {}}}'))).toBe(
      'tiers.yaml:1: AdminNetworkPolicy guard: spec.subject.pods.podSelector: is required (use {} to select everything)',
    );
  });
});
