/**
 * Observed flows in the map's terms: each flow edge's ends as reach endpoint ids, and whether
 * today's policies allow it (a flow the policies deny is worth a look either way).
 */
import type { Endpoint } from '@lateral/core';
import type { FlowEdge, FlowEndpoint, FlowSet } from '@lateral/flows';
import type { Session } from './session.js';

export interface ObservedEdge {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: string;
  readonly count: number;
  readonly allowed: boolean;
}

function endpointOf(s: Session, e: FlowEndpoint): Endpoint | undefined {
  if (e.kind === 'ip') return { kind: 'ip', ip: e.ip };
  const pod = s.cluster.pods[e.pod];
  return pod ? { kind: 'pod', pod } : undefined;
}

/** The reach endpoint id a flow end belongs to (a workload, or an external address group). */
function endpointId(s: Session, e: FlowEndpoint): string {
  if (e.kind === 'pod') return s.index.endpoints[s.index.podEndpoint[e.pod]!]?.id ?? e.workload;
  const idx = s.index.nodeEndpoints[s.compiled.nodeOf({ kind: 'ip', ip: e.ip })]?.[0];
  return idx !== undefined ? s.index.endpoints[idx]!.id : e.ip;
}

function allowedIn(s: Session, src: Endpoint | undefined, dst: Endpoint | undefined, edge: FlowEdge): boolean {
  if (!src || !dst) return false;
  return s.compiled.allowed(src, dst, edge.port, edge.protocol);
}

export function observedEdges(s: Session, sets: readonly FlowSet[]): ObservedEdge[] {
  const out = new Map<string, { from: string; to: string; port: number; protocol: string; count: number; allowed: boolean }>();
  for (const set of sets) {
    for (const e of set.edges) {
      const from = endpointId(s, e.src);
      const to = endpointId(s, e.dst);
      const key = `${from}\u0000${to}\u0000${e.protocol}\u0000${e.port}`;
      const prev = out.get(key);
      if (prev) prev.count += e.count;
      else out.set(key, { from, to, port: e.port, protocol: e.protocol, count: e.count, allowed: allowedIn(s, endpointOf(s, e.src), endpointOf(s, e.dst), e) });
    }
  }
  return [...out.values()];
}
