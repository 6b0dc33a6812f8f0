/**
 * The server under load, over real sockets on 127.0.0.1: 50 clients asking for what-ifs on the
 * shop for 20 s, then 5 at once on S2 (10,000 pods) while a page polls /api/summary. Every
 * request gets an answer — no error status, no reset connection — and the summary answers
 * while the S2 what-ifs are still running (they run in the analysis workers, not on the
 * request thread). Latencies are printed, never asserted (benchmarks time; tests check
 * behaviour): `pnpm bench` has the summary-under-load figure.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifests, synthesizeYaml } from '@lateral/k8s';
import { sessionFromObjects, startServer, type RunningServer } from '@lateral/web';
import { serveShop } from './browser.js';

const servers: RunningServer[] = [];
const notes: string[] = [];
afterAll(async () => {
  // eslint-disable-next-line no-console
  console.log(`load test, this machine:\n${notes.map((n) => `  ${n}`).join('\n')}`);
  await Promise.all(servers.map((s) => s.close()));
});

interface Tally {
  ok: number;
  /** Answers with another status, by status. */
  errors: Map<number, number>;
  /** Requests that got no HTTP answer (reset, refused, closed). */
  resets: string[];
}

async function whatIf(url: string, body: unknown, t: Tally): Promise<void> {
  try {
    const r = await fetch(new URL('/api/what-if', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await r.text();
    if (r.status === 200 && text.startsWith('{')) t.ok++;
    else t.errors.set(r.status, (t.errors.get(r.status) ?? 0) + 1);
  } catch (e) {
    t.resets.push(String((e as { cause?: unknown }).cause ?? e));
  }
}

const tally = (): Tally => ({ ok: 0, errors: new Map(), resets: [] });

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN);
}

describe('server under load', () => {
  it('answers 50 concurrent what-if clients on the shop for 20 s: no errors, no resets', async () => {
    const server = await serveShop();
    servers.push(server);
    const changes = [{ disable: ['shop/postgres-ingress'] }, { disable: ['shop/cart-ingress'] }, {}, { disable: ['shop/cache-ingress', 'shop/cache-egress'] }];
    const t = tally();
    const until = Date.now() + 20_000;
    await Promise.all(
      Array.from({ length: 50 }, async (_, client) => {
        for (let i = 0; Date.now() < until; i++) await whatIf(server.url, changes[(client + i) % changes.length], t);
      }),
    );
    notes.push(`shop: ${t.ok} what-ifs answered in 20 s by 50 clients (${server.analysis?.workers} analysis worker(s))`);
    expect(t.resets).toEqual([]);
    expect(Object.fromEntries(t.errors)).toEqual({});
    expect(t.ok).toBeGreaterThan(50);
  }, 120_000);

  it('answers 503 with Retry-After, not a reset, when the queue is full or the wait too long', async () => {
    const { loadSession } = await import('@lateral/web');
    const session = await loadSession(['fixtures/shop'], { label: 'fixtures/shop' });
    const full = await startServer(session, { log: () => {}, jobs: { maxQueued: 0 } });
    const impatient = await startServer(session, { log: () => {}, jobs: { maxWaitMs: 1 } });
    servers.push(full, impatient);
    const ask = async (url: string) => {
      const r = await fetch(new URL('/api/what-if', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"disable": ["shop/postgres-ingress"]}' });
      return { status: r.status, retryAfter: r.headers.get('retry-after'), body: (await r.json()) as { error?: string } };
    };
    expect(await ask(full.url)).toEqual({ status: 503, retryAfter: expect.stringMatching(/^\d+$/), body: { error: 'the server is busy with other analyses; try again shortly' } });
    // 20 at once for one worker, none allowed to wait: those that waited are told when to come back.
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask(impatient.url)));
    expect(answers.every((a) => a.status === 200 || (a.status === 503 && /^\d+$/.test(a.retryAfter ?? '')))).toBe(true);
    expect(answers.some((a) => a.status === 503)).toBe(true);
    expect(impatient.analysis?.refused).toBe(answers.filter((a) => a.status === 503).length);
  }, 120_000);

  it('drops the queued jobs of clients that went away, and goes on answering', async () => {
    const { loadSession } = await import('@lateral/web');
    const server = await startServer(await loadSession(['fixtures/shop'], { label: 'fixtures/shop' }), { log: () => {}, jobs: { workers: 1 } });
    servers.push(server);
    const abort = new AbortController();
    const sent = Array.from({ length: 40 }, (_, i) =>
      fetch(new URL('/api/what-if', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ disable: [i % 2 ? 'shop/postgres-ingress' : 'shop/cart-ingress'], offset: i }), signal: abort.signal }).catch(() => undefined),
    );
    while ((server.analysis?.queued ?? 0) < 10) await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    await Promise.all(sent);
    while ((server.analysis?.queued ?? 0) > 0) await new Promise((r) => setTimeout(r, 20));
    expect(server.analysis?.cancelled).toBeGreaterThan(0);
    const after = await fetch(new URL('/api/what-if', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(after.status).toBe(200);
  }, 120_000);

  it('drops a queued request when a newer one of the same tab and view arrives (409), and answers the newer', async () => {
    const { loadSession } = await import('@lateral/web');
    const server = await startServer(await loadSession(['fixtures/shop'], { label: 'fixtures/shop' }), { log: () => {}, jobs: { workers: 1, quickWorker: false } });
    servers.push(server);
    const ask = (body: unknown, slot?: string) =>
      fetch(new URL('/api/what-if', server.url), { method: 'POST', headers: { 'content-type': 'application/json', ...(slot ? { 'x-lateral-slot': slot } : {}) }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: string; change?: string } }));
    // Keep the one worker busy so that what follows waits in the queue.
    const busy = Array.from({ length: 60 }, (_, i) => ask({ disable: [i % 2 ? 'shop/postgres-ingress' : 'shop/cart-ingress'], offset: i }));
    while ((server.analysis?.queued ?? 0) < 30) await new Promise((r) => setTimeout(r, 5));
    const older = ask({ disable: ['shop/postgres-ingress'] }, 'tab1:what-if');
    const other = ask({ disable: ['shop/cart-ingress'] }, 'tab2:what-if');
    const newer = ask({ disable: ['shop/cache-ingress'] }, 'tab1:what-if');
    expect(await older).toEqual({ status: 409, body: { error: 'superseded by a newer request from the same view' } });
    // Another tab's request in a slot of the same name is its own.
    expect((await other).status).toBe(200);
    expect(await newer).toMatchObject({ status: 200, body: { change: 'delete networkpolicy/shop/cache-ingress' } });
    await Promise.all(busy);
    expect(server.analysis?.superseded).toBe(1);
  }, 120_000);

  it('answers 5 concurrent what-ifs on S2 and /api/summary meanwhile', async () => {
    const session = sessionFromObjects('S2', parseManifests(synthesizeYaml({ pods: 10_000, namespaces: 200, policies: 1_000 }), 's2.yaml'));
    // Waiting is allowed to take long here (the machine may be busy): the point is every answer.
    const server = await startServer(session, { log: () => {}, jobs: { maxWaitMs: 600_000 } });
    servers.push(server);
    const withIngress = session.cluster.policies.filter((p) => (p.ingress?.length ?? 0) > 0).slice(0, 5);
    expect(withIngress).toHaveLength(5);
    const t = tally();
    let running = true;
    let answered = 0;
    const whatIfs = Promise.all(withIngress.map((p) => whatIf(server.url, { disable: [`${p.namespace}/${p.name}`] }, t).finally(() => answered++))).finally(() => (running = false));
    // A blast radius asked meanwhile takes the quick lane's worker: it does not wait for the what-ifs.
    let whatIfsDoneAtBlast = -1;
    const from = session.cluster.pods.find((p) => p.namespace === withIngress[0]!.namespace)!;
    const blast = fetch(new URL('/api/blast', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: `${from.owner.namespace}/${from.owner.name}` }) }).then(async (r) => {
      whatIfsDoneAtBlast = answered;
      return { status: r.status, body: (await r.json()) as { reached?: unknown[] } };
    });
    let beforeFirstWhatIf = 0;
    // A page polling the summary meanwhile, as the UI does every few seconds.
    const during: number[] = [];
    const summaryFailures: string[] = [];
    while (running) {
      const t0 = performance.now();
      try {
        const r = await fetch(new URL('/api/summary', server.url));
        const body = (await r.json()) as { pods?: number };
        if (r.status !== 200 || body.pods !== 10_000) summaryFailures.push(`status ${r.status}`);
        else if (running) {
          during.push(performance.now() - t0);
          if (answered === 0) beforeFirstWhatIf++;
        }
      } catch (e) {
        summaryFailures.push(String(e));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await whatIfs;
    notes.push(`S2: 5 what-ifs answered; /api/summary answered ${during.length} times meanwhile (${beforeFirstWhatIf} before the first what-if), median ${quantile(during, 0.5)} ms, p95 ${quantile(during, 0.95)} ms, max ${quantile(during, 1)} ms`);
    expect(t.resets).toEqual([]);
    expect(Object.fromEntries(t.errors)).toEqual({});
    expect(t.ok).toBe(5);
    expect(summaryFailures).toEqual([]);
    const b = await blast;
    expect(b.status).toBe(200);
    expect(Array.isArray(b.body.reached)).toBe(true);
    notes.push(`S2: the blast radius answered after ${whatIfsDoneAtBlast} of the 5 what-ifs`);
    expect(whatIfsDoneAtBlast).toBeLessThan(5);
    // The request thread stayed free: the summary answered, again and again, before even the
    // first what-if did (a server doing the what-if on its request thread answers it after).
    expect(beforeFirstWhatIf).toBeGreaterThan(1);
  }, 600_000);
});
