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
 *
 * It reads bytes (UTF-8), not a string: a large input is read in chunks into one reused buffer
 * and never decoded whole. Every key and value is a string of its own, cut from the bytes (a
 * substring of a large string would keep the whole string alive), and scalars seen before
 * (label values, namespaces, images, ports: a cluster repeats them thousands of times) come
 * from a cache, so the model holds one copy of each and most scalars allocate nothing.
 */
import { isAscii } from 'node:buffer';
import type yaml from 'js-yaml';

const SPACE = 0x20;
const NL = 0x0a;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

/** Slots of the key and scalar caches (powers of two), and the longest text they hold. */
const KEY_SLOTS = 1024;
const VALUE_SLOTS = 16384;
const MAX_CACHED = 64;

/** Buffer's own decoders of a range (what toString calls, without its argument handling). */
type Decoders = { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

/**
 * Texts read before and what they read as, by a hash of their bytes (direct-mapped: a slot
 * holds the last text that hashed to it). ASCII texts only, so a text's bytes are its characters.
 */
class TextCache {
  readonly raw: (string | undefined)[];
  readonly value: unknown[];
  private readonly mask: number;
  /** Set by slot(): whether the slot holds the text looked up. */
  hit = false;

  constructor(slots: number) {
    this.raw = new Array<string | undefined>(slots).fill(undefined);
    this.value = new Array<unknown>(slots).fill(undefined);
    this.mask = slots - 1;
  }

  /** The slot of bytes[at, end), or -1 when it is not cached (too long); sets `hit`. */
  slot(bytes: Uint8Array, at: number, end: number): number {
    if (end - at > MAX_CACHED) return -1;
    let h = 0;
    for (let p = at; p < end; p++) h = (Math.imul(h, 31) + bytes[p]!) | 0;
    return this.slotOf(bytes, at, end, h);
  }

  /** slot(), given the hash of the bytes (`h = h * 31 + byte`, from 0), which a caller scanning them anyway computed. */
  slotOf(bytes: Uint8Array, at: number, end: number, h: number): number {
    const len = end - at;
    if (len > MAX_CACHED) return -1;
    h ^= len;
    const slot = (h ^ (h >>> 13)) & this.mask;
    const raw = this.raw[slot];
    let hit = raw !== undefined && raw.length === len;
    for (let i = 0; hit && i < len; i++) hit = raw!.charCodeAt(i) === bytes[at + i];
    this.hit = hit;
    return slot;
  }
}

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
  private bytes: Uint8Array = new Uint8Array(0);
  private decoders: Decoders = Buffer.alloc(0) as unknown as Decoders;
  /** The bytes are all ASCII: a text is its Latin-1 decoding, and may be cached. */
  private ascii = true;
  private end = 0;
  /** The current content line: where it starts, its indentation, where it ends, its number. */
  private lineStart = 0;
  private indent = 0;
  private lineEnd = 0;
  private lineNo = 0;
  /** False once past the last content line. */
  private hasLine = false;
  private itemLines = new Map<object, number>();
  /** The raw text of a key and the key it reads as; a one-line scalar (quotes and all) and its value. */
  private readonly keys = new TextCache(KEY_SLOTS);
  /** The items of the sequences being read (see sequence). */
  private readonly items: unknown[] = [];
  private readonly values = new TextCache(VALUE_SLOTS);

  constructor(schema: yaml.Schema) {
    // js-yaml resolves plain scalars with the schema's compiled implicit types, in this order.
    this.implicit = (schema as unknown as { compiledImplicit: ImplicitType[] }).compiledImplicit;
  }

  /**
   * Reads the one document in bytes[start, end) (UTF-8; it may begin with its `---` line);
   * `firstLine` is the 1-based number of the line at `start`. Undefined: not in the subset.
   * A text with no content after its `---` is the value null. `itemLines` false: the lines of
   * sequence items are not recorded (only a List's items need them). `ascii`: isAscii of the
   * bytes read, when the caller knows it (of a whole chunk, say).
   */
  read(bytes: Buffer, start: number, end: number, firstLine: number, itemLines = true, ascii = isAscii(bytes.subarray(start, end))): PlainDocument | undefined {
    this.bytes = bytes;
    this.decoders = bytes as unknown as Decoders;
    this.ascii = ascii;
    this.end = end;
    this.itemLines = itemLines ? new Map() : NO_ITEM_LINES;
    this.items.length = 0; // what a read that gave up left
    try {
      let pos = start;
      let lineNo = firstLine;
      if (end - pos >= 3 && bytes[pos] === DASH && bytes[pos + 1] === DASH && bytes[pos + 2] === DASH) {
        // `---` alone (or with a comment): content on the marker line is left to js-yaml.
        let p = pos + 3;
        while (p < end && bytes[p] === SPACE) p++;
        if (p < end && bytes[p] !== NL && bytes[p] !== HASH) return undefined;
        const nl = bytes.indexOf(NL, pos);
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
    const { bytes, end } = this;
    while (pos < end) {
      let p = pos;
      while (p < end && bytes[p] === SPACE) p++;
      let nl = p;
      while (nl < end && bytes[nl] !== NL) nl++;
      const c = p < end ? bytes[p] : NL;
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
    if (this.bytes[at] !== DASH) return false;
    const next = at + 1 < this.lineEnd ? this.bytes[at + 1] : NL;
    return next === SPACE || next === NL;
  }

  /** The block node whose first line is the current one, at indentation `indent`. */
  private node(indent: number): unknown {
    return this.isEntry(this.lineStart) ? this.sequence(indent) : this.mapping(indent, this.lineStart);
  }

  /** Position of the `:` ending a plain key that starts at `from` on this line, or -1. */
  private keyColon(from: number): number {
    const { bytes, lineEnd } = this;
    for (let p = from; p < lineEnd; p++) {
      const c = bytes[p];
      if (c === COLON) {
        if (p + 1 >= lineEnd || bytes[p + 1] === SPACE) return p;
      } else if (c === HASH && bytes[p - 1] === SPACE) return -1;
    }
    return -1;
  }

  /**
   * A block mapping at `indent`; its first key starts at `at` on the current line (after a
   * sequence's `- `, that is not the line's first character).
   */
  private mapping(indent: number, at: number): Record<string, unknown> {
    const { bytes } = this;
    const result: Record<string, unknown> = {};
    for (;;) {
      const c = bytes[at];
      // Quoted keys, complex keys (`?`), aliases, anchors, tags, flow: js-yaml's.
      if (c === DQUOTE || c === SQUOTE || c === 0x3f || c === 0x26 || c === 0x2a || c === 0x21 || c === 0x5b || c === 0x7b || c === COLON || c === 0x7c || c === 0x3e || c === 0x25 || c === 0x40 || c === 0x60 || c === 0x2c || c === HASH || c === DASH) {
        if (!(c === DASH && !this.isEntry(at))) throw GIVE_UP;
      }
      const colon = this.keyColon(at);
      if (colon < 0) throw GIVE_UP;
      let keyEnd = colon;
      while (keyEnd > at && bytes[keyEnd - 1] === SPACE) keyEnd--;
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
   * The key written at bytes[at, end): every object of a cluster repeats the same few dozen keys,
   * so a key seen before is found by a hash of its bytes and compared in place, without
   * making a new string or resolving it again (and the stored string is the one
   * V8 already keeps as a property name, which makes setting the property cheaper too).
   */
  private cachedKey(at: number, end: number): string {
    const slot = this.ascii ? this.keys.slot(this.bytes, at, end) : -1;
    if (slot < 0) return this.key(this.text(at, end));
    if (this.keys.hit) return this.keys.value[slot] as string;
    const raw = this.text(at, end);
    const key = this.key(raw);
    this.keys.raw[slot] = raw;
    this.keys.value[slot] = key;
    return key;
  }

  /** bytes[at, end) as a string of its own. */
  private text(at: number, end: number): string {
    return this.ascii ? this.decoders.latin1Slice(at, end) : this.decoders.utf8Slice(at, end);
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
    const { bytes, lineEnd } = this;
    let p = from;
    while (p < lineEnd && bytes[p] === SPACE) p++;
    if (p >= lineEnd || bytes[p] === HASH) {
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
    const { bytes, items } = this;
    // Items gather on a stack shared by every sequence (an inner one's above its outer's), and
    // the sequence is cut from it at its exact length: an array grown by push holds room for 16.
    const base = items.length;
    while (this.hasLine && this.indent === indent && this.isEntry(this.lineStart)) {
      let p = this.lineStart + 1;
      while (p < this.lineEnd && bytes[p] === SPACE) p++;
      let item: unknown;
      const line = this.lineNo;
      if (p >= this.lineEnd || bytes[p] === HASH) {
        this.nextLine();
        if (this.hasLine && this.indent > indent) {
          const itemLine = this.lineNo;
          item = this.node(this.indent);
          if (item !== null && typeof item === 'object' && this.itemLines !== NO_ITEM_LINES) this.itemLines.set(item, itemLine);
        } else item = null;
      } else if (this.isEntry(p)) {
        throw GIVE_UP; // `- - x`
      } else {
        const c = bytes[p];
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
      items.push(item);
    }
    const result = items.slice(base);
    items.length = base;
    if (this.hasLine && this.indent > indent) throw GIVE_UP;
    return result;
  }

  /** A scalar (or `{}` / `[]`) from `p` to the end of the current line, with any comment. */
  private inlineScalar(p: number): unknown {
    const { bytes, lineEnd } = this;
    const c = bytes[p];
    let value: unknown;
    let after: number;
    if (c === DQUOTE) {
      let q = p + 1;
      let escaped = false;
      for (;;) {
        if (q >= lineEnd) throw GIVE_UP; // continues on the next line
        const d = bytes[q];
        if (d === 0x5c) {
          escaped = true;
          q += 2;
          continue;
        }
        if (d === DQUOTE) break;
        q++;
      }
      after = q + 1;
      // Cached with its quotes, which tell it from the plain scalar of the same text.
      const slot = this.ascii ? this.values.slot(bytes, p, after) : -1;
      if (slot >= 0 && this.values.hit) value = this.values.value[slot];
      else {
        const raw = this.text(p + 1, q);
        if (escaped) {
          // The escapes JSON has mean the same in YAML; the others (\x, \U, \e, \N, …) are js-yaml's.
          if (/\\[^"\\/bfnrtu]/.test(raw)) throw GIVE_UP;
          try {
            value = JSON.parse(`"${raw}"`);
          } catch {
            throw GIVE_UP;
          }
        } else value = raw;
        if (slot >= 0) this.remember(slot, p, after, value);
      }
    } else if (c === SQUOTE) {
      let q = p + 1;
      for (;;) {
        while (q < lineEnd && bytes[q] !== SQUOTE) q++;
        if (q >= lineEnd) throw GIVE_UP;
        if (bytes[q + 1] === SQUOTE) q += 2;
        else break;
      }
      after = q + 1;
      const slot = this.ascii ? this.values.slot(bytes, p, after) : -1;
      if (slot >= 0 && this.values.hit) value = this.values.value[slot];
      else {
        value = this.text(p + 1, q).replaceAll("''", "'");
        if (slot >= 0) this.remember(slot, p, after, value);
      }
    } else if ((c === 0x7b || c === 0x5b) && bytes[p + 1] === (c === 0x7b ? 0x7d : 0x5d)) {
      value = c === 0x7b ? {} : [];
      after = p + 2;
    } else {
      // Indicators that start something else than a plain scalar: js-yaml's.
      if (c === 0x7b || c === 0x5b || c === 0x7d || c === 0x5d || c === 0x2c || c === 0x26 || c === 0x2a || c === 0x21 || c === 0x7c || c === 0x3e || c === 0x25 || c === 0x40 || c === 0x60 || c === 0x3f || c === COLON || c === DASH && this.isEntry(p)) {
        throw GIVE_UP;
      }
      let q = p;
      let last = p; // one past the last non-space character
      // The cache's hash of bytes[p, q), and of bytes[p, last): computed in the same pass.
      let h = 0;
      let hLast = 0;
      for (; q < lineEnd; q++) {
        const d = bytes[q]!;
        h = (Math.imul(h, 31) + d) | 0;
        if (d === SPACE) continue;
        if (d === HASH && bytes[q - 1] === SPACE) break;
        if (d === COLON && (q + 1 >= lineEnd || bytes[q + 1] === SPACE)) throw GIVE_UP; // `a: b: c`
        last = q + 1;
        hLast = h;
      }
      const slot = this.ascii ? this.values.slotOf(bytes, p, last, hLast) : -1;
      if (slot >= 0 && this.values.hit) return this.values.value[slot];
      const raw = this.text(p, last);
      const v = this.plain(raw);
      if (slot >= 0) {
        this.values.raw[slot] = raw;
        this.values.value[slot] = v;
      }
      return v;
    }
    // After a quoted scalar or `{}`: only spaces and a comment.
    let r = after;
    while (r < lineEnd && bytes[r] === SPACE) r++;
    if (r < lineEnd && !(bytes[r] === HASH && r > after)) throw GIVE_UP;
    return value;
  }

  /** Caches the value of the quoted scalar at bytes[at, end). */
  private remember(slot: number, at: number, end: number, value: unknown): void {
    this.values.raw[slot] = this.text(at, end);
    this.values.value[slot] = value;
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
