import { observedConnections, resolveJewels, riskJson } from '@lateral/analysis';
import { FLOW_FORMATS } from '@lateral/flows';
import { readFlowsOption } from '../flows-input.js';
import { spreadMulti } from './generate.js';
import { intOption, oneOf, parse, requireInputs, str, type OptionSpec } from '../args.js';
import { ATTACK_OPTIONS, ATTACK_OPTIONS_HELP, loadAttackGraph, targetsOf } from '../attack-input.js';
import { formatRisk } from '../format/lateral-format.js';
import { jsonWithWarnings, outAnswer, warningsOf } from '../answer.js';
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
  const flows = flowFiles?.length ? await readFlowsOption(io, flowFiles, flowFormat, { cluster: ag.compiled.cluster, compiled: ag.compiled }, 'risk') : undefined;
  const observed = flows ? observedConnections(ag, flows.edges) : undefined;
  progress(io, 'analysing lateral movement…');
  const report = riskJson(ag, { crownJewels: jewels, top, cutEntry: p.values['cut-entry'] === true, ...(observed ? { observed } : {}) });
  progressDone(io);
  const warnings = warningsOf(ag.load);
  if (format === 'json') out(io, jsonWithWarnings(report, warnings));
  else outAnswer(io, format, formatRisk(report, (i) => report.chokePoints.removals[i]?.yaml ?? '', format), warnings);
  return 0;
}
