import { isAscii } from 'node:buffer';
import { InputError } from '@lateral/core';
import yaml from 'js-yaml';
import { jsonListItems } from './json-lines.js';
import { objectRef, type ObjectRef } from './object-ref.js';
import { PlainYamlReader } from './plain-yaml.js';
import { within } from './within.js';
import { decodeText } from './decode-text.js';
import { isMapping } from './raw-fields.js';
import { byteDocumentSpans, byteLineBreaks, lineBreaks } from './yaml-documents.js';

/** One parsed document, or one item of a List, with where it came from. */
export interface SourceObject {
  obj: unknown;
  file: string;
  /** 1-based line where the document (or List item) starts. */
  line?: number;
}

/**
 * The schema Kubernetes effectively reads YAML with: YAML 1.2 core types (so `on`/`yes` stay
 * strings) plus `<<` merge keys, which go-yaml supports. js-yaml's default schema would also
 * turn unquoted timestamps into Date objects, which Kubernetes keeps as strings.
 */
const KUBERNETES_SCHEMA = yaml.CORE_SCHEMA.extend({
  // js-yaml exports its built-in types at runtime; @types/js-yaml does not declare them.
  implicit: [(yaml as unknown as { types: { merge: yaml.Type } }).types.merge],
});

/** A parsed stream: its documents, the line each starts on, and where each mapping or list starts. */
interface ParsedStream {
  docs: unknown[];
  docLines: number[];
  startLine: LineOf;
}

/** Where a mapping or list (a List's item) starts. */
interface LineOf {
  get(node: object): number | undefined;
}

const NO_LINES: LineOf = { get: () => undefined };

let plainReader: PlainYamlReader | undefined;

/**
 * Takes each object as soon as it is read (see parseManifestsTo). `reread`, when given, reads
 * the same object again from the text (a fresh copy, equal to the first): a receiver that
 * converts each object at once need not keep it for the rare comparison of duplicates. `ref`
 * is objectRef of the object, which the reader computed to check it.
 */
export type ObjectSink = (o: SourceObject, reread?: () => unknown, ref?: ObjectRef) => void;

/**
 * Parses YAML (one or more documents) or JSON into objects; List and *List kinds are flattened
 * into their items. Each object is checked to be a mapping with kind and metadata.name.
 */
export function parseManifests(text: string, file: string): SourceObject[] {
  const out: SourceObject[] = [];
  parseManifestsTo(text, file, (o) => void out.push(o));
  return out;
}

/**
 * parseManifests, handing each object to `sink` in order as soon as its document is read, so
 * that a caller converting objects one by one never holds the whole parse tree of a large
 * input. A parse error is thrown when its document is reached, after the objects before it.
 */
export function parseManifestsTo(text: string, file: string, sink: ObjectSink): void {
  parseManifestsCountingLines(text, file, sink);
}

/**
 * parseManifestsTo, answering how many line breaks (`\n`) the text holds: the fast reader
 * passes every line anyway, and a reader of a stream in chunks needs the count to number the
 * next chunk's lines.
 */
export function parseManifestsCountingLines(text: string, file: string, sink: ObjectSink): number {
  return readText(text, file, sink, 1);
}

/** parseManifestsCountingLines of a text whose first line is line `firstLine` of the file. */
function readText(text: string, file: string, sink: ObjectSink, firstLine: number): number {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (/^\s*[[{]/.test(src)) {
    const add = (parsed: ParsedStream) => addParsed(parsed, file, src.includes('*'), sink);
    // A string that is no well-formed UTF-16 (a lone surrogate) would not survive UTF-8.
    const wellFormed = (src as { isWellFormed?: () => boolean }).isWellFormed?.() === true;
    if (!wellFormed || !readJsonList(Buffer.from(src, 'utf8'), file, sink)) add(parseJsonStream(src, file));
    return lineBreaks(text);
  }
  // CRLF is one line break to YAML; as LF the fast reader takes it too (a lone CR it leaves).
  const lf = src.includes('\r') ? src.replaceAll('\r\n', '\n') : src;
  // The fast reader reads UTF-8; a text that is no well-formed UTF-16 is js-yaml's to judge.
  if (lf.includes('\r') || (lf as { isWellFormed?: () => boolean }).isWellFormed?.() !== true) {
    addParsed(parseYaml(lf, file, false, firstLine - 1), file, lf.includes('*'), sink);
    return lineBreaks(text);
  }
  return readYamlBytes(Buffer.from(lf, 'utf8'), file, sink, firstLine);
}

/**
 * Reads the YAML (or JSON) in `bytes` (UTF-8, no byte order mark), whose first line is line
 * `firstLine` of `file`, as parseManifestsCountingLines reads its text, and answers how many
 * line breaks the bytes hold. Nothing read keeps a reference to `bytes`, which the caller may
 * reuse once this returns: `reopen(start, end)` gives bytes[start, end) again, for an object's
 * reread (by default, from `bytes` itself).
 */
export function readManifestBytes(
  bytes: Buffer,
  file: string,
  sink: ObjectSink,
  firstLine = 1,
  reopen?: (start: number, end: number) => Buffer,
): number {
  // Anything but UTF-8 YAML with LF line ends goes through the text (CRs and JSON are rare in
  // large inputs, and the text's reader knows what to do with them).
  let p = 0;
  while (bytes[p] === 0x20 || bytes[p] === 0x0a) p++;
  const c = bytes[p];
  if (c === 0x7b || c === 0x5b || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c || (c !== undefined && c >= 0x80) || bytes.includes(0x0d)) {
    return readText(decodeText(bytes), file, sink, firstLine);
  }
  return readYamlBytes(bytes, file, sink, firstLine, reopen);
}

/** readManifestBytes of YAML with no CR. */
function readYamlBytes(bytes: Buffer, file: string, sink: ObjectSink, firstLine: number, reopen?: (start: number, end: number) => Buffer): number {
  const ascii = isAscii(bytes);
  const spans = byteDocumentSpans(bytes);
  if (!spans) {
    const text = decodeText(bytes, 0, bytes.length, ascii);
    addParsed(parseYaml(text, file, false, firstLine - 1), file, text.includes('*'), sink);
    return byteLineBreaks(bytes);
  }
  // Only when no reopen is given may a reread keep `bytes` (a caller's reused buffer must not be).
  const again = reopen ?? keptBytes(bytes);
  const reader = (plainReader ??= new PlainYamlReader(KUBERNETES_SCHEMA));
  // Only a List's items are looked up by line (flatten). A text without "List" (or a `\`
  // escape that could spell it) holds none, and its readers need not record the lines.
  const mayHoldList = bytes.includes('List') || bytes.includes(0x5c);
  // The line each document starts on: the reader's end line of the one before, or counted
  // where js-yaml read it.
  let line = firstLine;
  // Tabs are js-yaml's (the fast reader knows only spaces): the next one, to tell which documents hold one.
  let tab = bytes.indexOf(0x09);
  for (const { start, end } of spans) {
    const docLine = line;
    while (tab >= 0 && tab < start) tab = bytes.indexOf(0x09, tab + 1);
    const doc = tab >= 0 && tab < end ? undefined : reader.read(bytes, start, end, docLine, mayHoldList, ascii);
    if (!doc) {
      // Anything the fast reader leaves (block scalars, anchors, flow mappings, errors) is js-yaml's.
      const text = decodeText(bytes, start, end, ascii);
      addParsed(parseYaml(text, file, false, docLine - 1), file, text.includes('*'), sink);
      line += lineBreaks(text);
      continue;
    }
    line = doc.endLine;
    if (doc.value === null) continue; // an empty document is no object, and no error
    // The document's objects can be read again from its bytes: the fast reader gives the same.
    let index = 0;
    flatten(doc.value, file, doc.line, doc.itemLines, undefined, (o, _, ref) => sink(o, rereadOf(reader, again, start, end, docLine, mayHoldList, file, index++), ref));
  }
  // The reader's end line counts a last line that has no line break as if it had one.
  return line - firstLine - (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a ? 0 : 1);
}

/**
 * Reads the `nth` object of the document at [start, end) again (an ObjectSink's reread). Made
 * here, apart, so that the closure holds these values alone: there is one an object, kept
 * until the load ends.
 */
function rereadOf(
  reader: PlainYamlReader,
  again: (start: number, end: number) => Buffer,
  start: number,
  end: number,
  line: number,
  mayHoldList: boolean,
  file: string,
  nth: number,
): () => unknown {
  return () => {
    const bytes = again(start, end);
    const read = reader.read(bytes, 0, bytes.length, line, mayHoldList);
    if (!read) throw new InputError('changed while it was being read', { file });
    const objects: SourceObject[] = [];
    flatten(read.value, file, read.line, read.itemLines, undefined, (x) => void objects.push(x));
    if (objects[nth] === undefined) throw new InputError('changed while it was being read', { file });
    return objects[nth].obj;
  };
}

/** Reads bytes[start, end) again from `bytes` itself (in a function of its own, so only a reread closure holds them). */
function keptBytes(bytes: Buffer): (start: number, end: number) => Buffer {
  return (start, end) => bytes.subarray(start, end);
}

/** Hands on the objects of each document js-yaml read (a stream whose text has a `*` may hold a cycle). */
function addParsed(parsed: ParsedStream, file: string, mayCycle: boolean, sink: ObjectSink): void {
  parsed.docs.forEach((doc, i) => {
    // Empty documents (a trailing `---`, a file of comments) are not objects, and not errors.
    if (doc === null || doc === undefined) return;
    if (mayCycle) rejectCycles(doc, file, parsed.docLines[i]);
    flatten(doc, file, parsed.docLines[i], parsed.startLine, undefined, sink);
  });
}

/**
 * JSON.parse is the judge and the reader, for JSON that readJsonList does not cut (a single
 * object, a root `items` key given twice, a text that is no JSON): a List's items take their
 * lines from the slower YAML pass, which knows every node's line.
 */
function parseJsonStream(src: string, file: string): ParsedStream {
  const value = parseJson(src, file);
  let firstLine = 1;
  for (let i = 0; i < src.length && /\s/.test(src[i]!); i++) if (src.charCodeAt(i) === 10) firstLine++;
  const items = isMapping(value) && Array.isArray(value.items) ? (value.items as unknown[]) : undefined;
  if (!items || items.length === 0) return { docs: [value], docLines: [firstLine], startLine: NO_LINES };
  try {
    return parseYaml(src, file, true);
  } catch {
    return { docs: [value], docLines: [firstLine], startLine: NO_LINES };
  }
}

/**
 * A JSON List (kubectl's `-o json`) read item by item from its bytes: the text is cut at its
 * `items` elements (jsonListItems), the root without them and then each element is decoded
 * (decodeText: no string of the whole text is made) and JSON.parse'd, flattened and
 * handed on, so no tree of the whole List is ever held and a converted item can be dropped (its
 * `reread` parses its text again). What is read, and the lines, are what parseJsonStream (js-yaml) gives;
 * a text that is no valid JSON is reported by JSON.parse of the whole, as before, and before an
 * item's own error, since the whole parse came first there. False (nothing read) when the text
 * is not such a List.
 */
export function readJsonList(bytes: Uint8Array, file: string, sink: ObjectSink): boolean {
  const cut = jsonListItems(bytes);
  if (!cut) return false;
  /** JSON.parse of the whole, for its error. */
  const whole = () => parseJson(decodeText(bytes), file);
  let root: unknown;
  try {
    root = JSON.parse(`${decodeText(bytes, 0, cut.open)}[]${decodeText(bytes, cut.close + 1)}`);
  } catch {
    return false; // the whole parse names the error
  }
  if (!isMapping(root) || typeof root.kind !== 'string' || !root.kind.endsWith('List') || !Array.isArray(root.items)) return false;
  const kind = root.kind;
  const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
  const inherited = itemKind ? { kind: itemKind, apiVersion: root.apiVersion } : undefined;
  /** The item's objects (more than one for a List in the List), each with its line. */
  const read = (index: number, emit: ObjectSink): void => {
    const text = decodeText(bytes, cut.starts[index], cut.ends[index]);
    let item: unknown;
    try {
      item = JSON.parse(text);
    } catch {
      whole(); // throws the whole text's error
      throw new Error(`JSON item ${index} of ${file} does not parse on its own`);
    }
    const isObject = item !== null && typeof item === 'object';
    const line = isObject ? cut.lines[index]! : cut.firstLine;
    let lines: LineOf = NO_LINES;
    if (isMapping(item) && typeof item.kind === 'string' && item.kind.endsWith('List')) {
      // A List in the List: js-yaml knows where each of its nodes starts (as parseJsonStream).
      try {
        const parsed = parseYaml(text, file, true, line - 1);
        lines = parsed.startLine;
        item = parsed.docs[0];
      } catch {
        lines = NO_LINES;
      }
    }
    flatten(item, file, line, lines, inherited, emit, { list: kind, index });
  };
  for (let index = 0; index < cut.starts.length; index++) {
    let nth = 0;
    try {
      read(index, (o, _, ref) => {
        const at = nth++;
        sink(o, () => {
          const objects: SourceObject[] = [];
          read(index, (x) => void objects.push(x));
          return objects[at]!.obj;
        }, ref);
      });
    } catch (e) {
      // JSON.parse of the whole would have found a syntax error further on before this one.
      if (e instanceof InputError) whole();
      throw e;
    }
  }
  return true;
}

function flatten(
  obj: unknown,
  file: string,
  line: number | undefined,
  startLine: LineOf,
  inherited: { kind: string; apiVersion?: unknown } | undefined,
  emit: ObjectSink,
  /** Where in which List this is, for a message about an item that is no object. */
  item?: { list: string; index: number },
): void {
  // By assignment: a literal with a spread takes V8's slow path, and every object passes here.
  const loc: { file: string; line?: number } = { file };
  if (line !== undefined) loc.line = line;
  // Items of a typed list read from the API (a PodList) carry no kind of their own.
  if (inherited && isMapping(obj) && obj.kind === undefined) {
    obj = { apiVersion: inherited.apiVersion, kind: inherited.kind, ...obj };
  }
  // `kind: List` (kubectl's) or a typed list such as PodList; a kind that merely ends in
  // "List" but has no items (a custom resource) is an object like any other.
  const isList =
    isMapping(obj) && typeof obj.kind === 'string' && (obj.kind === 'List' || (obj.kind.endsWith('List') && 'items' in obj));
  if (isMapping(obj) && isList) {
    const items = obj.items;
    if (items !== undefined && items !== null && !Array.isArray(items)) {
      throw new InputError('must be a list', { ...loc, object: String(obj.kind), field: 'items' });
    }
    const kind = obj.kind as string;
    const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
    ((items ?? []) as unknown[]).forEach((item, index) => {
      const itemLine = item !== null && typeof item === 'object' ? startLine.get(item) : undefined;
      flatten(
        item,
        file,
        itemLine ?? line,
        startLine,
        itemKind ? { kind: itemKind, apiVersion: obj.apiVersion } : undefined,
        emit,
        { list: kind, index },
      );
    });
    return;
  }
  const ref = within(loc, () => {
    try {
      return objectRef(obj);
    } catch (e) {
      // An item with no identity of its own is named by its place in the List.
      if (!(e instanceof InputError) || !item) throw e;
      const field = `items[${item.index}]${e.location.field ? `.${e.location.field}` : ''}`;
      throw new InputError(e.detail, { ...e.location, object: item.list, field });
    }
  });
  const o: SourceObject = { obj, file };
  if (line !== undefined) o.line = line;
  emit(o, undefined, ref);
}

/** js-yaml, for what the fast reader leaves; `lineOffset`: lines before `text` in the file. */
function parseYaml(text: string, file: string, json: boolean, lineOffset = 0): ParsedStream {
  // js-yaml reports every node it composes to a listener: 'open' with the line the node starts
  // on, 'close' with the value built. The root node of each document gives the document's
  // first line; remembering each mapping's and list's first line gives List items theirs. This
  // is exact where splitting the text at `---` lines by hand is not (block scalars, `...`
  // document ends, `--- {inline}`).
  const docLines: number[] = [];
  const startLine = new WeakMap<object, number>();
  const open: number[] = [];
  const listener = (event: yaml.EventType, state: yaml.State): void => {
    if (event === 'open') {
      open.push(state.line + 1 + lineOffset);
      if (open.length === 1) docLines.push(state.line + 1 + lineOffset);
      return;
    }
    const line = open.pop();
    const result: unknown = state.result;
    // A node may be wrapped (a flow mapping is first tried as a block mapping's key): the
    // innermost node closes first and is the one that starts at the content.
    if (line !== undefined && result !== null && typeof result === 'object' && !startLine.has(result)) {
      startLine.set(result, line);
    }
  };
  try {
    // js-yaml itself (client-node's loadAllYaml is this very call): reading manifests must not
    // load the Kubernetes client, which only --cluster needs.
    const docs = yaml.loadAll(text, undefined, { schema: KUBERNETES_SCHEMA, json, listener, filename: file });
    return { docs, docLines, startLine };
  } catch (e) {
    const err = e as { name?: unknown; reason?: unknown; mark?: { line?: number; column?: number } };
    if (err && err.name === 'YAMLException' && typeof err.reason === 'string') {
      const line = typeof err.mark?.line === 'number' ? err.mark.line + 1 + lineOffset : undefined;
      const col = typeof err.mark?.column === 'number' ? ` (column ${err.mark.column + 1})` : '';
      throw new InputError(`invalid YAML: ${err.reason}${line !== undefined ? col : ''}`, {
        file,
        ...(line !== undefined ? { line } : {}),
      });
    }
    throw e;
  }
}

/**
 * A YAML alias to a node that contains it (`a: &x [*x]`) builds a value that contains itself:
 * no Kubernetes object can be one (the API server's YAML-to-JSON conversion fails on it), and
 * everything downstream would loop or fail on it. Shared nodes (an alias used twice, merge keys)
 * are fine and are walked once.
 */
function rejectCycles(doc: unknown, file: string, line: number | undefined): void {
  const done = new Set<object>();
  const onPath = new Set<object>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || done.has(v)) return;
    if (onPath.has(v)) {
      throw new InputError('invalid YAML: an alias refers to a node that contains it (a cycle)', { file, ...(line !== undefined ? { line } : {}) });
    }
    onPath.add(v);
    for (const x of Array.isArray(v) ? v : Object.values(v)) visit(x);
    onPath.delete(v);
    done.add(v);
  };
  visit(doc);
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // V8 names the place as "(line L column C)" in newer versions and "at position N" in older.
    const lc = /line (\d+) column (\d+)/.exec(msg);
    const pos = /position (\d+)/.exec(msg);
    let line: number | undefined;
    if (lc) line = Number(lc[1]);
    else if (pos) line = text.slice(0, Number(pos[1])).split('\n').length;
    throw new InputError(`invalid JSON: ${msg}`, { file, ...(line !== undefined ? { line } : {}) });
  }
}
