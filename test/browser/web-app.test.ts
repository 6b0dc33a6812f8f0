/**
 * The web app in a real browser (Chromium via playwright-core, see chromium-binary.ts): compromise a workload
 * and see the engine's reach count, apply a what-if and see the diff, generate from the shop's
 * capture and see it verified, explain a map edge. Screenshots go to test/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { blastRadius, buildAttackGraph, compile } from '@lateral/core';
import { loadCluster } from '@lateral/k8s';
import type { RunningServer } from '@lateral/web';
import { FRONTEND_TO_POSTGRES as WHAT_IF_YAML, launchChromium, SCREENSHOTS, serveShop, SHOP } from './browser.js';


let server: RunningServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([serveShop(), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(m.text())));
  await page.goto(server.url);
  await page.waitForSelector('#view-map[data-ready="true"]', { timeout: 30_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('web app (Chromium)', () => {
  it('draws the shop map with namespaces as compound nodes and no console or CSP errors', async () => {
    const counts = await page.evaluate(() => {
      const cy = (globalThis as unknown as { __lateralMap: { nodes(s?: string): { length: number }; edges(): { length: number } } }).__lateralMap;
      return { namespaces: cy.nodes('.namespace').length, workloads: cy.nodes('.workload').length, edges: cy.edges().length };
    });
    expect(counts).toEqual({ namespaces: 4, workloads: 14, edges: expect.any(Number) });
    expect(counts.edges).toBeGreaterThan(20);
    await page.screenshot({ path: `${SCREENSHOTS}/map.png` });
    expect(pageErrors).toEqual([]);
  });

  it('switches the map between allowed (policy) and observed (flows) edges', async () => {
    type Cy = { edges(): { length: number; map<T>(f: (e: { id(): string; data(k: string): unknown }) => T): T[] } };
    const edgeList = () =>
      page.evaluate(() => (globalThis as unknown as { __lateralMap: Cy }).__lateralMap.edges().map((e) => ({ id: e.id(), ports: String(e.data('ports')) })));
    const allowed = await edgeList();
    const observed = (await (await fetch(new URL('api/flows/edges', server.url))).json()) as { from: string; to: string; allowed: boolean }[];
    expect(observed.length).toBeGreaterThan(5);
    const pairs = new Set(observed.map((o) => `e:w:${o.from}\u0000w:${o.to}`));

    await page.selectOption('#map-edges', 'observed');
    await page.waitForSelector('#view-map[data-edges="observed"]');
    const shown = await edgeList();
    // One edge per observed workload pair, each saying what was seen; no policy-only edge left.
    expect(new Set(shown.map((e) => e.id))).toEqual(pairs);
    expect(shown.every((e) => / \(\d+ seen/.test(e.ports))).toBe(true);
    const denied = observed.filter((o) => !o.allowed);
    expect(denied.length).toBeGreaterThan(0);
    for (const o of denied) expect(shown.find((e) => e.id === `e:w:${o.from}\u0000w:${o.to}`)!.ports).toContain('NOT allowed by policy');
    // Drawn as observed flows: sky blue, or vermillion and dashed where policy does not allow them.
    const classes = await page.evaluate(() =>
      (globalThis as unknown as { __lateralMap: { edges(): { map<T>(f: (e: { hasClass(c: string): boolean }) => T): T[] } } }).__lateralMap
        .edges()
        .map((e) => (e.hasClass('observed-denied') ? 'denied' : e.hasClass('observed') ? 'observed' : 'other')),
    );
    expect(classes.filter((c) => c === 'other')).toEqual([]);
    expect(classes.filter((c) => c === 'denied').length).toBe(new Set(denied.map((o) => `${o.from}>${o.to}`)).size);
    expect(shown.length).toBeLessThan(allowed.length);
    await page.screenshot({ path: `${SCREENSHOTS}/map-observed.png` });

    await page.selectOption('#map-edges', 'allowed');
    await page.waitForSelector('#view-map[data-edges="allowed"]');
    expect(new Set((await edgeList()).map((e) => e.id))).toEqual(new Set(allowed.map((e) => e.id)));
    expect(pageErrors).toEqual([]);
  });

  it('explains a map edge on click with the engine explanation', async () => {
    // The layout is force-directed and random, so another edge can lie over this one's midpoint:
    // fire cytoscape's tap on the edge itself (the same handler a click reaches).
    await page.evaluate(() => {
      const cy = (globalThis as unknown as { __lateralMap: { getElementById(id: string): { emit(ev: string): void; nonempty(): boolean } } }).__lateralMap;
      const edge = cy.getElementById('e:w:shop/frontend\u0000w:shop/cart');
      if (!edge.nonempty()) throw new Error('no frontend -> cart edge on the map');
      edge.emit('tap');
    });
    await page.waitForSelector('#side-panel.open .verdict');
    const verdict = await page.textContent('#side-panel .verdict');
    expect(await page.textContent('#side-panel h2')).toBe('shop/frontend → shop/cart');
    expect(verdict).toBe('TCP 7070: ALLOWED');
    expect(await page.textContent('#side-panel')).toContain('allowed by ingress rule');
    await page.screenshot({ path: `${SCREENSHOTS}/explain.png` });
  });

  it('compromises shop/frontend and shows the reach count the engine computes', async () => {
    const load = await loadCluster([SHOP]);
    const ag = buildAttackGraph(compile(load.cluster, { ipBlockPods: 'match' }));
    const expected = blastRadius(ag, 'shop/frontend', { crownJewels: ['shop/postgres'] }).metrics;

    await page.click('[data-tab="blast"]');
    await page.fill('#blast-from', 'shop/frontend');
    await page.click('#blast-go');
    await page.waitForSelector('#view-blast[data-blast-from="shop/frontend"]');
    expect(await page.textContent('#blast-reached .n')).toBe(`${expected.reached} / ${expected.workloads}`);
    expect(await page.textContent('#blast-jewels .n')).toBe(`${expected.crownJewelsReached} / ${expected.crownJewels}`);
    await page.selectOption('#blast-path-target', 'shop/postgres');
    await page.waitForSelector('#blast-path-list ol.path li');
    const firstHop = await page.textContent('#blast-path-list ol.path li');
    expect(firstHop).toMatch(/^shop\/frontend → /);
    await page.waitForSelector('#blast-choke :not(.muted)');
    await page.screenshot({ path: `${SCREENSHOTS}/blast-radius.png` });
  });

  it('applies a what-if policy and shows the new connection in the table and the matrix', async () => {
    await page.click('[data-tab="whatif"]');
    await page.fill('#whatif-yaml', WHAT_IF_YAML);
    await page.click('#whatif-run');
    await page.waitForSelector('#whatif-counts');
    expect(await page.textContent('#whatif-counts')).toContain('1 newly allowed');
    const row = await page.textContent('table.changes tbody tr');
    expect(row).toContain('shop/frontend');
    expect(row).toContain('shop/postgres');
    expect(row).toContain('TCP 5432');
    await page.screenshot({ path: `${SCREENSHOTS}/what-if.png` });

    await page.click('[data-tab="matrix"]');
    const cell = page.locator('rect[data-row="shop/frontend"][data-col="shop/postgres"]');
    await cell.waitFor();
    expect(await cell.getAttribute('fill')).toBe('#009E73');
    await page.screenshot({ path: `${SCREENSHOTS}/matrix-what-if.png` });
  });

  it('shows a bad what-if upload as the one-line input error', async () => {
    await page.click('[data-tab="whatif"]');
    await page.fill('#whatif-yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: x\nspec:\n  podSelector: {}\n  ingress:\n    - ports:\n        - port: 70000\n');
    await page.click('#whatif-run');
    await page.waitForSelector('#whatif-error:not([hidden])');
    const msg = (await page.textContent('#whatif-error')) ?? '';
    expect(msg).toMatch(/^what-if\.yaml:1: NetworkPolicy default\/x: spec\.ingress\[0\]\.ports\[0\]\.port: /);
    expect(msg).not.toContain('\n');
    // The browser logs the deliberate 400 as a console error; only that one is expected.
    expect(pageErrors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    pageErrors.length = 0;
  });

  it('generates policies from the shop capture and shows them 100 % verified', async () => {
    await page.click('[data-tab="generate"]');
    await page.click('#generate-loaded');
    await page.waitForSelector('#generate-verified');
    expect(await page.textContent('#generate-verified .n')).toBe('100 %');
    expect(await page.textContent('#generate-unobserved .n')).toBe('0');
    expect(await page.textContent('#generate-yaml')).toContain('kind: NetworkPolicy');
    await page.screenshot({ path: `${SCREENSHOTS}/generate.png` });
  });

  it('renders the matrix in the dark theme', async () => {
    await page.click('#theme-toggle');
    await page.click('[data-tab="matrix"]');
    await page.waitForSelector('rect.cell');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { dataset: Record<string, string> } } }).document.documentElement.dataset.theme)).toBe('dark');
    await page.screenshot({ path: `${SCREENSHOTS}/matrix-dark.png` });
    expect(pageErrors).toEqual([]);
  });
});
