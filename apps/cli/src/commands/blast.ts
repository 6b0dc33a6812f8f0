import { blastRadius } from '@lateral/core';
import { intOption, oneOf, parse, requireInputs, str , type OptionSpec } from '../args.js';
import { resolveFoothold, resolveJewels } from '@lateral/analysis';
import { ATTACK_OPTIONS, ATTACK_OPTIONS_HELP, loadAttackGraph, targetsOf } from '../attack-input.js';
import { UsageError } from '../cli-error.js';
import { formatBlast } from '../format/lateral-format.js';
import { jsonWithWarnings, outAnswer, warningsOf } from '../answer.js';
import { out, type CliIo } from '../io.js';

export const BLAST_HELP = `lateral blast INPUTS... --from ID|internet [--hops N] [--target SEL]... [--format txt|json|md]

If ID is compromised, what can the attacker reach? Everything reachable over allowed
connections (to ports the destination serves), from the internet through exposed services,
and through container escapes to nodes — by hop count, with the ports of each first reach;
the share of the cluster; the crown jewels reached and in how many hops.
  --from ID             a workload (namespace/name), a pod, node:<name>, or internet
  --hops N              stop after N moves (default: no limit; paths are counted up to N, or 6)
${ATTACK_OPTIONS_HELP}`;

export const BLAST_OPTIONS: OptionSpec = { ...ATTACK_OPTIONS, from: { type: 'string' }, hops: { type: 'string' } };

export async function blastCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, BLAST_OPTIONS);
  if (p.values.help) return out(io, BLAST_HELP), 0;
  const from = str(p, 'from');
  if (from === undefined) throw new UsageError('blast needs --from (a workload, a pod, node:<name> or internet)');
  const format = oneOf(p, 'format', ['txt', 'json', 'md'] as const, 'txt');
  const hops = intOption(p, 'hops', { min: 1, max: 1000 });
  const ag = await loadAttackGraph(io, requireInputs(p, 'blast'), p);
  const source = resolveFoothold(ag, from);
  const jewels = resolveJewels(ag, targetsOf(p));
  const b = blastRadius(ag, source, { ...(hops !== undefined ? { maxHops: hops } : {}), crownJewels: jewels });
  const warnings = warningsOf(ag.load);
  if (format === 'json') out(io, jsonWithWarnings(b, warnings));
  else outAnswer(io, format, formatBlast(b, format), warnings);
  return 0;
}
