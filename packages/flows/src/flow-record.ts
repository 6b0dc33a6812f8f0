/**
 * One observed connection as a reader understood it, before resolution against the cluster:
 * what every per-format line parser returns. The parsers are pure (a line in, a record out)
 * so that tests can feed them real capture lines one by one.
 */
import { formatIp, tryParseIp } from '@lateral/core/ip';
import type { Labels, Protocol } from '@lateral/core';

/** One side of a record, as the capture names it. Resolution decides what it is. */
export interface FlowPeer {
  /**
   * Everything below, in one string: resolution is memoized on it, so a peer seen a million
   * times is matched against the cluster once.
   */
  readonly key: string;
  readonly ip?: string;
  readonly namespace?: string;
  /** Pod name as the capture reports it (in `namespace`). */
  readonly pod?: string;
  /** Owner workload name the capture reports (Hubble `workloads`, Gadget `podOwner`), in `namespace`. */
  readonly workload?: string;
  /**
   * Pod labels (Hubble's `k8s:` labels without the prefix, Gadget's podLabels); for a Gadget
   * service peer, the service's selector.
   */
  readonly labels?: Labels;
  /**
   * A Service in `namespace` that the connection was dialled through (Gadget `remoteKind: svc`,
   * Hubble `destination_service` on a flow whose destination is not a pod): resolved through
   * the Service object to its backends, and the port read as a Service port (see
   * connection-resolver.ts).
   */
  readonly service?: string;
  /**
   * The capture itself says this end is the node the pod end runs on (Hubble's
   * `reserved:host` identity, Gadget's remote address equal to `podHostIP`).
   */
  readonly localNode?: boolean;
  /** `namespace/name` as a generic CSV/JSONL row writes it: a pod, a workload or an endpoint id. */
  readonly ref?: string;
}

export interface FlowRecord {
  /** The side that opened the connection (replies are already turned around). */
  readonly src: FlowPeer;
  readonly dst: FlowPeer;
  /** Destination port: the server's. */
  readonly port: number;
  readonly protocol: Protocol;
  /** How many observations this record stands for (1, or a pre-aggregated row's count). */
  readonly count: number;
  /** Epoch milliseconds, when the record carries a time. */
  readonly time?: number;
  /** Pre-aggregated rows may carry a range instead of one time. */
  readonly firstTime?: number;
  readonly lastTime?: number;
  /** The network dropped it (Hubble verdict DROPPED). */
  readonly dropped: boolean;
  /** It was a reply packet, turned around into its connection's direction. */
  readonly reply: boolean;
}

/**
 * What a parser returns for a line that is fine but has no connection to learn from (ICMP, a
 * Hubble node-status record, a Gadget debug event): counted, not an error.
 */
export const IGNORED = null;
export type ParsedLine = FlowRecord | typeof IGNORED;

/** A line that does not parse; the reader counts it and keeps the first few with line numbers. */
export class BadFlowLine extends Error {
  override readonly name = 'BadFlowLine';
}

export function parseProtocol(v: unknown, field = 'protocol'): Protocol {
  if (v === undefined || v === null || v === '') return 'TCP';
  if (typeof v !== 'string') throw new BadFlowLine(`${field} must be TCP, UDP or SCTP`);
  const p = v.trim().toUpperCase();
  if (p === 'TCP' || p === 'UDP' || p === 'SCTP') return p;
  throw new BadFlowLine(`${field} ${shown(v)} is not TCP, UDP or SCTP`);
}

export function parsePort(v: unknown, field = 'port'): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw new BadFlowLine(`${field} ${shown(v ?? null)} is not a port (1-65535)`);
  }
  return n;
}

export function parseCount(v: unknown): number {
  if (v === undefined || v === null || v === '') return 1;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new BadFlowLine(`count ${shown(v)} is not a positive integer`);
  }
  return n;
}

const NUMERIC = /^\d+(\.\d+)?$/;

/**
 * ISO 8601, or epoch seconds (what `toUnixTimestamp()` / `UNIX_SECONDS()` give in SQL
 * exports); a number that large can only be milliseconds or nanoseconds, so those are
 * recognised by size too.
 */
export function parseTime(v: unknown, field = 'time'): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  let ms: number;
  if (typeof v === 'number' || (typeof v === 'string' && NUMERIC.test(v.trim()))) {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new BadFlowLine(`${field} ${shown(v)} is not a time`);
    if (n >= 1e17) ms = Math.floor(n / 1e6); // nanoseconds
    else if (n >= 1e14) ms = Math.floor(n / 1e3); // microseconds
    else if (n >= 1e11) ms = Math.floor(n); // milliseconds
    else ms = Math.floor(n * 1000);
  } else {
    // Date.parse once: a million Hubble records are a million ISO times.
    ms = typeof v === 'string' && ISO_DATE.test(v.trim()) ? Date.parse(v) : NaN;
    if (Number.isNaN(ms)) throw new BadFlowLine(`${field} ${shown(v)} is not ISO 8601 or epoch seconds`);
  }
  // What a Date can hold (±8.64e15 ms, year 275760), and not before 1970: a capture's times are
  // recent; `1e25` or a negative year is a broken record, not a reason for "Invalid time value".
  if (!(ms >= 0 && ms <= MAX_TIME_MS)) throw new BadFlowLine(`${field} ${shown(v)} is out of range (1970 to year 275760)`);
  return ms;
}

const MAX_TIME_MS = 8.64e15;
/**
 * A date first (`2025-03-14T10:15:05Z`, `2025-03-14 10:15:05`): Date.parse alone also takes
 * `"-5"` or `"5"` as some day in 2001.
 */
const ISO_DATE = /^\d{4}-\d\d-\d\d/;

/** A value as a bad-line message quotes it: JSON, cut after 100 characters. */
export function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 100 ? `${s.slice(0, 100)}… (${s.length.toLocaleString('en-US')} characters)` : s;
}

/** A dotted-quad IPv4 address, checked without BigInt: the common case, kept cheap. */
export function isIpv4(s: string): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255) return false;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      value = value * 10 + (c - 48);
      digits++;
    } else return false;
  }
  return parts === 4;
}

/** The address in its canonical text (IPv6 compressed), so that one address is one peer. */
export function canonicalIp(s: string, field: string): string {
  if (isIpv4(s)) return s;
  const ip = tryParseIp(s);
  if (!ip) throw new BadFlowLine(`${field} ${shown(s)} is not an IP address`);
  return ip.family === 4 ? s.trim() : formatIp(6, ip.value);
}

/** Peer keys: fields joined with a separator no Kubernetes name or address contains. */
export function peerKey(parts: readonly (string | undefined)[]): string {
  return parts.map((p) => p ?? '').join('\u0001');
}

export function labelsKey(labels: Labels | undefined): string {
  if (!labels) return '';
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** A plain JSON object, or undefined. */
export function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function asLabels(v: unknown): Labels | undefined {
  const o = asObject(v);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  let any = false;
  for (const [k, val] of Object.entries(o)) {
    if (typeof val === 'string') {
      out[k] = val;
      any = true;
    }
  }
  return any ? out : undefined;
}

export function parseJsonLine(line: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new BadFlowLine(`not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const o = asObject(v);
  if (!o) throw new BadFlowLine('not a JSON object');
  return o;
}
