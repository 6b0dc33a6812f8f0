import { riskReport, type ObservedConnection } from '@lateral/core';
import { FLOW_FORMATS } from '@lateral/flows';
import { readFlowsOption } from '../flows-input.js';
import { spreadMulti } from './generate.js';
import { networkPolicyYaml } from '@lateral/k8s';
import { intOption, oneOf, parse, requireInputs, str, type OptionSpec } from '../args.js';
import { ATTACK_OPTIONS, ATTACK_OPTIONS_HELP, loadAttackGraph, resolveJewels, targetsOf } from '../attack-input.js';
import { formatRisk } from '../format/lateral-format.js';
import { out, progress, progressDone, type CliIo } from '../io.js';

export const RISK_HELP = `lateral risk INPUTS... [--target SEL]... [--top N] [--cut-entry] [--format txt|json|md]

The lateral-movement findings a reviewer wants first:
  - entry points (exposed workloads whose ingress admits the internet) and their shortest path
    to a crown jewel;
  - choke points: the fewest allowed connections whose removal cuts every path from the
    internet to the crown jewels (a minimum cut), each with the NetworkPolicy change that
    closes it (YAML, verified by recompiling) and what else that change would block;
  - workloads that escape to their node (privileged, hostPath, hostPID/IPC/Network, SYS_ADMIN);
  - unprotected workloads (no ingress or no egress isolation);
  - workloads ranked by blast radius (reach out) and by exposure (reached by).
  --top N               how many workloads each ranking lists (default 10)
  --cut-entry           let the cut close an exposure (internet -> workload) too; by default only
                        connections between workloads are cut
  --flows FILES...      observed traffic (Hubble JSON, Inspektor Gadget, CSV, JSONL): connections
                        seen there are the application's own, so the cut avoids them where it
                        can, and each proposed change lists the observed connections it would
                        break
  --flow-format F       ${FLOW_FORMATS.join('|')} (default: detected per file)
${ATTACK_OPTIONS_HELP}`;

export const RISK_OPTIONS: OptionSpec = {
  ...ATTACK_OPTIONS,
  top: { type: 'string' },
  'cut-entry': { type: 'boolean' },
  flows: { type: 'string', multiple: true },
  'flow-format': { type: 'string' },
};

export async function riskCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(spreadMulti(argv, ['flows']), RISK_OPTIONS);
  if (p.values.help) return out(io, RISK_HELP), 0;
  const format = oneOf(p, 'format', ['txt', 'json', 'md'] as const, 'txt');
  const top = intOption(p, 'top', { min: 1, max: 100_000 }) ?? 10;
  const flowFiles = p.values.flows as string[] | undefined;
  const flowFormat = str(p, 'flow-format') === undefined ? undefined : oneOf(p, 'flow-format', FLOW_FORMATS, 'jsonl');
  const ag = await loadAttackGraph(io, requireInputs(p, 'risk'), p);
  const jewels = resolveJewels(ag, targetsOf(p));
  let observed: ObservedConnection[] | undefined;
  if (flowFiles?.length) {
    const flows = await readFlowsOption(io, flowFiles, flowFormat, { cluster: ag.compiled.cluster, compiled: ag.compiled }, 'risk');
    const idOf = (pod: number) => ag.index.endpoints[ag.index.podEndpoint[pod]!]!.id;
    const merged = new Map<string, ObservedConnection>();
    for (const e of flows.edges) {
      if (e.src.kind !== 'pod' || e.dst.kind !== 'pod') continue;
      const o = { from: idOf(e.src.pod), to: idOf(e.dst.pod), protocol: e.protocol, port: e.port, count: e.count };
      if (o.from === o.to) continue;
      const k = `${o.from} ${o.to} ${o.protocol} ${o.port}`;
      const had = merged.get(k);
      merged.set(k, had ? { ...had, count: had.count + o.count } : o);
    }
    observed = [...merged.values()];
  }
  progress(io, 'analysing lateral movement…');
  const report = riskReport(ag, { crownJewels: jewels, top, cuttableEntry: p.values['cut-entry'] === true, ...(observed ? { observed } : {}) });
  progressDone(io);
  const yamls = report.chokePoints.removals.map((r) => networkPolicyYaml(r.policies));
  if (format === 'json') {
    const removals = report.chokePoints.removals.map((r, i) => ({ ...r, yaml: yamls[i] }));
    out(io, JSON.stringify({ ...report, chokePoints: { ...report.chokePoints, removals } }, null, 2));
  } else out(io, formatRisk(report, (i) => yamls[i] ?? '', format));
  return 0;
}
