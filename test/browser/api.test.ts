/**
 * The HTTP API over a real listening server (127.0.0.1, ephemeral port): each route's shape,
 * the CLI's JSON where the CLI has one, bad input as 400 with the engine's one-line message,
 * the security headers, and no stack traces or file paths from requests.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, diffReachability, workloadReachability } from '@lateral/core';
import { loadCluster } from '@lateral/k8s';
import { BODY_LIMIT, CONTENT_SECURITY_POLICY, type RunningServer } from '@lateral/web';
import { lateral } from '../cli/run-cli.js';
import { FRONTEND_TO_POSTGRES, serveShop, SHOP, SHOP_FLOWS } from './browser.js';

let server: RunningServer;

beforeAll(async () => {
  server = await serveShop();
}, 120_000);
afterAll(async () => server?.close());

async function get(path: string): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await fetch(new URL(path, server.url));
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: r.status, body, headers: r.headers };
}

async function post(path: string, payload: unknown, raw = false): Promise<{ status: number; body: any }> {
  const r = await fetch(new URL(path, server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ? (payload as string) : JSON.stringify(payload),
  });
  return { status: r.status, body: await r.json() };
}

describe('web API', () => {
  it('binds loopback and serves the UI with a strict Content-Security-Policy', async () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(r.body).toContain('<script type="module"');
    expect(r.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(r.headers.get('x-powered-by')).toBeNull();
  });

  it('GET /api/reach is `lateral reach --format json`', async () => {
    const load = await loadCluster([SHOP]);
    const compiled = compile(load.cluster, { ipBlockPods: 'match' });
    const w = workloadReachability(compiled, {}, compiled.endpoints());
    const r = await get('/api/reach');
    expect(r.status).toBe(200);
    expect(r.body).toEqual(JSON.parse(JSON.stringify({ endpoints: w.endpoints, connections: w.connections })));
    const ns = await get('/api/reach?namespace=monitoring');
    expect(ns.body.connections.every((c: { from: string; to: string }) => c.from.startsWith('monitoring/') || c.to.startsWith('monitoring/'))).toBe(true);
  });

  it('GET /api/namespace-edges summarises an opened namespace: workload pairs inside, per namespace outside', async () => {
    const reach = (await get('/api/reach?namespace=monitoring')).body.connections as { from: string; to: string }[];
    const r = await get('/api/namespace-edges?namespace=monitoring');
    expect(r.status).toBe(200);
    const edges = r.body.edges as { from: string; to: string; pairs: number; ports: string }[];
    // Every workload pair of the reach answer is counted once, in the edge of its ends.
    expect(edges.reduce((n, e) => n + e.pairs, 0)).toBe(reach.length);
    const ns = (id: string) => (id.includes('/') ? id.split('/')[0] : id);
    expect(edges.every((e) => e.from.startsWith('monitoring/') || e.to.startsWith('monitoring/'))).toBe(true);
    // Toward the shop namespace: one edge per monitoring workload, the shop side by its name.
    const toShop = edges.filter((e) => e.to === 'shop');
    expect(toShop.length).toBeGreaterThan(0);
    expect(toShop.reduce((n, e) => n + e.pairs, 0)).toBe(reach.filter((c) => c.from.startsWith('monitoring/') && ns(c.to) === 'shop').length);
    // With shop already open on the page, those are workload pairs again.
    const detailed = (await get('/api/namespace-edges?namespace=monitoring&detail=shop')).body.edges as { from: string; to: string; pairs: number }[];
    expect(detailed.some((e) => e.to === 'shop')).toBe(false);
    expect(detailed.filter((e) => e.to.startsWith('shop/')).every((e) => e.pairs === 1)).toBe(true);
    expect((await get('/api/namespace-edges')).status).toBe(400);
  });

  it('GET /api/summary, /api/endpoints, /api/groups, /api/policies describe the shop', async () => {
    const s = await get('/api/summary');
    expect(s.body).toMatchObject({ label: 'fixtures/shop', namespaces: 4, workloads: 14, flows: ['fixtures/shop/flows/hubble.jsonl'] });
    // No plugin kinds in the shop: NetworkPolicy as Kubernetes defines it (the page shows `cni: kubernetes`).
    expect(s.body.cni).toEqual({ name: 'kubernetes' });
    const e = await get('/api/endpoints');
    const rec = e.body.find((x: { id: string }) => x.id === 'shop/recommendation');
    expect(rec).toMatchObject({ ingressIsolated: true, egressIsolated: false });
    const g = await get('/api/groups');
    const shop = g.body.nodes.find((n: { id: string }) => n.id === 'shop');
    expect(shop).toMatchObject({ kind: 'Namespace', workloads: 11 });
    // Every shop workload may reach CoreDNS; shop/recommendation may reach it on every port.
    expect(g.body.edges.find((x: { from: string; to: string }) => x.from === 'shop' && x.to === 'kube-system')).toMatchObject({ pairs: 11, ports: 'All' });
    expect(g.body.edges.find((x: { from: string; to: string }) => x.from === 'shop' && x.to === 'monitoring')).toMatchObject({ pairs: 1 });
    const p = await get('/api/policies');
    expect(p.body.map((x: { id: string }) => x.id)).toContain('shop/postgres-ingress');
  });

  it('GET /api/explain explains like `lateral explain`, and a bad port is a 400', async () => {
    const r = await get('/api/explain?from=shop/frontend&to=shop/postgres&port=5432');
    expect(r.status).toBe(200);
    expect(r.body.explanation).toMatchObject({ allowed: false, port: 5432, protocol: 'TCP' });
    expect(r.body.text).toMatch(/TCP 5432: DENIED/);
    expect((await get('/api/explain?from=shop/frontend&to=shop/postgres&port=99999')).body).toEqual({ error: 'port must be a whole number from 1 to 65535 (got "99999")' });
    const unknown = await get('/api/explain?from=shop/nope&to=shop/postgres');
    expect(unknown).toMatchObject({ status: 400, body: { error: 'from "shop/nope" is not an endpoint of this cluster' } });
  });

  it('POST /api/what-if answers exactly `lateral whatif --format json`; bad YAML is a 400 with the one-line message', async () => {
    const off = await post('/api/what-if', { disable: ['shop/postgres-ingress'] });
    expect(off.status).toBe(200);
    // Switching an allow policy off can only take connections away, and only into postgres.
    expect(off.body.summary.newlyDenied).toBeGreaterThan(0);
    expect(off.body.changes.every((c: { to: string; change: string }) => c.to === 'shop/postgres' && c.change !== 'allowed')).toBe(true);
    expect(off.body.changes.some((c: { from: string }) => c.from === 'shop/catalog')).toBe(true);
    expect(off.body.changes.find((c: { deniedBy?: string[] }) => c.deniedBy)?.deniedBy.join(' ')).toContain('postgres');
    // The observed flows into postgres now break, each with the policy and the reason.
    expect(off.body.brokenFlows.length).toBeGreaterThan(0);
    expect(off.body.brokenFlows.every((f: { to: string; reason: string }) => f.to === 'shop/postgres' && /^ingress of /.test(f.reason))).toBe(true);
    // Field for field what the CLI prints for the same change, flows and crown jewels.
    const cli = await lateral(['whatif', SHOP, '--delete', 'networkpolicy/shop/postgres-ingress', '--flows', SHOP_FLOWS, '--target', 'shop/postgres', '--format', 'json']);
    expect(cli.code).toBe(0);
    // (The web answer adds its page of rows and the counts per namespace pair.)
    const { page, namespacePairs, ...asCli } = off.body;
    expect(asCli).toEqual(JSON.parse(cli.stdout));
    expect(page).toEqual({ offset: 0, limit: 500, total: off.body.changes.length });
    expect(namespacePairs).toEqual([{ from: 'shop', to: 'shop', allowed: 0, denied: off.body.summary.newlyDenied, changed: off.body.summary.changed }]);
    // The same pairs as the engine's diff of the cluster with and without the policy.
    const load = await loadCluster([SHOP]);
    const before = compile(load.cluster, { ipBlockPods: 'match' });
    const after = compile({ ...load.cluster, policies: load.cluster.policies.filter((x) => `${x.namespace}/${x.name}` !== 'shop/postgres-ingress') }, { ipBlockPods: 'match' });
    expect(off.body.changes.map((c: { from: string; to: string; change: string }) => `${c.from}>${c.to}:${c.change}`)).toEqual(
      diffReachability(before, after).changes.map((c) => `${c.from}>${c.to}:${c.change}`),
    );
    // Any kind applies, as with kubectl apply; the Markdown report is the CLI's too.
    const relabel = await post('/api/what-if', { yaml: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n' });
    expect(relabel.status).toBe(200);
    expect(relabel.body.change).toBe('apply Namespace/extra');
    // Rows a page at a time: the second row alone is the full list's second row.
    const second = await post('/api/what-if', { disable: ['shop/postgres-ingress'], offset: 1, limit: 1 });
    expect(second.body.changes).toEqual([off.body.changes[1]]);
    expect(second.body.page).toEqual({ offset: 1, limit: 1, total: off.body.changes.length });
    // With a foothold ("from"), its blast radius on either side: switching a policy off reaches no less.
    const fh = await post('/api/what-if', { disable: ['shop/postgres-ingress'], from: 'shop/frontend' });
    expect(fh.body.foothold).toMatchObject({ from: 'shop/frontend' });
    expect(fh.body.foothold.after.reached).toBeGreaterThanOrEqual(fh.body.foothold.before.reached);
    // The next page of the same change with the same foothold carries the same foothold.
    const fh2 = await post('/api/what-if', { disable: ['shop/postgres-ingress'], from: 'shop/frontend', offset: 1, limit: 1 });
    expect(fh2.body.foothold).toEqual(fh.body.foothold);
    const md = await fetch(new URL('/api/what-if', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ disable: ['shop/postgres-ingress'], format: 'md' }) });
    expect(md.headers.get('content-type')).toMatch(/^text\/markdown/);
    const cliMd = await lateral(['whatif', SHOP, '--delete', 'networkpolicy/shop/postgres-ingress', '--flows', SHOP_FLOWS, '--target', 'shop/postgres', '--format', 'md']);
    expect(await md.text()).toBe(cliMd.stdout);

    const bad = await post('/api/what-if', { yaml: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: a\nspec:\n  podSelector: {}\n  policyTypes: [Sideways]\n' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^what-if\.yaml:1: NetworkPolicy default\/a: spec\.policyTypes/);
    expect(bad.body.error).not.toContain('\n');
    // Not only policies: a pod applied joins the cluster, as `lateral whatif --apply` would add it.
    const pod = await post('/api/what-if', { yaml: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n' });
    expect(pod.status).toBe(200);
    expect(pod.body.change).toBe('apply Pod/default/p');
    expect(await post('/api/what-if', { disable: ['shop/none'] })).toEqual({ status: 400, body: { error: 'delete "networkpolicy/shop/none": no such object in the inputs; closest: networkpolicy/shop/cart-ingress, networkpolicy/shop/cache-egress, networkpolicy/shop/cache-ingress' } });
    // A policy of a kind Lateral does not evaluate has an unknown effect, never "no changes".
    const antrea = await post('/api/what-if', { yaml: 'apiVersion: crd.antrea.io/v1beta1\nkind: NetworkPolicy\nmetadata: {name: postgres-ingress, namespace: shop}\nspec: {appliedTo: [{podSelector: {}}]}\n' });
    expect(antrea.status).toBe(400);
    expect(antrea.body.error).toContain("cannot evaluate kind NetworkPolicy (crd.antrea.io): the change's effect is unknown");
    expect(await post('/api/what-if', '{"yaml": ', true)).toEqual({ status: 400, body: { error: 'request body is not valid JSON' } });
    const big = await post('/api/what-if', { yaml: 'x'.repeat(9 * 1024 * 1024) });
    expect(big).toEqual({ status: 413, body: { error: 'request too large' } });
    expect(BODY_LIMIT).toBe('8mb');
  });

  it('POST /api/what-if can send the rows first and the blast radii and attack paths after, together the CLI\'s report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lateral-web-'));
    const file = join(dir, 'frontend-to-postgres.yaml');
    writeFileSync(file, FRONTEND_TO_POSTGRES);
    const cli = await lateral(['whatif', SHOP, '--apply', file, '--flows', SHOP_FLOWS, '--target', 'shop/postgres', '--format', 'json']);
    expect(cli.code).toBe(0);
    const whole = JSON.parse(cli.stdout);
    // The change opens a way from the internet to the crown jewel: there is a part to leave for later.
    expect(whole.paths.length).toBeGreaterThan(0);
    const first = await post('/api/what-if', { yaml: FRONTEND_TO_POSTGRES, lateral: 'later' });
    expect(first.status).toBe(200);
    // Said as left for later: no empty lists or zero counts that would read as "no paths opened".
    expect(first.body.lateral).toBe('later');
    expect(first.body).not.toHaveProperty('paths');
    expect(first.body).not.toHaveProperty('blastRadius');
    expect(first.body.summary).not.toHaveProperty('pathsOpened');
    expect(first.body.changes).toEqual(whole.changes);
    expect(first.body.newExposure).toEqual(whole.newExposure);
    expect(first.body.brokenFlows).toEqual(whole.brokenFlows);
    const part = await post('/api/what-if', { yaml: FRONTEND_TO_POSTGRES, lateral: 'only', from: 'shop/frontend' });
    expect(part.status).toBe(200);
    expect(part.body).toMatchObject({ change: whole.change, summary: whole.summary, blastRadius: whole.blastRadius, paths: whole.paths, crownJewels: whole.crownJewels });
    expect(part.body.foothold).toMatchObject({ from: 'shop/frontend' });
    expect(part.body).not.toHaveProperty('changes');
    // Asked whole afterwards, the same report as the CLI's.
    const { page: _page, namespacePairs: _pairs, ...asCli } = (await post('/api/what-if', { yaml: FRONTEND_TO_POSTGRES })).body;
    expect(asCli).toEqual(whole);
    // A change that is not only policies comes whole at once (its unknowns may hinge on the attack graph).
    const pod = await post('/api/what-if', { yaml: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: q\n', lateral: 'later' });
    expect(pod.body).not.toHaveProperty('lateral');
    expect(pod.body).toHaveProperty('paths');
    expect(await post('/api/what-if', { lateral: 'soon' })).toEqual({ status: 400, body: { error: '"lateral" must be one of later, only' } });
  });

  it('POST /api/blast, /api/paths, /api/risk answer like `lateral blast|paths|risk --format json`', async () => {
    const b = await post('/api/blast', { from: 'shop/frontend', targets: ['shop/postgres'] });
    expect(b.status).toBe(200);
    expect(b.body.from).toBe('shop/frontend');
    expect(b.body.metrics.crownJewelsReached).toBe(1);
    expect(b.body.crownJewelsReached).toEqual([{ id: 'shop/postgres', hops: 2 }]);
    const p = await post('/api/paths', { from: 'shop/frontend', to: ['shop/postgres'], k: 2 });
    expect(p.body.paths).toHaveLength(2);
    expect(p.body.paths[0].hops[0]).toMatchObject({ from: 'shop/frontend', kind: 'network' });
    const r = await post('/api/risk', { targets: ['shop/postgres'] });
    expect(r.body.crownJewels).toEqual(['shop/postgres']);
    expect(r.body.chokePoints.removals.every((x: { yaml: string }) => x.yaml.includes('kind: NetworkPolicy'))).toBe(true);
    // Unknown names as `lateral blast` words them, with the closest existing ones.
    const ghost = await post('/api/blast', { from: 'shop/ghost' });
    expect(ghost.status).toBe(400);
    expect(ghost.body.error).toMatch(/^from "shop\/ghost" matches no workload, node or "internet"; closest: shop\//);
    expect((await post('/api/blast', { from: 'shop/frontend', targets: ['app=nothing-here'] })).body.error).toMatch(/^target "app=nothing-here" matches no workload; closest: /);
    // A pod's namespace/name names its workload, as --from does.
    const pod = (await loadCluster([SHOP])).cluster.pods.find((x) => !x.fromTemplate && x.namespace === 'shop');
    if (pod) expect((await post('/api/blast', { from: `${pod.namespace}/${pod.name}` })).status).toBe(200);
  });

  it('GET /api/flows/edges and POST /api/generate work from the capture; a bad upload is a 400', async () => {
    const f = await get('/api/flows/edges');
    expect(f.body.length).toBeGreaterThan(10);
    expect(f.body.some((e: { from: string; to: string; port: number }) => e.from === 'shop/frontend' && e.to === 'shop/cart' && e.port === 7070)).toBe(true);
    const g = await post('/api/generate', {});
    expect(g.status).toBe(200);
    expect(g.body.verification.flows.share).toBe(1);
    expect(g.body.verification.ok).toBe(true);
    expect(g.body.yaml).toContain('kind: NetworkPolicy');
    const bad = await post('/api/generate', { flows: 'this is not a flow capture\n' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).not.toMatch(/\n|at .*\.ts/);
  });

  it('refuses bodies of the wrong shape with a 400 naming the field', async () => {
    expect(await post('/api/what-if', ['shop/postgres-ingress'])).toEqual({ status: 400, body: { error: expect.stringMatching(/^expected a JSON object .*, got an array$/) } });
    expect(await post('/api/what-if', { disable: ['shop/postgres-ingress'], from: 7 })).toEqual({ status: 400, body: { error: '"from" must be a workload id, node:<name> or internet' } });
    expect(await post('/api/what-if', { disable: ['shop/postgres-ingress'], from: '' })).toEqual({ status: 400, body: { error: '"from" must be a workload id, node:<name> or internet' } });
    expect(await post('/api/what-if', { yaml: 5 })).toEqual({ status: 400, body: { error: '"yaml" must be a string' } });
    expect(await post('/api/what-if', { disable: 'shop/postgres-ingress' })).toEqual({ status: 400, body: { error: '"disable" must be a list of strings' } });
    expect(await post('/api/what-if', { limit: 0 })).toEqual({ status: 400, body: { error: '"limit" must be a whole number from 1 to 10000' } });
    expect(await post('/api/blast', 'shop/frontend')).toEqual({ status: 400, body: { error: expect.stringMatching(/^expected a JSON object .*, got a string$/) } });
    expect(await post('/api/risk', { cutEntry: 'yes' })).toEqual({ status: 400, body: { error: '"cutEntry" must be true or false' } });
    expect(await post('/api/generate', { defaultDeny: 1 })).toEqual({ status: 400, body: { error: '"defaultDeny" must be true or false' } });
  });

  it('answers only to its own host names, and no API answer is cached', async () => {
    const { request } = await import('node:http');
    const withHost = (host: string) =>
      new Promise<{ status: number; body: string }>((done, fail) => {
        const r = request(new URL('/api/summary', server.url), { headers: { host } }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => done({ status: res.statusCode ?? 0, body }));
        });
        r.on('error', fail);
        r.end();
      });
    const port = new URL(server.url).port;
    // A DNS-rebinding page reaches 127.0.0.1 under its own name: refused.
    const evil = await withHost(`evil.example:${port}`);
    expect(evil.status).toBe(421);
    expect(JSON.parse(evil.body).error).toBe('host "evil.example" is not served here; start the server with --allow-host evil.example to allow it');
    for (const ok of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `app.localhost:${port}`]) expect((await withHost(ok)).status).toBe(200);
    expect((await get('/api/summary')).headers.get('cache-control')).toBe('no-store');
    expect((await get('/')).headers.get('cache-control')).not.toBe('no-store');
  });

  it('chooses the choke points from the foothold given', async () => {
    const fromFrontend = await post('/api/risk', { targets: ['shop/postgres'], from: 'shop/frontend' });
    expect(fromFrontend.status).toBe(200);
    expect(fromFrontend.body.chokePoints.sources).toEqual(['shop/frontend']);
    expect(fromFrontend.body.chokePoints.connected).toBe(true);
    expect(fromFrontend.body.chokePoints.objectsChanged.length).toBeGreaterThan(0);
    const fromInternet = await post('/api/risk', { targets: ['shop/postgres'] });
    expect(fromInternet.body.chokePoints.sources).toEqual(['internet']);
    expect((await post('/api/risk', { targets: ['shop/postgres'], from: 'shop/ghost' })).body.error).toMatch(/^from "shop\/ghost" matches no workload/);
  });

  it('answers heavy requests from the swapped-in cluster after a change (the workers follow the swap)', async () => {
    const { loadSession, sessionFromObjects, startServer } = await import('@lateral/web');
    const before = await loadSession(['fixtures/shop'], { label: 'fixtures/shop' });
    const own = await startServer(before, { log: () => {} });
    try {
      const ask = async (body: unknown) => {
        const r = await fetch(new URL('/api/what-if', own.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: r.status, body: (await r.json()) as { error?: string } };
      };
      expect((await ask({ disable: ['shop/postgres-ingress'] })).status).toBe(200);
      // The cluster as a watcher would see it once the policy is deleted there.
      const objects = before.objects.filter((o) => !((o.obj as { kind?: string }).kind === 'NetworkPolicy' && (o.obj as { metadata?: { name?: string } }).metadata?.name === 'postgres-ingress'));
      own.setSession(sessionFromObjects('fixtures/shop', objects, before.options));
      const gone = await ask({ disable: ['shop/postgres-ingress'] });
      expect(gone.status).toBe(400);
      expect(gone.body.error).toMatch(/^delete "networkpolicy\/shop\/postgres-ingress": no such object in the inputs/);
    } finally {
      await own.close();
    }
  });

  it('never sends a stack trace, and takes no file path from a request', async () => {
    const r = await get('/api/reach?namespace=../../etc/passwd');
    expect(r.status).toBe(200);
    expect(r.body.connections).toEqual([]);
    expect((await get('/api/nothing')).body).toEqual({ error: 'no such API route' });
    const traversal = await get('/..%2f..%2fpackage.json');
    expect(traversal.status).toBe(404);
    expect(String(traversal.body)).not.toContain('"name"');
  });
});
