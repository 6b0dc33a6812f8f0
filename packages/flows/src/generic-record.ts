/**
 * The generic flow row shared by the CSV and JSONL readers: `src`, `dst`, `port`, optional
 * `protocol` (TCP), `count` (1) and `time`, or `first_seen`/`last_seen` for rows aggregated
 * upstream (a SQL GROUP BY over a flow store). Ends are `namespace/pod`, `namespace/workload`
 * (an endpoint id of the reachability view) or an IP address.
 */
import { tryParseIp } from '@lateral/core/ip';
import {
  BadFlowLine,
  canonicalIp,
  isIpv4,
  parseCount,
  parsePort,
  parseProtocol,
  parseTime,
  peerKey,
  shown,
  type FlowPeer,
  type FlowRecord,
} from './flow-record.js';

/** Column / key names accepted for each field (lower case); the first is the documented one. */
export const GENERIC_FIELDS = {
  src: ['src', 'source', 'from'],
  dst: ['dst', 'destination', 'to'],
  port: ['port', 'dst_port', 'destination_port', 'dport'],
  protocol: ['protocol', 'proto'],
  count: ['count', 'flows', 'records'],
  time: ['time', 'timestamp'],
  first_seen: ['first_seen', 'firstseen', 'min_time'],
  last_seen: ['last_seen', 'lastseen', 'max_time'],
} as const;

export type GenericField = keyof typeof GENERIC_FIELDS;

/** `ns/name`: names are DNS labels/subdomains; an endpoint id may end in `[Kind]` or `#N`. */
const REF = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[^/\s]+$/i;

export function genericPeer(v: unknown, field: string): FlowPeer {
  if (typeof v !== 'string' || v.trim() === '') throw new BadFlowLine(`${field} is missing`);
  const s = v.trim();
  // A reference has a slash; an address never does.
  if (s.includes('/')) {
    if (REF.test(s)) return { key: `ref\u0001${s}`, ref: s };
  } else if (isIpv4(s) || tryParseIp(s)) {
    const ip = canonicalIp(s, field);
    return { key: peerKey(['ip', ip]), ip };
  }
  throw new BadFlowLine(`${field} ${shown(s)} is neither namespace/name nor an IP address`);
}

export function genericRecord(get: (f: GenericField) => unknown): FlowRecord {
  const src = genericPeer(get('src'), 'src');
  const dst = genericPeer(get('dst'), 'dst');
  const port = parsePort(get('port'));
  const protocol = parseProtocol(get('protocol'));
  const count = parseCount(get('count'));
  const time = parseTime(get('time'), 'time');
  const firstTime = parseTime(get('first_seen'), 'first_seen');
  const lastTime = parseTime(get('last_seen'), 'last_seen');
  return { src, dst, port, protocol, count, time, firstTime, lastTime, dropped: false, reply: false };
}
