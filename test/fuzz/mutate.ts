/**
 * Seeded mutations of manifests and flow captures for the fuzz test: structural edits of parsed
 * objects (what a hand-edited or generated manifest gets wrong), text edits (what a bad copy,
 * a truncated download or an editor does), and reformattings that must not change an answer.
 */
import * as yaml from 'js-yaml';

export type Rnd = () => number;

export const int = (r: Rnd, n: number): number => Math.floor(r() * n);
export const pick = <T>(r: Rnd, xs: readonly T[]): T => xs[int(r, xs.length)]!;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Values that have broken readers before, or that the API server has a rule about. */
const SCALARS: readonly Json[] = [
  '', ' ', 'a b', '-a', 'a.', 'A', 'x'.repeat(300), 'y'.repeat(70), '💥', '\u0000', 'null', '~', 'yes', '1e25', '-5',
  0, -1, 1, 80, 65535, 65536, 1e25, -1e25, 3.5, true, false, null,
  '10.0.0.0/8', ' 10.0.0.0/8', '10.0.0.0 /8', '10.0.0.1/33', '::/0', '0.0.0.0/0', '2001:db8::/129', 'fe80::1%eth0',
  'In', 'NotIn', 'Exists', 'Equals', 'TCP', 'UDP', 'SCTP', 'ICMP', 'Ingress', 'Egress',
  'app', 'app.kubernetes.io/name', 'Example.com/a', 'kube-system', 'shop', 'default', 'http', 'web-8080',
];

const KINDS: readonly [string, string][] = [
  ['v1', 'Pod'],
  ['v1', 'Namespace'],
  ['v1', 'Service'],
  ['v1', 'ConfigMap'],
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'DaemonSet'],
  ['batch/v1', 'CronJob'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['networking.k8s.io/v1', 'Ingress'],
  ['projectcalico.org/v3', 'NetworkPolicy'],
  ['cilium.io/v2', 'CiliumNetworkPolicy'],
  ['policy.networking.k8s.io/v1alpha1', 'AdminNetworkPolicy'],
  ['crd.antrea.io/v1beta1', 'ClusterNetworkPolicy'],
  ['v1', 'Foo'],
];

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Every path to a value inside `v`, depth first (the root is []). */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function parentOf(root: Json, path: (string | number)[]): Json {
  let cur = root;
  for (const k of path.slice(0, -1)) cur = (cur as Record<string | number, Json>)[k]!;
  return cur;
}

function randomValue(r: Rnd): Json {
  const k = int(r, 10);
  if (k === 0) return {};
  if (k === 1) return [];
  if (k === 2) return [pick(r, SCALARS)];
  if (k === 3) return { [String(pick(r, SCALARS))]: pick(r, SCALARS) };
  return pick(r, SCALARS);
}

/** One to three structural edits of one of the objects (or of the list of objects). */
export function mutateObjects(objects: readonly Json[], r: Rnd): Json[] {
  const out = clone(objects) as Json[];
  const edits = 1 + int(r, 3);
  for (let e = 0; e < edits && out.length > 0; e++) {
    const i = int(r, out.length);
    const op = int(r, 10);
    if (op === 0) {
      out.splice(i, 1);
      continue;
    }
    if (op === 1) {
      // The same object twice, identical or not.
      const copy = clone(out[i]!);
      out.push(r() < 0.5 ? copy : mutateObjects([copy], r)[0] ?? copy);
      continue;
    }
    const obj = out[i]!;
    if (op === 2 && obj && typeof obj === 'object' && !Array.isArray(obj)) {
      const [apiVersion, kind] = pick(r, KINDS);
      obj.apiVersion = apiVersion;
      obj.kind = kind;
      continue;
    }
    if (op === 3 && obj && typeof obj === 'object' && !Array.isArray(obj)) {
      const isMap = (v: Json | undefined): v is { [k: string]: Json } => !!v && typeof v === 'object' && !Array.isArray(v);
      if (!isMap(obj.metadata)) obj.metadata = {};
      const meta = obj.metadata as Record<string, Json>;
      const labels = (meta.labels && typeof meta.labels === 'object' && !Array.isArray(meta.labels) ? meta.labels : (meta.labels = {})) as Record<string, Json>;
      labels[String(pick(r, SCALARS))] = pick(r, SCALARS);
      continue;
    }
    const all = paths(obj).filter((p) => p.length > 0);
    if (all.length === 0) continue;
    const path = pick(r, all);
    const parent = parentOf(obj, path) as Record<string | number, Json> | Json[];
    const key = path[path.length - 1]!;
    if (op === 4) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Record<string, Json>)[key];
    } else if (op === 5 && Array.isArray(parent)) {
      parent.push(clone(parent[key as number]!));
    } else {
      (parent as Record<string | number, Json>)[key] = randomValue(r);
    }
  }
  return out;
}

/** Text edits: what a truncated download, a bad paste or an editor leaves. */
export function mutateText(text: string, r: Rnd): string {
  const lines = text.split('\n');
  switch (int(r, 7)) {
    case 0:
      return text.slice(0, int(r, text.length + 1));
    case 1: {
      lines.splice(int(r, lines.length), 1);
      return lines.join('\n');
    }
    case 2: {
      const i = int(r, lines.length);
      lines.splice(i, 0, lines[i]!);
      return lines.join('\n');
    }
    case 3: {
      const i = int(r, text.length);
      return text.slice(0, i) + pick(r, [':', '-', '[', ']', '{', '}', '&a', '*a', '!', '|', '>', "'", '"', '%', '@', '`', '#', ',', '\t', '\\', '\u0000', '\r']) + text.slice(i + 1);
    }
    case 4: {
      const i = int(r, lines.length);
      lines[i] = `  ${lines[i]}`;
      return lines.join('\n');
    }
    case 5:
      return `${text}\n${pick(r, ['---', '--- !!str', 'kind: List\nitems: [1, 2]', '- a', 'a: &x [*x]', '...', '{'])}\n`;
    default:
      return text.replace(/\n/g, pick(r, ['\r\n', '\r', '\n\n']));
  }
}

export function toYaml(objects: readonly Json[]): string {
  return objects.map((o) => yaml.dump(o, { noRefs: true, lineWidth: -1 })).join('---\n');
}

/** Every mapping's keys in a random order, all the way down. */
export function shuffleKeys(v: Json, r: Rnd): Json {
  if (Array.isArray(v)) return v.map((x) => shuffleKeys(x, r));
  if (!v || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = int(r, i + 1);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  return Object.fromEntries(keys.map((k) => [k, shuffleKeys(v[k]!, r)]));
}

/**
 * The same objects written the ways people write them: files to create (name -> text) under a
 * fresh directory, and the input to pass (a file or the directory).
 */
export function reformattings(objects: readonly Json[], r: Rnd): { name: string; files: Record<string, string>; input: string }[] {
  const plain = toYaml(objects);
  const withComments = `# generated manifests\n${objects.map((o) => `# next object\n${yaml.dump(o, { noRefs: true, lineWidth: -1 })}`).join('---\n# after a separator\n')}# the end\n`;
  const list = { apiVersion: 'v1', kind: 'List', items: objects as Json[] };
  const perObject: Record<string, string> = {};
  objects.forEach((o, i) => (perObject[`objects/${String(i).padStart(4, '0')}.yaml`] = yaml.dump(o, { noRefs: true, lineWidth: -1 })));
  return [
    { name: 'YAML documents', files: { 'a.yaml': plain }, input: 'a.yaml' },
    { name: 'CRLF', files: { 'a.yaml': plain.replace(/\n/g, '\r\n') }, input: 'a.yaml' },
    { name: 'byte-order mark', files: { 'a.yaml': `\uFEFF${plain}` }, input: 'a.yaml' },
    { name: 'comments', files: { 'a.yaml': withComments }, input: 'a.yaml' },
    { name: 'JSON List', files: { 'a.json': JSON.stringify(list, null, 1) }, input: 'a.json' },
    { name: 'YAML List, keys shuffled', files: { 'a.yaml': yaml.dump(shuffleKeys(list, r), { noRefs: true, lineWidth: -1 }) }, input: 'a.yaml' },
    { name: 'one file per object', files: perObject, input: 'objects' },
  ];
}

/** Flow captures: edits of one record's fields, or of the text. */
export function mutateCapture(lines: readonly string[], r: Rnd): string {
  const out = [...lines];
  const op = int(r, 6);
  if (op <= 2) {
    const i = int(r, out.length);
    let rec: Json;
    try {
      rec = JSON.parse(out[i]!) as Json;
    } catch {
      return mutateText(out.join('\n'), r);
    }
    const all = paths(rec).filter((p) => p.length > 0);
    if (all.length > 0) {
      const path = pick(r, all);
      const parent = parentOf(rec, path) as Record<string | number, Json>;
      const key = path[path.length - 1]!;
      if (op === 0) delete parent[key];
      else parent[key] = pick(r, [1e25, -5, '1e25', '-5', 'yesterday', { t: 1 }, 0, 65536, 'TCP', 'ICMP', '10.0.0.1', 'shop/frontend', '', null, 'x'.repeat(5000)]);
    }
    out[i] = JSON.stringify(rec);
    return out.join('\n');
  }
  if (op === 3) return `[${out.filter((l) => l.trim() !== '').join(',')}]`;
  if (op === 4) return `${out.join('\n')}\n${'z'.repeat(int(r, 200_000))}\n`;
  return mutateText(out.join('\n'), r);
}
