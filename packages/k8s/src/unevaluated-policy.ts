import { matchesSelector, type LabelSelector, type Labels, type Pod } from '@lateral/core';
import { isMapping } from './raw-fields.js';
import { kindDisplay, type SubjectShape, type UnevaluatedKind } from './policy-kinds.js';

/**
 * Which pods an unevaluated policy object applies to, as far as we can tell without evaluating
 * it. All present parts must match; an absent part matches everything.
 */
export interface UnevaluatedSubject {
  /** Only pods of this namespace (a namespaced object). */
  readonly namespace?: string;
  readonly namespaceSelector?: LabelSelector;
  readonly podSelector?: LabelSelector;
  /**
   * A selector kept as written because we do not read its language (Calico's
   * `app == 'web' && has(tier)`) or its shape: it may select any pod the other parts allow.
   */
  readonly raw?: string;
}

/** A policy object of a kind Lateral does not evaluate, kept so answers can name it. */
export interface UnevaluatedPolicy {
  readonly group: string;
  readonly kind: string;
  /** `CiliumNetworkPolicy`, `NetworkPolicy (projectcalico.org)`. */
  readonly kindLabel: string;
  /** Absent for cluster-scoped kinds. */
  readonly namespace?: string;
  readonly name: string;
  /** Any one matching is enough; empty = the object selects no pod we can name. */
  readonly subjects: readonly UnevaluatedSubject[];
  /** The object's content in a form where two reformattings of it compare equal. */
  readonly fingerprint: string;
}

/** `Kind name` for cluster-scoped objects, `Kind namespace/name` otherwise. */
export function unevaluatedLabel(p: UnevaluatedPolicy): string {
  return `${p.kindLabel} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
}

/**
 * Reads an object of an unevaluated kind. Never throws: these objects are checked by their own
 * CRD schemas, not by us, and a shape we do not recognise only widens what the object may select.
 */
export function unevaluatedPolicy(k: UnevaluatedKind, obj: Record<string, unknown>, namespace: string, name: string): UnevaluatedPolicy {
  const spec = isMapping(obj.spec) ? obj.spec : {};
  const ns = k.clusterScoped ? undefined : namespace;
  const scoped = (s: UnevaluatedSubject): UnevaluatedSubject => (ns === undefined ? s : { ...s, namespace: ns });
  return {
    group: k.group,
    kind: k.kind,
    kindLabel: kindDisplay(k),
    ...(ns !== undefined ? { namespace: ns } : {}),
    name,
    subjects: readSubjects(k.subject, spec).map(scoped),
    fingerprint: canonicalJson({ spec: obj.spec, specs: obj.specs }),
  };
}

function readSubjects(shape: SubjectShape, spec: Record<string, unknown>): UnevaluatedSubject[] {
  switch (shape) {
    case 'namespace':
      return [{}];
    case 'pod-selector':
      return [podSelectorSubject(spec.podSelector)];
    case 'antrea': {
      const appliedTo = Array.isArray(spec.appliedTo) ? spec.appliedTo : undefined;
      // Without a policy-level appliedTo, each rule names its own: any pod may be selected.
      if (!appliedTo) return [{ raw: 'appliedTo in rules' }];
      return appliedTo.map((a): UnevaluatedSubject => {
        if (!isMapping(a)) return { raw: canonicalJson(a) };
        const known = ['podSelector', 'namespaceSelector'];
        if (Object.keys(a).some((key) => !known.includes(key))) return { raw: canonicalJson(a) };
        const podSel = a.podSelector === undefined ? undefined : labelSelectorOrUndefined(a.podSelector);
        const nsSel = a.namespaceSelector === undefined ? undefined : labelSelectorOrUndefined(a.namespaceSelector);
        if ((a.podSelector !== undefined && !podSel) || (a.namespaceSelector !== undefined && !nsSel)) return { raw: canonicalJson(a) };
        return { ...(podSel ? { podSelector: podSel } : {}), ...(nsSel ? { namespaceSelector: nsSel } : {}) };
      });
    }
  }
}

function podSelectorSubject(raw: unknown): UnevaluatedSubject {
  if (raw === undefined || raw === null) return {};
  const sel = labelSelectorOrUndefined(raw);
  return sel ? { podSelector: sel } : { raw: canonicalJson(raw) };
}

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** A label selector in the Kubernetes shape, or undefined when it is not one. */
function labelSelectorOrUndefined(raw: unknown): LabelSelector | undefined {
  if (raw === null || raw === undefined) return {};
  if (!isMapping(raw)) return undefined;
  if (Object.keys(raw).some((k) => k !== 'matchLabels' && k !== 'matchExpressions')) return undefined;
  const { matchLabels, matchExpressions } = raw;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isMapping(matchLabels) || Object.values(matchLabels).some((v) => typeof v !== 'string')) return undefined;
  }
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) return undefined;
    for (const e of matchExpressions) {
      if (!isMapping(e) || typeof e.key !== 'string' || typeof e.operator !== 'string' || !OPERATORS.has(e.operator)) return undefined;
      if (e.values !== undefined && e.values !== null && !(Array.isArray(e.values) && e.values.every((v) => typeof v === 'string'))) return undefined;
    }
  }
  return {
    ...(isMapping(matchLabels) ? { matchLabels: matchLabels as Labels } : {}),
    ...(Array.isArray(matchExpressions)
      ? {
          matchExpressions: matchExpressions.map((e: Record<string, unknown>) => ({
            key: e.key as string,
            operator: e.operator as 'In',
            ...(Array.isArray(e.values) ? { values: e.values as string[] } : {}),
          })),
        }
      : {}),
  };
}

/** JSON with object keys sorted, so key order and YAML vs JSON do not make two objects differ. */
export function canonicalJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (isMapping(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export type Selection = 'selects' | 'may select';

/**
 * Whether an unevaluated object applies to a pod: `selects` when a subject we can read matches
 * it, `may select` when only a selector we keep as written could, undefined when none can.
 */
export function unevaluatedSelects(p: UnevaluatedPolicy, pod: Pick<Pod, 'namespace' | 'labels'>, namespaceLabels: Labels): Selection | undefined {
  let result: Selection | undefined;
  for (const s of p.subjects) {
    if (s.namespace !== undefined && s.namespace !== pod.namespace) continue;
    if (s.namespaceSelector && !matchesSelector(s.namespaceSelector, namespaceLabels)) continue;
    if (s.podSelector && !matchesSelector(s.podSelector, pod.labels)) continue;
    if (s.raw === undefined) return 'selects';
    result = 'may select';
  }
  return result;
}

function countsByKind(list: readonly UnevaluatedPolicy[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const p of list) counts.set(p.kindLabel, (counts.get(p.kindLabel) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `2 CiliumNetworkPolicy, 1 NetworkPolicy (projectcalico.org)`. */
export function unevaluatedCounts(list: readonly UnevaluatedPolicy[]): string {
  return countsByKind(list)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

/**
 * The one-line warning every answer from an input holding unevaluated policies carries, or
 * undefined when there are none.
 */
export function unevaluatedWarning(list: readonly UnevaluatedPolicy[]): string | undefined {
  if (list.length === 0) return undefined;
  return (
    `not evaluated: ${unevaluatedCounts(list)} — Lateral does not evaluate ${list.length === 1 ? 'this kind' : 'these kinds'} ` +
    `yet; connections of the pods ${list.length === 1 ? 'it selects' : 'they select'} may be allowed or denied differently in the cluster`
  );
}

export interface UnevaluatedMatch {
  readonly policy: UnevaluatedPolicy;
  readonly selection: Selection;
}

/** The unevaluated objects that select (or may select) any of `pods`, each once. */
export function unevaluatedSelecting(
  list: readonly UnevaluatedPolicy[],
  pods: readonly Pick<Pod, 'namespace' | 'labels'>[],
  namespaceLabels: (namespace: string) => Labels,
): UnevaluatedMatch[] {
  const out: UnevaluatedMatch[] = [];
  for (const policy of list) {
    let best: Selection | undefined;
    for (const pod of pods) {
      const s = unevaluatedSelects(policy, pod, namespaceLabels(pod.namespace));
      if (s === 'selects') {
        best = s;
        break;
      }
      best ??= s;
    }
    if (best) out.push({ policy, selection: best });
  }
  return out;
}

/**
 * `1 CiliumNetworkPolicy selecting shop/db was not evaluated`, with the ones whose selector we
 * could not read counted as possibly selecting.
 */
export function selectingText(matches: readonly UnevaluatedMatch[], what: string): string | undefined {
  if (matches.length === 0) return undefined;
  const sure = matches.filter((m) => m.selection === 'selects').map((m) => m.policy);
  const maybe = matches.filter((m) => m.selection === 'may select').map((m) => m.policy);
  const n = (l: readonly UnevaluatedPolicy[]) => l.length;
  const parts = [
    ...(n(sure) ? [`${unevaluatedCounts(sure)} selecting ${what}`] : []),
    ...(n(maybe) ? [`${unevaluatedCounts(maybe)} that may select ${what}`] : []),
  ];
  const names = matches.map((m) => (m.policy.namespace ? `${m.policy.namespace}/${m.policy.name}` : m.policy.name));
  return `${parts.join(' and ')} ${n(sure) + n(maybe) === 1 ? 'was' : 'were'} not evaluated (${names.join(', ')})`;
}
