import { InputError, type TierPolicy } from '@lateral/core';
import { checkKnownFields, optMapping, optString } from './raw-fields.js';
import { tierPriority, tierRules, tierSubject, type RuleShape } from './tier-fields.js';

const SHAPE: RuleShape = {
  actions: { Accept: 'Allow', Deny: 'Deny', Pass: 'Pass' },
  ingressPeers: ['namespaces', 'pods'],
  egressPeers: ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'],
  portsField: 'protocols',
  maxRules: 25,
  maxPeers: 25,
};

/**
 * policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy: `tier` Admin or Baseline, `priority`
 * 0–1000, a subject, and ordered ingress/egress rules with Accept, Deny or Pass.
 */
export function clusterNetworkPolicyFromObject(raw: { spec?: unknown }, name: string): TierPolicy {
  const spec = optMapping(raw.spec as Record<string, unknown>, 'spec');
  if (!spec) throw new InputError('is required', { field: 'spec' });
  checkKnownFields(spec, ['tier', 'priority', 'subject', 'ingress', 'egress'], 'spec', 'a ClusterNetworkPolicy spec');
  const tier = optString(spec.tier, 'spec.tier');
  if (tier !== 'Admin' && tier !== 'Baseline') {
    throw new InputError(tier === undefined ? 'is required (Admin or Baseline)' : `unknown tier "${tier}" (expected Admin or Baseline)`, { field: 'spec.tier' });
  }
  return {
    kind: 'ClusterNetworkPolicy',
    name,
    tier,
    priority: tierPriority(spec.priority, 'spec.priority'),
    subject: tierSubject(spec.subject, 'spec.subject'),
    ingress: tierRules(spec.ingress, 'spec.ingress', 'ingress', SHAPE),
    egress: tierRules(spec.egress, 'spec.egress', 'egress', SHAPE),
  };
}
