import { InputError, type TierPolicy } from '@lateral/core';
import { checkKnownFields, optMapping } from './raw-fields.js';
import { tierPriority, tierRules, tierSubject, type RuleShape } from './tier-fields.js';

const SHAPE: RuleShape = {
  actions: { Allow: 'Allow', Deny: 'Deny', Pass: 'Pass' },
  ingressPeers: ['namespaces', 'pods'],
  egressPeers: ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'],
  portsField: 'ports',
  maxRules: 100,
  maxPeers: 100,
};

/** policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy: the Admin tier, priority 0–1000, Allow/Deny/Pass. */
export function adminNetworkPolicyFromObject(raw: { spec?: unknown }, name: string): TierPolicy {
  const spec = optMapping(raw.spec as Record<string, unknown>, 'spec');
  if (!spec) throw new InputError('is required', { field: 'spec' });
  checkKnownFields(spec, ['priority', 'subject', 'ingress', 'egress'], 'spec', 'an AdminNetworkPolicy spec');
  return {
    kind: 'AdminNetworkPolicy',
    name,
    tier: 'Admin',
    priority: tierPriority(spec.priority, 'spec.priority'),
    subject: tierSubject(spec.subject, 'spec.subject'),
    ingress: tierRules(spec.ingress, 'spec.ingress', 'ingress', SHAPE),
    egress: tierRules(spec.egress, 'spec.egress', 'egress', SHAPE),
  };
}
