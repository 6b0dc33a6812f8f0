/**
 * Which network plugin an input was written for, from the policy kinds it holds: Cilium's
 * (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy) or Calico's (projectcalico.org and
 * crd.projectcalico.org). Both at once cannot be told apart: the caller asks for `--cni`.
 */
import type { Cni, EvalOptions } from '@lateral/core';
import type { LoadResult } from './cluster-from-objects.js';

const CALICO_GROUPS = ['projectcalico.org', 'crd.projectcalico.org'];

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

/** Calico objects: read into `cluster.calico` once Calico is evaluated, unevaluated kinds before. */
export function calicoPolicyCount(load: LoadResult): number {
  const unevaluated = load.unevaluated.filter((u) => CALICO_GROUPS.includes(u.group)).length;
  const calico = (load.cluster as { calico?: { policies?: readonly unknown[]; globalPolicies?: readonly unknown[] } }).calico;
  const read = calico ? (calico.policies?.length ?? 0) + (calico.globalPolicies?.length ?? 0) || 1 : 0;
  return unevaluated + read;
}

export function detectCni(load: LoadResult): CniDetection {
  const cilium = ciliumPolicyCounts(load);
  const calico = calicoPolicyCount(load);
  if (cilium && calico > 0) {
    return { conflict: `the input has both Cilium (${cilium}) and Calico (${calico}) policies: say which plugin enforces them with --cni cilium or --cni calico` };
  }
  if (cilium) return { cni: 'cilium', from: cilium };
  if (calico > 0) return { cni: 'calico', from: `${calico} Calico polic${calico === 1 ? 'y' : 'ies'}` };
  return { cni: 'kubernetes' };
}

/**
 * `options` with the plugin detected when it names none (and Cilium's ipBlock behaviour): what
 * a caller without flags (the web app's sessions) evaluates with. A conflict keeps `kubernetes`.
 */
export function withDetectedCni(options: EvalOptions, load: LoadResult): EvalOptions {
  if (options.cni !== undefined) return options;
  const d = detectCni(load);
  if ('conflict' in d || d.cni === 'kubernetes') return options;
  return { ...options, cni: d.cni, ...(d.cni === 'cilium' ? { ipBlockPods: 'ignore' } : {}) };
}
