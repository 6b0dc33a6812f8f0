/**
 * The web server section of `pnpm bench`, on S2 (10,000 pods, 200 namespaces, 1,000 policies)
 * served on 127.0.0.1 like `lateral serve`: what-if with one policy changed (time to the
 * answer, as the browser's request sees it), a namespace default-deny what-if's first page,
 * and /api/summary's latency while 5 what-ifs run in the analysis workers. Numbers, never
 * assertions; on a shared machine read the ratios.
 */
import { parseManifests, synthesizeYaml } from '@lateral/k8s';
import { sessionFromObjects, startServer } from '@lateral/web';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function post(url: string, body: unknown): Promise<{ ms: number; bytes: number; json: { page?: { total: number }; summary?: unknown } }> {
  const t0 = performance.now();
  const r = await fetch(new URL('/api/what-if', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`what-if answered ${r.status}: ${text.slice(0, 200)}`);
  return { ms, bytes: text.length, json: JSON.parse(text) };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const session = sessionFromObjects('S2', parseManifests(synthesizeYaml({ pods: 10_000, namespaces: 200, policies: 1_000 }), 's2.yaml'));
  const server = await startServer(session, { log: () => {}, jobs: { maxWaitMs: 600_000 } });
  try {
    // The first answer waits for the worker to compile its copy and build the attack graph.
    const warm = await post(server.url, {});
    process.stdout.write(`S2 served: load + compile ${Math.round(performance.now() - t0 - warm.ms)} ms; first what-if (worker warming up) ${Math.round(warm.ms)} ms; ${server.analysis?.workers} analysis worker(s)\n\n`);

    const policies = session.cluster.policies.filter((p) => (p.ingress?.length ?? 0) > 0);
    const picks = [policies[Math.floor(policies.length / 2)]!, policies[Math.floor(policies.length / 3)]!, policies[Math.floor((2 * policies.length) / 3)]!];
    const one: number[] = [];
    let rows = 0;
    for (const p of picks) {
      const r = await post(server.url, { disable: [`${p.namespace}/${p.name}`] });
      one.push(r.ms);
      rows = r.json.page?.total ?? 0;
    }
    const empty = await post(server.url, {});

    // A namespace whose workloads talk to much of the cluster (catalog-prod in the synthetic S2).
    const ns = session.cluster.policies[5]!.namespace;
    const dd = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bench-default-deny, namespace: ${ns}}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n`;
    const first = await post(server.url, { yaml: dd });
    const next = await post(server.url, { yaml: dd, offset: 500 });

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

    const rowsOut: [string, string][] = [
      ['what-if, one policy switched off (median of 3, time to answer)', `${Math.round(median(one))} ms (${rows} changed pairs)`],
      ['what-if, empty change (reuses the loaded cluster)', `${Math.round(empty.ms)} ms`],
      [`what-if, default-deny in ${ns}: first page`, `${Math.round(first.ms)} ms, ${(first.bytes / 1e6).toFixed(2)} MB (${first.json.page?.total} changed pairs)`],
      ['  next page of the same change (kept report)', `${Math.round(next.ms)} ms, ${(next.bytes / 1e6).toFixed(2)} MB`],
      ['/api/summary during 5 concurrent what-ifs: median / p95 / max', `${Math.round(median(summary))} / ${Math.round(quantile(summary, 0.95))} / ${Math.round(quantile(summary, 1))} ms (${summary.length} answers)`],
    ];
    process.stdout.write('| web server at S2 | measured |\n| --- | --- |\n');
    for (const [k, v] of rowsOut) process.stdout.write(`| ${k} | ${v} |\n`);
  } finally {
    await server.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`web bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
