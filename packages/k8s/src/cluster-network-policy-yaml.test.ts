import { describe, expect, it } from 'vitest';
import type { TierPolicy } from '@lateral/core';
import { clusterFromObjects } from './cluster-from-objects.js';
import { clusterNetworkPolicyYaml } from './cluster-network-policy-yaml.js';
import { parseManifests } from './parse-manifests.js';

describe('clusterNetworkPolicyYaml', () => {
  it('writes what the reader reads back as the same tier policy', () => {
    const policy: TierPolicy = {
      kind: 'ClusterNetworkPolicy',
      name: 'lateral-deny-into-app-db',
      tier: 'Admin',
      priority: 4,
      subject: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'app' } }, podSelector: { matchLabels: { app: 'db' } } },
      ingress: [
        {
          name: 'deny-attack-path',
          action: 'Deny',
          peers: [{ kind: 'pods', namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'app' } }, podSelector: { matchLabels: { app: 'web' } } }],
          ports: [{ protocol: 'TCP', port: 5432 }, { protocol: 'UDP', port: 1000, endPort: 2000 }, { namedPort: 'metrics' }],
        },
      ],
      egress: [{ name: 'accept-dns', action: 'Allow', peers: [{ kind: 'networks', networks: ['10.96.0.10/32'] }] }],
    };
    const text = clusterNetworkPolicyYaml([policy]);
    expect(text).toContain('apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\n');
    expect(text).toContain('action: Accept');
    const read = clusterFromObjects(parseManifests(text, 'proposed.yaml')).cluster.tierPolicies;
    expect(read).toEqual([policy]);
  });
});
