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
  const seen = new DuplicateFilter<T>();
  return entries.filter((e) => seen.admit(e));
}

/** dropDuplicates one object at a time, in input order. */
export class DuplicateFilter<T extends Located> {
  private readonly first = new Map<string, T>();

  /**
   * True for the first object of its name, false for an identical copy (to be dropped); throws
   * for a copy that differs. `contentOf` gives an earlier object's content (the default: its obj).
   * `refKey`: objectKey(kind, namespace, name) of e.ref, when the caller has it (the same string
   * in two maps is hashed once).
   */
  admit(e: T, contentOf: (earlier: T) => unknown = (x) => x.obj, refKey?: string): boolean {
    // A kind we read is one object whatever group spelling it comes under (apps or extensions);
    // other kinds are told apart by group (Calico's NetworkPolicy is not networking.k8s.io's).
    const key = e.ref.supported
      ? (refKey ?? objectKey(e.ref.kind, e.ref.namespace, e.ref.name))
      : objectKey(`${e.ref.kind}.${groupOf(e.ref.apiVersion)}`, e.ref.namespace, e.ref.name);
    const prev = this.first.get(key);
    if (!prev) {
      this.first.set(key, e);
      return true;
    }
    // Canonical forms are only worth computing for the rare name that repeats.
    if (!e.ref.supported || canonicalJson(contentOf(prev)) === canonicalJson(e.obj)) return false;
    throw new InputError(
      `${e.ref.label} is defined twice with different content: at ${place(prev)} and at ${place(e)}`,
      { file: e.file, ...(e.line !== undefined ? { line: e.line } : {}), object: e.ref.label },
    );
  }
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
