import type { V1Node, V1NodeSpec, V1NodeStatus } from '@kubernetes/client-node';
import { InputError, parseCidr, quoteValue, tryParseIp, type ClusterNode } from '@lateral/core';
import { list, optLabels, optMapping, optString } from './raw-fields.js';

/** Address types that carry traffic to and from the node; Hostname and InternalDNS are names. */
const IP_ADDRESS_TYPES = new Set(['InternalIP', 'ExternalIP']);

/** A Node object: its labels (node peers select by them) and the addresses its traffic uses. */
export function nodeFromObject(raw: V1Node, name: string): ClusterNode {
  const meta = optMapping(raw.metadata, 'metadata');
  const spec = optMapping(raw.spec, 'spec') ?? ({} as V1NodeSpec);
  const status = optMapping(raw.status, 'status') ?? ({} as V1NodeStatus);
  const addresses: string[] = [];
  list(status.addresses, 'status.addresses').forEach((a, i) => {
    const f = `status.addresses[${i}]`;
    const entry = optMapping(a, f);
    const type = optString(entry?.type, `${f}.type`);
    const address = optString(entry?.address, `${f}.address`);
    if (!type || !address || !IP_ADDRESS_TYPES.has(type)) return;
    if (!tryParseIp(address)) throw new InputError(`invalid IP address ${quoteValue(address)}`, { field: `${f}.address` });
    if (!addresses.includes(address)) addresses.push(address);
  });
  const podCIDRs: string[] = [];
  const addCidr = (v: unknown, field: string) => {
    const s = optString(v, field);
    if (!s) return;
    try {
      parseCidr(s);
    } catch {
      throw new InputError(`invalid CIDR ${quoteValue(s)}`, { field });
    }
    if (!podCIDRs.includes(s)) podCIDRs.push(s);
  };
  addCidr(spec.podCIDR, 'spec.podCIDR');
  list(spec.podCIDRs, 'spec.podCIDRs').forEach((c, i) => addCidr(c, `spec.podCIDRs[${i}]`));
  return {
    name,
    labels: optLabels(meta?.labels, 'metadata.labels') ?? {},
    addresses,
    ...(podCIDRs.length > 0 ? { podCIDRs } : {}),
  };
}
