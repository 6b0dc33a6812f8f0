/**
 * Collects Calico's objects while clusterFromObjects walks the input, into the model's
 * CalicoObjects. Each object is read by calico-objects.ts; errors name its field, and the caller
 * adds file and object.
 */
import { InputError, type CalicoHostEndpoint, type CalicoNetworkSet, type CalicoObjects, type CalicoPolicy, type CalicoTier } from '@lateral/core';
import {
  calicoHostEndpointFromObject,
  calicoNetworkSetFromObject,
  calicoPolicyFromObject,
  calicoTierFromObject,
} from './calico-objects.js';

/** Calico creates these itself with fixed orders: a manifest may restate them but not move them. */
const FIXED_TIERS = new Set(['default', 'kube-admin', 'kube-baseline']);

export class CalicoCollector {
  private readonly tiers: CalicoTier[] = [];
  private readonly policies: CalicoPolicy[] = [];
  private readonly networkSets: CalicoNetworkSet[] = [];
  private readonly hostEndpoints: CalicoHostEndpoint[] = [];

  add(kind: string, obj: unknown, namespace: string, name: string): void {
    switch (kind) {
      case 'Tier': {
        const tier = calicoTierFromObject(obj, name);
        // "The default tier ... has the order of 1,000,000. This value is fixed, and cannot be changed."
        if (!FIXED_TIERS.has(name)) this.tiers.push(tier);
        break;
      }
      case 'NetworkPolicy':
      case 'GlobalNetworkPolicy':
        this.policies.push(calicoPolicyFromObject(obj, kind, namespace, name));
        break;
      case 'NetworkSet':
        this.networkSets.push(calicoNetworkSetFromObject(obj, namespace, name));
        break;
      case 'GlobalNetworkSet':
        this.networkSets.push(calicoNetworkSetFromObject(obj, undefined, name));
        break;
      case 'HostEndpoint':
        this.hostEndpoints.push(calicoHostEndpointFromObject(obj, name));
        break;
    }
  }

  any(): boolean {
    return this.tiers.length + this.policies.length + this.networkSets.length + this.hostEndpoints.length > 0;
  }

  /** The objects, with every policy's tier checked to exist (Calico refuses a policy in a missing tier). */
  objects(): CalicoObjects {
    const known = new Set([...FIXED_TIERS, ...this.tiers.map((t) => t.name)]);
    for (const p of this.policies) {
      if (!known.has(p.tier)) {
        const object = p.kind === 'GlobalNetworkPolicy' ? `GlobalNetworkPolicy ${p.name}` : `NetworkPolicy ${p.namespace}/${p.name}`;
        throw new InputError(`tier "${p.tier}" is not in the input (add its Tier object)`, { object, field: 'spec.tier' });
      }
    }
    return { tiers: this.tiers, policies: this.policies, networkSets: this.networkSets, hostEndpoints: this.hostEndpoints };
  }
}
