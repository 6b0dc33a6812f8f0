/** What a synthetic cluster is asked for, checked as input (exact counts, a seed). */
import { InputError } from '@lateral/core';

export interface SynthOptions {
  /** Total pods, system pods included. */
  pods: number;
  /** Total namespaces, kube-system and ingress-nginx included. */
  namespaces: number;
  /** Total NetworkPolicies. */
  policies: number;
  /** Same seed, same cluster. Default 1. */
  seed?: number;
}

/** Pod IPs are 10.0.0.0/8 offsets 1..MAX_PODS (the broadcast address stays unused). */
export const MAX_PODS = (1 << 24) - 2;

/** The seed, once the options are known to be whole numbers in range. */
export function checkOptions(opts: SynthOptions): number {
  const whole = (v: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new InputError(`must be an integer from ${min} to ${max}, not ${String(v)}`, { object: 'synthetic cluster', field });
    }
  };
  // kube-system (CoreDNS, the ingress controller when there is no room for its own namespace)
  // plus at least one team namespace for the apps and their policies.
  whole(opts.namespaces, 'namespaces', 2);
  // One CoreDNS pod and one ingress controller pod: the policies refer to both.
  whole(opts.pods, 'pods', 2, MAX_PODS);
  whole(opts.policies, 'policies', 0);
  const seed = opts.seed ?? 1;
  whole(seed, 'seed', Number.MIN_SAFE_INTEGER);
  return seed;
}
