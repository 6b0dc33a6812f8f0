/** Tier policies of the model back out as v1alpha2 ClusterNetworkPolicy manifests (what `risk` proposes). */
import type { TierPeer, TierPolicy, TierRule } from '@lateral/core';
import yaml from 'js-yaml';

function peer(p: TierPeer): Record<string, unknown> {
  switch (p.kind) {
    case 'pods':
      return p.podSelector ? { pods: { namespaceSelector: p.namespaceSelector, podSelector: p.podSelector } } : { namespaces: p.namespaceSelector };
    case 'nodes':
      return { nodes: p.nodeSelector };
    case 'networks':
      return { networks: p.networks };
    case 'domainNames':
      return { domainNames: p.domainNames };
  }
}

function rule(r: TierRule, direction: 'from' | 'to'): Record<string, unknown> {
  const ports = r.ports?.map((p) => ('namedPort' in p ? { destinationNamedPort: p.namedPort } : { [p.protocol.toLowerCase()]: { destinationPort: p.endPort ? { range: { start: p.port, end: p.endPort } } : { number: p.port } } }));
  return {
    ...(r.name ? { name: r.name } : {}),
    // v1alpha2 spells the model's Allow "Accept".
    action: r.action === 'Allow' ? 'Accept' : r.action,
    [direction]: r.peers.map(peer),
    ...(ports ? { protocols: ports } : {}),
  };
}

export function clusterNetworkPolicyManifest(p: TierPolicy): Record<string, unknown> {
  const s = p.subject;
  return {
    apiVersion: 'policy.networking.k8s.io/v1alpha2',
    kind: 'ClusterNetworkPolicy',
    metadata: { name: p.name },
    spec: {
      tier: p.tier,
      priority: p.priority,
      subject: s.podSelector ? { pods: { namespaceSelector: s.namespaceSelector, podSelector: s.podSelector } } : { namespaces: s.namespaceSelector },
      ...(p.ingress.length ? { ingress: p.ingress.map((r) => rule(r, 'from')) } : {}),
      ...(p.egress.length ? { egress: p.egress.map((r) => rule(r, 'to')) } : {}),
    },
  };
}

/** Multi-document YAML, one ClusterNetworkPolicy per document. */
export function clusterNetworkPolicyYaml(policies: readonly TierPolicy[]): string {
  return policies.map((p) => yaml.dump(JSON.parse(JSON.stringify(clusterNetworkPolicyManifest(p))), { noRefs: true, lineWidth: -1 })).join('---\n');
}
