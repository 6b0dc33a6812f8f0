/**
 * The runtime anomaly check: observed traffic held against policy.
 *
 * - flows the cluster's current policies deny (they were seen anyway: the plugin does not
 *   enforce what the manifests say, or the manifests are not what runs);
 * - flows the network reported as dropped (Hubble's DROPPED verdict): something tried;
 * - with a baseline (the policy set a team signed off, e.g. generated last month): flows
 *   outside it — new behaviour since the baseline was drawn. The baseline is the inputs'
 *   policies plus the baseline's, as they would be in force once applied (generated policies
 *   only add to what exists: held against them alone, every flow the existing policies
 *   allow would be "outside"); `baselineMode: 'replace'` evaluates the baseline's alone, for a
 *   baseline that is a complete policy set.
 */
import {
  adminTierDeny,
  DEFAULT_EVAL_OPTIONS,
  compile,
  explainConnection,
  type Cluster,
  type Endpoint,
  type EvalOptions,
  type NetworkPolicy,
  type Protocol,
} from '@lateral/core';
import type { FlowEdge, FlowSet } from '@lateral/flows';
import { endpointLabel, flowPod, FlowJudge } from './flow-nodes.js';

export interface AuditFinding {
  readonly from: string;
  readonly to: string;
  readonly protocol: Protocol;
  readonly port: number;
  readonly count: number;
  readonly dropped: number;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  /** Which side denies and why (for the first few). */
  readonly reason?: string;
  /**
   * The Admin-tier rule that denies it (`cnp/tenant-isolation ingress rule "deny-cross-tenant"`),
   * for every finding one closes: no NetworkPolicy can open it, a baseline of NetworkPolicies
   * included.
   */
  readonly blockedBy?: string;
}

export interface Audit {
  readonly edges: number;
  readonly records: number;
  /** Observed flows the current policies deny. */
  readonly denied: readonly AuditFinding[];
  /** Observed flows with records the network dropped. */
  readonly dropped: readonly AuditFinding[];
  /** Observed flows the baseline policies deny; absent without a baseline. */
  readonly outsideBaseline?: readonly AuditFinding[];
  /** Anything found: the CLI exits 1. */
  readonly found: boolean;
}

export interface AuditOptions {
  /** The baseline's policies. */
  readonly baseline?: readonly NetworkPolicy[];
  /** add (default): the cluster's policies plus the baseline's; replace: the baseline's alone. */
  readonly baselineMode?: 'add' | 'replace';
  readonly evalOptions?: EvalOptions;
  /** How many findings per list get a rule-by-rule reason. */
  readonly explainLimit?: number;
}

function finding(e: FlowEdge, reason?: string, blockedBy?: string): AuditFinding {
  return {
    from: endpointLabel(e.src),
    to: endpointLabel(e.dst),
    protocol: e.protocol,
    port: e.port,
    count: e.count,
    dropped: e.dropped,
    ...(e.firstSeen !== undefined ? { firstSeen: e.firstSeen } : {}),
    ...(e.lastSeen !== undefined ? { lastSeen: e.lastSeen } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(blockedBy !== undefined ? { blockedBy } : {}),
  };
}

function deniedBy(cluster: Cluster, edges: readonly FlowEdge[], evalOptions: EvalOptions, explainLimit: number): AuditFinding[] {
  const compiled = compile(cluster, evalOptions);
  const judge = new FlowJudge(compiled);
  const out: AuditFinding[] = [];
  const endpoint = (e: FlowEdge['src']): Endpoint => {
    const pod = flowPod(compiled, e);
    return pod ? { kind: 'pod', pod } : { kind: 'ip', ip: (e as { ip: string }).ip };
  };
  const tiers = (cluster.tierPolicies ?? []).length > 0;
  for (const e of edges) {
    if (judge.allows(e)) continue;
    const blockedBy = tiers && !(e.src.kind === 'ip' && e.dst.kind === 'ip') ? adminTierDeny(cluster, endpoint(e.src), endpoint(e.dst), e.port, e.protocol)?.text : undefined;
    let reason: string | undefined;
    if (blockedBy === undefined && out.length < explainLimit) {
      const x = explainConnection(cluster, endpoint(e.src), endpoint(e.dst), e.port, e.protocol, evalOptions);
      reason = x.denyingSides.map((s) => (s === 'egress' ? x.egress.reason : x.ingress.reason)).join('; ');
    }
    out.push(finding(e, reason, blockedBy));
  }
  return out;
}

export function auditFlows(cluster: Cluster, flows: FlowSet, options: AuditOptions = {}): Audit {
  const evalOptions = options.evalOptions ?? DEFAULT_EVAL_OPTIONS;
  const explainLimit = options.explainLimit ?? 20;
  const denied = deniedBy(cluster, flows.edges, evalOptions, explainLimit);
  const dropped = flows.edges.filter((e) => e.dropped > 0).map((e) => finding(e));
  const baselinePolicies = options.baseline && (options.baselineMode === 'replace' ? options.baseline : [...cluster.policies, ...options.baseline]);
  const outsideBaseline = baselinePolicies ? deniedBy({ ...cluster, policies: baselinePolicies }, flows.edges, evalOptions, explainLimit) : undefined;
  return {
    edges: flows.edges.length,
    records: flows.edges.reduce((s, e) => s + e.count, 0),
    denied,
    dropped,
    ...(outsideBaseline ? { outsideBaseline } : {}),
    found: denied.length > 0 || dropped.length > 0 || (outsideBaseline?.length ?? 0) > 0,
  };
}
