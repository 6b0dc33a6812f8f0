/**
 * Hubble flows as `hubble observe -o json` prints them: one object per line,
 * `{"flow": {...}, "node_name": ..., "time": ...}` (the flow itself at the top level in the
 * legacy `-o json` of older CLIs and in Hubble exporter files that store bare flows).
 * Field names are those of cilium's api/v1/flow/flow.proto in protojson form.
 */
import type { Labels, Protocol } from '@lateral/core';
import {
  asObject,
  asString,
  BadFlowLine,
  canonicalIp,
  IGNORED,
  parseJsonLine,
  parsePort,
  parseTime,
  peerKey,
  type FlowPeer,
  type ParsedLine,
} from './flow-record.js';
import { Buffer } from 'node:buffer';
import { ScannedAddress, ScannedTime, type CutLine, type EndpointText, type HubbleScanner } from './hubble-scan.js';

/** Records of the observer stream that are not flows: nothing to learn, not an error. */
const NON_FLOW_RECORDS = ['node_status', 'lost_events', 'agent_event', 'debug_event'];

/**
 * Labels Cilium adds to every endpoint (`io.cilium.k8s.policy.*`, the namespace's labels as
 * `io.cilium.k8s.namespace.labels.*`, `io.kubernetes.pod.namespace`): not pod labels, so
 * they take no part in matching pods.
 */
function isCiliumLabel(key: string): boolean {
  return key.startsWith('io.cilium.') || key === 'io.kubernetes.pod.namespace';
}

interface L4 {
  readonly protocol: Protocol;
  readonly sourcePort: unknown;
  readonly destinationPort: unknown;
}

function l4Of(l4: Record<string, unknown> | undefined): L4 | undefined {
  if (!l4) return undefined;
  for (const protocol of ['TCP', 'UDP', 'SCTP'] as const) {
    const p = asObject(l4[protocol]);
    if (p) return { protocol, sourcePort: p['source_port'], destinationPort: p['destination_port'] };
  }
  return undefined;
}

/** Pod labels from Hubble's `source:key=value` strings; reserved identities have none. */
function podLabels(list: unknown): { labels?: Labels; reserved: boolean; host: boolean } {
  if (!Array.isArray(list)) return { reserved: false, host: false };
  const out: Record<string, string> = {};
  let any = false;
  let reserved = false;
  let host = false;
  for (const item of list) {
    if (typeof item !== 'string') continue;
    const eq = item.indexOf('=');
    const colon = item.indexOf(':');
    // Label keys cannot contain ':', so a colon before '=' (or with no '=') ends the source.
    const source = colon >= 0 && (eq < 0 || colon < eq) ? item.slice(0, colon) : 'k8s';
    if (source === 'reserved') {
      reserved = true;
      if (item === 'reserved:host') host = true;
      continue;
    }
    if (source !== 'k8s') continue; // container:, cidr:, fqdn: labels describe no pod
    const body = colon >= 0 && (eq < 0 || colon < eq) ? item.slice(colon + 1) : item;
    const e = body.indexOf('=');
    const key = e >= 0 ? body.slice(0, e) : body;
    if (isCiliumLabel(key)) continue;
    out[key] = e >= 0 ? body.slice(e + 1) : '';
    any = true;
  }
  return any ? { labels: out, reserved, host } : { reserved, host };
}

/**
 * One end of a flow. A named pod is keyed by namespace, name and owner only: its labels do
 * not change while it runs, and resolution never uses a named pod's IP. So with `peers` (a
 * reader's memo), a pod seen a million times has its labels read once.
 *
 * `service` is the flow's `destination_service` (or, for a reply, `source_service`) for the
 * server end: when that end is not a pod, the packet was seen before the Service's address
 * was translated to a backend, so the address and port are the Service's.
 */
function peerOf(endpoint: unknown, ip: string | undefined, peers: Map<string, FlowPeer> | undefined, service?: unknown): FlowPeer {
  const e = asObject(endpoint) ?? {};
  const namespace = asString(e['namespace']);
  const pod = asString(e['pod_name']);
  const svc = asObject(service);
  const svcName = svc && !pod ? asString(svc['name']) : undefined;
  const svcNamespace = svc && !pod ? asString(svc['namespace']) : undefined;
  if (svcName && svcNamespace) {
    const key = peerKey(['hubble-svc', svcNamespace, svcName]);
    const known = peers?.get(key);
    if (known) return known;
    const peer: FlowPeer = { key, namespace: svcNamespace, service: svcName, ...(ip ? { ip } : {}) };
    peers?.set(key, peer);
    return peer;
  }
  const workloads = e['workloads'];
  const workload = Array.isArray(workloads) ? asString(asObject(workloads[0])?.['name']) : undefined;
  const key = pod
    ? `hubble\u0001${namespace ?? ''}\u0001${pod}\u0001${workload ?? ''}`
    : peerKey(['hubble', namespace, workload, ip, Array.isArray(e['labels']) ? (e['labels'] as unknown[]).join(',') : '']);
  const known = peers?.get(key);
  if (known) return known;
  const { labels, reserved, host } = podLabels(e['labels']);
  // A world / host / remote-node identity is only its address: whatever labels it has
  // describe no pod. `reserved:host` is the node the observing pod runs on.
  const peer: FlowPeer =
    reserved && !pod
      ? host
        ? { key: peerKey(['host', ip]), ...(ip ? { ip } : {}), localNode: true }
        : { key: peerKey(['ip', ip]), ...(ip ? { ip } : {}) }
      : {
          key,
          ...(ip ? { ip } : {}),
          ...(namespace ? { namespace } : {}),
          ...(pod ? { pod } : {}),
          ...(workload ? { workload } : {}),
          ...(labels ? { labels } : {}),
        };
  peers?.set(key, peer);
  return peer;
}

/**
 * canonicalIp of an address value (undefined when it is not a string); the scanner hands over an
 * address it checked is a dotted-quad IPv4 one, which canonicalIp returns unchanged, as a
 * ScannedAddress, made a string only when a flow end needs it (peerOfText).
 */
function addressOf(v: unknown, field: string): string | ScannedAddress | undefined {
  if (v instanceof ScannedAddress) return v;
  const s = asString(v);
  return s === undefined ? undefined : canonicalIp(s, field);
}

/** parseTime of a time value; the scanner hands over what parseTime gives for the string it read as a ScannedTime. */
function timeOf(v: unknown): number | undefined {
  return v instanceof ScannedTime ? v.ms : parseTime(v, 'time');
}

/**
 * peerOf of an endpoint read from its bytes (hubble-scan.ts). A named pod's flow end is
 * the same whatever the line's address or Service (peerOf's memo keys it on namespace, name and
 * owner, all in the text), so it is kept with the text and the lines after skip peerOf.
 */
function peerOfText(e: EndpointText<FlowPeer>, address: string | ScannedAddress | undefined, peers: Map<string, FlowPeer>, service: unknown): FlowPeer {
  if (e.peer) return e.peer;
  const ip = address instanceof ScannedAddress ? address.text() : address;
  // An end without a pod (`reserved:world` at many addresses): without a Service, peerOf's
  // answer depends on the text and the address only, and its memo gives the first answer for
  // them ever after; so that answer is kept per address.
  const known = service === undefined ? e.byIp?.get(ip ?? '') : undefined;
  if (known) return known;
  const peer = peerOf(e.value, ip, peers, service);
  if (asString(e.value['pod_name'])) e.peer = peer;
  else if (service === undefined && (e.byIp ??= new Map()).size < MAX_ADDRESSES_PER_TEXT) e.byIp.set(ip ?? '', peer);
  return peer;
}

/** Addresses remembered per endpoint text (peerOfText); past this, peerOf answers. */
const MAX_ADDRESSES_PER_TEXT = 1 << 16;

/**
 * One line of `hubble observe -o json`. Reply packets (`is_reply: true`) come back turned
 * around, as their connection: the client is the source and the server's port the port, so a
 * reply can only ever add to the forward edge. ICMP and non-flow records are IGNORED.
 * `peers` memoizes flow ends across lines (see peerOf); the reader passes one per input, and
 * a `scanner`, which reads the line's few fields from its bytes and each distinct endpoint
 * object of the input once (hubble-scan.ts).
 */
export function parseHubbleLine(line: string, peers?: Map<string, FlowPeer>, scanner?: HubbleScanner<FlowPeer>): ParsedLine {
  if (peers && scanner) {
    const bytes = Buffer.from(line, 'utf8');
    const cut = scanner.scan(bytes, 0, bytes.length);
    if (cut) return hubbleRecord(cut.obj, peers, cut);
  }
  return hubbleRecord(parseJsonLine(line), peers);
}

/**
 * The line buf[start, end) (no line terminator), read by `scanner` where it can and as
 * parseHubbleLine reads its text where it cannot: the same record or the same error.
 */
export function parseHubbleBytes(buf: Buffer, start: number, end: number, peers: Map<string, FlowPeer>, scanner: HubbleScanner<FlowPeer>): ParsedLine {
  const cut = scanner.scan(buf, start, end);
  if (cut) return hubbleRecord(cut.obj, peers, cut);
  return hubbleRecord(parseJsonLine(buf.toString('utf8', start, end)), peers);
}

/** What parseHubbleRun returns for a line the scanner is not sure of: the caller cuts it and reads it with parseHubbleBytes. */
export const UNSURE = Symbol('unsure');

/**
 * The line starting at buf[start] up to the next '\n' (or `limit`), without cutting it first:
 * its record (or its BadFlowLine), with `scanner.lineEnd` where it ends; UNSURE when the scanner
 * does not read it, and then nothing was read (see HubbleScanner.scanLine).
 */
export function parseHubbleRun(buf: Buffer, start: number, limit: number, peers: Map<string, FlowPeer>, scanner: HubbleScanner<FlowPeer>): ParsedLine | typeof UNSURE {
  const cut = scanner.scanLine(buf, start, limit);
  if (!cut) return UNSURE;
  return hubbleRecord(cut.obj, peers, cut);
}

function hubbleRecord(obj: Record<string, unknown>, peers: Map<string, FlowPeer> | undefined, cut?: CutLine<FlowPeer>): ParsedLine {
  const wrapped = asObject(obj['flow']);
  if (!wrapped && NON_FLOW_RECORDS.some((k) => k in obj)) return IGNORED;
  const flow = wrapped ?? obj;
  if (!wrapped && !('IP' in flow || 'l4' in flow || 'source' in flow || 'verdict' in flow)) {
    throw new BadFlowLine('not a Hubble flow (no "flow" object)');
  }
  const l4 = l4Of(asObject(flow['l4']));
  if (!l4) {
    if (asObject(flow['l4']) || flow['Type'] === 'L3_L4' || flow['Type'] === 'L7') return IGNORED; // ICMP, or L7 without L4
    throw new BadFlowLine('flow has no l4 (TCP, UDP or SCTP)');
  }
  const ipObj = asObject(flow['IP']);
  const srcIp = addressOf(ipObj?.['source'], 'IP.source');
  const dstIp = addressOf(ipObj?.['destination'], 'IP.destination');
  // is_reply may be absent ("unknown"); the deprecated `reply` is what older Hubbles set.
  const isReply = flow['is_reply'] ?? flow['reply'];
  const reply = isReply === true;
  // The Service belongs to the server end: the destination of a request, the source of a reply.
  // A ScannedAddress comes only with a scanned line (`cut`): JSON.parse makes strings.
  let src = cut ? peerOfText(cut.source, srcIp, peers!, reply ? flow['source_service'] : undefined) : peerOf(flow['source'], srcIp as string | undefined, peers, reply ? flow['source_service'] : undefined);
  let dst = cut ? peerOfText(cut.destination, dstIp, peers!, reply ? undefined : flow['destination_service']) : peerOf(flow['destination'], dstIp as string | undefined, peers, reply ? undefined : flow['destination_service']);
  if (!src.ip && !src.pod && !src.namespace) throw new BadFlowLine('flow source has neither an IP nor a pod');
  if (!dst.ip && !dst.pod && !dst.namespace) throw new BadFlowLine('flow destination has neither an IP nor a pod');

  let port: number;
  if (reply) {
    [src, dst] = [dst, src];
    port = parsePort(l4.sourcePort, `l4.${l4.protocol}.source_port`);
  } else {
    port = parsePort(l4.destinationPort, `l4.${l4.protocol}.destination_port`);
  }
  // One object literal of one shape: a million records should not mean two million objects.
  return {
    src,
    dst,
    port,
    protocol: l4.protocol,
    count: 1,
    time: timeOf(flow['time'] ?? obj['time']),
    dropped: flow['verdict'] === 'DROPPED',
    reply,
  };
}
