/** Where a JSON text's top-level `items` array and each of its elements lie, in bytes (jsonListItems). */
export interface JsonListItems {
  /** Offsets of the array's `[` and `]`. */
  readonly open: number;
  readonly close: number;
  /** Each element is bytes [starts[i], ends[i]); it starts on line lines[i]. */
  readonly starts: number[];
  readonly ends: number[];
  readonly lines: number[];
  /** The 1-based line of the root value's first character. */
  readonly firstLine: number;
}

/**
 * The top-level `items` array of a JSON text (kubectl's `-o json` List) cut into its elements by
 * one scan of the text's bytes (UTF-8: every byte that JSON gives a meaning is ASCII), so each element can be JSON.parse'd and dropped on its own instead of
 * the whole text parsed into one tree. The text is not yet known to be JSON: the scan only
 * finds the cuts (strings skipped whole, brackets counted, an element being what lies between
 * the array's `[`, `,` and `]`), and JSON.parse of the text without the array and of each
 * element is the judge — together they read exactly what JSON.parse of the whole reads.
 * Undefined when the cut is not that simple: no `items` array at the root, or a root key that is
 * `items` twice or spelled with an escape (JSON.parse keeps the last), or an unterminated string.
 */
export function jsonListItems(text: Uint8Array): JsonListItems | undefined {
  const n = text.length;
  let line = 1;
  let depth = 0;
  /** The last string at depth 1 (a key if a `:` follows), and the last key. */
  let pending: string | undefined;
  let key: string | undefined;
  let itemsKeys = 0;
  let open = -1;
  let close = -1;
  let inItems = false;
  let expectElement = false;
  /** After the last character of the element being read. */
  let end = -1;
  const starts: number[] = [];
  const ends: number[] = [];
  const lines: number[] = [];
  let first = 0;
  while (first < n && (text[first] === 0x20 || text[first] === 0x09 || text[first] === 0x0d || text[first] === 0x0a)) {
    if (text[first] === 0x0a) line++;
    first++;
  }
  const firstLine = line;
  for (let i = first; i < n; i++) {
    const c = text[i]!;
    if (c <= 0x20) {
      if (c === 0x0a) line++;
      else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return undefined; // not JSON whitespace
      continue;
    }
    if (depth === 2 && inItems) {
      if (c === 0x2c || c === 0x5d) {
        // An empty element (`[,`, `,,`, `,]`): invalid, left to the whole parse to name.
        if (expectElement && (c === 0x2c || starts.length > 0)) return undefined;
        if (c === 0x2c || starts.length > ends.length) ends.push(end);
      } else if (expectElement) {
        starts.push(i);
        lines.push(line);
        expectElement = false;
      }
    }
    if (c === 0x22) {
      // A string, to its closing quote; a `\` escapes the byte after it. JSON strings hold no
      // raw line break (the parse of the pieces rejects one), so no line is skipped.
      let j = i + 1;
      for (;;) {
        if (j >= n) return undefined;
        const d = text[j]!;
        if (d === 0x22) break;
        j += d === 0x5c ? 2 : 1;
      }
      if (depth === 1) pending = Buffer.from(text.buffer, text.byteOffset + i + 1, j - i - 1).toString('latin1');
      i = j;
      end = j + 1;
      continue;
    }
    end = i + 1;
    if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth === 2 && c === 0x5b && key === 'items' && open < 0) {
        open = i;
        inItems = true;
        expectElement = true;
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 1 && inItems) {
        close = i;
        inItems = false;
      }
    } else if (c === 0x2c) {
      if (depth === 2 && inItems) expectElement = true;
    } else if (c === 0x3a && depth === 1) {
      key = pending;
      pending = undefined;
      if (key !== undefined && (key === 'items' || key.includes('\\'))) itemsKeys++;
    }
  }
  if (open < 0 || close < 0 || itemsKeys !== 1 || starts.length !== ends.length) return undefined;
  return { open, close, starts, ends, lines, firstLine };
}
