import { InputError, PROTOCOLS, quoteValue, type Labels, type Protocol } from '@lateral/core';
import { checkLabelKey, checkLabelValue, invalidLabelValueReason } from './label-rules.js';

/**
 * Readers for fields of raw manifests. Manifests are typed with client-node's V1 classes for
 * navigation, but the text they came from is unchecked: `ports: "80"` or `spec: []` must fail
 * with the field named, as the API server would reject them, instead of being iterated as
 * characters or read as undefined. Each reader takes the dotted field path for its message.
 *
 * JSON `null` counts as absent, as it does when the API server decodes into Go types (a null
 * slice is nil); `[]` stays an empty list, which NetworkPolicy semantics distinguish.
 */

/** `field.key`, with an absurdly long key quoted and cut (it is part of every message about it). */
export function child(field: string, key: string): string {
  return key.length > 100 || /[\s"]/.test(key) ? `${field}[${quoteValue(key)}]` : `${field}.${key}`;
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a mapping';
  return typeof v === 'string' ? `string ${quoteValue(v)}` : `${typeof v} ${String(JSON.stringify(v)).slice(0, 200)}`;
}

/** A mapping, or undefined when absent. */
export function optMapping<T extends object>(v: T | null | undefined, field: string): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isMapping(v)) throw new InputError(`must be a mapping, not ${describe(v)}`, { field });
  return v;
}

/**
 * Rejects fields the schema does not have, as `kubectl apply` (strict field validation, its
 * default) does. Where a misspelt field would otherwise read as absent and silently change the
 * meaning — `matchLabel:` selecting every pod, `ingres:` denying all ingress — this is the only
 * thing standing between a typo and a wrong answer.
 */
export function checkKnownFields(v: object, known: readonly string[], field: string, what: string): void {
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) {
      throw new InputError(`unknown field (${what} has ${known.join(', ')})`, { field: child(field, k) });
    }
  }
}

/** A list, or undefined when absent (absent and `[]` mean different things in some fields). */
export function optList<T>(v: readonly T[] | null | undefined, field: string): readonly T[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new InputError(`must be a list, not ${describe(v)}`, { field });
  return v;
}

/** A list, with absent read as empty. */
export function list<T>(v: readonly T[] | null | undefined, field: string): readonly T[] {
  return optList(v, field) ?? [];
}

export function optString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InputError(`must be a string, not ${describe(v)}`, { field });
  return v;
}

export function optInt(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new InputError(`must be an integer, not ${describe(v)}`, { field });
  }
  return v;
}

export function optBool(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new InputError(`must be true or false, not ${describe(v)}`, { field });
  return v;
}

/** A string-to-string map (labels, annotations, matchLabels, a Service selector). */
export function optStringMap(v: unknown, field: string): Labels | undefined {
  const m = optMapping(v as object | null | undefined, field) as Record<string, unknown> | undefined;
  if (!m) return undefined;
  const out: Record<string, string> = {};
  // Object.keys, not entries: a pair array per key is garbage for every label of every pod.
  for (const k of Object.keys(m)) {
    // An own `__proto__` (JSON.parse makes one) is read as entries would, not as the prototype.
    const val = k === '__proto__' ? Object.getOwnPropertyDescriptor(m, k)!.value : m[k];
    // A YAML `version: 1` is a number; the API server rejects it (labels are strings).
    if (typeof val !== 'string') {
      throw new InputError(`must be a string, not ${describe(val)} (quote it in YAML)`, { field: child(field, k) });
    }
    out[k] = val;
  }
  return out;
}

/**
 * Labels (metadata.labels, matchLabels, a Service or ReplicationController selector): a string
 * map whose keys and values the API server would accept as labels. The field of a bad key is
 * the map's own path (the key may be the problem), of a bad value `field.key`.
 */
export function optLabels(v: unknown, field: string): Labels | undefined {
  const m = optStringMap(v, field);
  if (!m) return undefined;
  for (const k of Object.keys(m)) {
    const val = m[k]!;
    checkLabelKey(k, field);
    // The field of a bad value is built only when there is one.
    if (invalidLabelValueReason(val) !== undefined) checkLabelValue(val, child(field, k));
  }
  return m;
}

/** Protocol, defaulted to TCP as the API server does. */
export function protocol(v: unknown, field: string): Protocol {
  const p = optProtocol(v, field);
  return p ?? 'TCP';
}

export function optProtocol(v: unknown, field: string): Protocol | undefined {
  const s = optString(v, field);
  if (s === undefined) return undefined;
  if (!(PROTOCOLS as readonly string[]).includes(s)) {
    throw new InputError(`unsupported protocol ${quoteValue(s)} (expected TCP, UDP or SCTP)`, { field });
  }
  return s as Protocol;
}

/** A port number 1–65535. */
export function portNumber(v: unknown, field: string): number {
  const n = optInt(v, field);
  if (n === undefined) throw new InputError('is required', { field });
  if (n < 1 || n > 65535) throw new InputError(`port ${n} is out of range 1-65535`, { field });
  return n;
}

/**
 * IANA_SVC_NAME, as the API server checks named ports (validation.IsValidPortName): at most 15
 * characters, lowercase alphanumerics and '-', at least one letter, no '-' at either end and
 * no '--'.
 */
export function invalidPortNameReason(name: string): string | undefined {
  if (name.length === 0 || name.length > 15) return 'must be 1-15 characters';
  if (!/^[a-z0-9-]+$/.test(name)) return 'must contain only lowercase letters, digits and "-"';
  if (!/[a-z]/.test(name)) return 'must contain at least one letter';
  if (name.startsWith('-') || name.endsWith('-')) return 'must not begin or end with "-"';
  if (name.includes('--')) return 'must not contain "--"';
  return undefined;
}

export function checkPortName(name: string, field: string): void {
  const why = invalidPortNameReason(name);
  if (why) throw new InputError(`invalid port name ${quoteValue(name)}: ${why} (IANA_SVC_NAME)`, { field });
}
