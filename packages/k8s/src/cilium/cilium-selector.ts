/**
 * Cilium's endpoint selectors, read with Cilium's label conventions (docs.cilium.io,
 * "Using Kubernetes Constructs In Policy"): a key may carry a source prefix (`k8s:app`,
 * `any:app`, `reserved:host`); without one it is `any:`. Pods carry their Kubernetes labels
 * (source `k8s`) plus `io.kubernetes.pod.namespace` (the namespace's name) and
 * `io.cilium.k8s.namespace.labels.<key>` (each label of the namespace). The selector is split into
 * what it asks of the pod's labels and of its namespace's labels, so that core evaluates it
 * with ordinary label selectors.
 */
import { InputError, quoteValue, type LabelSelector, type LabelSelectorRequirement, type SelectorOperator, type CiliumSelector } from '@lateral/core';
import { checkKnownFields, child, list, optList, optMapping, optString, optStringMap } from '../raw-fields.js';

const NAMESPACE_KEY = 'io.kubernetes.pod.namespace';
const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';
/** Identity labels Cilium derives from things the model does not read into selectors. */
const NOT_EVALUATED = new Set(['io.cilium.k8s.policy.serviceaccount', 'io.cilium.k8s.policy.cluster', 'io.cilium.k8s.policy.name', 'io.cilium.k8s.policy.namespace']);
const OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

type Target = { kind: 'pod'; key: string } | { kind: 'namespace'; key: string } | { kind: 'none' };

/** Where a selector key points: a pod label, a namespace label, or a label no pod has. */
function target(rawKey: string, field: string): Target {
  const colon = rawKey.indexOf(':');
  const source = colon < 0 ? 'any' : rawKey.slice(0, colon);
  const key = colon < 0 ? rawKey : rawKey.slice(colon + 1);
  if (key === '') throw new InputError(`selector key ${quoteValue(rawKey)} has no label name`, { field });
  if (source !== 'k8s' && source !== 'any') return { kind: 'none' };
  if (key === NAMESPACE_KEY) return { kind: 'namespace', key: 'kubernetes.io/metadata.name' };
  if (key.startsWith(NAMESPACE_LABELS_PREFIX)) return { kind: 'namespace', key: key.slice(NAMESPACE_LABELS_PREFIX.length) };
  if (NOT_EVALUATED.has(key)) {
    throw new InputError(`selector key ${quoteValue(rawKey)} is not evaluated by Lateral yet (select by pod or namespace labels)`, { field });
  }
  return { kind: 'pod', key };
}

export interface ReadSelector {
  readonly selector: CiliumSelector;
  /** The selector names the namespace (io.kubernetes.pod.namespace or a namespace label). */
  readonly namesNamespace: boolean;
}

/** A Cilium EndpointSelector (matchLabels, matchExpressions) at `field`. */
export function ciliumSelector(raw: unknown, field: string): ReadSelector {
  const sel = optMapping(raw as Record<string, unknown> | null | undefined, field) ?? {};
  checkKnownFields(sel, ['matchLabels', 'matchExpressions'], field, 'an endpoint selector');
  const pod: { matchLabels: Record<string, string>; matchExpressions: LabelSelectorRequirement[] } = { matchLabels: {}, matchExpressions: [] };
  const ns: typeof pod = { matchLabels: {}, matchExpressions: [] };
  let matchesNoPod = false;
  let namesNamespace = false;
  for (const [k, v] of Object.entries(optStringMap(sel.matchLabels, `${field}.matchLabels`) ?? {})) {
    const t = target(k, child(`${field}.matchLabels`, k));
    if (t.kind === 'none') matchesNoPod = true;
    else {
      if (t.kind === 'namespace') namesNamespace = true;
      (t.kind === 'pod' ? pod : ns).matchLabels[t.key] = v;
    }
  }
  list(optList(sel.matchExpressions as unknown[] | undefined, `${field}.matchExpressions`), `${field}.matchExpressions`).forEach((r, i) => {
    const f = `${field}.matchExpressions[${i}]`;
    const req = optMapping(r as Record<string, unknown>, f) ?? {};
    checkKnownFields(req, ['key', 'operator', 'values'], f, 'a selector requirement');
    const key = optString(req.key, `${f}.key`);
    if (!key) throw new InputError('is required', { field: `${f}.key` });
    const operator = optString(req.operator, `${f}.operator`) as SelectorOperator | undefined;
    if (!operator || !OPERATORS.includes(operator)) {
      throw new InputError(`operator must be one of ${OPERATORS.join(', ')}${operator ? `, not ${quoteValue(operator)}` : ''}`, { field: `${f}.operator` });
    }
    const values = list(optList(req.values as unknown[] | undefined, `${f}.values`), `${f}.values`).map((v, j) => optString(v, `${f}.values[${j}]`) ?? '');
    if ((operator === 'In' || operator === 'NotIn') && values.length === 0) throw new InputError(`${operator} needs at least one value`, { field: `${f}.values` });
    if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) throw new InputError(`${operator} takes no values`, { field: `${f}.values` });
    const t = target(key, `${f}.key`);
    if (t.kind === 'none') {
      // No pod carries a reserved: (or other non-Kubernetes) label: In and Exists fail, NotIn and DoesNotExist hold.
      if (operator === 'In' || operator === 'Exists') matchesNoPod = true;
      return;
    }
    if (t.kind === 'namespace') namesNamespace = true;
    (t.kind === 'pod' ? pod : ns).matchExpressions.push({ key: t.key, operator, ...(values.length > 0 ? { values } : {}) });
  });
  const clean = (s: typeof pod): LabelSelector => ({
    ...(Object.keys(s.matchLabels).length > 0 ? { matchLabels: s.matchLabels } : {}),
    ...(s.matchExpressions.length > 0 ? { matchExpressions: s.matchExpressions } : {}),
  });
  return { selector: { pod: clean(pod), namespace: clean(ns), ...(matchesNoPod ? { matchesNoPod } : {}) }, namesNamespace };
}
