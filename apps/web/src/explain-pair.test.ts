import { parseManifests } from '@lateral/k8s';
import { describe, expect, it } from 'vitest';
import { explainPair } from './explain-pair.js';
import { sessionFromObjects } from './session.js';

const CLUSTER = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
`;
const MNP = `---
apiVersion: k8s.cni.cncf.io/v1beta1
kind: MultiNetworkPolicy
metadata: {name: db-lockdown, namespace: shop}
spec: {podSelector: {matchLabels: {app: db}}, ingress: []}
`;
const CNP = `---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: db-lockdown, namespace: shop}
spec: {endpointSelector: {matchLabels: {app: db}}, ingress: [{fromEndpoints: [{matchLabels: {app: api}}]}]}
`;

describe('explainPair', () => {
  it('qualifies the verdict when a policy Lateral does not evaluate selects an end, as lateral explain does', () => {
    const s = sessionFromObjects('t', parseManifests(CLUSTER + MNP, 't.yaml'));
    const e = explainPair(s, 'shop/web', 'shop/db', 5432);
    expect(e.text.split('\n')[0]).toBe('shop/web -> shop/db TCP 5432: ALLOWED; 1 MultiNetworkPolicy selecting shop/db was not evaluated (shop/db-lockdown)');
    expect(e.notEvaluated).toHaveLength(1);
    const plain = explainPair(sessionFromObjects('t', parseManifests(CLUSTER, 't.yaml')), 'shop/web', 'shop/db', 5432);
    expect(plain.text.split('\n')[0]).toBe('shop/web -> shop/db TCP 5432: ALLOWED');
    expect(plain.notEvaluated).toBeUndefined();
  });

  it('evaluates Cilium policies when the input holds them (the plugin is detected)', () => {
    const s = sessionFromObjects('t', parseManifests(CLUSTER + CNP, 't.yaml'));
    expect(s.options.cni).toBe('cilium');
    const e = explainPair(s, 'shop/web', 'shop/db', 5432);
    expect(e.text.split('\n')[0]).toBe('shop/web -> shop/db TCP 5432: DENIED');
    expect(e.text).toContain('cnp shop/db-lockdown');
  });

  it('a possible edge (every port unknown) explains its first unknown port, with the reason', () => {
    const fqdn = `---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: web-out, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: web}}
  egress: [{toFQDNs: [{matchName: api.example.com}], toPorts: [{ports: [{port: "443", protocol: TCP}]}]}]
`;
    const s = sessionFromObjects('t', parseManifests(CLUSTER + fqdn, 't.yaml'));
    const external = s.index.endpoints.find((e) => !('namespace' in e))!;
    const e = explainPair(s, 'shop/web', external.id);
    expect(e.allowedPorts).toBe('nothing');
    expect([e.explanation.protocol, e.explanation.port, e.explanation.verdict]).toEqual(['TCP', 443, 'unknown']);
    expect(e.explanation.unknownReason).toContain('toFQDNs');
  });
});
