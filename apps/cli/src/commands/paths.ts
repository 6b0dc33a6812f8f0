import { pathsReport, resolveFoothold } from '@lateral/analysis';
import { intOption, oneOf, parse, requireInputs, str , type OptionSpec } from '../args.js';
import { ATTACK_OPTIONS, ATTACK_OPTIONS_HELP, loadAttackGraph } from '../attack-input.js';
import { UsageError } from '../cli-error.js';
import { formatPaths } from '../format/lateral-format.js';
import { jsonWithWarnings, outAnswer, warningsOf } from '../answer.js';
import { out, type CliIo } from '../io.js';

export const PATHS_HELP = `lateral paths INPUTS... --from ID|internet --to SEL [--k 5] [--format txt|json|md]

The k shortest attack paths (fewest moves, loopless; Yen's algorithm) from ID to the workloads
SEL selects, each move with its port and the policy rule (or exposure, or escalation) that
allows it. A path ends at the first crown jewel it reaches.
  --from ID             a workload (namespace/name), a pod, node:<name>, or internet
  --to SEL              a label selector, namespace/name or name glob (as --target), or the id
                        of a node, token or cluster-admin (node:*, sa:ci/runner, cluster-admin)
  --k N                 how many paths (default 5)
${ATTACK_OPTIONS_HELP}`;

export const PATHS_OPTIONS: OptionSpec = { ...ATTACK_OPTIONS, from: { type: 'string' }, to: { type: 'string', multiple: true }, k: { type: 'string' } };

export async function pathsCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, PATHS_OPTIONS);
  if (p.values.help) return out(io, PATHS_HELP), 0;
  const from = str(p, 'from');
  const to = p.values.to as string[] | undefined;
  if (from === undefined || !to?.length) throw new UsageError('paths needs --from and --to');
  const format = oneOf(p, 'format', ['txt', 'json', 'md'] as const, 'txt');
  const k = intOption(p, 'k', { min: 1, max: 1000 }) ?? 5;
  const ag = await loadAttackGraph(io, requireInputs(p, 'paths'), p);
  const r = pathsReport(ag, resolveFoothold(ag, from), to, k);
  const warnings = warningsOf(ag.load);
  if (format === 'json') out(io, jsonWithWarnings(r, warnings));
  else outAnswer(io, format, formatPaths(r.from, r.to, r.paths, r.metrics, format), warnings);
  return 0;
}
