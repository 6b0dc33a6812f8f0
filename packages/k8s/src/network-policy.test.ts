import { InputError } from '@lateral/core';
import { describe, expect, it } from 'vitest';
import { clusterFromObjects } from './cluster-from-objects.js';
import { parseManifests } from './parse-manifests.js';

/** A NetworkPolicy document starting on line 3 of np.yaml (after a ConfigMap), with `spec` as given. */
function load(spec: string) {
  const text = `kind: ConfigMap\nmetadata: {name: before}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: shop}\n${spec}\n`;
  return clusterFromObjects(parseManifests(text, 'np.yaml'));
}

function errorMessage(spec: string): string {
  try {
    load(spec);
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error('expected an InputError');
}

const at = (field: string, detail: string) => `np.yaml:4: NetworkPolicy shop/np: ${field}: ${detail}`;

describe('NetworkPolicy mapping', () => {
  it('keeps absent and empty apart: ingress, egress, from, to, ports, policyTypes', () => {
    const [p] = load(`spec:
  podSelector: {matchLabels: {app: db}}
  ingress: []
  egress:
  - {}
  - to: []
    ports: []
  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
    ports: [{port: 5432}, {protocol: UDP}, {port: 8000, endPort: 8080}, {port: metrics, protocol: SCTP}]`).cluster.policies;
    expect(p).toEqual({
      namespace: 'shop',
      name: 'np',
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [],
      egress: [
        {},
        { to: [], ports: [] },
        {
          to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }],
          ports: [{ port: 5432 }, { protocol: 'UDP' }, { port: 8000, endPort: 8080 }, { protocol: 'SCTP', port: 'metrics' }],
        },
      ],
    });
    expect('policyTypes' in p!).toBe(false);
  });

  it('leaves ingress and egress undefined when absent (or null), keeps policyTypes as given', () => {
    const [p] = load('spec:\n  podSelector: {}\n  ingress:\n  policyTypes: [Egress]').cluster.policies;
    expect(p).toEqual({ namespace: 'shop', name: 'np', podSelector: {}, policyTypes: ['Egress'] });
  });

  it('maps peers with podSelector and namespaceSelector together', () => {
    const [p] = load(`spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {matchExpressions: [{key: tier, operator: In, values: [web]}]}
      namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}
    - namespaceSelector: {}`).cluster.policies;
    expect(p!.ingress).toEqual([
      {
        from: [
          {
            podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
          },
          { namespaceSelector: {} },
        ],
      },
    ]);
  });

  it('accepts IPv6 ipBlocks', () => {
    const [p] = load('spec:\n  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: "fd00::/8", except: ["fd00:1::/32"]}}]}]').cluster.policies;
    expect(p!.egress![0]!.to![0]!.ipBlock).toEqual({ cidr: 'fd00::/8', except: ['fd00:1::/32'] });
  });
});

describe('NetworkPolicy validation names file, line, object and field', () => {
  it.each([
    [
      'spec:\n  podSelector: {}\n  ingress: [{from: [{}, {namespaceSelector: {matchExpressions: [{key: env, operator: Equals, values: [a]}]}}]}]',
      at('spec.ingress[0].from[0]', 'a peer must specify podSelector, namespaceSelector or ipBlock'),
    ],
    [
      'spec:\n  podSelector: {}\n  ingress: [{from: [{podSelector: {}}, {namespaceSelector: {matchExpressions: [{key: env, operator: Equals, values: [a]}]}}]}]',
      at(
        'spec.ingress[0].from[1].namespaceSelector.matchExpressions[0].operator',
        'unknown selector operator "Equals" (expected In, NotIn, Exists or DoesNotExist)',
      ),
    ],
    [
      'spec:\n  podSelector: {matchExpressions: [{key: app, operator: In}]}',
      at('spec.podSelector.matchExpressions[0].values', 'operator In needs at least one value'),
    ],
    [
      'spec:\n  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]',
      at('spec.egress[0].to[0]', 'ipBlock may not be combined with podSelector or namespaceSelector in one peer'),
    ],
    [
      'spec:\n  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/33}}]}]',
      at('spec.egress[0].to[0].ipBlock.cidr', 'invalid CIDR "10.0.0.0/33"'),
    ],
    [
      'spec:\n  podSelector: {}\n  egress: [{to: [{ipBlock: {except: [10.0.0.0/8]}}]}]',
      at('spec.egress[0].to[0].ipBlock.cidr', 'ipBlock needs a cidr'),
    ],
    [
      'spec:\n  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 11.0.0.0/16]}}]}]',
      at('spec.egress[0].to[0].ipBlock.except[1]', 'except "11.0.0.0/16" must be strictly within cidr "10.0.0.0/8"'),
    ],
    [
      'spec:\n  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]}]',
      at('spec.egress[0].to[0].ipBlock.except[0]', 'except "10.0.0.0/8" must be strictly within cidr "10.0.0.0/8"'),
    ],
    [
      'spec:\n  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: ["fd00::/16"]}}]}]',
      at('spec.egress[0].to[0].ipBlock.except[0]', 'except "fd00::/16" must be strictly within cidr "10.0.0.0/8"'),
    ],
    [
      'spec:\n  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [bogus]}}]}]',
      at('spec.egress[0].to[0].ipBlock.except[0]', 'invalid CIDR "bogus"'),
    ],
    ['spec:\n  podSelector: {}\n  ingress: [{ports: [{port: 0}]}]', at('spec.ingress[0].ports[0].port', 'port 0 is out of range 1-65535')],
    [
      'spec:\n  podSelector: {}\n  ingress: [{ports: [{port: 80}, {port: 65536}]}]',
      at('spec.ingress[0].ports[1].port', 'port 65536 is out of range 1-65535'),
    ],
    [
      'spec:\n  podSelector: {}\n  ingress: [{ports: [{port: "80"}]}]',
      at('spec.ingress[0].ports[0].port', 'invalid port name "80": must contain at least one letter (IANA_SVC_NAME)'),
    ],
    [
      'spec:\n  podSelector: {}\n  ingress: [{ports: [{port: Http}]}]',
      at('spec.ingress[0].ports[0].port', 'invalid port name "Http": must contain only lowercase letters, digits and "-" (IANA_SVC_NAME)'),
    ],
    [
      'spec:\n  podSelector: {}\n  ingress: [{ports: [{port: a-very-long-port-name}]}]',
      at('spec.ingress[0].ports[0].port', 'invalid port name "a-very-long-port-name": must be 1-15 characters (IANA_SVC_NAME)'),
    ],
    [
      'spec:\n  podSelector: {}\n  ingress: [{ports: [{port: my--port}]}]',
      at('spec.ingress[0].ports[0].port', 'invalid port name "my--port": must not contain "--" (IANA_SVC_NAME)'),
    ],
    [
      'spec:\n  podSelector: {}\n  ingress: [{ports: [{port: -web}]}]',
      at('spec.ingress[0].ports[0].port', 'invalid port name "-web": must not begin or end with "-" (IANA_SVC_NAME)'),
    ],
    [
      'spec:\n  podSelector: {}\n  ingress: [{ports: [{port: 80}, {port: 90, endPort: 80}]}]',
      at('spec.ingress[0].ports[1].endPort', 'endPort 80 must be greater than or equal to port 90'),
    ],
    [
      'spec:\n  podSelector: {}\n  ingress: [{ports: [{port: 80, endPort: 70000}]}]',
      at('spec.ingress[0].ports[0].endPort', 'endPort 70000 is out of range 1-65535'),
    ],
    [
      'spec:\n  podSelector: {}\n  ingress: [{ports: [{port: http, endPort: 90}]}]',
      at('spec.ingress[0].ports[0].endPort', 'endPort may not be used with a named port'),
    ],
    [
      'spec:\n  podSelector: {}\n  ingress: [{ports: [{endPort: 90}]}]',
      at('spec.ingress[0].ports[0].endPort', 'endPort requires a numeric port'),
    ],
    [
      'spec:\n  podSelector: {}\n  egress: [{ports: [{protocol: ICMP}]}]',
      at('spec.egress[0].ports[0].protocol', 'unsupported protocol "ICMP" (expected TCP, UDP or SCTP)'),
    ],
    [
      'spec:\n  podSelector: {}\n  egress: [{ports: [{protocol: tcp}]}]',
      at('spec.egress[0].ports[0].protocol', 'unsupported protocol "tcp" (expected TCP, UDP or SCTP)'),
    ],
    ['spec:\n  podSelector: {}\n  policyTypes: [Ingress, egress]', at('spec.policyTypes[1]', 'unknown policy type "egress" (expected Ingress or Egress)')],
    ['spec:\n  podSelector: {}\n  ingress: {from: []}', at('spec.ingress', 'must be a list, not a mapping')],
  ])('%s', (spec, message) => {
    expect(errorMessage(spec)).toBe(message);
  });
});
