import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO, lateral } from './run-cli.js';

const SHOP = 'fixtures/shop';

function tempManifest(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lateral-cli-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('lateral reach', () => {
  it('lists the shop connections one per line, sorted, with ports', async () => {
    const r = await lateral(['reach', SHOP]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('shop/frontend => shop/cart : TCP 7070');
    expect(lines).toContain('shop/cart => kube-system/coredns : TCP 53; UDP 53');
    expect(lines).toContain('shop/payment => 203.0.113.0/25 : TCP 443');
    // The storefront never reaches the database, and nothing reaches the card processor's sandbox range.
    expect(lines.some((l) => l.startsWith('shop/frontend => shop/postgres'))).toBe(false);
    expect(lines.some((l) => l.includes('203.0.113.128'))).toBe(false);
    expect([...lines].sort()).toEqual(lines);
    // The Ingress is read (lateral movement's entry points), so nothing is skipped.
    expect(r.stderr).not.toContain('skipped');
  });

  it('prints "All" where every port of every protocol is allowed', async () => {
    const r = await lateral(['reach', SHOP, '--from', 'shop/recommendation']);
    expect(r.stdout).toContain('shop/recommendation => kube-system/coredns : All');
    expect(r.stdout.trim().split('\n').every((l) => l.startsWith('shop/recommendation => '))).toBe(true);
  });

  it('follows the JSON contract', async () => {
    const r = await lateral(['reach', SHOP, '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { endpoints: Record<string, unknown>[]; connections: Record<string, unknown>[] };
    expect(Object.keys(doc).sort()).toEqual(['connections', 'endpoints', 'warnings']);
    const frontend = doc.endpoints.find((e) => e.id === 'shop/frontend');
    expect(frontend).toEqual({ id: 'shop/frontend', kind: 'Deployment', namespace: 'shop', name: 'frontend', pods: 3 });
    const external = doc.endpoints.find((e) => e.kind === 'External' && e.id === '203.0.113.0/25');
    expect(external).toEqual({ id: '203.0.113.0/25', kind: 'External', ranges: ['203.0.113.0-203.0.113.127'] });
    for (const c of doc.connections) {
      expect(Object.keys(c).sort()).toEqual(['all', 'from', 'ports', 'to']);
      expect(Object.keys(c.ports as object).sort()).toEqual(['SCTP', 'TCP', 'UDP']);
    }
    const dns = doc.connections.find((c) => c.from === 'shop/cart' && c.to === 'kube-system/coredns');
    expect(dns).toEqual({ from: 'shop/cart', to: 'kube-system/coredns', all: false, ports: { TCP: [[53, 53]], UDP: [[53, 53]], SCTP: [] } });
    const all = doc.connections.find((c) => c.from === 'shop/recommendation' && c.to === 'kube-system/coredns');
    expect(all).toMatchObject({ all: true, ports: { TCP: [[1, 65535]], UDP: [[1, 65535]], SCTP: [[1, 65535]] } });
    const ids = new Set(doc.endpoints.map((e) => e.id));
    for (const c of doc.connections) {
      expect(ids.has(c.from as string)).toBe(true);
      expect(ids.has(c.to as string)).toBe(true);
    }
  });

  it('filters by namespace and renders md, csv and dot', async () => {
    const md = await lateral(['reach', SHOP, '--namespace', 'kube-system', '--format', 'md']);
    expect(md.stdout).toMatch(/^\*\*\d+\*\* allowed connections/);
    expect(md.stdout).toContain('| shop/cart | kube-system/coredns | TCP 53; UDP 53 |');
    expect(md.stdout).not.toContain('| shop/frontend | shop/cart |');
    const csv = await lateral(['reach', SHOP, '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe('from,to,ports');
    expect(csv.stdout).toContain('shop/frontend,shop/cart,TCP 7070');
    const dot = await lateral(['reach', SHOP, '--format', 'dot']);
    expect(dot.stdout).toMatch(/^digraph reachability \{/);
    expect(dot.stdout).toContain('"shop/frontend" -> "shop/cart" [label="TCP 7070"];');
  });

  it('reads manifests from stdin', async () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec: {containers: [{name: c, image: i, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {app: b}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-b, namespace: x}
spec:
  podSelector: {matchLabels: {app: a}}
  ingress: [{from: [{podSelector: {matchLabels: {app: b}}}], ports: [{port: 80}]}]
`;
    const r = await lateral(['reach', '-', '--namespace', 'x'], { stdin: text });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('x/b => x/a : TCP 80');
    expect(r.stdout).not.toContain('x/a => x/b : All\nx/b => x/a : All');
    expect(r.stdout).toContain('x/a => x/b : All');
  });
});

describe('lateral check', () => {
  it('answers batch queries in order with allowed and a reason', async () => {
    const queries = [
      { from: 'shop/frontend', to: 'shop/cart', port: 7070 },
      { from: 'shop/frontend', to: 'shop/postgres', port: 5432, protocol: 'TCP' },
      { from: 'shop/payment', to: '203.0.113.10', port: 443 },
      { from: 'shop/payment', to: '203.0.113.200', port: 443 },
      { from: 'shop/cart', to: 'kube-system/coredns', port: 53, protocol: 'UDP' },
    ];
    const r = await lateral(['check', SHOP, '--queries', '-'], { stdin: queries.map((q) => JSON.stringify(q)).join('\n') + '\n' });
    expect(r.code).toBe(0);
    const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(answers.map((a) => a.allowed)).toEqual([true, false, true, false, true]);
    answers.forEach((a, i) => {
      expect(a).toMatchObject({ ...queries[i], protocol: queries[i]!.protocol ?? 'TCP' });
      expect(typeof a.reason).toBe('string');
      expect((a.reason as string).length).toBeGreaterThan(5);
    });
    expect(answers[1]!.reason).toMatch(/shop\/postgres/);
  });

  it('answers a single query as text', async () => {
    const r = await lateral(['check', SHOP, '--from', 'shop/frontend', '--to', 'shop/postgres', '--port', '5432']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^shop\/frontend -> shop\/postgres TCP 5432: DENIED/);
  });

  it('names the line of a bad query and exits 2', async () => {
    const r = await lateral(['check', SHOP, '--queries', '-'], { stdin: '{"from":"shop/frontend","to":"shop/cart","port":7070}\n{"from":"shop/frontend","to":"shop/cart","port":70000}\n' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n').pop()).toBe('lateral: <stdin>:2: port: must be a whole number from 1 to 65535');
  });

  it('suggests the closest names for an unknown workload', async () => {
    const r = await lateral(['check', SHOP, '--from', 'shop/frontent', '--to', 'shop/cart', '--port', '80']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"shop/frontent" matches no pod or workload; closest: shop/frontend');
  });
});

describe('lateral explain', () => {
  it('explains a denial with the denying sides and near misses', async () => {
    const r = await lateral(['explain', SHOP, '--from', 'shop/frontend', '--to', 'shop/postgres', '--port', '5432']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/-> shop\/postgres TCP 5432: DENIED/);
    expect(r.stdout).toContain('near miss');
    expect(r.stdout).toMatch(/denied by: .*ingress of shop\/postgres/);
  });

  it('gives JSON with both sides', async () => {
    const r = await lateral(['explain', SHOP, '--from', 'shop/checkout', '--to', 'shop/postgres', '--port', '5432', '--format', 'json']);
    const e = JSON.parse(r.stdout) as { allowed: boolean; ingress: { allowedBy: { policy: string }[] }; egress: { allowedBy: { policy: string }[] } };
    expect(e.allowed).toBe(true);
    expect(e.ingress.allowedBy.length).toBeGreaterThan(0);
    expect(e.egress.allowedBy.map((a) => a.policy)).toContain('shop/checkout-egress');
  });
});

describe('bad input', () => {
  const cases: [string, string, RegExp][] = [
    [
      'endPort below port',
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {}
  ingress:
    - ports: [{port: 8080, endPort: 80}]
`,
      /bad\.yaml:1: NetworkPolicy x\/p: spec\.ingress\[0\]\.ports\[0\]\.endPort: /,
    ],
    [
      'invalid CIDR',
      `---
apiVersion: v1
kind: Namespace
metadata: {name: x}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {}
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/33}}]}]
`,
      /bad\.yaml:6: NetworkPolicy x\/p: spec\.egress\[0\]\.to\[0\]\.ipBlock\.cidr: /,
    ],
    [
      'unknown selector operator',
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchExpressions: [{key: app, operator: Contains, values: [a]}]}
`,
      /NetworkPolicy x\/p: spec\.podSelector\.matchExpressions\[0\]\.operator: unknown selector operator "Contains"/,
    ],
    ['malformed YAML', 'apiVersion: v1\nkind: Pod\nmetadata: {name: a\n', /bad\.yaml:\d+: /],
  ];
  for (const [what, text, pattern] of cases) {
    it(`${what}: one line naming file and object, exit 2`, async () => {
      const file = tempManifest('bad.yaml', text);
      const r = await lateral(['reach', file]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^lateral: /);
      expect(lines[0]).toMatch(pattern);
    });
  }

  it('a missing file, an unknown option and no inputs exit 2', async () => {
    expect((await lateral(['reach', 'no/such/dir'])).code).toBe(2);
    const opt = await lateral(['reach', SHOP, '--colour']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toContain("Unknown option '--colour'");
    const none = await lateral(['reach']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('reach needs at least one input');
    expect((await lateral(['reach', SHOP, '--format', 'xml'])).stderr).toContain('--format must be one of txt, json, csv, md, dot');
  });

  it('the real command prints no stack trace', () => {
    const file = tempManifest('bad.yaml', 'kind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}, ingress: [{ports: [{port: 0}]}]}\n');
    // The built command, as `pnpm lateral` runs it (rebuilt first if a source changed).
    const r = spawnSync(process.execPath, [join(REPO, 'apps/cli/bin/lateral.js'), 'reach', file], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/NetworkPolicy default\/p: spec\.ingress\[0\]\.ports\[0\]\.port: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('lateral synth', () => {
  it('is deterministic per seed and loads back', async () => {
    const a = await lateral(['synth', '--pods', '300', '--namespaces', '6', '--policies', '30', '--seed', '5']);
    const b = await lateral(['synth', '--pods', '300', '--namespaces', '6', '--policies', '30', '--seed', '5']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const reach = await lateral(['reach', '-', '--format', 'json'], { stdin: a.stdout });
    expect(reach.code).toBe(0);
    const doc = JSON.parse(reach.stdout) as { endpoints: { pods?: number }[] };
    expect(doc.endpoints.reduce((s, e) => s + (e.pods ?? 0), 0)).toBe(300);
  });
});

describe('lateral demo', () => {
  it('shows the shop reachability and explains one denied connection', async () => {
    const r = await lateral(['demo', '--text']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('shop/frontend => shop/cart : TCP 7070');
    expect(r.stdout).toMatch(/shop\/postgres TCP 5432: DENIED/);
  });
});
