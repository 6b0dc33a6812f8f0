/**
 * The 1-based lines on which the elements of a JSON document's top-level `items` array start
 * (`kubectl get -o json` prints a List), found by one scan of the text: strings are skipped
 * whole, brackets counted. The text is valid JSON (JSON.parse has read it). Undefined when the
 * root is not an object with an `items` array.
 */
export function jsonListItemLines(text: string): number[] | undefined {
  const n = text.length;
  let line = 1;
  let depth = 0;
  /** The last string at depth 1, and whether it was a key (followed by `:`). */
  let key: string | undefined;
  let inItems = false;
  let expectElement = false;
  const lines: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
    if (inItems && expectElement && depth === 2 && c !== 0x5d) {
      lines.push(line);
      expectElement = false;
    }
    if (c === 0x22) {
      // A string: to its closing quote (one not escaped by an odd run of backslashes). JSON
      // strings hold no raw newlines, so no line is skipped.
      let j = i + 1;
      for (;;) {
        j = text.indexOf('"', j);
        let b = j - 1;
        while (text.charCodeAt(b) === 0x5c) b--;
        if ((j - 1 - b) % 2 === 0) break;
        j++;
      }
      if (depth === 1) key = text.slice(i + 1, j);
      i = j;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth === 2 && c === 0x5b && key === 'items') {
        inItems = true;
        expectElement = true;
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 1 && inItems) return lines;
    } else if (c === 0x2c && depth === 2 && inItems) {
      expectElement = true;
    } else if (c === 0x3a && depth === 1) {
      // key stays: the value that follows is the key's
    }
  }
  return undefined;
}
