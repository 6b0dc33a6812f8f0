/** NetworkPolicies of the model back out as manifests, for `kubectl apply` or a pull request. */
import type { NetworkPolicy } from '@lateral/core';
import yaml from 'js-yaml';

export function networkPolicyManifest(p: NetworkPolicy): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: p.name, namespace: p.namespace },
    spec: {
      podSelector: p.podSelector,
      ...(p.policyTypes ? { policyTypes: p.policyTypes } : {}),
      ...(p.ingress ? { ingress: p.ingress } : {}),
      ...(p.egress ? { egress: p.egress } : {}),
    },
  };
}

/** Multi-document YAML, one NetworkPolicy per document. */
export function networkPolicyYaml(policies: readonly NetworkPolicy[]): string {
  // JSON round trip drops the readonly wrappers' undefined fields, which js-yaml would print.
  return policies.map((p) => yaml.dump(JSON.parse(JSON.stringify(networkPolicyManifest(p))), { noRefs: true, lineWidth: -1 })).join('---\n');
}
