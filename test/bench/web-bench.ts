/**
 * `pnpm bench` (web): the web app on S2 (10,000 pods, 200 namespaces, 1,000 policies) in
 * Chromium, as a reviewer meets it: page load to the namespace map drawn (the first load, and the
 * median of three more), and a blast radius from the click to its rings drawn, warm (the server's
 * attack graph built by an earlier run; median of three footholds). Wall-clock from the test's
 * side, so server, transfer, layout and drawing all count. Numbers, never assertions.
 *
 *   pnpm exec tsx test/bench/web-bench.ts        (skipped when `pnpm bench` is given sizes without S2)
 */
import { parseManifests, synthesizeYaml } from '@lateral/k8s';
import { ensureUiBuilt, sessionFromObjects, startServer } from '@lateral/web';
import { launchChromium } from '../browser/browser.js';

const sizes = process.argv.slice(2);
if (sizes.length > 0 && !sizes.includes('S2')) {
  console.log('web: S2 only; not asked for');
  process.exit(0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await ensureUiBuilt();
let t = performance.now();
const session = sessionFromObjects('S2', parseManifests(synthesizeYaml({ pods: 10_000, namespaces: 200, policies: 1_000 }), 's2.yaml'));
const loadMs = performance.now() - t;
const server = await startServer(session, { log: () => {} });
const browser = await launchChromium();
try {
  const loads: number[] = [];
  let page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  for (let i = 0; i < 4; i++) {
    if (i > 0) {
      await page.close();
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    }
    t = performance.now();
    await page.goto(server.url);
    await page.waitForSelector('#view-map[data-ready="true"]', { timeout: 180_000 });
    loads.push(performance.now() - t);
    console.log(`  load ${i + 1}: ${(performance.now() - t).toFixed(0)} ms; ${await page.textContent('#map-status')}`);
  }
  const footholds = await page.evaluate(async () => {
    const eps = (await (await fetch('api/endpoints')).json()) as { id: string; kind: string }[];
    return eps.filter((e) => e.kind !== 'External' && /frontend|web|api/.test(e.id)).slice(0, 4).map((e) => e.id);
  });
  await page.click('[data-tab="blast"]');
  const blasts: number[] = [];
  for (const [i, from] of footholds.entries()) {
    await page.fill('#blast-from', from);
    t = performance.now();
    await page.click('#blast-go', { noWaitAfter: true });
    await page.waitForSelector(`#view-blast[data-blast-from="${from}"]`, { timeout: 180_000 });
    // The first run builds the server's attack graph: cold, reported apart.
    blasts.push(performance.now() - t);
    console.log(`  blast ${i + 1} from ${from}: ${(performance.now() - t).toFixed(0)} ms; ${await page.textContent('#blast-drawn')}`);
    if (i === 0) await page.waitForSelector('#blast-choke :not(.muted)', { timeout: 180_000 });
  }
  console.log('\nweb app on S2 in Chromium (wall clock from the driver; this machine, shared):');
  console.log('| step | ms |');
  console.log('|---|---:|');
  console.log(`| server: synthesize + load + compile (not in the rows below) | ${loadMs.toFixed(0)} |`);
  console.log(`| page load to namespace map drawn, first | ${loads[0]!.toFixed(0)} |`);
  console.log(`| page load to namespace map drawn, median of 3 more | ${median(loads.slice(1)).toFixed(0)} |`);
  console.log(`| blast click to rings drawn, cold (attack graph built) | ${blasts[0]!.toFixed(0)} |`);
  console.log(`| blast click to rings drawn, warm, median of ${blasts.length - 1} | ${median(blasts.slice(1)).toFixed(0)} |`);
} finally {
  await browser.close();
  await server.close();
}
