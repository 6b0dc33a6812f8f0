/**
 * The CNI profile: which network plugin enforces the policies (`--cni kubernetes|cilium|calico`),
 * detected from the policy kinds the input holds when the flag is absent, and printed once on
 * stderr (`cni: cilium (detected from 3 CiliumNetworkPolicy)`). It fixes which kinds are
 * enforced, whether ipBlocks match pods (Cilium: never) and, for Cilium, the agent's policy
 * enforcement mode (`--cilium-enforcement default|always|never`). Every command that evaluates
 * policies builds its EvalOptions here, once the input is loaded.
 */
import type { CiliumEnforcement, Cni, EvalOptions, IpBlockPods } from '@lateral/core';
import type { LoadResult } from '@lateral/k8s';
import { oneOf, str, type Parsed } from './args.js';
import { UsageError } from './cli-error.js';
import { err, type CliIo } from './io.js';

/** What the flags say, before the input is known. */
export interface EvalFlags {
  /** --ipblock-pods as given; absent: the plugin's behaviour (match, Cilium: ignore). */
  readonly ipBlockPods?: IpBlockPods;
  readonly cni?: Cni;
  readonly ciliumEnforcement?: CiliumEnforcement;
}

export function evalFlags(p: Parsed): EvalFlags {
  const ipBlock = str(p, 'ipblock-pods') === undefined ? undefined : oneOf(p, 'ipblock-pods', ['match', 'ignore'] as const, 'match');
  const cni = str(p, 'cni') === undefined ? undefined : oneOf(p, 'cni', ['kubernetes', 'cilium', 'calico'] as const, 'kubernetes');
  const enforcement = str(p, 'cilium-enforcement') === undefined ? undefined : oneOf(p, 'cilium-enforcement', ['default', 'always', 'never'] as const, 'default');
  if (enforcement !== undefined && cni !== undefined && cni !== 'cilium') throw new UsageError(`--cilium-enforcement goes with --cni cilium (got --cni ${cni})`);
  return { ...(ipBlock ? { ipBlockPods: ipBlock } : {}), ...(cni ? { cni } : {}), ...(enforcement ? { ciliumEnforcement: enforcement } : {}) };
}

const CALICO_GROUPS = ['projectcalico.org', 'crd.projectcalico.org'];

/** `3 CiliumNetworkPolicy, 1 CiliumClusterwideNetworkPolicy`: objects (not rules) by kind. */
function ciliumCounts(load: LoadResult): string {
  const objects = new Map<string, Set<string>>();
  for (const p of load.cluster.ciliumPolicies ?? []) {
    let set = objects.get(p.kind);
    if (!set) objects.set(p.kind, (set = new Set()));
    set.add(`${p.namespace}/${p.name}`);
  }
  return [...objects].map(([k, s]) => `${s.size} ${k}`).join(', ');
}

/** Calico objects: the Calico half reads them into `cluster.calico`; until then they are unevaluated kinds. */
function calicoCount(load: LoadResult): number {
  const unevaluated = load.unevaluated.filter((u) => CALICO_GROUPS.includes(u.group)).length;
  const calico = (load.cluster as { calico?: { policies?: readonly unknown[]; globalPolicies?: readonly unknown[] } }).calico;
  const read = calico ? (calico.policies?.length ?? 0) + (calico.globalPolicies?.length ?? 0) || 1 : 0;
  return unevaluated + read;
}

/**
 * EvalOptions for a loaded input. Prints the profile once on stderr when it was detected (or
 * differs from the default), and what the chosen plugin does not enforce.
 */
export function resolveEvalOptions(io: CliIo, flags: EvalFlags, load: LoadResult): EvalOptions {
  const cilium = ciliumCounts(load);
  const calico = calicoCount(load);
  let cni = flags.cni;
  if (cni === undefined) {
    if (cilium && calico > 0) {
      throw new UsageError(`the input has both Cilium (${cilium}) and Calico (${calico}) policies: say which plugin enforces them with --cni cilium or --cni calico`);
    }
    cni = cilium ? 'cilium' : calico > 0 ? 'calico' : 'kubernetes';
    if (cni !== 'kubernetes') err(io, `cni: ${cni} (detected from ${cni === 'cilium' ? cilium : `${calico} Calico polic${calico === 1 ? 'y' : 'ies'}`})`);
  }
  if (flags.ciliumEnforcement !== undefined && cni !== 'cilium') throw new UsageError(`--cilium-enforcement goes with --cni cilium (the input was read as --cni ${cni})`);
  const tiers = load.cluster.tierPolicies ?? [];
  if (cni === 'cilium') {
    if (tiers.length > 0) {
      err(io, `lateral: warning: Cilium does not enforce ClusterNetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy: ${tiers.length} such object${tiers.length === 1 ? ' is' : 's are'} not evaluated`);
    }
    if (calico > 0) err(io, `lateral: warning: Cilium does not enforce Calico policies: ${calico} not evaluated`);
    if (flags.ipBlockPods === 'match') err(io, 'lateral: warning: --ipblock-pods match is ignored under --cni cilium: Cilium never matches pods by ipBlock');
  } else if (cilium) {
    err(io, `lateral: warning: --cni ${cni} does not enforce Cilium policies: ${cilium} not evaluated`);
  }
  return {
    ipBlockPods: cni === 'cilium' ? 'ignore' : (flags.ipBlockPods ?? 'match'),
    ...(cni !== 'kubernetes' ? { cni } : {}),
    ...(cni === 'cilium' && flags.ciliumEnforcement ? { ciliumEnforcement: flags.ciliumEnforcement } : {}),
  };
}

/**
 * EvalOptions from the flags alone, for where the options must be known before the input is
 * read (the web server's sessions): no detection, `--cni` must be given.
 */
export function flagOptions(flags: EvalFlags): EvalOptions {
  const cni = flags.cni ?? 'kubernetes';
  return {
    ipBlockPods: cni === 'cilium' ? 'ignore' : (flags.ipBlockPods ?? 'match'),
    ...(cni !== 'kubernetes' ? { cni } : {}),
    ...(cni === 'cilium' && flags.ciliumEnforcement ? { ciliumEnforcement: flags.ciliumEnforcement } : {}),
  };
}
