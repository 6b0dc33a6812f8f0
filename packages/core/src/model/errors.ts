/**
 * Bad input. Every adapter and validator throws this, never a bare Error, so the CLI can print
 * one line naming where the problem is and exit 2.
 */
export interface InputLocation {
  /** File path, or `<stdin>`. */
  readonly file?: string;
  /** 1-based line where known. */
  readonly line?: number;
  /** `Kind namespace/name` of the object. */
  readonly object?: string;
  /** Dotted field path inside the object, e.g. `spec.ingress[0].ports[1].endPort`. */
  readonly field?: string;
}

export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly detail: string,
    readonly location: InputLocation = {},
  ) {
    super(formatInputError(detail, location));
  }

  /** A copy with more location filled in (outer layers know the file, inner ones the field). */
  within(location: InputLocation): InputError {
    return new InputError(this.detail, { ...location, ...stripUndefined(this.location) });
  }
}

function stripUndefined(loc: InputLocation): InputLocation {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(loc)) if (v !== undefined) out[k] = v;
  return out as InputLocation;
}

export function formatInputError(detail: string, loc: InputLocation): string {
  const where: string[] = [];
  if (loc.file) where.push(loc.line ? `${loc.file}:${loc.line}` : loc.file);
  if (loc.object) where.push(loc.object);
  if (loc.field) where.push(loc.field);
  return where.length ? `${where.join(': ')}: ${detail}` : detail;
}

/** How much of an offending value an error message quotes. */
export const MAX_QUOTED = 200;

/**
 * A value as an error message quotes it: in double quotes with control characters escaped, and
 * cut after MAX_QUOTED characters with its length said — a 10 MB label is one readable line,
 * `"aaaa…" (10,485,760 characters)`, not 10 MB of terminal.
 */
export function quoteValue(s: string): string {
  const cut = s.length > MAX_QUOTED;
  const inner = JSON.stringify(cut ? s.slice(0, MAX_QUOTED) : s).slice(1, -1);
  return cut ? `"${inner}…" (${s.length.toLocaleString('en-US')} characters)` : `"${inner}"`;
}
