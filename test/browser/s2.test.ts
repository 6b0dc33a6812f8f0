/**
 * The web app on an S2-size cluster (10,000 pods, 200 namespaces, 1,000 policies), generated
 * in the test by synthesizeYaml and served like any other: the map opens at namespace level and
 * draws, a namespace expands, a blast radius from a busy workload completes with its rings
 * capped, and a namespace default-deny in What-if shows its rows, then its attack paths. Timings go to the test output for reading; nothing here asserts a duration (house
 * style: benchmarks print, tests assert behaviour).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { synthesizeYaml, parseManifests } from '@lateral/k8s';
import { ensureUiBuilt, sessionFromObjects, startServer, type RunningServer } from '@lateral/web';
import { launchChromium, SCREENSHOTS } from './browser.js';

let server: RunningServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const timings: [string, number][] = [];

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const v = await f();
  timings.push([label, Math.round(performance.now() - t0)]);
  return v;
}

/** The workload the blast radius starts from. */
let foothold = '';

/** Nodes on the blast canvas: drawn reached nodes (foothold included) and "+N more" stand-ins. */
function blastCounts(): Promise<{ drawn: number; more: number }> {
  return page.evaluate(() => {
    const cy = (globalThis as unknown as { __lateralBlast: { nodes(s: string): { length: number } } }).__lateralBlast;
    return { drawn: cy.nodes('node[^more]').length, more: cy.nodes('.more').length };
  });
}

beforeAll(async () => {
  const [, b] = await Promise.all([ensureUiBuilt(), launchChromium()]);
  browser = b;
  const session = await timed('server: synthesize + load + compile + all-pairs', async () => {
    const yaml = synthesizeYaml({ pods: 10_000, namespaces: 200, policies: 1_000 });
    return sessionFromObjects('S2 (synth 10000/200/1000)', parseManifests(yaml, 's2.yaml'));
  });
  server = await startServer(session, { log: () => {} });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(m.text())));
}, 240_000);

afterAll(async () => {
  // eslint-disable-next-line no-console
  console.log(`S2 timings (ms), this machine:\n${timings.map(([l, ms]) => `  ${String(ms).padStart(6)}  ${l}`).join('\n')}`);
  await browser?.close();
  await server?.close();
});

describe('web app on S2 (10,000 pods)', () => {
  it('opens the map at namespace level and draws it', async () => {
    await timed('browser: page load to aggregated map drawn', async () => {
      await page.goto(server.url);
      await page.waitForSelector('#view-map[data-ready="true"]', { timeout: 120_000 });
    });
    const status = (await page.textContent('#map-status')) ?? '';
    timings.push([`  (map status: ${status})`, 0]);
    const counts = await page.evaluate(() => {
      const cy = (globalThis as unknown as { __lateralMap: { nodes(s?: string): { length: number }; edges(): { length: number } } }).__lateralMap;
      return { collapsed: cy.nodes('.collapsed').length, workloads: cy.nodes('.workload').length, edges: cy.edges().length };
    });
    expect(counts.collapsed).toBe(200);
    expect(counts.workloads).toBe(0);
    expect(counts.edges).toBeGreaterThan(200);
    // The first picture was laid out once by the server, and the page drew it where the server put it.
    expect(status).toContain('laid out by the server');
    const placed = await page.evaluate(async () => {
      const made = (await (await fetch('api/map-layout')).json()) as { positions?: Record<string, { x: number; y: number }> };
      const cy = (globalThis as unknown as { __lateralMap: { nodes(s?: string): { map<T>(f: (n: { id(): string; position(): { x: number; y: number } }) => T): T[] } } }).__lateralMap;
      const drawn = cy.nodes('.collapsed').map((n) => [n.id(), n.position()] as const);
      return { made: Object.keys(made.positions ?? {}).length, off: drawn.filter(([id, p]) => made.positions?.[id]?.x !== p.x || made.positions?.[id]?.y !== p.y).map(([id]) => id) };
    });
    expect(placed.made).toBeGreaterThanOrEqual(200);
    expect(placed.off).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/s2-map.png` });
    expect(pageErrors).toEqual([]);
  });

  it('opens one namespace: its workloads drawn, their edges to other namespaces summarised', async () => {
    // The namespace with the most workload pairs to others: the heaviest one to open.
    const ns = await page.evaluate(async () => {
      const g = (await (await fetch('api/groups')).json()) as { edges: { from: string; to: string; pairs: number }[] };
      const out = new Map<string, number>();
      for (const e of g.edges) if (e.from !== e.to && !e.from.includes('.')) out.set(e.from, (out.get(e.from) ?? 0) + e.pairs);
      return [...out].sort((a, b) => b[1] - a[1])[0]![0];
    });
    const sizes = await page.evaluate(async (n) => {
      const len = async (u: string) => (await (await fetch(u)).text()).length;
      return { summarised: await len(`api/namespace-edges?namespace=${encodeURIComponent(n)}`), everyPair: await len(`api/reach?namespace=${encodeURIComponent(n)}`) };
    }, ns);
    timings.push([`  (opening ${ns}: ${(sizes.summarised / 1e6).toFixed(2)} MB summarised; every workload pair would be ${(sizes.everyPair / 1e6).toFixed(2)} MB)`, 0]);
    await timed(`browser: namespace ${ns} opened and drawn`, async () => {
      await page.selectOption('#map-namespace', ns);
      await page.waitForFunction(() => (globalThis as unknown as { __lateralMap: { nodes(s: string): { length: number } } }).__lateralMap.nodes('.workload').length > 0, undefined, { timeout: 120_000 });
    });
    const drawn = await page.evaluate((n) => {
      const cy = (globalThis as unknown as { __lateralMap: { nodes(s: string): { length: number }; edges(s?: string): { filter(f: (e: { source(): { id(): string }; target(): { id(): string } }) => boolean): { length: number } } } }).__lateralMap;
      const summaries = cy.edges('.aggregate').filter((e) => (e.source().id().startsWith(`w:${n}/`) && e.target().id().startsWith('ns:')) || (e.target().id().startsWith(`w:${n}/`) && e.source().id().startsWith('ns:'))).length;
      return { workloads: cy.nodes('.workload').length, summaries };
    }, ns);
    expect(drawn.workloads).toBeGreaterThan(0);
    expect(drawn.summaries).toBeGreaterThan(0);
    expect(sizes.summarised).toBeLessThan(sizes.everyPair);
    expect(pageErrors).toEqual([]);
    await page.selectOption('#map-namespace', '');
  });

  it('completes a blast radius from a busy workload, rings capped', async () => {
    foothold = await page.evaluate(async () => {
      const eps = (await (await fetch('api/endpoints')).json()) as { id: string; kind: string }[];
      // An API workload of the synthetic call graph reaches most of the cluster in a few hops.
      return eps.find((e) => e.kind !== 'External' && /frontend|web|api/.test(e.id))?.id ?? eps[0]!.id;
    });
    await page.click('[data-tab="blast"]');
    await page.fill('#blast-from', foothold);
    await timed(`browser: blast radius from ${foothold} drawn`, async () => {
      await page.click('#blast-go');
      await page.waitForSelector(`#view-blast[data-blast-from="${foothold}"]`, { timeout: 120_000 });
    });
    const reached = (await page.textContent('#blast-reached .n')) ?? '';
    const drawn = (await page.textContent('#blast-drawn')) ?? '';
    timings.push([`  (reached ${reached}; ${drawn})`, 0]);
    expect(reached).toMatch(/^\d+ \/ \d+$/);
    // Capped: far fewer drawn than reached, with a "+N more" node per crowded ring.
    const before = await blastCounts();
    expect(before.more).toBeGreaterThan(0);
    expect(before.drawn).toBeLessThan(Number(reached.split(' / ')[0]));
    await page.screenshot({ path: `${SCREENSHOTS}/s2-blast.png` });

    // Drill down: "+N more" on the busiest ring draws more of it.
    const busiest = await page.evaluate(() => {
      const cy = (globalThis as unknown as { __lateralBlast: { nodes(s: string): { map<T>(f: (n: { id(): string; data(k: string): number }) => T): T[] } } }).__lateralBlast;
      return cy.nodes('.more').map((n) => ({ id: n.id(), more: n.data('more') })).sort((a, b) => b.more - a.more)[0]!.id;
    });
    await timed('browser: draw more of the busiest ring', async () => {
      // The tap handler draws synchronously: the new picture is there when emit returns.
      const inPage = await page.evaluate((id) => {
        const t0 = performance.now();
        (globalThis as unknown as { __lateralBlast: { getElementById(id: string): { emit(e: string): void } } }).__lateralBlast.getElementById(id).emit('tap');
        return Math.round(performance.now() - t0);
      }, busiest);
      timings.push([`  (of which the tap handler: ${inPage} ms)`, 0]);
    });
    expect((await blastCounts()).drawn).toBeGreaterThan(before.drawn);
    expect(pageErrors).toEqual([]);
  });

  it('runs a namespace default-deny in What-if: rows first, the collapsed map coloured, then the attack paths', async () => {
    await page.click('[data-tab="whatif"]');
    await page.waitForSelector('#whatif-policies input', { timeout: 120_000 });
    const ns = await page.evaluate(async () => ((await (await fetch('api/policies')).json()) as { namespace: string }[])[7]!.namespace);
    await page.fill('#whatif-yaml', `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: s2-default-deny, namespace: ${ns}}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n`);
    await timed(`browser: what-if default-deny in ${ns}, first page of rows`, async () => {
      await page.click('#whatif-run');
      await page.waitForSelector('#whatif-changes tbody tr', { timeout: 300_000 });
    });
    expect(await page.textContent('#whatif-counts')).toMatch(/^0 newly allowed [1-9][\d,]* newly denied/);
    await timed('browser: … its blast radii and attack paths', () => page.waitForSelector('#whatif-paths', { timeout: 600_000 }));
    expect(await page.isVisible('#whatif-lateral-pending')).toBe(false);
    // On the map, many denied workload pairs fall between the same two collapsed namespaces: each such edge is coloured once.
    await page.click('[data-tab="map"]');
    const coloured = await page.evaluate(() => (globalThis as unknown as { __lateralMap: { edges(s: string): { length: number } } }).__lateralMap.edges('.wi-removed').length);
    expect(coloured).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });
});
