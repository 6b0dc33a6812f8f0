/**
 * Observed flows a change would break: allowed before and denied after, each with the policy
 * that now denies it and why. A flow whose pod is gone after the change is broken too (nothing
 * is left to receive it).
 */
import { explainConnection, rangesContain, type CompiledCluster, type Endpoint, type Pod, type Protocol } from '@lateral/core';
import type { FlowEdge, FlowEndpoint } from '@lateral/flows';

export interface BrokenFlow {
  readonly from: string;
  readonly to: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** Records observed. */
  readonly count: number;
  readonly lastSeen?: string;
  /** Policies (namespace/name) isolating the side that denies it after the change. */
  readonly deniedBy: readonly string[];
  readonly reason: string;
}

function flowEndpoint(c: CompiledCluster, e: FlowEndpoint, pod: Pod | undefined): Endpoint {
  return e.kind === 'pod' ? { kind: 'pod', pod: pod ?? c.cluster.pods[e.pod]! } : { kind: 'ip', ip: e.ip };
}

/** Allowed on one compiled side: a pod to itself always; two outside addresses always. */
function flowAllowed(c: CompiledCluster, src: number | string, dst: number | string, e: FlowEdge): boolean {
  if (typeof src === 'string' && typeof dst === 'string') return true;
  // A pod to itself, as the reader marks it: two replicas share a representative pod index.
  if (e.samePod === true) return true;
  const node = (x: number | string) => (typeof x === 'number' ? c.podClass[x]! : c.nodeOf({ kind: 'ip', ip: x }));
  return rangesContain(c.reach().ports(node(src), node(dst))[e.protocol], e.port);
}

/** `edges` were resolved against `before`'s cluster (pod indexes are its own). */
export function brokenFlows(before: CompiledCluster, after: CompiledCluster, edges: readonly FlowEdge[]): BrokenFlow[] {
  const same = before.cluster.pods === after.cluster.pods;
  const afterIndex = same ? undefined : new Map(after.cluster.pods.map((p, i) => [`${p.namespace}/${p.name}`, i]));
  const onAfter = (e: FlowEndpoint): number | string | undefined => {
    if (e.kind === 'ip') return e.ip;
    if (same) return e.pod;
    const p = before.cluster.pods[e.pod]!;
    return afterIndex!.get(`${p.namespace}/${p.name}`);
  };
  const label = (x: FlowEndpoint) => (x.kind === 'pod' ? x.workload : x.ip);
  const out: BrokenFlow[] = [];
  for (const e of edges) {
    const bs = e.src.kind === 'pod' ? e.src.pod : e.src.ip;
    const bd = e.dst.kind === 'pod' ? e.dst.pod : e.dst.ip;
    if (!flowAllowed(before, bs, bd, e)) continue;
    const as = onAfter(e.src);
    const ad = onAfter(e.dst);
    const base = { from: label(e.src), to: label(e.dst), protocol: e.protocol, port: e.port, count: e.count, ...(e.lastSeen ? { lastSeen: e.lastSeen } : {}) };
    if (as === undefined || ad === undefined) {
      out.push({ ...base, deniedBy: [], reason: `${as === undefined ? base.from : base.to} is not in the changed cluster` });
      continue;
    }
    if (flowAllowed(after, as, ad, e)) continue;
    const x = explainConnection(
      after.cluster,
      flowEndpoint(after, e.src, typeof as === 'number' ? after.cluster.pods[as] : undefined),
      flowEndpoint(after, e.dst, typeof ad === 'number' ? after.cluster.pods[ad] : undefined),
      e.port,
      e.protocol,
      after.options,
    );
    const side = (s: 'egress' | 'ingress') => (s === 'egress' ? x.egress : x.ingress);
    out.push({
      ...base,
      deniedBy: [...new Set(x.denyingSides.flatMap((s) => side(s).isolatingPolicies))].sort(),
      reason: x.denyingSides.map((s) => `${s} of ${side(s).endpoint}: ${side(s).reason}`).join('; '),
    });
  }
  return out;
}
