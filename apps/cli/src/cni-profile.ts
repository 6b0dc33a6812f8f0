/**
 * The CNI profile: which network plugin enforces the policies (`--cni kubernetes|cilium|calico`),
 * detected from the policy kinds the input holds when the flag is absent, and printed once on
 * stderr (`cni: cilium (detected from 3 CiliumNetworkPolicy)`). It fixes which kinds are
 * enforced, whether ipBlocks match pods (Cilium: never) and, for Cilium, the agent's policy
 * enforcement mode (`--cilium-enforcement default|always|never`). Every command that evaluates
 * policies builds its EvalOptions here, once the input is loaded.
 */
import type { CiliumAllowLocalhost, CiliumEnforcement, Cni, EvalOptions, IpBlockPods } from '@lateral/core';
import { calicoObjectCounts, ciliumPolicyCounts, detectCni, pluginOptions, type LoadResult } from '@lateral/k8s';
import { oneOf, str, type Parsed } from './args.js';
import { UsageError } from './cli-error.js';
import { err, type CliIo } from './io.js';

/** What the flags say, before the input is known. */
export interface EvalFlags {
  /** --ipblock-pods as given; absent: the plugin's behaviour (match, Cilium: ignore). */
  readonly ipBlockPods?: IpBlockPods;
  readonly cni?: Cni;
  readonly ciliumEnforcement?: CiliumEnforcement;
  readonly ciliumAllowLocalhost?: CiliumAllowLocalhost;
}

export function evalFlags(p: Parsed): EvalFlags {
  const ipBlock = str(p, 'ipblock-pods') === undefined ? undefined : oneOf(p, 'ipblock-pods', ['match', 'ignore'] as const, 'match');
  const cni = str(p, 'cni') === undefined ? undefined : oneOf(p, 'cni', ['kubernetes', 'cilium', 'calico'] as const, 'kubernetes');
  const enforcement = str(p, 'cilium-enforcement') === undefined ? undefined : oneOf(p, 'cilium-enforcement', ['default', 'always', 'never'] as const, 'default');
  if (enforcement !== undefined && cni !== undefined && cni !== 'cilium') throw new UsageError(`--cilium-enforcement goes with --cni cilium (got --cni ${cni})`);
  const localhost = str(p, 'cilium-allow-localhost') === undefined ? undefined : oneOf(p, 'cilium-allow-localhost', ['always', 'policy'] as const, 'always');
  if (localhost !== undefined && cni !== undefined && cni !== 'cilium') throw new UsageError(`--cilium-allow-localhost goes with --cni cilium (got --cni ${cni})`);
  return {
    ...(ipBlock ? { ipBlockPods: ipBlock } : {}),
    ...(cni ? { cni } : {}),
    ...(enforcement ? { ciliumEnforcement: enforcement } : {}),
    ...(localhost ? { ciliumAllowLocalhost: localhost } : {}),
  };
}

/**
 * EvalOptions for a loaded input. Prints the profile once on stderr when it was detected (or
 * differs from the default), and what the chosen plugin does not enforce.
 */
export function resolveEvalOptions(io: CliIo, flags: EvalFlags, load: LoadResult): EvalOptions {
  const cilium = ciliumPolicyCounts(load);
  const calico = calicoObjectCounts(load);
  let cni = flags.cni;
  if (cni === undefined) {
    const d = detectCni(load);
    if ('conflict' in d) throw new UsageError(d.conflict);
    cni = d.cni;
    if (d.from) err(io, `cni: ${cni} (detected from ${d.from})`);
  }
  if (flags.ciliumEnforcement !== undefined && cni !== 'cilium') throw new UsageError(`--cilium-enforcement goes with --cni cilium (the input was read as --cni ${cni})`);
  if (flags.ciliumAllowLocalhost !== undefined && cni !== 'cilium') throw new UsageError(`--cilium-allow-localhost goes with --cni cilium (the input was read as --cni ${cni})`);
  const tiers = load.cluster.tierPolicies ?? [];
  if (cni === 'cilium') {
    if (tiers.length > 0) {
      err(io, `lateral: warning: Cilium does not enforce ClusterNetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy: ${tiers.length} such object${tiers.length === 1 ? ' is' : 's are'} not evaluated`);
    }
    if (flags.ipBlockPods === 'match') err(io, 'lateral: warning: --ipblock-pods match is ignored under --cni cilium: Cilium never matches pods by ipBlock');
  } else if (cilium) {
    err(io, `lateral: warning: --cni ${cni} does not enforce Cilium policies: ${cilium} not evaluated`);
  }
  // Calico's objects are read whatever the plugin; only Calico enforces them. Never silently.
  if (cni !== 'calico' && calico) err(io, `lateral: warning: --cni ${cni} does not enforce Calico's kinds: ${calico} not evaluated`);
  return pluginOptions(cni === 'kubernetes' ? undefined : cni, flags);
}

/**
 * EvalOptions from the flags alone, for where the options must be known before the input is
 * read (the web server's sessions, which detect the plugin themselves when `--cni` is absent).
 */
export function flagOptions(flags: EvalFlags): EvalOptions {
  // Without --cni the session detects the plugin from what it loads (withDetectedCni).
  return pluginOptions(flags.cni, flags);
}
