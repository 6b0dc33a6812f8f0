/**
 * A capture names the same few thousand pods a million times: every Hubble line carries both
 * flow ends as whole endpoint objects (`"source":{"ID":…,"labels":[…],"pod_name":…}`), byte for
 * byte the same each time a pod is seen, and they are most of the line. This memo reads each
 * distinct endpoint text once and, for the lines after, `JSON.parse`s only the rest of the line,
 * with the two endpoint objects replaced by a marker string each.
 *
 * Why the answer is exactly what `JSON.parse` of the whole line gives (or the line is read the
 * ordinary way):
 *
 * - An endpoint text is used only when it is itself a whole JSON object (it parsed on its own).
 *   Parsing is left to right and a value's end is decided by its own characters, so when the
 *   parser of the whole line reaches that text where a value is expected, it reads exactly that
 *   object and stops in the same state as after any other complete value.
 * - Each marker is `"\u0001"` / `"\u0002"`, and the fast path runs only on lines with no
 *   `\u000` escape at all, so each marker occurs once in the shortened line. The only JSON text
 *   of the one-character string U+0001 is that escape (a raw control character is not allowed in
 *   a JSON string), so when the shortened line parses and its flow's `source` is U+0001, the
 *   marker was read as a complete value right there, as the winning `source` (a later duplicate
 *   key would have replaced it). The text before the marker is the same in both lines, so the
 *   whole line reaches its endpoint text in the same state, reads it as that value, and goes on
 *   exactly as the shortened line does: both parse, to the same object but for the two values.
 * - Anything else (no endpoint text where expected, one that does not parse on its own, a
 *   shortened line that does not parse, markers not where they should be) falls back to
 *   `JSON.parse` of the whole line, which gives the same result or the same error as before.
 */

/** A distinct endpoint text and what it parsed to; `peer` is the flow end it was read as (hubble.ts). */
export interface EndpointText<P> {
  readonly text: string;
  readonly value: Record<string, unknown>;
  peer?: P;
}

export interface CutLine<P> {
  /** The line's object with `source` / `destination` as the markers (SOURCE_MARK, DESTINATION_MARK). */
  readonly obj: Record<string, unknown>;
  /** The flow object of `obj` the markers were found in. */
  readonly flow: Record<string, unknown>;
  readonly source: EndpointText<P>;
  readonly destination: EndpointText<P>;
}

export const SOURCE_MARK = '\u0001';
export const DESTINATION_MARK = '\u0002';
const SOURCE_TEXT = '"\\u0001"';
const DESTINATION_TEXT = '"\\u0002"';

/** Endpoint texts kept per input: a capture's pods (replicas included), with room to spare. */
const MAX_TEXTS = 1 << 15;
/** Characters of an endpoint text's end that pick its candidates (pod name and owner are there). */
const TAIL = 128;
/** Lines in a row the fast path could not take before it gives up on this input. */
const MAX_MISSES = 1000;

const SOURCE_AT = ',"source":{';
const DESTINATION_AT = '},"destination":{';
const AFTER = '},"';

export class EndpointTexts<P> {
  /** Endpoint texts by their last TAIL characters (one string compare picks among few). */
  private readonly byTail = new Map<string, EndpointText<P>[]>();
  private size = 0;
  private misses = 0;

  /**
   * The line with its endpoint objects read from the memo, or undefined: then the caller
   * parses the whole line.
   */
  cut(line: string, flowOf: (obj: Record<string, unknown>) => Record<string, unknown>): CutLine<P> | undefined {
    if (this.misses >= MAX_MISSES) return undefined;
    const at = line.indexOf(SOURCE_AT);
    const s = at + SOURCE_AT.length - 1;
    const mid = at < 0 ? -1 : line.indexOf(DESTINATION_AT, s);
    const d = mid + DESTINATION_AT.length - 1;
    const end = mid < 0 ? -1 : line.indexOf(AFTER, d);
    if (end < 0 || line.indexOf('\\u000') >= 0) return this.miss();
    const source = this.text(line, s, mid + 1);
    const destination = source && this.text(line, d, end + 1);
    if (!destination) return this.miss();
    let obj: unknown;
    try {
      obj = JSON.parse(line.slice(0, s) + SOURCE_TEXT + ',"destination":' + DESTINATION_TEXT + line.slice(end + 1));
    } catch {
      return this.miss();
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return this.miss();
    const o = obj as Record<string, unknown>;
    const flow = flowOf(o);
    if (flow['source'] !== SOURCE_MARK || flow['destination'] !== DESTINATION_MARK) return this.miss();
    this.misses = 0;
    return { obj: o, flow, source, destination };
  }

  private miss(): undefined {
    this.misses++;
    return undefined;
  }

  /** The endpoint text line[start, end) from the memo, or parsed and kept; undefined if it is no JSON object. */
  private text(line: string, start: number, end: number): EndpointText<P> | undefined {
    const tail = line.slice(end - TAIL > start ? end - TAIL : start, end);
    const list = this.byTail.get(tail);
    const piece = line.slice(start, end);
    if (list) for (const c of list) if (piece === c.text) return c;
    const text = own(piece);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const entry: EndpointText<P> = { text, value: value as Record<string, unknown> };
    if (this.size < MAX_TEXTS) {
      this.size++;
      if (list) list.push(entry);
      else this.byTail.set(own(tail), [entry]);
    }
    return entry;
  }
}

/**
 * A copy of a piece of a line that holds only its own characters: V8 cuts a substring as a view
 * of its parent, and a kept view would keep the whole chunk of the capture it was cut from.
 */
function own(s: string): string {
  return (' ' + s).slice(1);
}
