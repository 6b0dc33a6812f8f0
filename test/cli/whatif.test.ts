/**
 * `lateral whatif` and `lateral diff` end to end on the shop: the safety check before turning
 * on default-deny (which observed flows break, and which policy breaks each), --fail-on exit
 * codes for CI, the formats, and bad input on either side.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lateral, REPO } from './run-cli.js';

const SHOP = join(REPO, 'fixtures/shop');
const FLOWS = join(SHOP, 'flows/flows.csv');
const BANK = join(REPO, 'test/whatif/bank/bank.yaml');
let tmp: string;
/** The shop's workloads with no policy at all: everything may talk to everything. */
let open: string;
/** The shop with every policy but data.yaml: postgres and redis-cart admit nothing. */
let noData: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'lateral-whatif-'));
  open = join(tmp, 'open');
  for (const f of ['namespaces.yaml', 'pods.yaml', 'services.yaml', 'workloads.yaml']) cpSync(join(SHOP, f), join(open, f));
  noData = join(tmp, 'no-data');
  cpSync(SHOP, noData, { recursive: true, filter: (src) => !src.endsWith('data.yaml') && !src.includes('/flows') });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Broken {
  from: string;
  to: string;
  protocol: string;
  port: number;
  deniedBy: string[];
}

const INGRESS = 'shop/default-deny-ingress';
const EGRESS = 'shop/default-deny-egress';

/**
 * Every observed connection in flows.csv, and the policies of default-deny.yaml that deny it:
 * egress of every shop pod but recommendation (its egress baseline leaves it out), ingress of
 * every shop pod. Written from the capture and the YAML by hand.
 */
const EXPECTED_BROKEN: [string, string, string, string[]][] = [
  ['shop/frontend', 'shop/cart', 'TCP 7070', [EGRESS, INGRESS]],
  ['shop/frontend', 'shop/catalog', 'TCP 3550', [EGRESS, INGRESS]],
  ['shop/frontend', 'shop/checkout', 'TCP 5050', [EGRESS, INGRESS]],
  ['shop/frontend', 'shop/currency', 'TCP 7000', [EGRESS, INGRESS]],
  ['shop/frontend', 'shop/recommendation', 'TCP 8080', [EGRESS, INGRESS]],
  ['shop/frontend', 'shop/shipping', 'TCP 50051', [EGRESS, INGRESS]],
  ['shop/frontend', 'kube-system/coredns', 'UDP 53', [EGRESS]],
  ['shop/checkout', 'shop/payment', 'TCP 50051', [EGRESS, INGRESS]],
  ['shop/checkout', 'shop/email', 'TCP 5000', [EGRESS, INGRESS]],
  ['shop/checkout', 'shop/cart', 'TCP 7070', [EGRESS, INGRESS]],
  ['shop/checkout', 'shop/catalog', 'TCP 3550', [EGRESS, INGRESS]],
  ['shop/checkout', 'shop/currency', 'TCP 7000', [EGRESS, INGRESS]],
  ['shop/checkout', 'shop/shipping', 'TCP 50051', [EGRESS, INGRESS]],
  ['shop/checkout', 'kube-system/coredns', 'UDP 53', [EGRESS]],
  ['shop/payment', '203.0.113.10', 'TCP 443', [EGRESS]],
  ['shop/payment', 'kube-system/coredns', 'UDP 53', [EGRESS]],
  ['shop/email', '198.51.100.25', 'TCP 587', [EGRESS]],
  ['shop/email', 'kube-system/coredns', 'UDP 53', [EGRESS]],
  ['shop/cart', 'shop/redis-cart', 'TCP 6379', [EGRESS, INGRESS]],
  ['shop/catalog', 'shop/postgres', 'TCP 5432', [EGRESS, INGRESS]],
  ['shop/recommendation', 'shop/catalog', 'TCP 3550', [INGRESS]],
  ['ingress-nginx/ingress-nginx-controller', 'shop/frontend', 'TCP 8080', [INGRESS]],
  ['monitoring/prometheus', 'shop/frontend', 'TCP 9090', [INGRESS]],
  ['monitoring/prometheus', 'shop/cart', 'TCP 9090', [INGRESS]],
  ['monitoring/prometheus', 'shop/redis-cart', 'TCP 9121', [INGRESS]],
  ['monitoring/prometheus', 'shop/postgres', 'TCP 9187', [INGRESS]],
  // Not the kubelet probes from 192.168.10.11: traffic from a pod's own node is always allowed.
  ['shop/currency', '198.51.100.80', 'TCP 443', [EGRESS]],
];

describe('lateral whatif: add default-deny to the shop', () => {
  it('lists every observed flow it would break, with the policy that denies it', async () => {
    const r = await lateral(['whatif', open, '--apply', join(SHOP, 'policies/default-deny.yaml'), '--flows', FLOWS, '--format', 'json']);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { summary: Record<string, number>; brokenFlows: Broken[]; changes: { change: string }[] };
    const got = j.brokenFlows.map((f) => `${f.from} -> ${f.to} ${f.protocol} ${f.port}: ${[...f.deniedBy].sort().join(' ')}`).sort();
    const want = EXPECTED_BROKEN.map(([from, to, port, by]) => `${from} -> ${to} ${port}: ${[...by].sort().join(' ')}`).sort();
    expect(got).toEqual(want);
    expect(j.summary.brokenFlows).toBe(EXPECTED_BROKEN.length);
    // Default-deny only closes: nothing is newly allowed.
    expect(j.summary.newlyAllowed).toBe(0);
    expect(j.changes.every((c) => c.change === 'denied')).toBe(true);
  });

  it('--fail-on broken-flows exits 1 (for CI) and says why on stderr', async () => {
    const r = await lateral(['whatif', open, '--apply', join(SHOP, 'policies/default-deny.yaml'), '--flows', FLOWS, '--fail-on', 'broken-flows']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--fail-on: found broken-flows/);
    expect(r.stdout).toMatch(/BROKEN  shop\/catalog -> shop\/postgres TCP 5432 \(8810 records\): denied by shop\/default-deny-egress, shop\/default-deny-ingress/);
  });

  it('diff against the full shop policy set: only the one flow its egress rules leave out breaks', async () => {
    // currency -> 198.51.100.80:443 was seen once, at 06:12; no egress rule of the shop allows it.
    const r = await lateral(['diff', open, '--after', SHOP, '--flows', FLOWS, '--fail-on', 'broken-flows', '--format', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as { brokenFlows: Broken[]; summary: Record<string, number> };
    expect(j.brokenFlows.map((f) => `${f.from} -> ${f.to} ${f.protocol} ${f.port}`)).toEqual(['shop/currency -> 198.51.100.80 TCP 443']);
    expect(j.brokenFlows[0]!.deniedBy).toContain('shop/default-deny-egress');
    expect(j.summary.newlyDenied).toBeGreaterThan(0);
  });
});

describe('lateral whatif: --fail-on new-exposure and new-paths', () => {
  it('a policy letting another namespace into postgres is new exposure', async () => {
    const args = ['whatif', SHOP, '--apply', join(REPO, 'test/whatif/shop/postgres-from-monitoring.yaml')];
    const r = await lateral([...args, '--fail-on', 'new-exposure', '--format', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as { newExposure: { from: string; to: string; ports: { TCP: number[][] } }[] };
    expect(j.newExposure).toEqual([{ from: 'monitoring/prometheus', to: 'shop/postgres', ports: { TCP: [[5432, 5432]], UDP: [], SCTP: [] } }]);
    // Not asked for: a finding alone does not fail the run.
    expect((await lateral([...args, '--fail-on', 'new-paths'])).code).toBe(0);
  });

  it('a change inside one namespace is not new exposure', async () => {
    const r = await lateral(['whatif', noData, '--apply', join(SHOP, 'policies/data.yaml'), '--fail-on', 'new-exposure']);
    expect(r.stdout).toMatch(/ALLOWED shop\/catalog -> shop\/postgres: TCP 5432/);
    expect(r.code).toBe(0);
  });

  it('letting the exposed web call the vault opens a path from the internet to the crown jewel', async () => {
    const r = await lateral(['whatif', BANK, '--apply', join(REPO, 'test/whatif/bank/vault-from-web.yaml'), '--fail-on', 'new-paths', '--format', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as { paths: unknown[]; blastRadius: unknown[]; newExposure: unknown[]; crownJewels: string[] };
    // The annotated crown jewel counts without --target.
    expect(j.crownJewels).toEqual(['bank/vault']);
    expect(j.paths).toEqual([
      {
        change: 'opened',
        from: 'internet',
        entryPoint: 'bank/web',
        to: 'bank/vault',
        hopsBefore: null,
        hopsAfter: 2,
        newMoves: [{ from: 'bank/web', to: 'bank/vault' }],
        path: ['internet', 'bank/web', 'bank/vault'],
      },
    ]);
    expect(j.blastRadius).toEqual([{ id: 'bank/web', before: 0, after: 1 }]);
    // Inside one namespace: a new path, but not new exposure.
    expect(j.newExposure).toEqual([]);
  });

  it('deleting that policy closes the path again', async () => {
    const after = join(tmp, 'bank-after.yaml');
    writeFileSync(after, `${readFileSync(BANK, 'utf8')}\n---\n${readFileSync(join(REPO, 'test/whatif/bank/vault-from-web.yaml'), 'utf8')}`);
    const r = await lateral(['whatif', after, '--delete', 'NetworkPolicy/bank/vault-from-web', '--fail-on', 'new-paths', '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { paths: { change: string; to: string }[]; changes: { from: string; to: string; change: string; denyingPolicies: string[] }[] };
    expect(j.paths.map((p) => `${p.change} ${p.to}`)).toEqual(['closed bank/vault']);
    expect(j.paths[0]).toMatchObject({ entryPoint: 'bank/web', hopsBefore: 2, hopsAfter: null, path: ['internet', 'bank/web', 'bank/vault'] });
    expect(j.changes).toHaveLength(1);
    expect(j.changes[0]).toMatchObject({ from: 'bank/web', to: 'bank/vault', change: 'denied', denyingPolicies: ['bank/default-deny-ingress'] });
  });
});

describe('lateral whatif: routes opened and shortened, per entry point', () => {
  const change = () => join(REPO, 'test/whatif/shop/frontend-to-postgres.yaml');
  it('a direct frontend -> database connection inside one namespace fails new-paths when the database is a crown jewel', async () => {
    const r = await lateral(['whatif', SHOP, '--apply', change(), '--target', 'shop/postgres', '--fail-on', 'new-paths', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--fail-on: found new-paths');
    const j = JSON.parse(r.stdout) as { paths: { change: string; entryPoint: string; hopsBefore: number; hopsAfter: number; path: string[]; newMoves: unknown[] }[]; newExposure: unknown[] };
    // No new exposure: both ends are in shop. The internet-facing frontend reached postgres in
    // three moves (frontend -> checkout -> postgres); now in two.
    expect(j.newExposure).toEqual([]);
    const viaFrontend = j.paths.find((p) => p.entryPoint === 'shop/frontend')!;
    expect(viaFrontend).toMatchObject({ change: 'shortened', hopsBefore: 3, hopsAfter: 2, path: ['internet', 'shop/frontend', 'shop/postgres'], newMoves: [{ from: 'shop/frontend', to: 'shop/postgres' }] });
    // Through the ingress controller the fewest moves stay two (it reaches postgres itself), but
    // the route through the frontend is a new sequence of moves: opened.
    const viaIngress = j.paths.find((p) => p.entryPoint === 'ingress-nginx/ingress-nginx-controller')!;
    expect(viaIngress).toMatchObject({ change: 'opened', hopsBefore: 2, hopsAfter: 2, path: ['internet', 'ingress-nginx/ingress-nginx-controller', 'shop/frontend', 'shop/postgres'] });
  });

  it('--fail-on shorter-paths fails on a shortened route only; diff reports the same', async () => {
    expect((await lateral(['whatif', SHOP, '--apply', change(), '--target', 'shop/postgres', '--fail-on', 'shorter-paths'])).code).toBe(1);
    // The bank change opens a route where there was none: new, not shorter.
    expect((await lateral(['whatif', BANK, '--apply', join(REPO, 'test/whatif/bank/vault-from-web.yaml'), '--fail-on', 'shorter-paths'])).code).toBe(0);
    const after = join(tmp, 'shop-after');
    mkdirSync(after, { recursive: true });
    cpSync(SHOP, after, { recursive: true });
    cpSync(change(), join(after, 'policies', 'frontend-to-postgres.yaml'));
    const d = await lateral(['diff', SHOP, '--after', after, '--target', 'shop/postgres', '--fail-on', 'shorter-paths']);
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(/SHORTENED internet -> shop\/frontend -> shop\/postgres \(via shop\/frontend to shop\/postgres: fewest moves before 3 moves, after 2 moves; new: shop\/frontend -> shop\/postgres\)/);
  });
});

describe('lateral whatif / diff: formats', () => {
  const args = () => ['whatif', open, '--apply', join(SHOP, 'policies/default-deny.yaml'), '--flows', FLOWS];
  it('md is a pull-request comment: counts, then folded tables', async () => {
    const r = await lateral([...args(), '--format', 'md']);
    expect(r.stdout).toMatch(/^### Lateral what-if: apply NetworkPolicy\/shop\/default-deny-ingress/);
    expect(r.stdout).toMatch(/\| observed flows that would break \| 27 \|/);
    expect(r.stdout).toMatch(/<details open><summary>Observed flows that would break \(27\)<\/summary>/);
    expect(r.stdout).toMatch(/<details><summary>Newly denied \(\d+\)<\/summary>/);
  });
  it('a denial of everything is said as such, not by its first port and address; flows are counted in records', async () => {
    const r = await lateral(args());
    expect(r.stdout).toContain('denied: every port: ingress of shop/cart: isolated by shop/default-deny-ingress; no rule allows 0.0.0.0/0,::/0 on any port');
    expect(r.stdout).not.toMatch(/on TCP 1\b/);
    expect(r.stdout).toMatch(/BROKEN  \S+ -> \S+ \w+ \d+ \(\d+ records?\)/);
  });
  it('csv has one finding per row', async () => {
    const r = await lateral([...args(), '--format', 'csv']);
    const rows = r.stdout.trim().split('\n');
    expect(rows[0]).toBe('finding,from,to,before,after,added,removed,reason');
    expect(rows.filter((l) => l.startsWith('broken-flow,'))).toHaveLength(27);
  });
});

describe('lateral whatif / diff: bad input names the side', () => {
  it('a bad file on the after side', async () => {
    const bad = join(tmp, 'bad-after.yaml');
    writeFileSync(bad, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec:\n  podSelector: {}\n  ingress:\n    - ports: [{port: 70000}]\n');
    const r = await lateral(['diff', SHOP, '--after', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lateral: after: .*bad-after\.yaml:1: NetworkPolicy shop\/x: spec\.ingress\[0\]\.ports\[0\]\.port/m);
    const w = await lateral(['whatif', SHOP, '--apply', bad]);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/^lateral: after: .*bad-after\.yaml:1: NetworkPolicy shop\/x/m);
  });
  it('a bad file on the before side', async () => {
    const bad = join(tmp, 'bad-before.yaml');
    writeFileSync(bad, 'kind: Pod\nmetadata: {name: p}\nspec: [\n');
    const r = await lateral(['diff', bad, '--after', SHOP]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lateral: before: .*bad-before\.yaml/m);
  });
  it('--delete of an object that does not exist names the closest ones', async () => {
    const r = await lateral(['whatif', SHOP, '--delete', 'networkpolicy/shop/postgres-ingres']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--delete "networkpolicy\/shop\/postgres-ingres": no such object in the inputs; closest: networkpolicy\/shop\/postgres-ingress/);
  });
  it('whatif without a change and --fail-on with an unknown name are usage errors', async () => {
    expect((await lateral(['whatif', SHOP])).code).toBe(2);
    const r = await lateral(['whatif', SHOP, '--delete', 'networkpolicy/shop/postgres-ingress', '--fail-on', 'everything']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--fail-on takes broken-flows, new-exposure, new-paths, shorter-paths/);
  });
});
