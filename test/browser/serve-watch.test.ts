/**
 * `lateral serve --cluster --watch` against a real-HTTP Kubernetes API (test/kube-api): the
 * served answers follow the cluster — a NetworkPolicy applied through the API server turns a
 * denied connection into an allowed one at /api/explain, /api/summary's generation moves, and
 * an open page notices, says so and redraws. `serve --cluster` without --watch reads once.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { serveInProcess, type CliIo } from '@lateral/cli';
import type { RunningServer } from '@lateral/web';
import { startKubeApiServer, type KubeApiServer } from '../kube-api/kube-api-server.js';
import { writeKubeconfig } from '../kube-api/kubeconfig.js';
import { fixtureObjects, REPO } from '../kube-api/fixture-objects.js';
import { launchChromium, SCREENSHOTS } from './browser.js';

/** The shop's storefront may not reach its database; these two policies let it (both sides isolate). */
const OPEN_FRONTEND_TO_POSTGRES = [
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'frontend-to-postgres', namespace: 'shop' },
    spec: { podSelector: { matchLabels: { app: 'postgres' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ port: 5432 }] }] },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'frontend-egress-postgres', namespace: 'shop' },
    spec: { podSelector: { matchLabels: { app: 'frontend' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'postgres' } } }], ports: [{ port: 5432 }] }] },
  },
];

function io(): CliIo & { errText(): string } {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (d) => void (text += String(d)));
  return { stdout: new PassThrough(), stderr, stdin: new PassThrough(), cwd: REPO, errText: () => text };
}

async function serve(args: string[], cliIo: CliIo): Promise<RunningServer> {
  return serveInProcess(cliIo, args);
}

async function api(server: RunningServer, path: string): Promise<any> {
  return (await fetch(new URL(`api/${path}`, server.url))).json();
}

/** Polls until `cond` holds (the watcher debounces, then the server recomputes). */
async function until(cond: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let kube: KubeApiServer;
let kubeconfig: string;
let browser: Browser;

beforeAll(async () => {
  [kube, browser] = await Promise.all([fixtureObjects('shop').then((objects) => startKubeApiServer({ objects })), launchChromium()]);
  kubeconfig = writeKubeconfig(kube);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await kube?.close();
});

describe('lateral serve --cluster', () => {
  it('--watch: a policy applied in the cluster changes the served answers and the open page', async () => {
    const cliIo = io();
    const server = await serve(['--cluster', '--kubeconfig', kubeconfig, '--watch'], cliIo);
    let page: Page | undefined;
    try {
      const before = await api(server, 'summary');
      expect(before).toMatchObject({ label: 'cluster test-cluster', live: true, generation: 0, policies: 21, workloads: 14 });
      expect((await api(server, 'explain?from=shop/frontend&to=shop/postgres&port=5432')).explanation.allowed).toBe(false);

      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(server.url);
      await page.waitForSelector('#view-map[data-ready="true"]', { timeout: 30_000 });
      expect(await page.textContent('#live-notice')).toBe('following the cluster');
      expect(await page.textContent('#cluster-label')).toContain('21 policies');

      for (const policy of OPEN_FRONTEND_TO_POSTGRES) kube.apply(policy);
      await until(async () => (await api(server, 'summary')).generation > 0, 'the server recomputes after the change');
      const after = await api(server, 'summary');
      expect(after.policies).toBe(23);
      const explained = await api(server, 'explain?from=shop/frontend&to=shop/postgres&port=5432');
      expect(explained.explanation.allowed).toBe(true);
      expect(explained.text).toMatch(/TCP 5432: ALLOWED/);
      expect(cliIo.errText()).toMatch(/lateral: cluster changed: now \d+ pods, 23 policies/);

      // The page polls the generation, then redraws on the new state, with a notice.
      await page.waitForSelector('body:not([data-generation="0"])', { timeout: 20_000 });
      await page.waitForSelector('#view-map[data-ready="true"]', { timeout: 30_000 });
      expect(await page.textContent('#live-notice')).toMatch(/^cluster changed at .+ — views refreshed$/);
      expect(await page.textContent('#cluster-label')).toContain('23 policies');
      const edge = await page.evaluate(() => {
        const cy = (globalThis as unknown as { __lateralMap: { getElementById(id: string): { nonempty(): boolean } } }).__lateralMap;
        return cy.getElementById('e:w:shop/frontend\u0000w:shop/postgres').nonempty();
      });
      expect(edge).toBe(true);
      await page.screenshot({ path: `${SCREENSHOTS}/watch-changed.png` });
      expect(errors).toEqual([]);
    } finally {
      await page?.close();
      await server.close();
    }
    // Stopping the server stops the watches.
    await until(async () => kube.openWatches() === 0, 'watches closed after the server stops', 5_000);
  });

  it('without --watch reads once: no watch requests, not live', async () => {
    const before = kube.requests.length;
    const server = await serve(['--cluster', '--kubeconfig', kubeconfig], io());
    try {
      expect(await api(server, 'summary')).toMatchObject({ live: false, generation: 0, policies: 23 });
      const made = kube.requests.slice(before);
      expect(made.some((r) => r.includes('/networkpolicies'))).toBe(true);
      expect(made.filter((r) => r.includes('watch='))).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('--watch needs --cluster', async () => {
    await expect(serve(['fixtures/shop', '--watch'], io())).rejects.toThrow('--watch goes with --cluster (follow a live cluster)');
  });
});
