/**
 * How an address outside the cluster becomes an ipBlock: exactly itself (/32, /128) unless the
 * user asked for aggregation. Aggregation is a declared widening — every address in the wider
 * CIDR is allowed on the observed ports — so the verification reports what it adds separately
 * instead of counting it as a leak.
 */
import { formatIp, tryParseIp, InputError, type Cidr } from '@lateral/core';

export interface Aggregation {
  /** Prefix length IPv4 addresses are widened to (0-32); absent: /32. */
  readonly v4?: number;
  /** Prefix length IPv6 addresses are widened to (0-128); absent: /128. */
  readonly v6?: number;
}

export function checkAggregation(a: Aggregation | undefined): void {
  if (a?.v4 !== undefined && !(Number.isInteger(a.v4) && a.v4 >= 0 && a.v4 <= 32)) {
    throw new InputError(`IPv4 aggregation prefix must be 0 to 32 (got ${a.v4})`);
  }
  if (a?.v6 !== undefined && !(Number.isInteger(a.v6) && a.v6 >= 0 && a.v6 <= 128)) {
    throw new InputError(`IPv6 aggregation prefix must be 0 to 128 (got ${a.v6})`);
  }
}

/** The CIDR an observed outside address is allowed as. */
export function externalCidr(ip: string, aggregation: Aggregation | undefined): Cidr & { readonly text: string; readonly aggregated: boolean } {
  const addr = tryParseIp(ip);
  if (!addr) throw new InputError(`flow endpoint "${ip}" is not an IP address`);
  const bits = addr.family === 4 ? 32 : 128;
  const asked = addr.family === 4 ? aggregation?.v4 : aggregation?.v6;
  const prefix = asked ?? bits;
  const hostBits = BigInt(bits - prefix);
  const mask = (1n << hostBits) - 1n;
  const start = (addr.value >> hostBits) << hostBits;
  return { family: addr.family, prefix, start, end: start | mask, text: `${formatIp(addr.family, start)}/${prefix}`, aggregated: prefix < bits };
}
