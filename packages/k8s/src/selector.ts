import type { V1LabelSelector, V1LabelSelectorRequirement } from '@kubernetes/client-node';
import {
  InputError,
  validateSelector,
  type Labels,
  type LabelSelector,
  type LabelSelectorRequirement,
  type SelectorOperator,
} from '@lateral/core';
import { checkLabelKey, checkLabelValue } from './label-rules.js';
import { checkKnownFields, list, optList, optMapping, optString, optLabels } from './raw-fields.js';

/**
 * A raw LabelSelector read into the model and checked with core's validateSelector; `field` is
 * the selector's own path (`spec.ingress[0].from[1].namespaceSelector`), prefixed onto the
 * path core reports relative to the selector.
 */
export function labelSelector(raw: V1LabelSelector | null | undefined, field: string): LabelSelector {
  const sel = optMapping(raw, field) ?? ({} as V1LabelSelector);
  checkKnownFields(sel, ['matchLabels', 'matchExpressions'], field, 'a label selector');
  const matchLabels = optLabels(sel.matchLabels, `${field}.matchLabels`);
  const matchExpressions = optList(sel.matchExpressions, `${field}.matchExpressions`)?.map(
    (r, i): LabelSelectorRequirement => {
      const f = `${field}.matchExpressions[${i}]`;
      const req = optMapping(r, f) ?? ({} as V1LabelSelectorRequirement);
      checkKnownFields(req, ['key', 'operator', 'values'], f, 'a selector requirement');
      const values = optList(req.values, `${f}.values`);
      const key = optString(req.key, `${f}.key`) ?? '';
      // An empty key is core's "needs a key"; any other must be a label key the API server takes.
      if (key !== '') checkLabelKey(key, `${f}.key`);
      values?.forEach((v, j) => typeof v === 'string' && checkLabelValue(v, `${f}.values[${j}]`));
      return {
        key,
        operator: optString(req.operator, `${f}.operator`) as SelectorOperator,
        ...(values ? { values: list(values, `${f}.values`).map((v, j) => optString(v, `${f}.values[${j}]`) ?? '') } : {}),
      };
    },
  );
  // By assignment: an object literal that starts with a spread is slow in V8 (see pod-spec.ts).
  const out: { matchLabels?: Labels; matchExpressions?: LabelSelector['matchExpressions'] } = {};
  if (matchLabels) out.matchLabels = matchLabels;
  if (matchExpressions) out.matchExpressions = matchExpressions;
  try {
    validateSelector(out);
  } catch (e) {
    if (e instanceof InputError) {
      const inner = e.location.field;
      throw new InputError(e.detail, { ...e.location, field: inner ? `${field}.${inner}` : field });
    }
    throw e;
  }
  return out;
}
