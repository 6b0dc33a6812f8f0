/**
 * Where the documents of a YAML stream begin: at each line that starts with `---` followed by a
 * space, a tab or the line's end. In YAML such a line can be nothing else — not even inside a
 * block scalar or a quoted one (YAML 1.2, c-forbidden) — so cutting there is exact. Streams with
 * directives (`%YAML`, `%TAG`) or document end markers (`...`) are not cut: js-yaml reads them
 * whole.
 */
export interface DocumentSpan {
  /** [start, end) in the text; a document after the first begins with its `---` line. */
  readonly start: number;
  readonly end: number;
  /** 1-based line of `start`. */
  readonly line: number;
}

function isMarker(text: string, at: number, marker: string): boolean {
  if (!text.startsWith(marker, at)) return false;
  const c = text.charCodeAt(at + marker.length);
  return Number.isNaN(c) || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * The documents' spans, or undefined when the stream has directives or `...` lines.
 * `withLines` false: every `line` is 0, for a caller that counts lines as it reads (counting
 * them here is a pass over every line break of the text).
 */
export function documentSpans(text: string, withLines = true): DocumentSpan[] | undefined {
  // Searched for by their rare characters, then checked to start a line: a search for `\n%`
  // stops at every line break.
  if (text.startsWith('%') || isMarker(text, 0, '...')) return undefined;
  for (let at = text.indexOf('%'); at >= 0; at = text.indexOf('%', at + 1)) if (text.charCodeAt(at - 1) === 0x0a) return undefined;
  for (let at = text.indexOf('...'); at >= 0; at = text.indexOf('...', at + 1)) {
    if (text.charCodeAt(at - 1) === 0x0a && isMarker(text, at, '...')) return undefined;
  }
  const spans: DocumentSpan[] = [];
  let start = 0;
  let line = withLines ? 1 : 0;
  for (let at = text.indexOf('\n---'); at >= 0; at = text.indexOf('\n---', at + 1)) {
    if (!isMarker(text, at + 1, '---')) continue;
    const next = at + 1;
    spans.push({ start, end: next, line });
    if (withLines) line += lineBreaks(text, start, next);
    start = next;
  }
  spans.push({ start, end: text.length, line });
  return spans;
}

/** How many `\n` text[start, end) holds. */
export function lineBreaks(text: string, start = 0, end = text.length): number {
  let n = 0;
  for (let nl = text.indexOf('\n', start); nl >= 0 && nl < end; nl = text.indexOf('\n', nl + 1)) n++;
  return n;
}

/** documentSpans of a UTF-8 stream (offsets in bytes), with `line` 0: the reader counts lines. */
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
