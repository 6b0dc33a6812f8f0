/**
 * Generic JSON Lines: one object per line with the fields of generic-record.ts, e.g.
 * `{"src": "shop/frontend", "dst": "shop/cart", "port": 7070, "count": 1200}`.
 */
import { parseJsonLine, type ParsedLine } from './flow-record.js';
import { GENERIC_FIELDS, genericRecord, type GenericField } from './generic-record.js';

export function parseJsonlLine(line: string): ParsedLine {
  const obj = parseJsonLine(line);
  const lower = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj)) lower.set(k.toLowerCase(), v);
  const get = (f: GenericField): unknown => {
    for (const name of GENERIC_FIELDS[f]) {
      const v = lower.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  return genericRecord(get);
}
