/**
 * The attack-path and risk answers as `lateral paths|risk --format json` print them and
 * `POST /api/paths|risk` return them. Blast radius needs no assembly: core's BlastRadius is its
 * JSON.
 */
import { blastRadius, describePath, InputError, kShortestAttackPaths, riskReport, type AttackGraph, type AttackMetrics, type AttackPath, type ConnectionRemoval, type RiskReport } from '@lateral/core';
import { networkPolicyYaml } from '@lateral/k8s';
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
  const chosen = new Set(resolveJewels(ag, to, option.to, false).filter((t) => t !== from));
  if (chosen.size === 0) throw new InputError(`${option.to} selects only the ${option.from} workload itself (${from}): name a destination other than the start`);
  const paths = kShortestAttackPaths(ag, from, chosen, k).map((nodes) => describePath(ag, nodes));
  const metrics = blastRadius(ag, from, { crownJewels: [...chosen] }).metrics;
  return { from, to: [...chosen], k, paths, metrics };
}

export type RiskJson = Omit<RiskReport, 'chokePoints'> & {
  readonly chokePoints: RiskReport['chokePoints'] & { readonly removals: readonly (ConnectionRemoval & { readonly yaml: string })[] };
};

/** The risk report with each choke point's proposed NetworkPolicy change as YAML. */
export function riskJson(ag: AttackGraph, options: { readonly crownJewels: readonly string[]; readonly top: number; readonly cutEntry: boolean }): RiskJson {
  const report = riskReport(ag, { crownJewels: options.crownJewels, top: options.top, cuttableEntry: options.cutEntry });
  const removals = report.chokePoints.removals.map((x) => ({ ...x, yaml: networkPolicyYaml(x.policies) }));
  return { ...report, chokePoints: { ...report.chokePoints, removals } };
}
