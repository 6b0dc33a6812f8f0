/**
 * The fast YAML reader gives what js-yaml gives, or gives up: on every document of the
 * fixtures and of a synthetic cluster, and on constructs picked to be near its edges. Where it
 * reads, it must read most documents (that is what makes loading fast).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { PlainYamlReader } from './plain-yaml.js';
import { synthesizeYaml } from './synth/index.js';
import { byteDocumentSpans, byteLineBreaks } from './yaml-documents.js';

const SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [(yaml as unknown as { types: { merge: yaml.Type } }).types.merge] });
const reader = new PlainYamlReader(SCHEMA);

/** The reader on text[start, end) as it reads a file: the UTF-8 bytes of the whole text, and byte offsets. */
function read(text: string, start: number, end: number, line: number) {
  const at = (i: number) => Buffer.byteLength(text.slice(0, i));
  return reader.read(Buffer.from(text), at(start), at(end), line);
}
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

function jsYaml(text: string): unknown[] | Error {
  try {
    return yaml.loadAll(text, undefined, { schema: SCHEMA });
  } catch (e) {
    return e as Error;
  }
}

/** The documents of a stream as the loader cuts them: byte spans, each with its first line. */
function spansOf(bytes: Buffer): { start: number; end: number; line: number }[] | undefined {
  let line = 1;
  return byteDocumentSpans(bytes)?.map((s) => {
    const span = { ...s, line };
    line += byteLineBreaks(bytes, s.start, s.end);
    return span;
  });
}

/** Reads every document both ways; returns how many the fast reader took. */
function compare(text: string): { fast: number; docs: number } {
  const bytes = Buffer.from(text);
  const spans = spansOf(bytes);
  expect(spans).toBeDefined();
  let fast = 0;
  for (const s of spans!) {
    const piece = bytes.subarray(s.start, s.end).toString();
    const doc = reader.read(bytes, s.start, s.end, s.line);
    const expected = jsYaml(piece);
    if (!doc) continue;
    fast++;
    // Where the next document starts (a last line with no line break counted as if it had one).
    const unbroken = s.end === bytes.length && !text.endsWith('\n') ? 1 : 0;
    expect(doc.endLine, piece).toBe(s.line + byteLineBreaks(bytes, s.start, s.end) + unbroken);
    expect(expected, piece).not.toBeInstanceOf(Error);
    const values = expected as unknown[];
    expect(doc.value, piece).toStrictEqual(values.length === 0 ? null : values[0]);
  }
  return { fast, docs: spans!.length };
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (n === 'node_modules') return [];
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(n) ? [p] : [];
  });
}

describe('PlainYamlReader', () => {
  it('reads the fixtures as js-yaml does, document by document', () => {
    let fast = 0;
    let docs = 0;
    for (const f of [...yamlFiles(join(REPO, 'fixtures')), ...yamlFiles(join(REPO, 'test'))]) {
      const text = readFileSync(f, 'utf8');
      if (text.includes('\t') || text.includes('\r') || !byteDocumentSpans(Buffer.from(text))) continue;
      const r = compare(text);
      fast += r.fast;
      docs += r.docs;
    }
    // The fast reader must carry real weight (hand-written test YAML is often flow style, which
    // it leaves to js-yaml, so a share of all documents would drift as tests are added).
    expect(docs).toBeGreaterThan(100);
    expect(fast).toBeGreaterThan(100);
  });

  it('reads every document of a synthetic cluster, as js-yaml does', () => {
    const text = synthesizeYaml({ pods: 400, namespaces: 8, policies: 40, seed: 3 });
    const r = compare(text);
    expect(r.fast).toBe(r.docs);
  });

  it.each([
    ['plain scalars resolve as the core schema says', 'a: 1\nb: 0x1F\nc: 1e3\nd: .inf\ne: -.Inf\nf: .NaN\ng: ~\nh: null\ni: True\nj: FALSE\nk: yes\nl: 2024-01-01\nm: 1_000\nn: +12\no: -0\np: 0o17\nq: 012\nr: 3.\ns: <none>\nt: <<\n'],
    ['quoted scalars and their escapes', `a: "x \\"y\\" \\\\ \\u00e9 \\n \\t"\nb: 'it''s # not a comment'\nc: "# nor this"\nd: ''\ne: ""\n`],
    ['comments and blank lines anywhere', '# head\n\na: 1 # trailing\n  # indented comment\n\nb:   # empty, then a comment\n  c: x#y\n# tail\n'],
    ['compact and indented sequences, items that are mappings', 'a:\n- x\n- y: 1\n  z: 2\n-\n  w: 3\nb:\n  - - nested\nc:\n    - 1\n    -   2\n'],
    ['empty collections and null values', 'a: {}\nb: []\nc:\nd: {} # c\ne:\n  f:\n'],
    ['keys that are plain scalars of other types', 'true: 1\n1.0: 2\nnull: 3\n80: 4\n"q": 5\n'],
    ['values that continue on the next line', 'a: b\n  c\nd: e\n'],
    ['a block scalar, anchors, tags, flow mappings', 'a: |\n  x\nb: &x 1\nc: *x\nd: !!str 1\ne: {f: 1}\n'],
    ['duplicate keys and merge keys', 'a: 1\na: 2\n'],
    ['a merge key', 'base: &b {x: 1}\nm:\n  <<: *b\n'],
    ['a mapping value on the key line', 'a: b: c\n'],
    ['odd indentation', 'a:\n    b: 1\n  c: 2\n'],
    ['a document marker with content', '--- {a: 1}\n'],
    ['a document marker with a comment', '--- # c\na: 1\n'],
    ['a root scalar and a root sequence', 'just text\n'],
    ['a sequence at the root', '- a\n- b: 1\n'],
    ['special keys', '__proto__: 1\n? complex\n: value\n'],
    ['a quoted scalar followed by more', 'a: "x" y\n'],
    ['unicode and long lines', `a: ${'é'.repeat(1000)}\nb: "日本"\n`],
  ])('%s: what it reads equals js-yaml; it gives up where js-yaml errs', (_name, text) => {
    const expected = jsYaml(text);
    const doc = read(text, 0, text.length, 1);
    if (expected instanceof Error) expect(doc).toBeUndefined();
    else if (doc) expect(doc.value).toStrictEqual(expected.length === 0 ? null : expected[0]);
  });

  it('reads the common forms itself (rather than leaving them all to js-yaml)', () => {
    for (const text of [
      'a: 1\nb: 0x1F\nc: .inf\nd: ~\ne: True\nf: <none>\n',
      `a: "x \\"y\\" \\u00e9"\nb: 'it''s'\n`,
      '# head\na: 1 # t\nb:\n  c: x#y\n',
      'a:\n- x\n- y: 1\n  z: 2\nc:\n    - 1\n',
      'a: {}\nb: []\nc:\n',
      'true: 1\n1.0: 2\n80: 4\n',
      '--- # c\na: 1\n',
    ]) {
      expect(read(text, 0, text.length, 1), text).toBeDefined();
    }
  });

  it('gives each document its first content line and each sequence item its line', () => {
    const text = '# c\n---\n\n# x\nkind: List\nitems:\n- a: 1\n-\n  b: 2\n- [x]\n';
    const spans = spansOf(Buffer.from(text))!;
    expect(spans.map((s) => s.line)).toEqual([1, 2]);
    const doc = read(text, spans[1]!.start, spans[1]!.end, spans[1]!.line);
    expect(doc).toBeUndefined(); // `[x]` is a flow sequence: js-yaml's
    const text2 = '---\n\n# x\nkind: List\nitems:\n- a: 1\n-\n  b: 2\n';
    const d2 = read(text2, 0, text2.length, 1)!;
    expect(d2.line).toBe(4);
    const items = (d2.value as { items: object[] }).items;
    expect(items.map((i) => d2.itemLines.get(i))).toEqual([6, 8]);
  });
});

describe('byteDocumentSpans', () => {
  it('cuts at `---` lines only, keeps directives and `...` streams whole', () => {
    const text = 'a: 1\n---\nb: |\n  ---x\n--- \nc: 2\n---';
    expect(spansOf(Buffer.from(text))!.map((s) => [text.slice(s.start, s.end), s.line])).toEqual([
      ['a: 1\n', 1],
      ['---\nb: |\n  ---x\n', 2],
      ['--- \nc: 2\n', 5],
      ['---', 7],
    ]);
    expect(byteDocumentSpans(Buffer.from('%YAML 1.2\n---\na: 1\n'))).toBeUndefined();
    expect(byteDocumentSpans(Buffer.from('a: 1\n...\n---\nb: 2\n'))).toBeUndefined();
  });
});
