/**
 * "Does an existing rule already allow this flow on this side?" asked of core's engine.
 *
 * A connection needs the source's egress and the destination's ingress. To ask about one side
 * alone, the cluster keeps only the policies' parts for that direction (the other side is then
 * never isolated), and every pod of the namespaces we will generate for is isolated in that
 * direction by one extra rule-less policy. The extra policy adds no allowance, so what is
 * allowed is exactly what existing rules allow once the workload is isolated — which it will be,
 * by the generated policy. A flow that was allowed only because its workload was not isolated
 * therefore still needs a rule, as it must.
 */
import { effectivePolicyTypes, isolatingPolicies, type Cluster, type CompiledCluster, type EvalOptions, type NetworkPolicy, type Pod, type PolicyType } from '@lateral/core';
import { compileFrom } from './compile-from.js';

export type Direction = 'ingress' | 'egress';

export const POLICY_TYPE: Readonly<Record<Direction, PolicyType>> = { ingress: 'Ingress', egress: 'Egress' };

/**
 * The policy's part for one direction, or undefined when it has none. A policy that is that part
 * already (policyTypes just that direction, its rule list present, the other absent: every
 * generated policy but the default-deny ones) is returned as it is: the same object, so a
 * recompile finds its compiled form instead of compiling an equal copy (core keeps forms per
 * policy object).
 */
export function narrowPolicy(policy: NetworkPolicy, direction: Direction): NetworkPolicy | undefined {
  const type = POLICY_TYPE[direction];
  if (!effectivePolicyTypes(policy).includes(type)) return undefined;
  const { ingress, egress, policyTypes: types } = policy;
  if (types !== undefined && types.length === 1 && types[0] === type && (direction === 'ingress' ? ingress !== undefined && egress === undefined : egress !== undefined && ingress === undefined)) return policy;
  let narrowed = narrowedOf.get(policy)?.[direction];
  if (narrowed === undefined) {
    narrowed = narrowCopy(policy, direction);
    narrowedOf.set(policy, { ...narrowedOf.get(policy), [direction]: narrowed });
  }
  return narrowed;
}

/** The copies made, per policy object: a second generate over the same cluster (the web app's) recompiles the same objects. */
const narrowedOf = new WeakMap<NetworkPolicy, { ingress?: NetworkPolicy; egress?: NetworkPolicy }>();

function narrowCopy(policy: NetworkPolicy, direction: Direction): NetworkPolicy {
  const { ingress, egress, policyTypes: _types, ...rest } = policy;
  return direction === 'ingress'
    ? { ...rest, policyTypes: ['Ingress'], ingress: ingress ?? [] }
    : { ...rest, policyTypes: ['Egress'], egress: egress ?? [] };
}

/** Is `pod` isolated for `direction` by any of `policies`? */
export function isIsolated(policies: readonly NetworkPolicy[], pod: Pod, direction: Direction): boolean {
  return isolatingPolicies(pod, policies, POLICY_TYPE[direction]).length > 0;
}

export function sideCluster(cluster: Cluster, direction: Direction, isolatedNamespaces: Iterable<string>): Cluster {
  const narrowed = cluster.policies.flatMap((p) => narrowPolicy(p, direction) ?? []);
  const isolation: NetworkPolicy[] = [...isolatedNamespaces].map((namespace) => ({
    namespace,
    // Not a name Kubernetes would accept for an object: it can never collide with a real one.
    name: `<isolate ${direction}>`,
    podSelector: {},
    policyTypes: [POLICY_TYPE[direction]],
    ...(direction === 'ingress' ? { ingress: [] } : { egress: [] }),
  }));
  return { ...cluster, policies: [...narrowed, ...isolation] };
}

/** `previous`: a compile of the same pods to start from (compile-from.ts). */
export function compileSide(cluster: Cluster, direction: Direction, isolatedNamespaces: Iterable<string>, options: EvalOptions, previous?: CompiledCluster) {
  return compileFrom(previous, sideCluster(cluster, direction, isolatedNamespaces), options);
}
