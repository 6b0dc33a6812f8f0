/**
 * Observed flows placed on a compiled cluster's reachability relation. Every question the
 * generator, the verification and the audit ask about a flow is "does ports(src, dst) hold
 * this port", read off the all-pairs relation (one lookup, cached per node pair) instead of a
 * single-connection evaluation per edge: a million records fold into tens of thousands of
 * edges, but those cover far fewer node pairs.
 */
import { InputError, rangesContain, type CompiledCluster, type Pod, type ProtoPorts, type Reachability } from '@lateral/core';
import type { FlowEdge, FlowEndpoint } from '@lateral/flows';

export function flowPod(compiled: CompiledCluster, e: FlowEndpoint): Pod | undefined {
  if (e.kind !== 'pod') return undefined;
  const pod = compiled.cluster.pods[e.pod];
  if (!pod) throw new InputError(`flow endpoint ${e.workload} names pod index ${e.pod}, which the cluster does not have`);
  return pod;
}

/**
 * A pod to itself is always allowed and needs no rule. Two replicas of one workload share the
 * edge's endpoint (and representative pod) but are two pods: the reader marks only records of
 * a pod to its own self as `samePod`.
 */
export function isSelfFlow(_compiled: CompiledCluster, edge: FlowEdge): boolean {
  return edge.samePod === true;
}

export function endpointLabel(e: FlowEndpoint): string {
  return e.kind === 'pod' ? e.workload : e.ip;
}

/** Answers "is this flow allowed" on one compiled cluster, memoising node pairs. */
export class FlowJudge {
  private readonly reach: Reachability;
  private readonly memo = new Map<number, ProtoPorts>();

  constructor(readonly compiled: CompiledCluster) {
    this.reach = compiled.reach();
  }

  node(e: FlowEndpoint): number {
    if (e.kind === 'pod') {
      flowPod(this.compiled, e);
      return this.compiled.podClass[e.pod]!;
    }
    let n = this.ipNodes.get(e.ip);
    if (n === undefined) this.ipNodes.set(e.ip, (n = this.compiled.nodeOf({ kind: 'ip', ip: e.ip })));
    return n;
  }

  /** Outside addresses' nodes: parsed once per address, not per edge. */
  private readonly ipNodes = new Map<string, number>();

  ports(src: number, dst: number): ProtoPorts {
    const key = src * this.reach.nodeCount + dst;
    let p = this.memo.get(key);
    if (!p) {
      p = this.reach.ports(src, dst);
      this.memo.set(key, p);
    }
    return p;
  }

  allows(edge: FlowEdge): boolean {
    if (isSelfFlow(this.compiled, edge)) return true;
    // Two outside addresses: no policy can apply to either end.
    if (edge.src.kind === 'ip' && edge.dst.kind === 'ip') return true;
    return rangesContain(this.ports(this.node(edge.src), this.node(edge.dst))[edge.protocol], edge.port);
  }
}
