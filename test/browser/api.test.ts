/**
 * The HTTP API over a real listening server (127.0.0.1, ephemeral port): each route's shape,
 * the CLI's JSON where the CLI has one, bad input as 400 with the engine's one-line message,
 * the security headers, and no stack traces or file paths from requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, diffReachability, workloadReachability } from '@lateral/core';
import { loadCluster } from '@lateral/k8s';
import { BODY_LIMIT, CONTENT_SECURITY_POLICY, type RunningServer } from '@lateral/web';
import { lateral } from '../cli/run-cli.js';
import { serveShop, SHOP, SHOP_FLOWS } from './browser.js';

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

  it('GET /api/summary, /api/endpoints, /api/groups, /api/policies describe the shop', async () => {
    const s = await get('/api/summary');
    expect(s.body).toMatchObject({ label: 'fixtures/shop', namespaces: 4, workloads: 14, flows: ['fixtures/shop/flows/hubble.jsonl'] });
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
    expect(off.body).toEqual(JSON.parse(cli.stdout));
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
