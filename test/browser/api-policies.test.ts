/**
 * The routes the what-if editor uses, over a real listening server: the loaded policies with the
 * reference a what-if `delete` takes, one of them back as YAML that applies as the same object
 * (a what-if of it unchanged changes nothing), and a what-if with a foothold, whose `foothold`
 * agrees with `/api/blast` from that foothold on today's cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '@lateral/web';
import { serveShop } from './browser.js';

let server: RunningServer;

beforeAll(async () => {
  server = await serveShop();
}, 120_000);
afterAll(async () => server?.close());

async function call(path: string, payload?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(new URL(path, server.url), payload === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  return { status: r.status, body: await r.json() };
}

describe('policy sources and what-if footholds', () => {
  it('lists the loaded NetworkPolicies with delete references, and gives one back as YAML that applies as itself', async () => {
    const list = await call('api/policy-objects');
    expect(list.status).toBe(200);
    const policies = (await call('api/policies')).body as { id: string }[];
    expect(list.body.map((p: { ref: string }) => p.ref).sort()).toEqual(policies.map((p) => `networkpolicy/${p.id}`).sort());
    const ref = list.body[0].ref as string;
    const src = await call(`api/policy-source?ref=${encodeURIComponent(ref)}`);
    expect(src.status).toBe(200);
    expect(src.body.yaml).toMatch(/^apiVersion: networking\.k8s\.io\/v1\nkind: NetworkPolicy\n/);
    expect(src.body.yaml).not.toMatch(/managedFields|resourceVersion|status:/);
    // Applied unchanged it replaces itself: no pair changes.
    const same = await call('api/what-if', { yaml: src.body.yaml });
    expect(same.status).toBe(200);
    expect(same.body.changes).toEqual([]);
    // Deleted by its reference, it is a change.
    const gone = await call('api/what-if', { delete: [ref] });
    expect(gone.status).toBe(200);
    expect(gone.body.change).toContain('delete');
  });

  it('answers an unknown policy reference as a 400 that names it', async () => {
    const r = await call('api/policy-source?ref=networkpolicy%2Fshop%2Fnope');
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('policy-source: no policy "networkpolicy/shop/nope" in the loaded cluster');
  });

  it('adds the foothold’s blast radius before and after to a what-if, matching /api/blast on today’s cluster', async () => {
    const blast = await call('api/blast', { from: 'shop/frontend', targets: ['shop/postgres'] });
    const r = await call('api/what-if', { delete: [(await call('api/policy-objects')).body[0].ref], from: 'shop/frontend' });
    expect(r.status).toBe(200);
    expect(r.body.foothold.from).toBe('shop/frontend');
    expect(r.body.foothold.before.reached).toBe(blast.body.metrics.reached);
    expect(r.body.foothold.before.workloads).toBe(blast.body.metrics.workloads);
    // Without a foothold the answer is the CLI's JSON, nothing added.
    expect('foothold' in (await call('api/what-if', { yaml: '' })).body).toBe(false);
  });

  it('refuses a foothold that is not a string, or names nothing, naming "from"', async () => {
    expect(await call('api/what-if', { from: 3 })).toEqual({ status: 400, body: { error: '"from" must be a workload id, node:<name> or internet' } });
    const r = await call('api/what-if', { from: 'shop/nope' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^from "shop\/nope" matches no workload/);
  });
});
