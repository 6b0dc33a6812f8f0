import { PROTOCOLS, type Protocol } from '../model/model.js';

/** Inclusive [from, to] port interval, 1..65535. */
export type PortRange = readonly [number, number];

/** Sorted, disjoint, non-adjacent intervals (canonical form). */
export type PortRanges = readonly PortRange[];

export type ProtoPorts = Readonly<Record<Protocol, PortRanges>>;

export const MIN_PORT = 1;
export const MAX_PORT = 65535;
export const ALL_PORTS: PortRanges = [[MIN_PORT, MAX_PORT]];
export const NO_PORTS: PortRanges = [];

export const EMPTY_PROTO_PORTS: ProtoPorts = { TCP: NO_PORTS, UDP: NO_PORTS, SCTP: NO_PORTS };
export const ALL_PROTO_PORTS: ProtoPorts = { TCP: ALL_PORTS, UDP: ALL_PORTS, SCTP: ALL_PORTS };

/** Canonicalise any list of intervals: sort, merge overlapping and adjacent ones. */
export function normalizeRanges(ranges: readonly PortRange[]): PortRanges {
  if (ranges.length <= 1) return ranges.length === 1 && ranges[0]![0] <= ranges[0]![1] ? [ranges[0]!] : [];
  const sorted = ranges.filter((r) => r[0] <= r[1]).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) {
      if (b > last[1]) last[1] = b;
    } else out.push([a, b]);
  }
  return out;
}

export function unionRanges(a: PortRanges, b: PortRanges): PortRanges {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return normalizeRanges([...a, ...b]);
}

export function intersectRanges(a: PortRanges, b: PortRanges): PortRanges {
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [a0, a1] = a[i]!;
    const [b0, b1] = b[j]!;
    const lo = Math.max(a0, b0);
    const hi = Math.min(a1, b1);
    if (lo <= hi) out.push([lo, hi]);
    if (a1 < b1) i++;
    else j++;
  }
  return out;
}

export function rangesContain(ranges: PortRanges, port: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = ranges[mid]!;
    if (port < a) hi = mid - 1;
    else if (port > b) lo = mid + 1;
    else return true;
  }
  return false;
}

export function rangesEqual(a: PortRanges, b: PortRanges): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]![0] !== b[i]![0] || a[i]![1] !== b[i]![1]) return false;
  return true;
}

export function isAllPorts(r: PortRanges): boolean {
  return r.length === 1 && r[0]![0] === MIN_PORT && r[0]![1] === MAX_PORT;
}

export function unionProtoPorts(a: ProtoPorts, b: ProtoPorts): ProtoPorts {
  return { TCP: unionRanges(a.TCP, b.TCP), UDP: unionRanges(a.UDP, b.UDP), SCTP: unionRanges(a.SCTP, b.SCTP) };
}

export function intersectProtoPorts(a: ProtoPorts, b: ProtoPorts): ProtoPorts {
  return {
    TCP: intersectRanges(a.TCP, b.TCP),
    UDP: intersectRanges(a.UDP, b.UDP),
    SCTP: intersectRanges(a.SCTP, b.SCTP),
  };
}

export function isEmptyProtoPorts(p: ProtoPorts): boolean {
  return p.TCP.length === 0 && p.UDP.length === 0 && p.SCTP.length === 0;
}

export function isAllProtoPorts(p: ProtoPorts): boolean {
  return isAllPorts(p.TCP) && isAllPorts(p.UDP) && isAllPorts(p.SCTP);
}

export function protoPortsEqual(a: ProtoPorts, b: ProtoPorts): boolean {
  return rangesEqual(a.TCP, b.TCP) && rangesEqual(a.UDP, b.UDP) && rangesEqual(a.SCTP, b.SCTP);
}

/**
 * Ports in `a` and not in `b`. Both sorted by start, `a` disjoint (canonical, as every port
 * set here is); `b` may hold single ports side by side. One merge pass: linear in both lengths.
 */
export function subtractRanges(a: PortRanges, b: PortRanges): PortRanges {
  const out: PortRange[] = [];
  let j = 0;
  for (const [start, end] of a) {
    let cur = start;
    while (j < b.length && b[j]![1] < cur) j++;
    let k = j;
    while (cur <= end && k < b.length && b[k]![0] <= end) {
      const [bs, be] = b[k]!;
      if (bs > cur) out.push([cur, bs - 1]);
      cur = Math.max(cur, be + 1);
      k++;
    }
    if (cur <= end) out.push([cur, end]);
  }
  return out;
}

/** Ports in `a` and not in `b`, per protocol. */
export function subtractProtoPorts(a: ProtoPorts, b: ProtoPorts): ProtoPorts {
  return { TCP: subtractRanges(a.TCP, b.TCP), UDP: subtractRanges(a.UDP, b.UDP), SCTP: subtractRanges(a.SCTP, b.SCTP) };
}

/** `TCP 80,8080-8090; UDP 53`, or `All` when every port of every protocol is allowed. */
export function formatProtoPorts(p: ProtoPorts): string {
  if (isAllProtoPorts(p)) return 'All';
  const parts: string[] = [];
  for (const proto of PROTOCOLS) {
    const r = p[proto];
    if (r.length === 0) continue;
    parts.push(`${proto} ${isAllPorts(r) ? 'all' : r.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`);
  }
  return parts.join('; ');
}

