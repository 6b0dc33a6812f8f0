/**
 * A fast reader for the YAML that `kubectl get -o yaml`, Helm and hand-written manifests almost
 * always are: block mappings and sequences, one-line plain and quoted scalars, `{}` and `[]`,
 * comments. It gives exactly what js-yaml gives with the same schema, and gives up (returns
 * undefined) on anything else — block scalars, anchors, tags, flow collections with content,
 * multi-line scalars, tabs, CR line ends, merge keys, duplicate keys — so the caller hands that
 * document to js-yaml, which either reads it or says precisely what is wrong and where.
 *
 * Why: js-yaml builds every node through a general state machine and was most of the time of
 * loading a large cluster; this reads the common shape at several times its speed.
 */
import type yaml from 'js-yaml';

const SPACE = 0x20;
const NL = 0x0a;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

/** Slots of the key cache (a power of two), and the longest key it holds. */
const KEY_SLOTS = 1024;
const MAX_CACHED_KEY = 64;

/** `itemLines` of a document read without them: always empty. */
const NO_ITEM_LINES: Map<object, number> = new Map();

/** Thrown (never escapes this file) when the text leaves the subset read here. */
const GIVE_UP = { giveUp: true };

export interface PlainDocument {
  /** The document's value: null for a document with no content after `---`. */
  readonly value: unknown;
  /** 1-based line where the document's content starts. */
  readonly line: number;
  /** 1-based line each sequence item that is a mapping or a list starts on. */
  readonly itemLines: Map<object, number>;
  /**
   * 1-based line of `end` (where the next document starts, when the text breaks its last
   * line): the reader passes every line, so its caller need not count them again.
   */
  readonly endLine: number;
}

/** The implicit (plain-scalar) types of a schema, in the order js-yaml tries them. */
type ImplicitType = { resolve(data: string): boolean; construct(data: string): unknown };

export class PlainYamlReader {
  private readonly implicit: readonly ImplicitType[];
  private text = '';
  private end = 0;
  /** The current content line: where it starts, its indentation, where it ends, its number. */
  private lineStart = 0;
  private indent = 0;
  private lineEnd = 0;
  private lineNo = 0;
  /** False once past the last content line. */
  private hasLine = false;
  private itemLines = new Map<object, number>();
  /** cachedKey's table: the raw text of a key and the key it reads as, by hash slot. */
  private readonly keyRaw: (string | undefined)[] = new Array<string | undefined>(KEY_SLOTS).fill(undefined);
  private readonly keyValue: (string | undefined)[] = new Array<string | undefined>(KEY_SLOTS).fill(undefined);

  constructor(schema: yaml.Schema) {
    // js-yaml resolves plain scalars with the schema's compiled implicit types, in this order.
    this.implicit = (schema as unknown as { compiledImplicit: ImplicitType[] }).compiledImplicit;
  }

  /**
   * Reads the one document in text[start, end) (which may begin with its `---` line);
   * `firstLine` is the 1-based number of the line at `start`. Undefined: not in the subset.
   * `explicit`: the document begins with `---`; otherwise a text with no content is no
   * document at all (null is returned as `value` only for an explicit one). `itemLines` false:
   * the lines of sequence items are not recorded (only a List's items need them).
   */
  read(text: string, start: number, end: number, firstLine: number, itemLines = true): PlainDocument | undefined {
    this.text = text;
    this.end = end;
    this.itemLines = itemLines ? new Map() : NO_ITEM_LINES;
    try {
      let pos = start;
      let lineNo = firstLine;
      if (text.startsWith('---', pos)) {
        // `---` alone (or with a comment): content on the marker line is left to js-yaml.
        let p = pos + 3;
        while (p < end && text.charCodeAt(p) === SPACE) p++;
        if (p < end && text.charCodeAt(p) !== NL && text.charCodeAt(p) !== HASH) return undefined;
        const nl = text.indexOf('\n', pos);
        if (nl < 0 || nl >= end) return { value: null, line: lineNo, itemLines: this.itemLines, endLine: lineNo + 1 };
        pos = nl + 1;
        lineNo++;
      }
      this.seekContent(pos, lineNo);
      if (!this.hasLine) return { value: null, line: lineNo, itemLines: this.itemLines, endLine: this.lineNo };
      const line = this.lineNo;
      const value = this.node(this.indent);
      if (this.hasLine) throw GIVE_UP; // content less indented than the root, or a second root
      return { value, line, itemLines: this.itemLines, endLine: this.lineNo };
    } catch (e) {
      if (e === GIVE_UP) return undefined;
      throw e;
    }
  }

  /** Moves to the first line at or after `pos` that has content (not blank, not only a comment). */
  private seekContent(pos: number, lineNo: number): void {
    const { text, end } = this;
    while (pos < end) {
      let p = pos;
      while (p < end && text.charCodeAt(p) === SPACE) p++;
      let nl = text.indexOf('\n', p);
      if (nl < 0 || nl > end) nl = end;
      const c = p < end ? text.charCodeAt(p) : NL;
      if (c !== NL && c !== HASH && p < nl) {
        this.lineStart = p;
        this.indent = p - pos;
        this.lineEnd = nl;
        this.lineNo = lineNo;
        this.hasLine = true;
        return;
      }
      pos = nl + 1;
      lineNo++;
    }
    // Past the last line: lineNo is the line at `end` (see PlainDocument.endLine).
    this.lineNo = lineNo;
    this.hasLine = false;
  }

  private nextLine(): void {
    this.seekContent(this.lineEnd + 1, this.lineNo + 1);
  }

  private isEntry(at: number): boolean {
    if (this.text.charCodeAt(at) !== DASH) return false;
    const next = at + 1 < this.lineEnd ? this.text.charCodeAt(at + 1) : NL;
    return next === SPACE || next === NL;
  }

  /** The block node whose first line is the current one, at indentation `indent`. */
  private node(indent: number): unknown {
    return this.isEntry(this.lineStart) ? this.sequence(indent) : this.mapping(indent, this.lineStart);
  }

  /** Position of the `:` ending a plain key that starts at `from` on this line, or -1. */
  private keyColon(from: number): number {
    const { text, lineEnd } = this;
    for (let p = from; p < lineEnd; p++) {
      const c = text.charCodeAt(p);
      if (c === COLON) {
        if (p + 1 >= lineEnd || text.charCodeAt(p + 1) === SPACE) return p;
      } else if (c === HASH && text.charCodeAt(p - 1) === SPACE) return -1;
    }
    return -1;
  }

  /**
   * A block mapping at `indent`; its first key starts at `at` on the current line (after a
   * sequence's `- `, that is not the line's first character).
   */
  private mapping(indent: number, at: number): Record<string, unknown> {
    const { text } = this;
    const result: Record<string, unknown> = {};
    for (;;) {
      const c = text.charCodeAt(at);
      // Quoted keys, complex keys (`?`), aliases, anchors, tags, flow: js-yaml's.
      if (c === DQUOTE || c === SQUOTE || c === 0x3f || c === 0x26 || c === 0x2a || c === 0x21 || c === 0x5b || c === 0x7b || c === COLON || c === 0x7c || c === 0x3e || c === 0x25 || c === 0x40 || c === 0x60 || c === 0x2c || c === HASH || c === DASH) {
        if (!(c === DASH && !this.isEntry(at))) throw GIVE_UP;
      }
      const colon = this.keyColon(at);
      if (colon < 0) throw GIVE_UP;
      let keyEnd = colon;
      while (keyEnd > at && text.charCodeAt(keyEnd - 1) === SPACE) keyEnd--;
      const key = this.cachedKey(at, keyEnd);
      if (Object.prototype.hasOwnProperty.call(result, key)) throw GIVE_UP; // js-yaml says "duplicated mapping key"
      result[key] = this.value(indent, colon + 1);
      if (!this.hasLine || this.indent < indent) return result;
      if (this.indent > indent) throw GIVE_UP;
      if (this.isEntry(this.lineStart)) throw GIVE_UP; // a `- ` where a key belongs
      at = this.lineStart;
    }
  }

  /**
   * The key written at text[at, end): every object of a cluster repeats the same few dozen keys,
   * so a key seen before is found by a hash of its characters and compared in place, without
   * cutting a new string from the text or resolving it again (and the stored string is the one
   * V8 already keeps as a property name, which makes setting the property cheaper too).
   */
  private cachedKey(at: number, end: number): string {
    const { text } = this;
    const len = end - at;
    if (len > MAX_CACHED_KEY) return this.key(text.slice(at, end));
    let h = len;
    for (let p = at; p < end; p++) h = (Math.imul(h, 31) + text.charCodeAt(p)) | 0;
    const slot = h & (KEY_SLOTS - 1);
    const raw = this.keyRaw[slot];
    if (raw !== undefined && raw.length === len && text.startsWith(raw, at)) return this.keyValue[slot]!;
    const key = this.key(text.slice(at, end));
    this.keyRaw[slot] = text.slice(at, end);
    this.keyValue[slot] = key;
    return key;
  }

  private key(raw: string): string {
    if (raw === '<<' || raw === '__proto__') throw GIVE_UP; // merge keys; js-yaml's own-property care
    // A plain key is a plain scalar like any other: `true:` is the key "true", `1.0:` is "1".
    return String(this.plain(raw));
  }

  /**
   * The value after a key's `:` at `from`; leaves the current line on the line after it. For
   * a value on following lines: more indented, or a sequence at the key's own indentation.
   */
  private value(indent: number, from: number): unknown {
    const { text, lineEnd } = this;
    let p = from;
    while (p < lineEnd && text.charCodeAt(p) === SPACE) p++;
    if (p >= lineEnd || text.charCodeAt(p) === HASH) {
      this.nextLine();
      if (!this.hasLine) return null;
      if (this.indent > indent) return this.node(this.indent);
      if (this.indent === indent && this.isEntry(this.lineStart)) return this.sequence(indent);
      return null;
    }
    const v = this.inlineScalar(p);
    this.nextLine();
    // A more indented line after a one-line value continues a multi-line scalar (or is an error).
    if (this.hasLine && this.indent > indent) throw GIVE_UP;
    return v;
  }

  /** A block sequence at `indent`, the current line being its first `- `. */
  private sequence(indent: number): unknown[] {
    const { text } = this;
    const result: unknown[] = [];
    while (this.hasLine && this.indent === indent && this.isEntry(this.lineStart)) {
      let p = this.lineStart + 1;
      while (p < this.lineEnd && text.charCodeAt(p) === SPACE) p++;
      let item: unknown;
      const line = this.lineNo;
      if (p >= this.lineEnd || text.charCodeAt(p) === HASH) {
        this.nextLine();
        if (this.hasLine && this.indent > indent) {
          const itemLine = this.lineNo;
          item = this.node(this.indent);
          if (item !== null && typeof item === 'object' && this.itemLines !== NO_ITEM_LINES) this.itemLines.set(item, itemLine);
        } else item = null;
      } else if (this.isEntry(p)) {
        throw GIVE_UP; // `- - x`
      } else {
        const c = text.charCodeAt(p);
        if (c !== DQUOTE && c !== SQUOTE && this.keyColon(p) >= 0) {
          // `- key: value`: a mapping whose keys line up with this one's.
          const m = this.mapping(p - this.lineStart + this.indent, p);
          if (this.itemLines !== NO_ITEM_LINES) this.itemLines.set(m, line);
          item = m;
        } else {
          item = this.inlineScalar(p);
          this.nextLine();
          if (this.hasLine && this.indent > indent) throw GIVE_UP;
        }
      }
      result.push(item);
    }
    if (this.hasLine && this.indent > indent) throw GIVE_UP;
    return result;
  }

  /** A scalar (or `{}` / `[]`) from `p` to the end of the current line, with any comment. */
  private inlineScalar(p: number): unknown {
    const { text, lineEnd } = this;
    const c = text.charCodeAt(p);
    let value: unknown;
    let after: number;
    if (c === DQUOTE) {
      let q = p + 1;
      let escaped = false;
      for (;;) {
        if (q >= lineEnd) throw GIVE_UP; // continues on the next line
        const d = text.charCodeAt(q);
        if (d === 0x5c) {
          escaped = true;
          q += 2;
          continue;
        }
        if (d === DQUOTE) break;
        q++;
      }
      const raw = text.slice(p + 1, q);
      if (escaped) {
        // The escapes JSON has mean the same in YAML; the others (\x, \U, \e, \N, …) are js-yaml's.
        if (/\\[^"\\/bfnrtu]/.test(raw)) throw GIVE_UP;
        try {
          value = JSON.parse(`"${raw}"`);
        } catch {
          throw GIVE_UP;
        }
      } else value = raw;
      after = q + 1;
    } else if (c === SQUOTE) {
      let q = p + 1;
      for (;;) {
        q = text.indexOf("'", q);
        if (q < 0 || q >= lineEnd) throw GIVE_UP;
        if (text.charCodeAt(q + 1) === SQUOTE) q += 2;
        else break;
      }
      value = text.slice(p + 1, q).replaceAll("''", "'");
      after = q + 1;
    } else if ((c === 0x7b || c === 0x5b) && text.charCodeAt(p + 1) === (c === 0x7b ? 0x7d : 0x5d)) {
      value = c === 0x7b ? {} : [];
      after = p + 2;
    } else {
      // Indicators that start something else than a plain scalar: js-yaml's.
      if (c === 0x7b || c === 0x5b || c === 0x7d || c === 0x5d || c === 0x2c || c === 0x26 || c === 0x2a || c === 0x21 || c === 0x7c || c === 0x3e || c === 0x25 || c === 0x40 || c === 0x60 || c === 0x3f || c === COLON || c === DASH && this.isEntry(p)) {
        throw GIVE_UP;
      }
      let q = p;
      let last = p; // one past the last non-space character
      for (; q < lineEnd; q++) {
        const d = text.charCodeAt(q);
        if (d === SPACE) continue;
        if (d === HASH && text.charCodeAt(q - 1) === SPACE) break;
        if (d === COLON && (q + 1 >= lineEnd || text.charCodeAt(q + 1) === SPACE)) throw GIVE_UP; // `a: b: c`
        last = q + 1;
      }
      return this.plain(text.slice(p, last));
    }
    // After a quoted scalar or `{}`: only spaces and a comment.
    let r = after;
    while (r < lineEnd && text.charCodeAt(r) === SPACE) r++;
    if (r < lineEnd && !(text.charCodeAt(r) === HASH && r > after)) throw GIVE_UP;
    return value;
  }

  /** A plain scalar's value: null, a boolean, a number or the string, as the schema resolves it. */
  private plain(s: string): unknown {
    const c = s.charCodeAt(0);
    // Only these can start a null, boolean, number or merge key; any other plain scalar is a string.
    const maybeTyped =
      (c >= 0x30 && c <= 0x39) || c === 0x2b || c === DASH || c === 0x2e || c === 0x7e || c === 0x3c ||
      c === 0x6e || c === 0x4e || c === 0x74 || c === 0x54 || c === 0x66 || c === 0x46;
    if (!maybeTyped) return s;
    // Starting with a letter, only null and the booleans (`null`, `True`, `FALSE`, …: at most
    // five letters) resolve to anything but a string: `nginx-ingress` or `tcp-metrics` need not
    // go through every type's expressions.
    if (c >= 0x41 && s.length > 5) return s;
    for (const type of this.implicit) if (type.resolve(s)) return type.construct(s);
    return s;
  }
}
