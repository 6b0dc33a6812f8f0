/**
 * The API server's rules for label keys and values (apimachinery validation.IsQualifiedName and
 * IsValidLabelValue), which it applies to metadata.labels, to matchLabels and to the keys and
 * values of matchExpressions. A manifest it would refuse must not be read into an answer.
 */
import { InputError, quoteValue } from '@lateral/core';

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const NAME_RULE = 'a name of at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';

/** Keys found valid so far: every pod of a cluster repeats a handful (`app`, `pod-template-hash`). */
const validKeys = new Set<string>();

/** Why `key` is not a valid label key, or undefined when it is. */
export function invalidLabelKeyReason(key: string): string | undefined {
  if (validKeys.has(key)) return undefined;
  const why = labelKeyReason(key);
  if (why === undefined && validKeys.size < 100_000) validKeys.add(key);
  return why;
}

function labelKeyReason(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return `a label key is an optional DNS-subdomain prefix and "/" and ${NAME_RULE}`;
  const name = parts[parts.length - 1]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix.length === 0) return 'the prefix before "/" must not be empty';
    if (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) {
      return 'the prefix before "/" must be a DNS subdomain: at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit';
    }
  }
  if (name.length === 0) return 'the name part must not be empty';
  if (name.length > 63 || !NAME.test(name)) return `the name part must be ${NAME_RULE}`;
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is. */
export function invalidLabelValueReason(value: string): string | undefined {
  if (value.length > 63 || !VALUE.test(value)) {
    return 'a label value is empty or at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  }
  return undefined;
}

export function checkLabelKey(key: string, field: string): void {
  const why = invalidLabelKeyReason(key);
  if (why) throw new InputError(`invalid label key ${quoteValue(key)}: ${why}`, { field });
}

export function checkLabelValue(value: string, field: string): void {
  const why = invalidLabelValueReason(value);
  if (why) throw new InputError(`invalid label value ${quoteValue(value)}: ${why}`, { field });
}
