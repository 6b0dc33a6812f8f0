/**
 * Which directions a NetworkPolicy isolates, and which policies isolate a pod. One place for
 * the API server's defaulting, which every reader of policies needs (the engine, explain, risk,
 * the generator, the web's endpoint view); the reference evaluator keeps its own copy on
 * purpose, so that the differential tests compare two readings of the spec.
 */
import { matchesSelector } from './label-selector.js';
import type { NetworkPolicy, Pod, PolicyType } from '../model/model.js';

/**
 * policyTypes as written when non-empty; otherwise the API server's defaulting: "If no
 * policyTypes are specified ... Ingress will always be set and Egress will be set if the
 * NetworkPolicy has any egress rules". The API server tests len(spec.egress) != 0, so
 * `egress: []` leaves a policy Ingress-only, while `policyTypes: [Egress]` with no rules is a
 * default-deny.
 */
export function effectivePolicyTypes(policy: NetworkPolicy): readonly PolicyType[] {
  if (policy.policyTypes && policy.policyTypes.length > 0) return policy.policyTypes;
  return policy.egress !== undefined && policy.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/**
 * The policies that isolate a pod in one direction: those of its namespace whose podSelector
 * selects it and whose (effective) policyTypes include the direction. A pod no policy isolates
 * in a direction allows everything in that direction.
 */
export function isolatingPolicies(pod: Pod, policies: readonly NetworkPolicy[], type: PolicyType): NetworkPolicy[] {
  return policies.filter((p) => p.namespace === pod.namespace && effectivePolicyTypes(p).includes(type) && matchesSelector(p.podSelector, pod.labels));
}

/** Whether any policy isolates the pod, per direction. */
export function podIsolation(pod: Pod, policies: readonly NetworkPolicy[]): { ingress: boolean; egress: boolean } {
  let ingress = false;
  let egress = false;
  for (const p of policies) {
    if (p.namespace !== pod.namespace || !matchesSelector(p.podSelector, pod.labels)) continue;
    const types = effectivePolicyTypes(p);
    if (types.includes('Ingress')) ingress = true;
    if (types.includes('Egress')) egress = true;
  }
  return { ingress, egress };
}
