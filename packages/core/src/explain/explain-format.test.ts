import { describe, expect, it } from 'vitest';
import { explainConnection } from './explain.js';
import { formatExplanation } from './explain-format.js';
import { NO_SECURITY_FLAGS, type Cluster, type Endpoint, type Labels, type NetworkPolicy, type Pod } from '../model/model.js';

function pod(ns: string, name: string, labels: Labels): Pod {
  return {
    namespace: ns,
    name,
    labels,
    ips: [],
    ports: [],
    owner: { kind: 'Pod', namespace: ns, name },
    hostNetwork: false,
    security: NO_SECURITY_FLAGS,
    replicas: 1,
    fromTemplate: false,
  };
}

function cluster(policies: NetworkPolicy[]): Cluster {
  return {
    namespaces: [
      { name: 'x', labels: { 'kubernetes.io/metadata.name': 'x' } },
      { name: 'y', labels: { 'kubernetes.io/metadata.name': 'y' } },
    ],
    pods: [],
    workloads: [],
    services: [],
    policies,
  };
}

const A: Endpoint = { kind: 'pod', pod: pod('x', 'a', { app: 'client' }) };
const B: Endpoint = { kind: 'pod', pod: pod('y', 'b', { app: 'web' }) };

const defaultDeny: NetworkPolicy = { namespace: 'y', name: 'default-deny', podSelector: {} };
const allowWeb: NetworkPolicy = {
  namespace: 'y',
  name: 'allow-web',
  podSelector: { matchLabels: { app: 'web' } },
  ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 8080 }] }],
};

describe('formatExplanation', () => {
  it('renders a denial with its near miss', () => {
    const text = formatExplanation(explainConnection(cluster([defaultDeny, allowWeb]), A, B, 80, 'TCP'));
    expect(text).toBe(
      [
        'x/a -> y/b TCP 80: DENIED',
        '  egress  of x/a: not isolated',
        '  ingress of y/b: isolated by y/allow-web, y/default-deny',
        '    no rule allows it',
        '    near miss: ingress rule 0 of y/allow-web matches x/a but allows only TCP 8080',
        '  denied by: ingress of y/b',
      ].join('\n'),
    );
  });

  it('renders the allowing rules and no "denied by" line when allowed', () => {
    const text = formatExplanation(explainConnection(cluster([defaultDeny, allowWeb]), A, B, 8080, 'TCP'));
    expect(text).toBe(
      [
        'x/a -> y/b TCP 8080: ALLOWED',
        '  egress  of x/a: not isolated',
        '  ingress of y/b: isolated by y/allow-web, y/default-deny',
        '    allowed by ingress rule 0 of y/allow-web: namespaceSelector `{}` matches namespace x on TCP 8080',
      ].join('\n'),
    );
  });

  it('names both sides when both deny', () => {
    const denyEgress: NetworkPolicy = { namespace: 'x', name: 'deny-egress', podSelector: {}, policyTypes: ['Egress'] };
    const text = formatExplanation(explainConnection(cluster([denyEgress, defaultDeny]), A, B, 53, 'UDP'));
    expect(text).toBe(
      [
        'x/a -> y/b UDP 53: DENIED',
        '  egress  of x/a: isolated by x/deny-egress',
        '    no rule allows it',
        '  ingress of y/b: isolated by y/default-deny',
        '    no rule allows it',
        '  denied by: egress of x/a, ingress of y/b',
      ].join('\n'),
    );
  });

  it('says why a pod reaches itself', () => {
    const text = formatExplanation(explainConnection(cluster([defaultDeny]), B, B, 80, 'TCP'));
    expect(text).toBe(
      [
        'y/b -> y/b TCP 80: ALLOWED (a pod may always connect to itself)',
        '  egress  of y/b: not isolated',
        '  ingress of y/b: isolated by y/default-deny',
        '    no rule allows it, but a pod may always connect to itself',
      ].join('\n'),
    );
  });

  it('shows an address as not isolated', () => {
    const text = formatExplanation(explainConnection(cluster([]), { kind: 'ip', ip: '203.0.113.7' }, B, 443, 'TCP'));
    expect(text.split('\n')[1]).toBe('  egress  of 203.0.113.7: not isolated (not a pod)');
  });
});
