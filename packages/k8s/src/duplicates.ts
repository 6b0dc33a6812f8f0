import { InputError } from '@lateral/core';
import { groupOf, type ObjectRef } from './object-ref.js';
import { objectKey } from './owners.js';

export interface Located {
  readonly ref: ObjectRef;
  readonly obj: unknown;
  readonly file: string;
  readonly line?: number;
}

/**
 * Drops repeated definitions of one object (same kind, namespace and name). Identical copies are
 * harmless (a manifest listed twice, a List and its items); copies that differ would make the
 * result depend on which one `kubectl apply` saw last, so for the kinds we read that is an error
 * naming both places.
 */
export function dropDuplicates<T extends Located>(entries: readonly T[]): T[] {
  const first = new Map<string, T>();
  const out: T[] = [];
  for (const e of entries) {
    // A kind we read is one object whatever group spelling it comes under (apps or extensions);
    // other kinds are told apart by group (Calico's NetworkPolicy is not networking.k8s.io's).
    const kind = e.ref.supported ? e.ref.kind : `${e.ref.kind}.${groupOf(e.ref.apiVersion)}`;
    const key = objectKey(kind, e.ref.namespace, e.ref.name);
    const prev = first.get(key);
    if (!prev) {
      first.set(key, e);
      out.push(e);
      continue;
    }
    // Canonical forms are only worth computing for the rare name that repeats.
    if (!e.ref.supported || canonicalJson(prev.obj) === canonicalJson(e.obj)) continue;
    throw new InputError(
      `${e.ref.label} is defined twice with different content: at ${place(prev)} and at ${place(e)}`,
      { file: e.file, ...(e.line !== undefined ? { line: e.line } : {}), object: e.ref.label },
    );
  }
  return out;
}

function place(e: Located): string {
  return e.line !== undefined ? `${e.file}:${e.line}` : e.file;
}

/** JSON with object keys sorted, so key order does not make two copies differ. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val && typeof val === 'object' && !Array.isArray(val)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(val).sort()) sorted[k] = (val as Record<string, unknown>)[k];
      return sorted;
    }
    return val;
  });
}
