import { InputError } from '../model/errors.js';

/**
 * IPv4 and IPv6 addresses as bigints in separate spaces (family 4: 0..2^32-1, family 6:
 * 0..2^128-1). IPv4-mapped IPv6 (::ffff:a.b.c.d) stays in the IPv6 space, as Kubernetes
 * treats the families separately.
 */
export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** Inclusive range of one family. */
export interface IpRange {
  readonly family: IpFamily;
  readonly start: bigint;
  readonly end: bigint;
}

export const MAX_V4 = (1n << 32n) - 1n;
export const MAX_V6 = (1n << 128n) - 1n;

export function maxOf(family: IpFamily): bigint {
  return family === 4 ? MAX_V4 : MAX_V6;
}

/**
 * Dotted decimal, each part 1-3 digits up to 255. Read character by character into a number
 * (32 bits fit a double exactly) and made a bigint once: every pod IP of a cluster passes
 * through here, and a split, four regular expressions and four bigint steps cost several times more.
 */
function parseV4(s: string): bigint | undefined {
  const v = parseIpv4Number(s);
  return v === undefined ? undefined : BigInt(v);
}

/** An IPv4 address in dotted decimal as a number (0..2^32-1); undefined for anything else (no trimming). */
export function parseIpv4Number(s: string): number | undefined {
  let v = 0;
  let parts = 0;
  let n = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e;
    if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return undefined;
      n = n * 10 + (c - 0x30);
    } else if (c === 0x2e) {
      if (digits === 0 || n > 255 || ++parts > 4) return undefined;
      v = v * 256 + n;
      n = 0;
      digits = 0;
    } else return undefined;
  }
  return parts === 4 ? v : undefined;
}

function parseV6(s: string): bigint | undefined {
  if (s.length === 0 || !/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let head = s;
  let tailV4: bigint | undefined;
  // Embedded IPv4 in the last 32 bits (::ffff:1.2.3.4).
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    tailV4 = parseV4(s.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = head.indexOf('::');
  if (dbl !== head.lastIndexOf('::')) return undefined;
  let groups: string[];
  if (dbl >= 0) {
    const left = head.slice(0, dbl) ? head.slice(0, dbl).split(':') : [];
    const right = head.slice(dbl + 2) ? head.slice(dbl + 2).split(':') : [];
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  } else {
    groups = head.split(':');
  }
  if (groups.length !== 8) return undefined;
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

/** Parses an address; undefined when it is not one. */
export function tryParseIp(s: string): IpAddress | undefined {
  const t = s.trim();
  if (t.includes(':')) {
    const v = parseV6(t);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseV4(t);
  return v === undefined ? undefined : { family: 4, value: v };
}

export function parseIp(s: string): IpAddress {
  const ip = tryParseIp(s);
  if (!ip) throw new InputError(`invalid IP address "${s}"`);
  return ip;
}

export interface Cidr {
  readonly family: IpFamily;
  readonly prefix: number;
  /** Network address (host bits cleared). */
  readonly start: bigint;
  readonly end: bigint;
}

/**
 * Parses `addr/prefix`. Host bits may be set (Kubernetes accepts `10.0.0.1/8` in ipBlock and
 * means the network); they are cleared.
 */
export function tryParseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = tryParseIp(s.slice(0, slash));
  const pfx = s.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(pfx)) return undefined;
  const prefix = Number(pfx);
  const bits = ip.family === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  const mask = (1n << hostBits) - 1n;
  const start = ip.value & ~mask & maxOf(ip.family);
  return { family: ip.family, prefix, start, end: start | mask };
}

export function parseCidr(s: string): Cidr {
  const c = tryParseCidr(s);
  if (!c) throw new InputError(`invalid CIDR "${s}"`);
  return c;
}

export function cidrContains(c: Cidr | IpRange, ip: IpAddress): boolean {
  return c.family === ip.family && ip.value >= c.start && ip.value <= c.end;
}

export function formatIp(family: IpFamily, v: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((sh) => String((v >> sh) & 255n)).join('.');
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  const left = groups.slice(0, bestStart).join(':');
  const right = groups.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}

export function formatRange(r: IpRange): string {
  return `${formatIp(r.family, r.start)}-${formatIp(r.family, r.end)}`;
}

/** The fewest CIDRs covering exactly [start, end]. */
export function rangeToCidrs(r: IpRange): string[] {
  const bits = r.family === 4 ? 32 : 128;
  const out: string[] = [];
  let cur = r.start;
  while (cur <= r.end) {
    let size = 0;
    while (size < bits) {
      const next = size + 1;
      const block = 1n << BigInt(next);
      if ((cur & (block - 1n)) !== 0n || cur + block - 1n > r.end) break;
      size = next;
    }
    out.push(`${formatIp(r.family, cur)}/${bits - size}`);
    cur += 1n << BigInt(size);
  }
  return out;
}
