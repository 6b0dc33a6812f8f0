/**
 * The views as a reviewer uses them, in Chromium (playwright-core; see chromium-binary.ts): two
 * blast radii one after the other both drawn on screen, a legend that lists every colour drawn,
 * a warnings banner of one line that can be dismissed, a shared link that reopens the same view,
 * the exports written as files, Generate handing its policies to What-if, and the cluster-wide
 * tiers named in explanations and accepted by What-if. Screenshots go to test/screenshots/.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { parseManifests, readInputs } from '@lateral/k8s';
import { ensureUiBuilt, sessionFromObjects, startServer, type RunningServer } from '@lateral/web';
import { FRONTEND_TO_POSTGRES, launchChromium, REPO, SCREENSHOTS, serveShop } from './browser.js';

/** 12 ReplicaSets whose two pods a policy tells apart: 12 owner-split warnings, as S2 has ~300. */
function splitOwners(): string {
  const docs = ['apiVersion: v1\nkind: Namespace\nmetadata: {name: split}'];
  for (let i = 0; i < SPLIT; i++) {
    for (const t of ['a', 'b']) {
      docs.push(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: web${i}-${t}\n  namespace: split\n  labels: {app: web${i}, track: ${t}}\n  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web${i}-5d8f7c, uid: u${i}, controller: true}]\nspec: {containers: [{name: c, image: x}]}`);
    }
  }
  docs.push('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: only-a, namespace: split}\nspec: {podSelector: {matchLabels: {track: a}}, ingress: [{}]}');
  return docs.join('\n---\n');
}

const SPLIT = 12;
let shop: RunningServer;
/** multi-tenant, which carries its cluster-wide guardrails (platform/guardrails.yaml), and the split owners. */
let tiers: RunningServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function open(url: string): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  p.on('pageerror', (e) => pageErrors.push(e.message));
  // Errors, and cytoscape's warning for a selector it cannot read (a legend entry would silently go missing).
  p.on('console', (m) => void ((m.type() === 'error' || (m.type() === 'warning' && /selector .* is ?invalid/i.test(m.text()))) && pageErrors.push(m.text())));
  await p.goto(url);
  await p.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  return p;
}

beforeAll(async () => {
  await ensureUiBuilt();
  const objects = [...(await readInputs([`${REPO}fixtures/multi-tenant`])), ...parseManifests(splitOwners(), 'split.yaml')];
  [shop, browser, tiers] = await Promise.all([serveShop(), launchChromium(), startServer(sessionFromObjects('multi-tenant + tiers', objects), { log: () => {} })]);
  page = await open(shop.url);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([shop?.close(), tiers?.close()]);
});

/**
 * Colours drawn on a cytoscape canvas (fills, borders and outlines that show, edge lines) and
 * colours the view's legend lists, both as #rrggbb.
 */
function coloursOnScreen(p: Page, graph: '__lateralMap' | '__lateralBlast', legend: string): Promise<{ drawn: string[]; listed: string[] }> {
  return p.evaluate(
    ([g, sel]) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- page globals; this file type-checks without the DOM library
      const { document, window } = globalThis as any;
      const ctx = document.createElement('canvas').getContext('2d');
      const norm = (c: string) => {
        ctx.fillStyle = '#010203';
        ctx.fillStyle = c;
        return String(ctx.fillStyle).toLowerCase();
      };
      type El = { style(k: string): string; visible(): boolean };
      const cy = (window as unknown as Record<string, { nodes(): { filter(f: (n: El) => boolean): { map<T>(f: (n: El) => T): T[] } }; edges(): { filter(f: (n: El) => boolean): { map<T>(f: (n: El) => T): T[] } } }>)[g]!;
      const drawn = new Set<string>();
      const num = (v: string) => parseFloat(v) || 0;
      for (const n of cy.nodes().filter((x) => x.visible()).map((x) => x)) {
        if (num(n.style('background-opacity')) > 0 && num(n.style('opacity')) > 0) drawn.add(norm(n.style('background-color')));
        if (num(n.style('border-width')) > 0) drawn.add(norm(n.style('border-color')));
        if (num(n.style('outline-width')) > 0) drawn.add(norm(n.style('outline-color')));
      }
      for (const e of cy.edges().filter((x) => x.visible()).map((x) => x)) drawn.add(norm(e.style('line-color')));
      const listed = new Set<string>();
      for (const li of document.querySelectorAll(`${sel} [data-colour]`)) for (const c of (li.dataset.colour as string).split(' ')) listed.add(norm(c));
      return { drawn: [...drawn].sort(), listed: [...listed].sort() };
    },
    [graph, legend] as const,
  );
}

/** Whether the blast canvas and everything drawn on it lie inside the window. */
function blastOnScreen(p: Page): Promise<{ canvas: { top: number; bottom: number; height: number }; drawn: { x1: number; x2: number; y1: number; y2: number }; width: number; height: number; legendBottom: number; nodes: number }> {
  return p.evaluate(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- page globals
    const { document, window } = globalThis as any;
    const el = document.getElementById('blast-canvas').getBoundingClientRect();
    const cy = (window as unknown as { __lateralBlast: { elements(): { renderedBoundingBox(): { x1: number; x2: number; y1: number; y2: number } }; width(): number; height(): number; nodes(): { length: number } } }).__lateralBlast;
    return {
      canvas: { top: el.top, bottom: el.bottom, height: el.height },
      drawn: cy.elements().renderedBoundingBox(),
      width: cy.width(),
      height: cy.height(),
      legendBottom: document.getElementById('blast-legend').getBoundingClientRect().bottom as number,
      nodes: cy.nodes().length,
    };
  });
}

describe('the views (Chromium)', () => {
  it('draws two consecutive compromises both on screen', async () => {
    await page.click('[data-tab="blast"]');
    for (const [i, from] of ['shop/frontend', 'shop/cart'].entries()) {
      await page.fill('#blast-from', from);
      await page.click('#blast-go');
      await page.waitForSelector(`#view-blast[data-blast-from="${from}"]`);
      // The side column grows (crown jewels, a path, the choke points): it must scroll, not stretch the canvas.
      await page.waitForSelector('#blast-choke :not(.muted)');
      await page.selectOption('#blast-path-target', 'shop/postgres');
      await page.waitForSelector('#blast-path-list ol.path li');
      const s = await blastOnScreen(page);
      expect(s.nodes).toBeGreaterThan(3);
      expect(s.canvas.bottom).toBeLessThanOrEqual(900);
      expect(s.canvas.height).toBeGreaterThan(300);
      expect(s.legendBottom).toBeLessThanOrEqual(900);
      // Every node and edge inside the canvas as cytoscape measures it, and that is the element's size.
      expect(s.height).toBeCloseTo(s.canvas.height, 0);
      expect(s.drawn.x1).toBeGreaterThanOrEqual(-1);
      expect(s.drawn.y1).toBeGreaterThanOrEqual(-1);
      expect(s.drawn.x2).toBeLessThanOrEqual(s.width + 1);
      expect(s.drawn.y2).toBeLessThanOrEqual(s.height + 1);
      await page.screenshot({ path: `${SCREENSHOTS}/blast-run-${i + 1}.png` });
    }
    expect(pageErrors).toEqual([]);
  });

  it('lists every colour drawn in the legend: blast view, and the map with the blast and what-if overlays', async () => {
    const blast = await coloursOnScreen(page, '__lateralBlast', '#blast-legend');
    expect(blast.drawn.length).toBeGreaterThan(2);
    expect(blast.drawn.filter((c) => !blast.listed.includes(c))).toEqual([]);

    await page.click('[data-tab="whatif"]');
    await page.fill('#whatif-yaml', FRONTEND_TO_POSTGRES);
    await page.click('#whatif-run');
    await page.waitForSelector('#whatif-counts');
    await page.click('[data-tab="map"]');
    await page.waitForSelector('#map-legend li');
    const map = await coloursOnScreen(page, '__lateralMap', '#map-legend');
    // Blast rings, crown jewel and what-if colours are among them, each listed.
    expect(map.drawn).toEqual(expect.arrayContaining(['#009e73', '#cc79a7']));
    expect(map.drawn.filter((c) => !map.listed.includes(c))).toEqual([]);
    expect(await page.textContent('#map-legend')).toContain('what-if: newly allowed');
    await page.screenshot({ path: `${SCREENSHOTS}/map-overlays-legend.png` });

    // Clear overlay: the blast and what-if colours and their legend entries go.
    await page.click('#map-clear-overlay');
    await page.waitForSelector('#map-clear-overlay[hidden]', { state: 'attached' });
    const cleared = await coloursOnScreen(page, '__lateralMap', '#map-legend');
    expect(cleared.drawn).not.toContain('#009e73');
    expect(cleared.drawn.filter((c) => !cleared.listed.includes(c))).toEqual([]);
    expect(await page.textContent('#map-legend')).not.toContain('blast radius');
    expect(pageErrors).toEqual([]);
  });

  it('keeps every node where it was when the map switches between allowed and observed edges', async () => {
    const positions = () => page.evaluate(() => Object.fromEntries((globalThis as unknown as { __lateralMap: { nodes(): { map<T>(f: (n: { id(): string; position(): { x: number; y: number } }) => T): T[] } } }).__lateralMap.nodes().map((n) => [n.id(), n.position()])));
    const allowed = await positions();
    await page.selectOption('#map-edges', 'observed');
    await page.waitForSelector('#view-map[data-edges="observed"]');
    const observed = await positions();
    const common = Object.keys(observed).filter((id) => id in allowed && id.startsWith('w:'));
    expect(common.length).toBeGreaterThan(5);
    for (const id of common) expect(observed[id]).toEqual(allowed[id]);
    await page.selectOption('#map-edges', 'allowed');
    await page.waitForSelector('#view-map[data-edges="allowed"]');
  });

  it('reopens the same view from a shared link: view, namespace, foothold and change', async () => {
    await page.click('[data-tab="map"]');
    await page.selectOption('#map-namespace', 'shop');
    await page.click('[data-tab="whatif"]');
    await page.fill('#whatif-yaml', FRONTEND_TO_POSTGRES);
    await page.fill('#whatif-from', 'shop/frontend');
    await page.click('#whatif-run');
    await page.waitForSelector('#whatif-foothold');
    const url = page.url();
    expect(url).toMatch(/#whatif\?ns=shop&from=shop%2Ffrontend&change=/);
    const before = { counts: await page.textContent('#whatif-counts'), foothold: await page.textContent('#whatif-foothold') };

    const other = await open(url);
    await other.waitForSelector('#whatif-foothold');
    expect(await other.getAttribute('[data-tab="whatif"]', 'aria-selected')).toBe('true');
    expect(await other.inputValue('#whatif-yaml')).toBe(FRONTEND_TO_POSTGRES);
    expect(await other.inputValue('#whatif-from')).toBe('shop/frontend');
    expect(await other.textContent('#whatif-counts')).toBe(before.counts);
    expect(await other.textContent('#whatif-foothold')).toBe(before.foothold);
    expect(await other.inputValue('#map-namespace')).toBe('shop');
    await other.screenshot({ path: `${SCREENSHOTS}/shared-link-what-if.png` });
    await other.close();

    const blastLink = await open(`${shop.url}#blast?from=shop%2Ffrontend`);
    await blastLink.waitForSelector('#view-blast[data-blast-from="shop/frontend"]');
    expect(await blastLink.getAttribute('[data-tab="blast"]', 'aria-selected')).toBe('true');
    expect((await blastOnScreen(blastLink)).nodes).toBeGreaterThan(3);
    await blastLink.close();
    expect(pageErrors).toEqual([]);
  });

  it('exports the map as PNG and SVG and the matrix as CSV', async () => {
    await page.click('[data-tab="map"]');
    await page.selectOption('#map-namespace', '');
    await page.waitForSelector('#view-map[data-ready="true"]');
    const saved = async (button: string) => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
      return { name: d.suggestedFilename(), bytes: readFileSync((await d.path())!) };
    };
    const png = await saved('#map-export-png');
    expect(png.name).toBe('lateral-map.png');
    expect(png.bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.bytes.length).toBeGreaterThan(10_000);
    const svg = await saved('#map-export-svg');
    expect(svg.name).toBe('lateral-map.svg');
    const svgText = svg.bytes.toString('utf8');
    expect(svgText).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svgText).toContain('>frontend</text>');
    expect((svgText.match(/<line /g) ?? []).length).toBeGreaterThan(20);

    await page.click('[data-tab="matrix"]');
    await page.waitForSelector('#matrix-cols-title');
    expect(await page.textContent('#matrix-cols-title')).toBe('destination (to) →');
    expect(await page.textContent('#matrix-rows-title')).toBe('source (from) →');
    const csv = (await saved('#matrix-export-csv')).bytes.toString('utf8').split('\r\n');
    expect(csv[0]).toMatch(/^source \\ destination,/);
    const header = csv[0]!.split(',');
    const row = csv.find((l) => l.startsWith('shop/frontend,'))!.split(',');
    // frontend -> cart on 7070, as the engine's explanation says (web-app.test.ts).
    expect(row[header.indexOf('shop/cart')]).toContain('TCP 7070');
    expect(pageErrors).toEqual([]);
  });

  it('hands generated policies to What-if', async () => {
    await page.click('[data-tab="generate"]');
    await page.click('#generate-loaded');
    await page.waitForSelector('#generate-try');
    const generated = await page.textContent('#generate-yaml');
    await page.click('#generate-try');
    expect(await page.getAttribute('[data-tab="whatif"]', 'aria-selected')).toBe('true');
    expect(await page.inputValue('#whatif-yaml')).toBe(generated);
  });

  it('shows the warnings as one dismissible line with counts, the list on demand', async () => {
    const p = await open(tiers.url);
    const banner = p.locator('#error-banner');
    expect(await banner.isVisible()).toBe(true);
    expect(await p.textContent('#error-banner summary')).toContain(`${SPLIT} warnings: ${SPLIT} workloads split by policy`);
    expect((await banner.boundingBox())!.height).toBeLessThan(50);
    await p.click('#error-banner summary');
    // The list is built when the details open (a `toggle` event, which fires after the click).
    await p.waitForSelector('.warning-list li');
    expect(await p.locator('.warning-list li').count()).toBe(SPLIT);
    await p.click('#error-banner summary');
    await p.click('#warning-dismiss');
    expect(await banner.isVisible()).toBe(false);
    // Dismissed for this state of the cluster: a reload in the same tab keeps it away.
    await p.reload();
    await p.waitForSelector('body[data-ready="true"]');
    expect(await banner.isVisible()).toBe(false);
    await p.close();
  });

  it('names the cluster-wide tier in explanations, and What-if edits and switches off a ClusterNetworkPolicy', async () => {
    const p = await open(tiers.url);
    const eps = (await (await fetch(new URL('api/endpoints', tiers.url))).json()) as { id: string; namespace?: string; kind: string }[];
    const a = eps.find((e) => e.namespace === 'team-a' && e.kind !== 'External')!;
    const b = eps.find((e) => e.namespace === 'team-b' && e.kind !== 'External')!;
    await p.click('[data-tab="matrix"]');
    await p.locator(`rect[data-row="${a.id}"][data-col="${b.id}"]`).click();
    await p.waitForSelector('#side-panel.open .tier-chain');
    const panel = (await p.textContent('#side-panel')) ?? '';
    expect(panel).toMatch(/Admin tier/);
    expect(panel).toMatch(/cnp\/isolate-team-b/);
    await p.screenshot({ path: `${SCREENSHOTS}/explain-tiers.png` });
    await p.click('#side-panel .close');

    // On the map, a pair's tooltip names the tier that decided it: monitoring may always reach the tenants.
    await p.click('[data-tab="map"]');
    const edge = await p.evaluate(() => {
      const cy = (globalThis as unknown as { __lateralMap: { edges(): { filter(f: (e: { id(): string; data(k: string): string }) => boolean): { map<T>(f: (e: { id(): string }) => T): T[] } } } }).__lateralMap;
      return cy.edges().filter((e) => String(e.data('fromId')).startsWith('monitoring/') && String(e.data('toId')).startsWith('team-a/')).map((e) => e.id())[0];
    });
    expect(edge).toBeDefined();
    await p.evaluate((id) => {
      (globalThis as unknown as { __lateralMap: { getElementById(i: string): { emit(e: string): void } } }).__lateralMap.getElementById(id!).emit('mouseover');
    }, edge);
    await p.waitForFunction(() => String((globalThis as unknown as { document: { getElementById(i: string): { textContent: string } } }).document.getElementById('tooltip').textContent).includes('ingress: Admin tier: Allow (cnp/monitoring-always)'));

    await p.click('[data-tab="whatif"]');
    const edit = p.locator('[data-edit="clusternetworkpolicy/isolate-team-b"]');
    await edit.waitFor();
    expect(await p.textContent('#whatif-policies')).toContain('ClusterNetworkPolicy, Admin tier');
    await edit.click();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- page globals
    await p.waitForFunction(() => String((globalThis as any).document.getElementById('whatif-yaml').value).includes('kind: ClusterNetworkPolicy'));
    expect(await p.inputValue('#whatif-yaml')).toContain('name: isolate-team-b');
    // Switched off: team-a reaches team-b again.
    await p.fill('#whatif-yaml', '');
    await p.check('[data-policy="clusternetworkpolicy/isolate-team-b"]');
    await p.click('#whatif-run');
    await p.waitForSelector('#whatif-counts');
    expect(await p.textContent('#whatif-result p.muted')).toContain('delete');
    expect(await p.textContent('table.changes tbody')).toContain(b.id);
    await p.close();
    expect(pageErrors).toEqual([]);
  });
});
