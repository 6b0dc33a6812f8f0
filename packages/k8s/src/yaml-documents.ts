/** How many `\n` text[start, end) holds. */
export function lineBreaks(text: string, start = 0, end = text.length): number {
  let n = 0;
  for (let nl = text.indexOf('\n', start); nl >= 0 && nl < end; nl = text.indexOf('\n', nl + 1)) n++;
  return n;
}

/**
 * Where the documents of a YAML stream (UTF-8) begin: at each line that starts with `---`
 * followed by a space, a tab or the line's end. In YAML such a line can be nothing else — not
 * even inside a block scalar or a quoted one (YAML 1.2, c-forbidden) — so cutting there is
 * exact. [start, end) in bytes, a document after the first beginning with its `---` line; no
 * lines (the reader counts them as it passes). Undefined for a stream with directives (`%YAML`,
 * `%TAG`) or document end markers (`...`): js-yaml reads it whole.
 */
export function byteDocumentSpans(bytes: Buffer): { start: number; end: number }[] | undefined {
  if (bytes[0] === 0x25 || isByteMarker(bytes, 0, 0x2e)) return undefined;
  for (let at = bytes.indexOf(0x25); at >= 0; at = bytes.indexOf(0x25, at + 1)) if (bytes[at - 1] === 0x0a) return undefined;
  for (let at = bytes.indexOf('...'); at >= 0; at = bytes.indexOf('...', at + 1)) {
    if (bytes[at - 1] === 0x0a && isByteMarker(bytes, at, 0x2e)) return undefined;
  }
  const spans: { start: number; end: number }[] = [];
  let start = 0;
  for (let at = bytes.indexOf('\n---'); at >= 0; at = bytes.indexOf('\n---', at + 1)) {
    if (!isByteMarker(bytes, at + 1, 0x2d)) continue;
    spans.push({ start, end: at + 1 });
    start = at + 1;
  }
  spans.push({ start, end: bytes.length });
  return spans;
}

/** Whether bytes[at] starts a `---` (c `-`) or `...` (c `.`) marker line. */
export function isByteMarker(bytes: Uint8Array, at: number, c: number): boolean {
  if (bytes[at] !== c || bytes[at + 1] !== c || bytes[at + 2] !== c) return false;
  const next = bytes[at + 3];
  return next === undefined || next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d;
}

/** How many `\n` bytes[start, end) holds. */
export function byteLineBreaks(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let n = 0;
  for (let p = start; p < end; p++) if (bytes[p] === 0x0a) n++;
  return n;
}
