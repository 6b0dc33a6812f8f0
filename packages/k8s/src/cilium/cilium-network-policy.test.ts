import { describe, expect, it } from 'vitest';
import { InputError, formatInputError } from '@lateral/core';
import { clusterFromObjects } from '../cluster-from-objects.js';
import { parseManifests } from '../parse-manifests.js';

const load = (yaml: string) => clusterFromObjects(parseManifests(yaml, 'cnp.yaml'));
const cnp = (spec: string, kind = 'CiliumNetworkPolicy') =>
  `apiVersion: cilium.io/v2\nkind: ${kind}\nmetadata: {name: p${kind === 'CiliumNetworkPolicy' ? ', namespace: shop' : ''}}\n${spec}`;

function error(yaml: string): string {
  try {
    load(yaml);
  } catch (e) {
    if (e instanceof InputError) return formatInputError(e.detail, e.location);
    throw e;
  }
  throw new Error('no error');
}

describe('CiliumNetworkPolicy adapter', () => {
  it('reads Cilium label conventions: source prefixes, the namespace key, namespace labels', () => {
    const [p] = load(
      cnp(`spec:
  endpointSelector: {matchLabels: {"k8s:app": web}}
  ingress:
  - fromEndpoints:
    - matchLabels: {"any:role": api, "k8s:io.kubernetes.pod.namespace": front}
    - matchLabels: {"io.cilium.k8s.namespace.labels.team": blue}
    - matchLabels: {role: db}
    - matchLabels: {"reserved:host": ""}
`),
    ).cluster.ciliumPolicies!;
    expect(p!.subject).toEqual({ kind: 'endpoints', selector: { pod: { matchLabels: { app: 'web' } }, namespace: {} } });
    expect(p!.ingress[0]!.peers).toEqual([
      { kind: 'endpoints', selector: { pod: { matchLabels: { role: 'api' } }, namespace: { matchLabels: { 'kubernetes.io/metadata.name': 'front' } } } },
      { kind: 'endpoints', selector: { pod: {}, namespace: { matchLabels: { team: 'blue' } } } },
      { kind: 'endpoints', selector: { pod: { matchLabels: { role: 'db' } }, namespace: {} }, ownNamespace: 'shop' },
      { kind: 'endpoints', selector: { pod: {}, namespace: {}, matchesNoPod: true }, ownNamespace: 'shop' },
    ]);
  });

  it('one policy per rule of specs; enableDefaultDeny defaults per direction with rules', () => {
    const ps = load(
      cnp(`specs:
- endpointSelector: {}
  ingressDeny: [{fromEntities: [world]}]
- endpointSelector: {}
  enableDefaultDeny: {egress: false}
  egress: [{toPorts: [{ports: [{port: "53", protocol: UDP}], rules: {dns: [{matchPattern: "*"}]}}]}]
`),
    ).cluster.ciliumPolicies!;
    expect(ps.map((p) => [p.specIndex, p.defaultDeny])).toEqual([
      [0, { ingress: true, egress: false }],
      [1, { ingress: false, egress: false }],
    ]);
    expect(ps[1]!.egress[0]).toEqual({ index: 0, ports: [{ protocol: 'UDP', port: 53 }], l7: true });
  });

  it('toServices resolves against a Service with a selector; otherwise stays unresolved', () => {
    const r = load(`apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
${cnp(`spec:
  endpointSelector: {}
  egress:
  - toServices: [{k8sService: {serviceName: web}}, {k8sService: {serviceName: gone, namespace: other}}]
`)}`);
    const peers = r.cluster.ciliumPolicies![0]!.egress[0]!.peers!;
    expect(peers[0]).toEqual({ kind: 'service-pods', namespace: 'shop', selector: { app: 'web' }, service: 'web' });
    expect(peers[1]).toMatchObject({ kind: 'unresolved', what: 'toServices other/gone (not in the input)' });
  });

  it('refuses what Cilium refuses, naming file, object and field', () => {
    expect(error(cnp('spec: {ingress: [{}]}'))).toContain('spec.endpointSelector');
    expect(error(cnp('spec: {endpointSelector: {}, nodeSelector: {}}', 'CiliumClusterwideNetworkPolicy'))).toContain('exactly one of endpointSelector or nodeSelector');
    expect(error(cnp('spec: {endpointSelector: {}, egress: [{toPorts: [{ports: [{port: "70000"}]}]}]}'))).toContain('spec.egress[0].toPorts[0].ports[0].port');
    expect(error(cnp('spec: {endpointSelector: {}, egress: [{toCIDR: [10.0.0.0/33]}]}'))).toMatch(/cnp\.yaml.*CiliumNetworkPolicy shop\/p.*spec\.egress\[0\]\.toCIDR\[0\]/s);
    expect(error(cnp('spec: {endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: "80", protocol: ICMP}]}]}]}'))).toContain('unsupported protocol "ICMP"');
    expect(error(cnp('spec: {endpointSelector: {matchLabels: {io.cilium.k8s.policy.serviceaccount: x}}}'))).toContain('is not evaluated by Lateral yet');
    expect(error(cnp('spec: {endpointSelector: {}, ingressDeny: [{toPorts: [{ports: [{port: "80"}], rules: {http: [{}]}}]}]}'))).toContain('spec.ingressDeny[0].toPorts[0].rules');
  });
});
