/**
 * Which network plugin an input was written for, from the policy kinds it holds: Cilium's
 * (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy) or Calico's (projectcalico.org and
 * crd.projectcalico.org: policies, tiers, network sets, host endpoints). Both at once cannot be told apart: the caller asks for `--cni`.
 */
import { InputError, type CiliumAllowLocalhost, type CiliumEnforcement, type Cni, type EvalOptions, type IpBlockPods } from '@lateral/core';
import type { LoadResult } from './cluster-from-objects.js';

export type CniDetection =
  | { readonly cni: Cni; readonly from?: string }
  | { readonly conflict: string };

/** `3 CiliumNetworkPolicy, 1 CiliumClusterwideNetworkPolicy`: objects (not rules) by kind; '' when none. */
export function ciliumPolicyCounts(load: LoadResult): string {
  const objects = new Map<string, Set<string>>();
  for (const p of load.cluster.ciliumPolicies ?? []) {
    let set = objects.get(p.kind);
    if (!set) objects.set(p.kind, (set = new Set()));
    set.add(`${p.namespace}/${p.name}`);
  }
  return [...objects].map(([k, s]) => `${s.size} ${k}`).join(', ');
}

/**
 * `1 GlobalNetworkPolicy, 2 NetworkPolicy (projectcalico.org), 1 Tier`: the Calico objects the
 * input holds (Cluster.calico), by kind; '' when none. Tiers, network sets and host endpoints
 * count too: any of them says the input was written for Calico.
 */
export function calicoObjectCounts(load: LoadResult): string {
  const calico = load.cluster.calico;
  if (!calico) return '';
  const counts = new Map<string, number>();
  const add = (kind: string) => counts.set(kind, (counts.get(kind) ?? 0) + 1);
  for (const p of calico.policies) add(p.kind === 'GlobalNetworkPolicy' ? 'GlobalNetworkPolicy' : 'NetworkPolicy (projectcalico.org)');
  for (const _ of calico.tiers) add('Tier');
  for (const n of calico.networkSets) add(n.namespace === undefined ? 'GlobalNetworkSet' : 'NetworkSet');
  for (const _ of calico.hostEndpoints) add('HostEndpoint');
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

/** Whether the input holds kinds of a network plugin (Cilium's or Calico's). */
export function hasPluginKinds(load: LoadResult): boolean {
  return (load.cluster.ciliumPolicies ?? []).length > 0 || calicoObjectCounts(load) !== '';
}

export function detectCni(load: LoadResult): CniDetection {
  const cilium = ciliumPolicyCounts(load);
  const calico = calicoObjectCounts(load);
  if (cilium && calico) {
    return { conflict: `the input has both Cilium (${cilium}) and Calico (${calico}) objects: say which plugin enforces them with --cni cilium or --cni calico` };
  }
  if (cilium) return { cni: 'cilium', from: cilium };
  if (calico) return { cni: 'calico', from: calico };
  return { cni: 'kubernetes' };
}

/**
 * EvalOptions for a plugin (absent: none named) and the flags that go with it: Cilium never
 * matches pods by ipBlock and alone takes an enforcement mode. The one place a plugin's options
 * are spelt out, for the CLI's commands, `serve` and the web app's detected sessions.
 */
export function pluginOptions(
  cni: Cni | undefined,
  flags: { readonly ipBlockPods?: IpBlockPods; readonly ciliumEnforcement?: CiliumEnforcement; readonly ciliumAllowLocalhost?: CiliumAllowLocalhost },
): EvalOptions {
  return {
    ipBlockPods: cni === 'cilium' ? 'ignore' : (flags.ipBlockPods ?? 'match'),
    ...(cni !== undefined ? { cni } : {}),
    ...(cni === 'cilium' && flags.ciliumEnforcement ? { ciliumEnforcement: flags.ciliumEnforcement } : {}),
    ...(cni === 'cilium' && flags.ciliumAllowLocalhost ? { ciliumAllowLocalhost: flags.ciliumAllowLocalhost } : {}),
  };
}

/**
 * `options` with the plugin detected when it names none: what a caller without flags (the web
 * app's sessions) evaluates with. Both plugins' kinds at once is an input error, as on the
 * command line: answering with either plugin's rules would be a guess.
 */
export function withDetectedCni(options: EvalOptions, load: LoadResult): EvalOptions {
  if (options.cni !== undefined) return options;
  const d = detectCni(load);
  if ('conflict' in d) throw new InputError(d.conflict);
  if (d.cni === 'kubernetes') return options;
  return pluginOptions(d.cni, options);
}
