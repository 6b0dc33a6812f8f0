import { InputError } from '@lateral/core';
import { describe, expect, it } from 'vitest';
import { parseManifests, parseManifestsCountingLines } from './parse-manifests.js';
import { lineBreaks } from './yaml-documents.js';

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

const names = (objs: { obj: unknown }[]) =>
  objs.map((o) => (o.obj as { metadata: { name: string } }).metadata.name);

describe('parseManifests', () => {
  it('reads every document of a YAML stream with the line it starts on', () => {
    const text = [
      '# leading comment', // 1
      'apiVersion: v1', // 2
      'kind: Pod',
      'metadata: {name: a}',
      '---', // 5
      '---', // 6: an empty document
      'apiVersion: v1', // 7
      'kind: ConfigMap',
      'metadata: {name: b}',
      'data:',
      '  script: |',
      '    ---', // 12: inside a block scalar, not a separator
      '    echo hi',
      '--- # a separator with a comment',
      'apiVersion: v1', // 15
      'kind: Service',
      'metadata: {name: c}',
      '---',
      '',
    ].join('\n');
    const objs = parseManifests(text, 'm.yaml');
    expect(names(objs)).toEqual(['a', 'b', 'c']);
    expect(objs.map((o) => o.line)).toEqual([2, 7, 15]);
    expect(objs.every((o) => o.file === 'm.yaml')).toBe(true);
    expect((objs[1]!.obj as { data: { script: string } }).data.script).toBe('---\necho hi\n');
  });

  it('keeps Kubernetes scalars as strings: timestamps, yes/no', () => {
    const [o] = parseManifests(
      'kind: Pod\nmetadata:\n  name: a\n  creationTimestamp: 2024-01-01T00:00:00Z\n  labels: {flag: yes}\n',
      'f',
    );
    const meta = (o!.obj as { metadata: Record<string, unknown> }).metadata;
    expect(meta.creationTimestamp).toBe('2024-01-01T00:00:00Z');
    expect(meta.labels).toEqual({ flag: 'yes' });
  });

  it('flattens a List into its items, each with its own line', () => {
    const text = [
      'apiVersion: v1', // 1
      'kind: List',
      'items:',
      '- apiVersion: v1', // 4
      '  kind: Pod',
      '  metadata: {name: a}',
      '- apiVersion: v1', // 7
      '  kind: List',
      '  items:',
      '  - {kind: Service, metadata: {name: nested}}',
    ].join('\n');
    const objs = parseManifests(text, 'l.yaml');
    expect(names(objs)).toEqual(['a', 'nested']);
    expect(objs[0]!.line).toBe(4);
    expect(objs[1]!.line).toBe(10); // an item of the nested List
  });

  it('gives List items their lines when the kind is spelt with an escape', () => {
    // The reader records item lines only in texts that may hold a List: "List", or a `\`.
    const text = 'apiVersion: v1\nkind: "Li\\u0073t"\nitems:\n- kind: Pod\n  metadata:\n    name: a\n- kind: Pod\n  metadata:\n    name: b\n';
    const objs = parseManifests(text, 'e.yaml');
    expect(names(objs)).toEqual(['a', 'b']);
    expect(objs.map((o) => o.line)).toEqual([4, 7]);
  });

  it('gives the items of a typed list (PodList) their kind when they lack one', () => {
    const objs = parseManifests(
      'apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: a}\n- metadata: {name: b}\n',
      'p.yaml',
    );
    expect(objs.map((o) => (o.obj as { kind: string }).kind)).toEqual(['Pod', 'Pod']);
    expect(objs.map((o) => o.line)).toEqual([4, 5]);
  });

  it('reads JSON, including a List as kubectl prints it, with item lines', () => {
    const json = JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } },
          { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' } },
        ],
      },
      null,
      4,
    );
    const objs = parseManifests(json, 'l.json');
    expect(names(objs)).toEqual(['a', 'b']);
    // Each item starts at its opening brace: `{` on lines 5 and 12 of the 4-space-indented text.
    expect(objs.map((o) => o.line)).toEqual([5, 12]);
  });

  it('gives JSON List items their lines past strings with brackets, escaped quotes and inner `items`', () => {
    const pod = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, annotations: { note: 'a "quoted" [not, {an] array} \\' } },
      spec: { volumes: [{ name: 'c', configMap: { name: 'c', items: [{ key: 'k', path: 'p' }] } }] },
    });
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { items: ['x'] }, items: [pod('a'), pod('b'), pod('c')] }, null, 2);
    const objs = parseManifests(json, 'l.json');
    expect(names(objs)).toEqual(['a', 'b', 'c']);
    const lines = json.split('\n');
    // The items are the only objects at 4 spaces of indentation.
    const expected = lines.flatMap((l, i) => (l === '    {' ? [i + 1] : []));
    expect(expected).toHaveLength(3);
    expect(objs.map((o) => o.line)).toEqual(expected);
    expect(expected.every((l) => l > 0)).toBe(true);
  });

  it('reports malformed JSON with its line', () => {
    const e = inputError(() => parseManifests('{\n  "kind": "Pod",\n  "metadata": {"name": "a",}\n}', 'bad.json'));
    expect(e.message).toMatch(/^bad\.json:3: invalid JSON/);
  });

  it('reports malformed YAML with the line in the file', () => {
    const text = 'kind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata:\n  name: [b\n  labels: {}\n';
    const e = inputError(() => parseManifests(text, 'bad.yaml'));
    expect(e.location.file).toBe('bad.yaml');
    expect(e.location.line).toBeGreaterThanOrEqual(6);
    expect(e.message).toMatch(/^bad\.yaml:\d+: invalid YAML: /);
  });

  it('rejects an alias to a node that contains it, and reads shared aliases', () => {
    const cyclic = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec:\n  x: &x [*x]\n';
    expect(() => parseManifests(cyclic, 'c.yaml')).toThrow('c.yaml:5: invalid YAML: an alias refers to a node that contains it (a cycle)');
    const shared = 'apiVersion: v1\nkind: Pod\nmetadata: {name: b, labels: &l {app: web}, annotations: *l}\n';
    expect(parseManifests(shared, 's.yaml')[0]!.obj).toMatchObject({ metadata: { labels: { app: 'web' }, annotations: { app: 'web' } } });
  });

  it('rejects a document that is not a mapping, naming file and line', () => {
    const e = inputError(() => parseManifests('kind: Pod\nmetadata: {name: a}\n---\n- just\n- a list\n', 'x.yaml'));
    expect(e.message).toBe('x.yaml:4: expected a Kubernetes object (a mapping with kind and metadata), got a list');
  });

  it('rejects a document without kind', () => {
    const e = inputError(() => parseManifests('\n\nmetadata: {name: a}\n', 'x.yaml'));
    expect(e.message).toBe('x.yaml:3: kind: object has no kind');
  });

  it('rejects a document without metadata.name', () => {
    const e = inputError(() => parseManifests('kind: Service\nmetadata: {namespace: x}\n', 'x.yaml'));
    expect(e.message).toBe('x.yaml:1: metadata.name: Service has no metadata.name');
  });

  it('explains a kustomization file instead of asking for its name', () => {
    const e = inputError(() => parseManifests('apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n', 'kustomization.yaml'));
    expect(e.message).toMatch(/^kustomization\.yaml:1: this is a kustomization file.*kubectl kustomize/);
  });

  it('reads an empty List as no objects', () => {
    expect(parseManifests('apiVersion: v1\nkind: List\n', 'l.yaml')).toEqual([]);
    expect(parseManifests('apiVersion: v1\nkind: List\nitems: []\n', 'l.yaml')).toEqual([]);
  });

  it('accepts a file of empty documents and comments', () => {
    expect(parseManifests('# nothing here\n---\n---\n', 'e.yaml')).toEqual([]);
    expect(parseManifests('', 'e.yaml')).toEqual([]);
  });
});

describe('parseManifestsCountingLines', () => {
  // A chunked read numbers each chunk's lines from this count: one off, and every line number
  // after the first chunk is wrong.
  it('counts the line breaks of the text, whichever reader took each document', () => {
    const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n`;
    const texts = [
      '',
      '\n\n',
      pod('a'),
      pod('a').trimEnd(),
      `${pod('a')}---\n${pod('b')}\n\n   \n# end`,
      `${pod('a')}---\n---`,
      `${pod('a')}---\n`,
      // js-yaml's documents: a block scalar, an anchor, a flow mapping, CRLF line ends.
      `${pod('a')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  x: |\n    one\n    two\n---\n${pod('b')}`,
      `${pod('a')}  labels: &l {app: x}\n---\n${pod('b')}`,
      `${pod('a')}---\r\n${pod('b').replaceAll('\n', '\r\n')}`,
      '{"apiVersion": "v1", "kind": "List",\n "items": []}\n',
    ];
    for (const text of texts) {
      expect(parseManifestsCountingLines(text, 'x.yaml', () => {}), JSON.stringify(text)).toBe(lineBreaks(text));
    }
  });
});
