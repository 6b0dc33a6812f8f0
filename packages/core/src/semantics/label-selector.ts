import { InputError } from '../model/errors.js';
import type { LabelSelector, Labels } from '../model/model.js';

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * Checks a selector the way the API server's validation does; throws an InputError whose
 * `field` is relative to the selector (callers prefix it).
 */
export function validateSelector(sel: LabelSelector): void {
  (sel.matchExpressions ?? []).forEach((req, i) => {
    const field = `matchExpressions[${i}]`;
    if (typeof req.key !== 'string' || req.key === '') {
      throw new InputError('selector requirement needs a key', { field: `${field}.key` });
    }
    if (!OPERATORS.has(req.operator)) {
      throw new InputError(
        `unknown selector operator "${String(req.operator)}" (expected In, NotIn, Exists or DoesNotExist)`,
        { field: `${field}.operator` },
      );
    }
    const n = req.values?.length ?? 0;
    if ((req.operator === 'In' || req.operator === 'NotIn') && n === 0) {
      throw new InputError(`operator ${req.operator} needs at least one value`, { field: `${field}.values` });
    }
    if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && n > 0) {
      throw new InputError(`operator ${req.operator} takes no values`, { field: `${field}.values` });
    }
  });
}

/** LabelSelector semantics: all matchLabels and all matchExpressions must hold (AND); `{}` matches all. */
export function matchesSelector(sel: LabelSelector, labels: Labels): boolean {
  if (sel.matchLabels) {
    for (const k in sel.matchLabels) if (labels[k] !== sel.matchLabels[k]) return false;
  }
  if (sel.matchExpressions) {
    for (const req of sel.matchExpressions) {
      const has = Object.prototype.hasOwnProperty.call(labels, req.key);
      const v = labels[req.key];
      switch (req.operator) {
        case 'In':
          if (!has || !req.values!.includes(v!)) return false;
          break;
        case 'NotIn':
          // A missing key satisfies NotIn (apimachinery labels.Selector semantics).
          if (has && req.values!.includes(v!)) return false;
          break;
        case 'Exists':
          if (!has) return false;
          break;
        case 'DoesNotExist':
          if (has) return false;
          break;
      }
    }
  }
  return true;
}

export function isEmptySelector(sel: LabelSelector): boolean {
  return (
    Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0
  );
}

/** `app=web,tier in (a,b),!debug` — kubectl's notation, for messages and explanations. */
export function formatSelector(sel: LabelSelector): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const r of sel.matchExpressions ?? []) {
    const vals = (r.values ?? []).join(',');
    if (r.operator === 'In') parts.push(`${r.key} in (${vals})`);
    else if (r.operator === 'NotIn') parts.push(`${r.key} notin (${vals})`);
    else if (r.operator === 'Exists') parts.push(r.key);
    else parts.push(`!${r.key}`);
  }
  return parts.length ? parts.join(',') : '{}';
}
