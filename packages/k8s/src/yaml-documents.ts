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
