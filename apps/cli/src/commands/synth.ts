import { synthesizeYaml } from '@lateral/k8s';
import { intOption, parse, type OptionSpec } from '../args.js';
import { UsageError } from '../cli-error.js';
import { out, type CliIo } from '../io.js';

export const SYNTH_HELP = `lateral synth --pods N --namespaces M --policies P [--seed S]

A deterministic synthetic cluster as multi-document YAML on stdout, shaped like real ones
(apps of 1-20 replicas, default-deny in most namespaces, allow rules by app and namespace
label, DNS egress, an ingress controller, ipBlock egress, matchExpressions).
  --pods N          pods in all (1-10000000)
  --namespaces M    namespaces (1-1000000)
  --policies P      NetworkPolicies (0-10000000)
  --seed S          the seed (default 1): the same seed gives the same cluster`;

export const SYNTH_OPTIONS: OptionSpec = {
  pods: { type: 'string' },
  namespaces: { type: 'string' },
  policies: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export async function synthCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, SYNTH_OPTIONS);
  if (p.values.help) return out(io, SYNTH_HELP), 0;
  if (p.positionals.length > 0) throw new UsageError(`synth takes no inputs (got "${p.positionals[0]}")`);
  const pods = intOption(p, 'pods', { min: 1, max: 10_000_000 });
  const namespaces = intOption(p, 'namespaces', { min: 1, max: 1_000_000 });
  const policies = intOption(p, 'policies', { min: 0, max: 10_000_000 });
  if (pods === undefined || namespaces === undefined || policies === undefined) {
    throw new UsageError('synth needs --pods, --namespaces and --policies');
  }
  const seed = intOption(p, 'seed', { min: 0, max: 2 ** 32 - 1 }) ?? 1;
  io.stdout.write(synthesizeYaml({ pods, namespaces, policies, seed }));
  return 0;
}
