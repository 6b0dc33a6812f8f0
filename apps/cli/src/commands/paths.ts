import { blastRadius, describePath, InputError, kShortestAttackPaths } from '@lateral/core';
import { intOption, oneOf, parse, requireInputs, str , type OptionSpec } from '../args.js';
import { ATTACK_OPTIONS, ATTACK_OPTIONS_HELP, loadAttackGraph, resolveFrom, resolveJewels } from '../attack-input.js';
import { UsageError } from '../cli-error.js';
import { formatPaths } from '../format/lateral-format.js';
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
  const source = resolveFrom(ag, from);
  // --to names the destinations of this question; annotated crown jewels are not added.
  // A node, token or cluster-admin is named by its id (node:*, sa:ci/runner); the rest select workloads.
  const direct = to.filter((t) => ag.graph.hasNode(t) && ag.graph.getNodeAttribute(t, 'kind') !== 'workload');
  const selectors = to.filter((t) => !direct.includes(t));
  const chosen = new Set([...direct, ...(selectors.length ? resolveJewels(ag, selectors, '--to', false) : [])].filter((t) => t !== source));
  if (chosen.size === 0) throw new InputError(`--to selects only the --from workload itself (${source}): name a destination other than the start`);
  const paths = kShortestAttackPaths(ag, source, chosen, k).map((nodes) => describePath(ag, nodes));
  const metrics = blastRadius(ag, source, { crownJewels: [...chosen] }).metrics;
  if (format === 'json') out(io, JSON.stringify({ from: source, to: [...chosen], k, paths, metrics }, null, 2));
  else out(io, formatPaths(source, [...chosen], paths, metrics, format));
  return 0;
}
