import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Protocol } from '@lateral/core';
import type { ClusterSource } from '@lateral/k8s';
import { UsageError } from './cli-error.js';
import { clusterInput } from './cluster-input.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/** node:util parseArgs with its errors turned into usage errors that name the option. */
export function parse(argv: string[], options: OptionSpec): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    throw new UsageError(parseErrorMessage(e instanceof Error ? e.message : String(e), argv));
  }
}

/**
 * node's wording, made to name the option the way the user wrote it. "Argument is ambiguous"
 * is what `--port -1` gets: a value that starts with "-" reads as the next option.
 */
function parseErrorMessage(msg: string, argv: readonly string[]): string {
  const missing = /^Option '(?:-(\w), )?(--[\w-]+) <value>' argument missing/.exec(msg);
  if (missing) return `${missing[2]} needs a value`;
  const ambiguous = /^Option '(?:-(\w), )?(--[\w-]+)' argument is ambiguous/.exec(msg);
  if (ambiguous) {
    const [, short, long] = ambiguous;
    const at = argv.findIndex((a) => a === long || (short !== undefined && a === `-${short}`));
    const value = at >= 0 ? argv[at + 1] : undefined;
    return value === undefined
      ? `${long} needs a value`
      : `${long} needs a value, and "${value}" reads as an option (for a value that starts with "-", write ${long}=${value})`;
  }
  return msg.replace(/\. To specify a positional argument.*$/s, '');
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function oneOf<T extends string>(p: Parsed, name: string, allowed: readonly T[], dflt: T): T {
  const v = str(p, name);
  if (v === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${v}")`);
  }
  return v as T;
}

export function intOption(p: Parsed, name: string, opts: { min: number; max: number }): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < opts.min || Number(v) > opts.max) {
    throw new UsageError(`--${name} must be a whole number from ${opts.min} to ${opts.max} (got "${v}")`);
  }
  return Number(v);
}

export function protocolOption(p: Parsed, name = 'protocol'): Protocol {
  const v = str(p, name)?.toUpperCase() ?? 'TCP';
  if (v !== 'TCP' && v !== 'UDP' && v !== 'SCTP') throw new UsageError(`--${name} must be TCP, UDP or SCTP (got "${str(p, name)}")`);
  return v;
}

/**
 * The options every command that reads INPUTS takes, as its --help lists them (appended to
 * the command's own options, so no help can forget them).
 */
export const COMMON_INPUT_OPTIONS_HELP = `Common options:
  --cluster             read the live cluster of the kubeconfig instead of INPUTS (get/list only)
  --context NAME        with --cluster: the kubeconfig context (default: its current-context)
  --kubeconfig PATH     with --cluster: the kubeconfig (default: KUBECONFIG, ~/.kube/config,
                        in-cluster)
  --ipblock-pods match|ignore
                        whether ipBlock peers match cluster pods by IP (default match, as the
                        upstream e2e tests expect; under --cni cilium always ignore)
  --cni kubernetes|cilium|calico
                        the network plugin that enforces policy (default: detected from the
                        policy kinds in the input, and printed; see docs/cni.md)
  --cilium-enforcement default|always|never
                        with --cni cilium: the agent's policy enforcement mode (default default)
  --cilium-allow-localhost always|policy
                        with --cni cilium: whether a node reaches its own pods whatever policy
                        says (the agent's allow-localhost; default always, as under Kubernetes)
  -v, --verbose         warnings in full (e.g. the pods of each group of a split workload)
  -h, --help            this help`;

export const COMMON_INPUT_OPTIONS: OptionSpec = {
  'ipblock-pods': { type: 'string' },
  // The CNI profile: see cni-profile.ts and docs/cni.md.
  cni: { type: 'string' },
  'cilium-enforcement': { type: 'string' },
  'cilium-allow-localhost': { type: 'string' },
  // A live cluster instead of INPUTS: see cluster-input.ts and docs/live-clusters.md.
  cluster: { type: 'boolean' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
};

/** The cluster `--cluster [--context NAME] [--kubeconfig PATH]` names, or undefined without --cluster. */
export function clusterOption(p: Parsed): ClusterSource | undefined {
  const context = str(p, 'context');
  const kubeconfig = str(p, 'kubeconfig');
  if (!p.values.cluster) {
    if (context !== undefined || kubeconfig !== undefined) {
      throw new UsageError(`--${context !== undefined ? 'context' : 'kubeconfig'} goes with --cluster (read a live cluster)`);
    }
    return undefined;
  }
  return { ...(context !== undefined ? { context } : {}), ...(kubeconfig !== undefined ? { kubeconfig } : {}) };
}

export function requireInputs(p: Parsed, command: string): string[] {
  const cluster = clusterOption(p);
  if (cluster) {
    if (p.positionals.length > 0) throw new UsageError(`--cluster reads the cluster instead of INPUTS: give one or the other (got ${p.positionals.join(' ')})`);
    return [clusterInput(cluster)];
  }
  if (p.positionals.length === 0) {
    throw new UsageError(`${command} needs at least one input: a manifest file, a directory, - for stdin, or --cluster`);
  }
  return p.positionals;
}
