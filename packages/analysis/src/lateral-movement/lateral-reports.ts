/**
 * The attack-path and risk answers as `lateral paths|risk --format json` print them and
 * `POST /api/paths|risk` return them. Blast radius needs no assembly: core's BlastRadius is its
 * JSON.
 */
import { adjacency, blastRadius, describePath, InputError, kShortestAttackPaths, riskReport, type AttackGraph, type AttackMetrics, type AttackPath, type ConnectionRemoval, type ObservedConnection, type RiskReport } from '@lateral/core';
import type { FlowEdge } from '@lateral/flows';
import { clusterNetworkPolicyYaml, networkPolicyYaml } from '@lateral/k8s';
import { resolveJewels } from './resolve.js';

export interface PathsReport {
  readonly from: string;
  readonly to: readonly string[];
  readonly k: number;
  readonly paths: readonly AttackPath[];
  readonly metrics: AttackMetrics;
}

/**
 * The k shortest attack paths from a foothold to what `to` selects (annotated crown jewels are
 * not added: `to` names the destinations of this question). `option` names `to` in messages.
 */
export function pathsReport(ag: AttackGraph, from: string, to: readonly string[], k: number, option = { from: '--from', to: '--to' }): PathsReport {
  // A node, token or cluster-admin is named by its id (node:*, sa:ci/runner); the rest select workloads.
  const adj = adjacency(ag);
  const direct = to.filter((t) => adj.indexOf.has(t) && adj.nodeAttrs[adj.indexOf.get(t)!]!.kind !== 'workload');
  const selectors = to.filter((t) => !direct.includes(t));
  const chosen = new Set([...direct, ...(selectors.length ? resolveJewels(ag, selectors, option.to, false) : [])].filter((t) => t !== from));
  if (chosen.size === 0) throw new InputError(`${option.to} selects only the ${option.from} workload itself (${from}): name a destination other than the start`);
  const paths = kShortestAttackPaths(ag, from, chosen, k).map((nodes) => describePath(ag, nodes));
  const metrics = blastRadius(ag, from, { crownJewels: [...chosen] }).metrics;
  return { from, to: [...chosen], k, paths, metrics };
}

export type RiskJson = Omit<RiskReport, 'chokePoints'> & {
  readonly chokePoints: RiskReport['chokePoints'] & { readonly removals: readonly (ConnectionRemoval & { readonly yaml: string })[] };
};

/** The risk report with each choke point's proposed change (NetworkPolicy or ClusterNetworkPolicy) as YAML. */
export function riskJson(
  ag: AttackGraph,
  options: { readonly crownJewels: readonly string[]; readonly top: number; readonly cutEntry: boolean; readonly observed?: readonly ObservedConnection[]; readonly from?: string },
): RiskJson {
  const report = riskReport(ag, {
    crownJewels: options.crownJewels,
    top: options.top,
    cuttableEntry: options.cutEntry,
    ...(options.observed ? { observed: options.observed } : {}),
    ...(options.from !== undefined ? { from: options.from } : {}),
  });
  const removals = report.chokePoints.removals.map((x) => ({
    ...x,
    yaml: [x.policies.length ? networkPolicyYaml(x.policies) : '', x.tierPolicies?.length ? clusterNetworkPolicyYaml(x.tierPolicies) : ''].filter(Boolean).join('---\n'),
  }));
  return { ...report, chokePoints: { ...report.chokePoints, removals } };
}

/**
 * Observed flows as connections between attack-graph workloads (summed per workload pair, port
 * and protocol): what `risk --flows` treats as the application's own traffic, which a cut
 * should avoid. A workload's traffic to itself is no move.
 */
export function observedConnections(ag: AttackGraph, edges: readonly FlowEdge[]): ObservedConnection[] {
  const idOf = (pod: number) => ag.index.endpoints[ag.index.podEndpoint[pod]!]!.id;
  const merged = new Map<string, ObservedConnection>();
  for (const e of edges) {
    if (e.src.kind !== 'pod' || e.dst.kind !== 'pod') continue;
    const o = { from: idOf(e.src.pod), to: idOf(e.dst.pod), protocol: e.protocol, port: e.port, count: e.count };
    if (o.from === o.to) continue;
    const k = `${o.from} ${o.to} ${o.protocol} ${o.port}`;
    const had = merged.get(k);
    merged.set(k, had ? { ...had, count: had.count + o.count } : o);
  }
  return [...merged.values()];
}
