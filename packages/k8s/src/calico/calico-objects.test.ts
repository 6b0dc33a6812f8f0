import { InputError } from '@lateral/core';
import { describe, expect, it } from 'vitest';
import { clusterFromObjects } from '../cluster-from-objects.js';
import { parseManifests } from '../parse-manifests.js';

const load = (text: string) => clusterFromObjects(parseManifests(text, 'calico.yaml'));

function errorMessage(text: string): string {
  try {
    load(text);
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error('expected an InputError');
}

const TIER = `apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 300, defaultAction: Pass}
`;

describe('Calico objects', () => {
  it('reads tiers, both policy kinds, network sets and host endpoints into the model', () => {
    const { cluster, unevaluated } = load(`${TIER}---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.deny-db}
spec:
  tier: security
  order: 10
  selector: app == 'db'
  ingress:
  - action: Deny
    protocol: TCP
    source: {selector: "role != 'api'", nets: [10.0.0.0/8], notNets: [10.1.0.0/16]}
    destination: {ports: [5432, "8000:8099", pg], notPorts: [8050]}
  - action: Log
---
apiVersion: crd.projectcalico.org/v1
kind: NetworkPolicy
metadata: {name: allow-web, namespace: shop}
spec:
  selector: has(web)
  egress:
  - action: Allow
    destination: {namespaceSelector: global(), selector: "set == 'ext'"}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: ext, labels: {set: ext}}
spec: {nets: [203.0.113.0/24, 198.51.100.7]}
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: node1-eth0, labels: {role: node}}
spec: {node: node1, interfaceName: eth0, expectedIPs: [192.168.0.1]}
`);
    expect(unevaluated).toEqual([]);
    const calico = cluster.calico!;
    expect(calico.tiers).toEqual([{ name: 'security', order: 300, defaultAction: 'Pass' }]);
    expect(calico.policies.map((p) => [p.kind, p.namespace, p.name, p.tier, p.order])).toEqual([
      ['GlobalNetworkPolicy', undefined, 'security.deny-db', 'security', 10],
      ['NetworkPolicy', 'shop', 'allow-web', 'default', undefined],
    ]);
    expect(calico.policies[0]!.ingress[0]).toEqual({
      action: 'Deny',
      protocol: 'TCP',
      source: { selector: "role != 'api'", nets: ['10.0.0.0/8'], notNets: ['10.1.0.0/16'] },
      destination: { ports: [{ first: 5432, last: 5432 }, { first: 8000, last: 8099 }, { name: 'pg' }], notPorts: [{ first: 8050, last: 8050 }] },
    });
    expect(calico.networkSets).toEqual([{ name: 'ext', labels: { set: 'ext' }, nets: ['203.0.113.0/24', '198.51.100.7/32'] }]);
    expect(calico.hostEndpoints).toEqual([{ name: 'node1-eth0', node: 'node1', labels: { role: 'node' }, expectedIPs: ['192.168.0.1'] }]);
  });

  it('refuses what Calico refuses, naming file, object and field', () => {
    const gnp = (spec: string) => `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec:\n${spec}\n`;
    expect(errorMessage(gnp("  selector: app = 'x'"))).toBe(
      'calico.yaml:1: GlobalNetworkPolicy p: spec.selector: selector "app = \'x\'": unexpected character "=" at column 5 ("= \'x\'")',
    );
    expect(errorMessage(gnp('  ingress: [{action: Accept}]'))).toMatch(/GlobalNetworkPolicy p: spec.ingress\[0\].action: unknown action "Accept" \(expected Allow, Deny, Log, Pass\)/);
    expect(errorMessage(gnp('  ingress: [{action: Allow, destination: {ports: [80]}}]'))).toMatch(
      /spec.ingress\[0\].destination.ports: ports need the rule to set protocol to TCP, UDP, SCTP or UDPLite/,
    );
    expect(errorMessage(gnp('  ingress: [{action: Allow, protocol: TCP, destination: {ports: ["90:80"]}}]'))).toMatch(
      /spec.ingress\[0\].destination.ports\[0\]: range "90:80" starts after it ends/,
    );
    expect(errorMessage(gnp('  ingress: [{action: Allow, source: {nets: [10.0.0.0/33]}}]'))).toMatch(/spec.ingress\[0\].source.nets\[0\]: invalid CIDR/);
    expect(errorMessage(gnp('  tier: platform'))).toMatch(/GlobalNetworkPolicy p: spec.tier: tier "platform" is not in the input \(add its Tier object\)/);
    expect(errorMessage(gnp('  ingres: []'))).toMatch(/spec.ingres: unknown field/);
  });
});
