/**
 * `pnpm bench` (web): the web app on S2 (10,000 pods, 200 namespaces, 1,000 policies) served on
 * 127.0.0.1 like `lateral serve`, in two tables from one server:
 *
 * - the server, as the browser's requests see it: what-if with one policy changed — the UI's
 *   first answer (rows, the lateral-movement part left for later), that part asked next, and the
 *   whole report in one answer as the CLI's JSON —, an empty what-if, a namespace default-deny
 *   what-if's first and next page, a what-if with a foothold (its before/after blast radius and
 *   paths, computed in the worker), and /api/summary's latency while 5 what-ifs run in the
 *   analysis workers;
 * - the app in Chromium, as a reviewer meets it: page load to the namespace map drawn, cold (each
 *   load in a fresh browser context: nothing kept in the browser) and warm (reloads in one
 *   context, which reuse the kept layout and the cached script), a blast radius from the click to its rings drawn, cold and warm (median of three
 *   footholds, each click while the previous foothold's choke points are still being worked
 *   out), and a namespace default-deny typed into the What-if view, from the click to its first
 *   page of rows and to its attack paths. Wall-clock from the driver's side, so server,
 *   transfer, layout and drawing all count.
 *
 * The page-load rows are taken twice: against this process's server, and against `lateral serve`
 * run from the built CLI in a process of its own (what a user runs; the driver and tsx do not
 * share its thread).
 *
 * Numbers, never assertions; on a shared machine read the ratios.
 *
 *   pnpm exec tsx test/bench/web-bench.ts          (skipped when `pnpm bench` is given sizes without S2)
 *   pnpm exec tsx test/bench/web-bench.ts --loads  (the page-load rows alone)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifests, synthesizeYaml } from '@lateral/k8s';
import { ensureUiBuilt, sessionFromObjects, startServer, type RunningServer } from '@lateral/web';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../browser/browser.js';

const args = process.argv.slice(2);
/** `--loads`: the page-load rows alone (a few minutes less), for before/after runs of the map's first picture. */
const loadsOnly = args.includes('--loads');
const sizes = args.filter((a) => !a.startsWith('--'));
if (sizes.length > 0 && !sizes.includes('S2')) {
  console.log('web: S2 only; not asked for');
  process.exit(0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

interface WhatIfAnswer {
  page?: { total: number };
  foothold?: { from: string; before: { reached: number } | null; after: { reached: number } | null; paths: unknown[] };
}

async function post(url: string, body: unknown): Promise<{ ms: number; bytes: number; json: WhatIfAnswer }> {
  return postTo('/api/what-if', url, body);
}

async function postTo(path: string, url: string, body: unknown): Promise<{ ms: number; bytes: number; json: WhatIfAnswer }> {
  const t0 = performance.now();
  const r = await fetch(new URL(path, url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`what-if answered ${r.status}: ${text.slice(0, 200)}`);
  return { ms, bytes: text.length, json: JSON.parse(text) as WhatIfAnswer };
}

type Session = ReturnType<typeof sessionFromObjects>;

/** The server's table: rows of [what, measured]. */
async function serverRows(server: RunningServer, session: Session, t0: number): Promise<[string, string][]> {
  // The first answer waits for the worker to compile its copy and build the attack graph.
  const warm = await post(server.url, {});
  console.log(`S2 served: load + compile ${Math.round(performance.now() - t0 - warm.ms)} ms; first what-if (worker warming up) ${Math.round(warm.ms)} ms; ${server.analysis?.workers} analysis worker(s)`);

  const policies = session.cluster.policies.filter((p) => (p.ingress?.length ?? 0) > 0);
  const picks = [policies[Math.floor(policies.length / 2)]!, policies[Math.floor(policies.length / 3)]!, policies[Math.floor((2 * policies.length) / 3)]!];
  const first: number[] = [];
  const lateral: number[] = [];
  let rows = 0;
  for (const p of picks) {
    // As the What-if view asks: the rows first, then the blast radii and paths.
    const r = await post(server.url, { disable: [`${p.namespace}/${p.name}`], lateral: 'later' });
    first.push(r.ms);
    rows = r.json.page?.total ?? 0;
    lateral.push((await post(server.url, { disable: [`${p.namespace}/${p.name}`], lateral: 'only' })).ms);
  }
  // The whole report in one answer (the CLI's JSON), for other policies (nothing kept).
  const whole: number[] = [];
  for (const p of [policies[Math.floor(policies.length / 4)]!, policies[Math.floor((3 * policies.length) / 4)]!, policies[Math.floor((5 * policies.length) / 6)]!]) {
    whole.push((await post(server.url, { disable: [`${p.namespace}/${p.name}`] })).ms);
  }
  // A namespace's edges, as the map asks when one is opened (in the quick lane now).
  const nsEdges: number[] = [];
  for (const p of picks) {
    const t = performance.now();
    await (await fetch(new URL(`/api/namespace-edges?namespace=${encodeURIComponent(p.namespace)}`, server.url))).text();
    nsEdges.push(performance.now() - t);
  }
  const empty = await post(server.url, {});

  // A namespace whose workloads talk to much of the cluster (catalog-prod in the synthetic S2).
  const ns = session.cluster.policies[5]!.namespace;
  const dd = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bench-default-deny, namespace: ${ns}}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n`;
  const firstDd = await post(server.url, { yaml: dd, lateral: 'later' });
  const next = await post(server.url, { yaml: dd, offset: 500, lateral: 'later' });

  // The same change with a foothold: the kept report, plus footholdChange in the worker.
  const eps = (await (await fetch(new URL('/api/endpoints', server.url))).json()) as { id: string; kind: string }[];
  const fromId = eps.find((e) => e.kind !== 'External' && e.id.startsWith(`${ns}/`))?.id ?? 'internet';
  const fh = await post(server.url, { yaml: dd, from: fromId });

  // Summary latency while 5 what-ifs (different changes) run.
  let running = true;
  const load = Promise.all(policies.slice(0, 5).map((p) => post(server.url, { disable: [`${p.namespace}/${p.name}`] }))).finally(() => (running = false));
  const summary: number[] = [];
  while (running) {
    const s0 = performance.now();
    await (await fetch(new URL('/api/summary', server.url))).json();
    if (running) summary.push(performance.now() - s0);
    await new Promise((r) => setTimeout(r, 50));
  }
  await load;

  const f = fh.json.foothold;
  return [
    ['what-if, one policy switched off: first answer, rows (median of 3)', `${Math.round(median(first))} ms (${rows} changed pairs)`],
    ['  then its blast radii and attack paths (median of 3)', `${Math.round(median(lateral))} ms`],
    ['  the whole report in one answer, as the CLI (median of 3 other policies)', `${Math.round(median(whole))} ms`],
    ['what-if, empty change (reuses the loaded cluster)', `${Math.round(empty.ms)} ms`],
    [`what-if, default-deny in ${ns}: first page`, `${Math.round(firstDd.ms)} ms, ${(firstDd.bytes / 1e6).toFixed(2)} MB (${firstDd.json.page?.total} changed pairs)`],
    ['  next page of the same change (kept report)', `${Math.round(next.ms)} ms, ${(next.bytes / 1e6).toFixed(2)} MB`],
    [`  the same change with foothold ${fromId} (kept report + foothold)`, `${Math.round(fh.ms)} ms (reached ${f?.before?.reached ?? '—'} → ${f?.after?.reached ?? '—'}, ${f?.paths.length ?? 0} crown-jewel paths)`],
    ['/api/namespace-edges, one namespace (median of 3)', `${Math.round(median(nsEdges))} ms`],
    ['/api/summary during 5 concurrent what-ifs: median / p95 / max', `${Math.round(median(summary))} / ${Math.round(quantile(summary, 0.95))} / ${Math.round(quantile(summary, 1))} ms (${summary.length} answers)`],
  ];
}

/** One page load, timed from the driver: navigation to the map drawn, with the page's own marks. */
async function timedLoad(page: Page, url: string, what: string): Promise<number> {
  const t = performance.now();
  await page.goto(url);
  await page.waitForSelector('#view-map[data-ready="true"]', { timeout: 180_000 });
  const ms = performance.now() - t;
  // Where the time went, in the page's own clock (ms from navigation start): main.ts and map-view.ts set the marks.
  // (No named functions inside: tsx would wrap them in a helper the page does not have.)
  const marks = await page.evaluate(() => {
    const res = performance.getEntriesByType('resource') as unknown as { name: string; responseEnd: number }[];
    const m = Object.fromEntries(performance.getEntriesByType('mark').map((e) => [e.name.replace('lateral:', ''), Math.round(e.startTime)]));
    const script = Math.round(Math.max(0, ...res.filter((r) => r.name.includes('/assets/index-')).map((r) => r.responseEnd)));
    const data = Math.round(Math.max(0, ...res.filter((r) => r.name.includes('/api/groups')).map((r) => r.responseEnd)));
    return `script ${script}, data ${data} (parsed ${m.data}), views mounted ${m.mounted}, laid out ${m['laid-out']}, drawn ${m.drawn}, painted ${m.painted ?? '—'}`;
  });
  console.log(`  ${what}: ${ms.toFixed(0)} ms; ${marks}; ${await page.textContent('#map-status')}`);
  return ms;
}

/**
 * Page loads as a user meets them. Cold: each in a fresh browser context (an incognito profile:
 * no localStorage, no HTTP cache), as a reviewer opening the link for the first time. Warm: one
 * context loaded once, then reloaded, so the kept layout (localStorage) and the cached script
 * count, as a returning reviewer's reload.
 */
async function loadRows(browser: Browser, url: string): Promise<{ rows: [string, string][]; page: Page }> {
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    cold.push(await timedLoad(await ctx.newPage(), url, `cold load ${i + 1} (fresh context)`));
    await ctx.close();
  }
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  await timedLoad(page, url, 'warm-up load of the warm context (not counted)');
  const warm: number[] = [];
  for (let i = 0; i < 3; i++) warm.push(await timedLoad(page, url, `warm load ${i + 1} (same context)`));
  return {
    page,
    rows: [
      ['page load to namespace map drawn, cold: first after the server started', cold[0]!.toFixed(0)],
      ['page load to namespace map drawn, cold: median of 4 more (each a fresh context)', median(cold.slice(1)).toFixed(0)],
      ['page load to namespace map drawn, cold: worst of 5', Math.max(...cold).toFixed(0)],
      ['page load to namespace map drawn, warm (reload in the same context): median of 3', median(warm).toFixed(0)],
    ],
  };
}

/** The browser's table: rows of [step, ms]. */
async function browserRows(server: RunningServer): Promise<[string, string][]> {
  const browser = await launchChromium();
  try {
    const { rows: loads, page } = await loadRows(browser, server.url);
    const footholds = await page.evaluate(async () => {
      const eps = (await (await fetch('api/endpoints')).json()) as { id: string; kind: string }[];
      return eps.filter((e) => e.kind !== 'External' && /frontend|web|api/.test(e.id)).slice(0, 4).map((e) => e.id);
    });
    await page.click('[data-tab="blast"]');
    const blasts: number[] = [];
    for (const [i, from] of footholds.entries()) {
      await page.fill('#blast-from', from);
      const t = performance.now();
      await page.click('#blast-go', { noWaitAfter: true });
      await page.waitForSelector(`#view-blast[data-blast-from="${from}"]`, { timeout: 180_000 });
      // The first run may build the worker's attack graph: cold, reported apart.
      blasts.push(performance.now() - t);
      console.log(`  blast ${i + 1} from ${from}: ${(performance.now() - t).toFixed(0)} ms; ${await page.textContent('#blast-drawn')}`);
      if (i === 0) await page.waitForSelector('#blast-choke :not(.muted)', { timeout: 180_000 });
    }
    // The last foothold's choke points (a long job) finish first: the what-if below is timed on
    // an idle worker, and how long they took after the rings is a row of its own.
    const tc = performance.now();
    await page.waitForSelector('#blast-choke :not(.muted)', { timeout: 600_000 });
    const chokeAfter = performance.now() - tc;
    // A namespace default-deny typed into the What-if view (a change the server has not seen).
    await page.click('[data-tab="whatif"]');
    await page.waitForSelector('#whatif-policies input', { timeout: 180_000 });
    const ns = await page.evaluate(async () => ((await (await fetch('api/policies')).json()) as { namespace: string }[])[7]!.namespace);
    await page.fill('#whatif-yaml', `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bench-ui-default-deny, namespace: ${ns}}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n`);
    const tw = performance.now();
    await page.click('#whatif-run', { noWaitAfter: true });
    await page.waitForSelector('#whatif-changes', { timeout: 180_000 });
    const wiRows = performance.now() - tw;
    await page.waitForSelector('#whatif-paths', { timeout: 600_000 });
    const wiPaths = performance.now() - tw;
    console.log(`  what-if default-deny in ${ns}: rows ${wiRows.toFixed(0)} ms, paths ${wiPaths.toFixed(0)} ms; ${await page.textContent('#whatif-counts')}`);
    return [
      ...loads,
      ['blast click to rings drawn, cold', blasts[0]!.toFixed(0)],
      [`blast click to rings drawn, warm, median of ${blasts.length - 1}`, median(blasts.slice(1)).toFixed(0)],
      ['  the last foothold\'s choke points, after its rings', chokeAfter.toFixed(0)],
      [`what-if default-deny in ${ns}, click to its first page of rows shown`, wiRows.toFixed(0)],
      ['  … to its attack paths shown', wiPaths.toFixed(0)],
    ];
  } finally {
    await browser.close();
  }
}

/**
 * The same S2 served by the built CLI in a process of its own, as `lateral serve` runs for a
 * user: the rows above share the driver's process (and tsx) with the server, which slows the
 * server's first answers and every request the driver's own work delays.
 */
async function servedByCli<T>(yaml: string, use: (url: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'lateral-web-bench-'));
  const file = join(dir, 's2.yaml');
  writeFileSync(file, yaml);
  const bin = fileURLToPath(new URL('../../apps/cli/bin/lateral.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'serve', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let said = '';
      const listen = (d: Buffer) => {
        said += d.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(said);
        if (m) resolve(m[0]);
      };
      child.stdout.on('data', listen);
      child.stderr.on('data', listen);
      child.on('exit', (code) => reject(new Error(`lateral serve exited with ${code}: ${said.trim()}`)));
    });
    return await use(url);
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Page-load rows against `lateral serve` (servedByCli), printed as their own table. */
async function cliLoadRows(browser: Browser): Promise<void> {
  const t = performance.now();
  const rows = await servedByCli(s2Yaml, async (url) => {
    console.log(`S2 served by \`lateral serve\` (built CLI, its own process): ready in ${Math.round(performance.now() - t)} ms`);
    return (await loadRows(browser, url)).rows;
  });
  console.log('\nweb app on S2 in Chromium, page loads from `lateral serve` in its own process, as a user runs it:');
  console.log('| step | ms |\n|---|---:|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
}

await ensureUiBuilt();
const t0 = performance.now();
const s2Yaml = synthesizeYaml({ pods: 10_000, namespaces: 200, policies: 1_000 });
const session = sessionFromObjects('S2', parseManifests(s2Yaml, 's2.yaml'));
const loadMs = performance.now() - t0;
const server = await startServer(session, { log: () => {}, jobs: { maxWaitMs: 600_000 } });
try {
  if (loadsOnly) {
    console.log(`S2 served: synthesize + load + compile + start ${Math.round(performance.now() - t0)} ms (server start ${Math.round(performance.now() - t0 - loadMs)} ms)`);
    const browser = await launchChromium();
    try {
      const { rows } = await loadRows(browser, server.url);
      console.log('\nweb app on S2 in Chromium, page loads (wall clock from the driver; this machine, shared):');
      console.log('| step | ms |\n|---|---:|');
      for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
      console.log('');
      await cliLoadRows(browser);
    } finally {
      await browser.close();
    }
    process.exit(0);
  }
  const server1 = await serverRows(server, session, t0);
  console.log('\nweb server at S2 (time to answer, from the client; this machine, shared):');
  console.log('| web server at S2 | measured |\n| --- | --- |');
  for (const [k, v] of server1) console.log(`| ${k} | ${v} |`);
  const browser1 = await browserRows(server);
  console.log('\nweb app on S2 in Chromium (wall clock from the driver; this machine, shared):');
  console.log('| step | ms |\n|---|---:|');
  console.log(`| server: synthesize + load + compile (not in the rows below) | ${loadMs.toFixed(0)} |`);
  for (const [k, v] of browser1) console.log(`| ${k} | ${v} |`);
  console.log('');
  const browser2 = await launchChromium();
  try {
    await cliLoadRows(browser2);
  } finally {
    await browser2.close();
  }
} catch (e) {
  process.stderr.write(`web bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  await server.close();
}
