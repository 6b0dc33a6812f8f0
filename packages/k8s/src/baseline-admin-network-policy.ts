import { InputError, type TierPolicy } from '@lateral/core';
import { checkKnownFields, optMapping } from './raw-fields.js';
import { tierRules, tierSubject, type RuleShape } from './tier-fields.js';

const SHAPE: RuleShape = {
  actions: { Allow: 'Allow', Deny: 'Deny' },
  ingressPeers: ['namespaces', 'pods'],
  egressPeers: ['namespaces', 'pods', 'nodes', 'networks'],
  portsField: 'ports',
  maxRules: 100,
  maxPeers: 100,
};

/**
 * policy.networking.k8s.io/v1alpha1 BaselineAdminNetworkPolicy: the Baseline tier, below
 * NetworkPolicy; Allow or Deny. The CRD admits exactly one, named `default`.
 */
export function baselineAdminNetworkPolicyFromObject(raw: { spec?: unknown }, name: string): TierPolicy {
  if (name !== 'default') {
    throw new InputError(`only one BaselineAdminNetworkPolicy, named "default", is allowed (not "${name}")`, { field: 'metadata.name' });
  }
  const spec = optMapping(raw.spec as Record<string, unknown>, 'spec');
  if (!spec) throw new InputError('is required', { field: 'spec' });
  checkKnownFields(spec, ['subject', 'ingress', 'egress'], 'spec', 'a BaselineAdminNetworkPolicy spec');
  return {
    kind: 'BaselineAdminNetworkPolicy',
    name,
    tier: 'Baseline',
    priority: 0,
    subject: tierSubject(spec.subject, 'spec.subject'),
    ingress: tierRules(spec.ingress, 'spec.ingress', 'ingress', SHAPE),
    egress: tierRules(spec.egress, 'spec.egress', 'egress', SHAPE),
  };
}
