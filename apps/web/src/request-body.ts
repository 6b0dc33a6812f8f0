/**
 * Strict request bodies: every POST body is one JSON object, and each field the route reads has
 * one type. A wrong shape is a 400 that names the field ("from" must be a workload id, node:<name>
 * or internet), never a silently ignored value or an array read as an empty request. Fields a route does not read
 * are left alone, so a newer page can talk to this server.
 */
import { BadRequest } from './security.js';

export type Body = Readonly<Record<string, unknown>>;

/** The body as an object; an array, a string, a number or null is a 400. */
export function objectBody(body: unknown, example = ''): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const got = body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body === 'undefined' ? 'nothing' : `a ${typeof body}`;
    throw new BadRequest(`expected a JSON object${example ? ` ${example}` : ''}, got ${got}`);
  }
  return body as Body;
}

export function stringField(b: Body, name: string, what = 'a string'): string | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BadRequest(`"${name}" must be ${what}`);
  return v;
}

export function stringListField(b: Body, name: string, what = 'a list of strings'): string[] {
  const v = b[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new BadRequest(`"${name}" must be ${what}`);
  return v as string[];
}

export function intField(b: Body, name: string, min: number, max: number): number | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new BadRequest(`"${name}" must be a whole number from ${min} to ${max}`);
  return v;
}

export function boolField(b: Body, name: string): boolean | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new BadRequest(`"${name}" must be true or false`);
  return v;
}
