import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCluster } from '@lateral/k8s';
import { readFlows } from '@lateral/flows';
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '@lateral/cli';
import { REPO, lateral } from './run-cli.js';

const SHOP = 'fixtures/shop';
const CAPTURES = ['hubble.jsonl', 'gadget.jsonl', 'flows.csv'].map((f) => `${SHOP}/flows/${f}`);
const GOLDEN = join(REPO, 'test/golden');
const UPDATE = process.env.LATERAL_UPDATE_GOLDEN === '1';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lateral-generate-'));
}

/** Compares with test/golden/<name>; LATERAL_UPDATE_GOLDEN=1 rewrites it (review the diff by eye). */
function golden(name: string, text: string): void {
  const file = join(GOLDEN, name);
  if (UPDATE || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
    if (!UPDATE) throw new Error(`golden file ${name} did not exist; written now: review it and run again`);
    return;
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}

/** Every observed connection the generator worked from, as `lateral check` queries. */
async function observedQueries(): Promise<string[]> {
  const { cluster } = await loadCluster([join(REPO, SHOP)]);
  const flows = await readFlows(CAPTURES.map((c) => join(REPO, c)), cluster);
  return flows.edges
    // Connections the network dropped (at either end) get no rule; a pod to itself needs none.
    .filter((e) => e.dropped === 0)
    .filter((e) => !e.samePod)
    .map((e) =>
      JSON.stringify({
        from: e.src.kind === 'pod' ? e.src.workload : e.src.ip,
        to: e.dst.kind === 'pod' ? e.dst.workload : e.dst.ip,
        port: e.port,
        protocol: e.protocol,
      }),
    );
}

/**
 * Connections nobody was seen making. The first three are open in the shop today (holes 2, 3 and
 * 4 of fixtures/README.md: recommendation's open egress, the metrics range open to every
 * namespace); the generated policies must close them.
 */
const UNOBSERVED_OPEN_TODAY = [
  { from: 'shop/recommendation', to: 'shop/postgres', port: 5432 },
  { from: 'shop/recommendation', to: '203.0.113.5', port: 443 },
  { from: 'ingress-nginx/ingress-nginx-controller', to: 'shop/postgres', port: 9187 },
];
const UNOBSERVED = [
  ...UNOBSERVED_OPEN_TODAY,
  { from: 'monitoring/prometheus', to: 'shop/postgres', port: 5432 },
  { from: '192.0.2.99', to: 'ingress-nginx/ingress-nginx-controller', port: 443 },
  { from: 'ingress-nginx/ingress-nginx-controller', to: 'kube-system/coredns', port: 9153 },
  { from: 'shop/currency', to: '198.51.100.81', port: 443 },
  { from: 'shop/frontend', to: 'shop/postgres', port: 5432 },
];

function answers(stdout: string): { allowed: boolean; from: string; to: string; port: number }[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { allowed: boolean; from: string; to: string; port: number });
}

describe('lateral generate', () => {
  it('round-trips: every captured flow is allowed with the generated YAML, plausible unobserved ones are denied', async () => {
    const dir = tempDir();
    const r = await lateral(['generate', SHOP, '--flows', ...CAPTURES, '--out', dir]);
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('lateral generate: verified');
    expect(r.stdout).toMatch(/recall: 100\.0 % of observed connections allowed \(141 of 141 pod-level connections/);
    expect(r.stdout).toContain('over-permission: 0 ');
    // The kubelet probes and the dropped connections are listed, not allowed by a rule.
    expect(r.stdout).toContain('192.168.10.11 (node worker-1) -> shop/frontend TCP 8080');
    expect(r.stdout).toMatch(/shop\/currency -> 198\.51\.100\.80 TCP 443 \(3 of 17 flows dropped\): egress: isolated by/);
    expect(readdirSync(dir).sort()).toEqual(['ingress-nginx.yaml', 'monitoring.yaml', 'shop.yaml']);

    const queries = await observedQueries();
    expect(queries.length).toBeGreaterThan(40);
    const observed = await lateral(['check', SHOP, dir, '--queries', '-'], { stdin: queries.join('\n') });
    expect(observed.code).toBe(0);
    const denied = answers(observed.stdout).filter((a) => !a.allowed);
    expect(denied).toEqual([]);

    const unobserved = UNOBSERVED.map((q) => JSON.stringify(q)).join('\n');
    const after = answers((await lateral(['check', SHOP, dir, '--queries', '-'], { stdin: unobserved })).stdout);
    expect(after.filter((a) => a.allowed)).toEqual([]);
    // ...and the generation is what closed the first ones.
    const before = answers((await lateral(['check', SHOP, '--queries', '-'], { stdin: unobserved })).stdout);
    expect(before.slice(0, UNOBSERVED_OPEN_TODAY.length).every((a) => a.allowed)).toBe(true);
  });

  it('matches the golden YAML for the shop captures', async () => {
    const r = await lateral(['generate', SHOP, '--flows', ...CAPTURES]);
    expect(r.code).toBe(0);
    golden('generate-shop.yaml', r.stdout);
    expect(r.stderr).toContain('lateral generate: verified');
  });

  it('matches the golden YAML with default-deny, named ports and aggregation', async () => {
    const r = await lateral(['generate', SHOP, '--flows', CAPTURES[0]!, '--default-deny', '--named-ports', '--aggregate-external', '24']);
    expect(r.code).toBe(0);
    golden('generate-shop-hubble-strict.yaml', r.stdout);
  });

  it('is byte-identical from run to run, and per namespace with --out', async () => {
    const a = await lateral(['generate', SHOP, '--flows', ...CAPTURES]);
    const b = await lateral(['generate', SHOP, '--flows', ...CAPTURES]);
    expect(b.stdout).toBe(a.stdout);
    const dir = tempDir();
    await lateral(['generate', SHOP, '--flows', ...CAPTURES, '--out', dir]);
    const shop = readFileSync(join(dir, 'shop.yaml'), 'utf8');
    expect(shop).toContain('namespace: shop');
    expect(shop).not.toContain('namespace: monitoring');
  });

  it('follows the JSON shape', async () => {
    const r = await lateral(['generate', SHOP, '--flows', CAPTURES[0]!, '--egress-only', '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown> & { policies: { kind: string; spec: { policyTypes: string[] } }[]; verification: Record<string, unknown> };
    expect(Object.keys(doc).sort()).toEqual(['blockedByTier', 'dns', 'dropped', 'droppedOnly', 'files', 'isolated', 'nodeLocal', 'policies', 'verification', 'warnings']);
    expect(doc.policies.every((p) => p.kind === 'NetworkPolicy' && p.spec.policyTypes.join() === 'Egress')).toBe(true);
    expect(Object.keys(doc.verification).sort()).toEqual(['added', 'emitted', 'flows', 'granted', 'ok', 'overPermission']);
    expect(doc.verification.ok).toBe(true);
  });

  it('exits 2 on usage errors', async () => {
    expect((await lateral(['generate', SHOP])).code).toBe(2);
    expect((await lateral(['generate', SHOP, '--flows', CAPTURES[0]!, '--ingress-only', '--egress-only'])).code).toBe(2);
    const r = await lateral(['generate', SHOP, '--flows', CAPTURES[0]!, '--aggregate-external', '33']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--aggregate-external must be a whole number from 0 to 32');
    expect((await lateral(['generate', SHOP, '--flows', CAPTURES[0]!, '--directions', 'sideways'])).code).toBe(2);
    expect((await lateral(['generate', SHOP, '--flows', CAPTURES[0]!, '--directions', 'both', '--egress-only'])).code).toBe(2);
    expect((await lateral(['generate', SHOP, '--flows', CAPTURES[0]!, '--max-over', 'many'])).code).toBe(2);
  });

  it('isolates the directions asked for, and leaves DNS out with --no-dns', async () => {
    const LEDGER = 'fixtures/ledger';
    const capture = `${LEDGER}/flows/hubble.jsonl`;
    type Doc = { policies: { metadata: { name: string }; spec: { policyTypes: string[]; egress?: { to?: { podSelector?: { matchLabels?: Record<string, string> } }[]; ports?: { protocol: string; port: number }[] }[] } }[]; isolated: { ingress: string[]; egress: string[] }; dns: unknown };
    const egressOnly = JSON.parse((await lateral(['generate', LEDGER, '--flows', capture, '--directions', 'egress', '-o', 'json'])).stdout) as Doc;
    expect(egressOnly.policies.every((p) => p.spec.policyTypes.join() === 'Egress')).toBe(true);
    expect(egressOnly.isolated.ingress).toEqual([]);
    expect(egressOnly.isolated.egress).toContain('ledger/worker');

    const noDns = JSON.parse((await lateral(['generate', LEDGER, '--flows', capture, '--no-dns', '-o', 'json'])).stdout) as Doc;
    expect(noDns.dns).toBeNull();
    const egressOf = (name: string) => noDns.policies.find((p) => p.metadata.name === name)!.spec.egress;
    // reports never resolved a name: without the DNS rule, it may send nothing at all.
    expect(egressOf('lateral-reports-egress')).toEqual([]);
    // web's observed lookups are an ordinary rule: UDP 53 only, to the CoreDNS pods.
    expect(egressOf('lateral-web-egress')).toContainEqual(expect.objectContaining({ ports: [{ protocol: 'UDP', port: 53 }] }));

    const text = await lateral(['generate', LEDGER, '--flows', capture]);
    expect(text.code).toBe(0);
    expect(text.stderr).toContain('isolated: 6 workloads for ingress, 6 for egress');
    expect(text.stderr).toContain('DNS: every egress policy allows service kube-system/kube-dns (UDP 53, TCP 53)');
  });
});

describe('lateral audit', () => {
  it('lists observed flows the current policies deny and the network dropped; exit 1', async () => {
    const r = await lateral(['audit', SHOP, '--flows', CAPTURES[0]!]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines.some((l) => l.startsWith('DENIED  shop/frontend -> shop/postgres TCP 5432'))).toBe(true);
    expect(lines.some((l) => l.startsWith('DROPPED shop/frontend -> shop/postgres TCP 5432'))).toBe(true);
    expect(lines.at(-1)).toMatch(/observed connections .* 2 denied by current policies, 2 dropped by the network$/);
  });

  it('lists flows outside a baseline, evaluated instead of the inputs\' policies', async () => {
    // Baseline: what was generated from the Gadget capture alone; Hubble saw more.
    const dir = tempDir();
    expect((await lateral(['generate', SHOP, '--flows', CAPTURES[1]!, '--out', dir, '--default-deny'])).code).toBe(0);
    const r = await lateral(['audit', SHOP, '--flows', CAPTURES[0]!, '--baseline', dir, join(REPO, SHOP, 'policies'), '--format', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { outsideBaseline: { from: string; to: string }[]; found: boolean };
    expect(doc.found).toBe(true);
    expect(doc.outsideBaseline.length).toBeGreaterThan(0);

    // The same capture against the baseline generated from it: nothing outside.
    const own = tempDir();
    expect((await lateral(['generate', SHOP, '--flows', CAPTURES[0]!, '--out', own])).code).toBe(0);
    const clean = await lateral(['audit', SHOP, '--flows', CAPTURES[0]!, '--baseline', own, join(REPO, SHOP, 'policies'), '--format', 'json']);
    const cleanDoc = JSON.parse(clean.stdout) as { outsideBaseline: { from: string; to: string; port: number }[] };
    // Only what the network dropped (and generation therefore left out) falls outside.
    expect(cleanDoc.outsideBaseline.map((f) => `${f.from} -> ${f.to}:${f.port}`)).toEqual(['shop/frontend -> shop/postgres:5432', 'shop/currency -> 198.51.100.80:443'].sort());
  });

  it('takes the baseline as the existing policies plus the generated ones, unless told it replaces them', async () => {
    const own = tempDir();
    expect((await lateral(['generate', SHOP, '--flows', CAPTURES[0]!, '--out', own])).code).toBe(0);
    // The generated file alone: it only adds to the shop's policies, which stay in force.
    const r = await lateral(['audit', SHOP, '--flows', CAPTURES[0]!, '--baseline', own, '--format', 'json']);
    const doc = JSON.parse(r.stdout) as { outsideBaseline: { from: string; to: string; port: number }[] };
    expect(doc.outsideBaseline.map((f) => `${f.from} -> ${f.to}:${f.port}`).sort()).toEqual(['shop/currency -> 198.51.100.80:443', 'shop/frontend -> shop/postgres:5432']);
    const text = await lateral(['audit', SHOP, '--flows', CAPTURES[0]!, '--baseline', own]);
    expect(text.stdout).toMatch(/2 outside the baseline \(the inputs' \d+ policies \+ \d+\)$/m);
    // Taken as a complete policy set, the generated file alone says little: it leaves the pods
    // it adds nothing for unisolated, so even the dropped connections fall inside.
    const replaced = await lateral(['audit', SHOP, '--flows', CAPTURES[0]!, '--baseline', own, '--baseline-replaces', '--format', 'json']);
    expect((JSON.parse(replaced.stdout) as { outsideBaseline: unknown[] }).outsideBaseline).toEqual([]);
    expect((await lateral(['audit', SHOP, '--flows', CAPTURES[0]!, '--baseline-replaces'])).code).toBe(2);
  });

  it('exits 0 when every flow is allowed and none dropped', async () => {
    const dir = tempDir();
    const csv = join(dir, 'flows.csv');
    writeFileSync(csv, 'src,dst,port,protocol\nshop/frontend,shop/cart,7070,TCP\n');
    const r = await lateral(['audit', SHOP, '--flows', csv, '--flow-format', 'csv']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('1 observed connections (1 flows): 0 denied by current policies, 0 dropped by the network');
  });
});

describe('lateral generate / audit: reading captures', () => {
  it('lists the first bad lines with file:line as given, sums up the rest, and still generates', async () => {
    const dir = tempDir();
    const good = readFileSync(join(REPO, CAPTURES[0]!), 'utf8').trim().split('\n');
    const lines = good.flatMap((l, i) => (i % 20 === 3 ? [l, `garbage ${i}`] : [l]));
    writeFileSync(join(dir, 'damaged.jsonl'), lines.join('\n'));
    // The capture relative to the working directory, as a user types it.
    const ok = await lateral(['generate', join(REPO, SHOP), '--flows', 'damaged.jsonl', '--format', 'json'], { cwd: dir });
    expect(ok.code).toBe(0);
    const clean = await readFlows([join(REPO, CAPTURES[0]!)], (await loadCluster([join(REPO, SHOP)])).cluster);
    const bad = lines.length - good.length + clean.badLineCount;
    expect(bad).toBeGreaterThan(5);
    const err = ok.stderr.split('\n');
    expect(err[0]).toBe(`lateral: skipped ${bad} flow lines that did not parse:`);
    const listed = err.filter((l) => /^ {2}damaged\.jsonl:\d+: /.test(l));
    expect(listed).toHaveLength(5);
    expect(listed).toContain(`  damaged.jsonl:5: not JSON (Unexpected token 'g', "garbage 3" is not valid JSON)`);
    expect(err).toContain(`  … and ${bad - 5} more`);
  });

  it('lists unresolved flow ends with their record counts', async () => {
    const dir = tempDir();
    const csv = join(dir, 'flows.csv');
    writeFileSync(
      csv,
      ['src,dst,port,protocol,count', 'shop/frontend,shop/cart,7070,TCP,3', 'shop/ghost,shop/cart,7070,TCP,40', 'shop/frontend,nowhere/x,80,TCP,2', 'shop/ghost,shop/cart,8080,TCP,2'].join('\n'),
    );
    const r = await lateral(['audit', SHOP, '--flows', csv]);
    expect(r.stderr).toContain('lateral: 44 flow records name endpoints the inputs do not have (left out):\n  42  shop/ghost matches no pod or workload in the cluster\n   2  nowhere/x matches no pod or workload in the cluster\n');
    expect(r.stdout).toContain('1 observed connections (3 flows)');
  });

  it('exits 2 naming the file when no line of it parses', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.jsonl'), '{"flow": 1\n{"flow": {"l4": {"ICMPv4": {}}, "IP": 7}\n');
    for (const command of ['generate', 'audit']) {
      const r = await lateral([command, join(REPO, SHOP), '--flows', 'notes.jsonl', '--flow-format', 'hubble'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('notes.jsonl');
      expect(r.stderr).toMatch(/no line is a hubble flow record \(line 1: not JSON/);
      expect(r.stdout).toBe('');
    }
  });

  it('shows progress (records read) on stderr when it is a terminal, and nothing of it otherwise', async () => {
    const stderr = Object.assign(new PassThrough(), { isTTY: true });
    const chunks: Buffer[] = [];
    stderr.on('data', (c: Buffer) => chunks.push(c));
    const code = await runCli(['generate', SHOP, '--flows', CAPTURES[0]!], { stdout: new PassThrough(), stderr, stdin: Readable.from([]), cwd: REPO });
    expect(code).toBe(0);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text).toMatch(/\r\x1b\[Kreading flows… \d+ records/);
    const plain = await lateral(['generate', SHOP, '--flows', CAPTURES[0]!]);
    expect(plain.stderr).not.toContain('reading flows');
  });
});
