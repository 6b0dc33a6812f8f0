/**
 * np-guard/netpol-analyzer's AdminNetworkPolicy / BaselineAdminNetworkPolicy test folders and
 * their golden connectivity lists, re-expressed as data in np-guard/ (README.md there: origin,
 * licence, what was filled in, and why two answers differ).
 *
 * Each case's manifests are loaded through the k8s adapter, as a user's would be; the fast
 * engine's all-pairs answer is written in np-guard's connlist form (`src => dst : conns`, one
 * line per workload pair and per external range np-guard lists) and compared with the golden
 * lines, line by line. A case may carry `differs`: golden lines Lateral answers otherwise, each
 * with the API documentation sentence that decides it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { compile, PROTOCOLS, type Cluster, type Pod, type ProtoPorts } from '@lateral/core';
import { clusterFromObjects, parseManifests } from '@lateral/k8s';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'np-guard');

interface Differ {
  /** The golden line Lateral does not print (absent: Lateral prints a line np-guard does not). */
  golden?: string;
  /** The line Lateral prints instead (absent: none). */
  lateral?: string;
  why: string;
}
interface Case {
  name: string;
  upstream: string;
  golden: string;
  filled: string[];
  objects: unknown[];
  connlist: string[];
  differs?: Differ[];
}

/** np-guard's connection text: `All Connections`, or `SCTP 1-9002,9004-65535,TCP 80,UDP 53`. */
function conns(p: ProtoPorts): string {
  if (PROTOCOLS.every((proto) => p[proto].length === 1 && p[proto][0]![0] === 1 && p[proto][0]![1] === 65535)) return 'All Connections';
  return [...PROTOCOLS]
    .sort()
    .filter((proto) => p[proto].length > 0)
    .map((proto) => `${proto} ${p[proto].map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`)
    .join(',');
}

const ipv4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const parse4 = (s: string) => s.split('.').reduce((n, x) => n * 256 + Number(x), 0);

/** Every IPv4 CIDR's first and last address in the objects: where answers may change. */
function cidrBounds(objects: unknown[]): number[] {
  const out: number[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(v);
      if (m) {
        const size = 2 ** (32 - Number(m[2]));
        const start = Math.floor(parse4(m[1]!) / size) * size;
        out.push(start, start + size - 1);
        if (start > 0) out.push(start - 1);
        if (start + size <= 0xffffffff) out.push(start + size);
      }
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(objects);
  return out;
}

function connlist(c: Case, cluster: Cluster): string[] {
  const compiled = compile(cluster);
  const reach = compiled.reach();
  const workloads = new Map<string, Pod>();
  for (const p of cluster.pods) {
    const id = `${p.owner.namespace}/${p.owner.name}[${p.owner.kind}]`;
    if (!workloads.has(id)) workloads.set(id, p);
  }
  const node = (p: Pod) => compiled.podClass[cluster.pods.indexOf(p)]!;
  const lines: string[] = [];
  const ids = [...workloads.keys()].sort();
  for (const a of ids) {
    for (const b of ids) {
      if (a === b) continue;
      const p = reach.ports(node(workloads.get(a)!), node(workloads.get(b)!));
      if (PROTOCOLS.some((proto) => p[proto].length > 0)) lines.push(`${a} => ${b} : ${conns(p)}`);
    }
  }
  // External addresses, per workload and direction: the IPv4 ranges np-guard lists for it, and
  // the gaps between them (where it lists no connection). Each range is probed at its ends and
  // at every CIDR boundary inside it, so an answer that is not the same across the range shows
  // as `(not one answer: ...)`.
  const bounds = cidrBounds(c.objects);
  const listed = (w: string, outward: boolean): [number, number][] => {
    const out: [number, number][] = [];
    for (const l of c.connlist) {
      const m = /^(\S+) => (\S+) : /.exec(l);
      if (!m) continue;
      const ext = outward ? m[1] === w && m[2] : m[2] === w && m[1];
      const r = ext && /^(\d+\.\d+\.\d+\.\d+)-(\d+\.\d+\.\d+\.\d+)\[External\]$/.exec(ext);
      if (r) out.push([parse4(r[1]!), parse4(r[2]!)]);
    }
    out.sort((a, b) => a[0] - b[0]);
    const all: [number, number][] = [];
    let next = 0;
    for (const [lo, hi] of out) {
      if (lo > next) all.push([next, lo - 1]);
      all.push([lo, hi]);
      next = hi + 1;
    }
    if (next <= 0xffffffff) all.push([next, 0xffffffff]);
    return all;
  };
  for (const w of ids) {
    const wn = node(workloads.get(w)!);
    for (const outward of [false, true]) {
      for (const [lo, hi] of listed(w, outward)) {
        const probes = [lo, hi, ...bounds.filter((x) => x > lo && x < hi)].map(ipv4);
        const ask = (ip: string) => {
          const x = compiled.nodeOf({ kind: 'ip', ip });
          return outward ? reach.ports(wn, x) : reach.ports(x, wn);
        };
        const answers = new Set(probes.map((ip) => conns(ask(ip))));
        const text = answers.size === 1 ? [...answers][0]! : `(not one answer: ${[...answers].join(' | ')})`;
        const ext = `${ipv4(lo)}-${ipv4(hi)}[External]`;
        if (text !== '') lines.push(outward ? `${w} => ${ext} : ${text}` : `${ext} => ${w} : ${text}`);
      }
    }
  }
  return lines.sort();
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

describe("np-guard's ANP/BANP connectivity goldens", () => {
  it('has the 54 cases', () => {
    expect(files).toHaveLength(54);
  });

  for (const file of files) {
    const c = yaml.load(readFileSync(join(DIR, file), 'utf8')) as Case;
    it(`${c.name}`, () => {
      const text = c.objects.map((o) => yaml.dump(o)).join('---\n');
      const { cluster } = clusterFromObjects(parseManifests(text, file));
      const expected = new Set(c.connlist);
      for (const d of c.differs ?? []) {
        if (d.golden !== undefined) {
          expect(expected.has(d.golden), `${file}: differs names a line the golden does not have: ${d.golden}`).toBe(true);
          expected.delete(d.golden);
        }
        if (d.lateral !== undefined) expected.add(d.lateral);
      }
      const ours = connlist(c, cluster);
      const missing = [...expected].filter((l) => !ours.includes(l)).sort();
      const extra = ours.filter((l) => !expected.has(l));
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    });
  }

  it('refuses what was filled in, as the API server would, naming the field', () => {
    const cases = files.map((f) => yaml.load(readFileSync(join(DIR, f), 'utf8')) as Case).filter((c) => c.filled.length > 0);
    expect(cases.length).toBe(16);
    for (const c of cases) {
      // Undo the first fill and load the object as upstream wrote it.
      const objects = structuredClone(c.objects) as Record<string, any>[];
      const fill = c.filled[0]!;
      const [, kind, name] = /^(\w+) (?:\S+\/)?(\S+?):/.exec(fill)!;
      const obj = objects.find((o) => o.kind === kind && o.metadata?.name === name)!;
      let field: string;
      if (kind === 'Pod') {
        delete obj.metadata.ownerReferences[0].kind;
        field = 'metadata.ownerReferences[0].kind';
      } else {
        const path = /: (spec\.\S+)\.pods\.podSelector$/.exec(fill)![1]!;
        const at = path.split('.').slice(1).reduce((o: any, k) => { const m = /^(\w+)\[(\d+)\]$/.exec(k); return m ? o[m[1]!][Number(m[2])] : o[k]; }, obj.spec);
        delete at.pods.podSelector;
        field = `${path}.pods.podSelector`;
      }
      const text = objects.map((o) => yaml.dump(o)).join('---\n');
      expect(() => clusterFromObjects(parseManifests(text, `${c.name}.yaml`)), `${c.name}: ${fill}`).toThrow(field);
    }
  });
});
