/**
 * `pnpm bench` (generation part): 1,000,000 synthetic flow records over S2 (10,000 pods) ->
 * least-privilege policies, rendered, read back and verified. Prints a table; never asserts.
 *
 * The records are drawn from connections S2's current policies allow (what a capture of a
 * running cluster sees), skewed so that a few connections carry most records, with outside
 * addresses on both ends. Folding records into edges stands in for the flow readers (timed on
 * its own line); the target is the rest: flows + cluster -> verified policies < 10 s, < 1 GiB.
 *
 *   tsx test/bench/generate-bench.ts            1,000,000 records
 *   tsx test/bench/generate-bench.ts S1 S2      runs when S2 is named (pnpm bench passes sizes)
 */
import { buildEndpointIndex, compile, formatIp, type Protocol } from '@lateral/core';
import type { FlowEdge, FlowEndpoint, FlowSet } from '@lateral/flows';
import { generatePolicies, policiesYaml, verifyPolicies } from '@lateral/generator';
import { clusterFromObjects, parseManifests, synthesizeYaml } from '@lateral/k8s';

const RECORDS = Number(process.env.LATERAL_BENCH_FLOW_RECORDS ?? 1_000_000);
const DISTINCT = 30_000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function ms(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

const args = process.argv.slice(2).filter((a) => /^S\d$/.test(a));
if (args.length > 0 && !args.includes('S2')) {
  process.stderr.write('generate bench: runs on S2 only; skipped\n');
  process.exit(0);
}

process.stderr.write(`generate bench: ${RECORDS.toLocaleString('en-US')} flow records over S2…\n`);
const yamlText = synthesizeYaml({ pods: 10_000, namespaces: 200, policies: 1_000, seed: 1 });
const { cluster } = clusterFromObjects(parseManifests(yamlText, 'S2.yaml'));
const compiled = compile(cluster);
const index = buildEndpointIndex(compiled);
const reach = compiled.reach();
const rnd = mulberry32(11);

// --- Distinct connections a capture would see: allowed class pairs, a real port on each ----
const pairs: [number, number][] = [];
reach.forEachAllowed((s, d) => {
  if (s !== d || (compiled.classPods[s]?.length ?? 0) > 1) pairs.push([s, d]);
});
const endpointOf = (node: number): FlowEndpoint => {
  if (node < compiled.classCount) {
    const members = compiled.classPods[node]!;
    const pod = members[Math.floor(rnd() * members.length)]!;
    return { kind: 'pod', workload: index.endpoints[index.podEndpoint[pod]!]!.id, pod };
  }
  const r = compiled.externals[node - compiled.classCount]!.ranges[0]!;
  const span = r.end - r.start;
  const offset = span > 0n ? BigInt(Math.floor(rnd() * Math.min(Number(span > 1_000_000n ? 1_000_000n : span), 1_000_000))) : 0n;
  return { kind: 'ip', ip: formatIp(r.family, r.start + offset) };
};
// An address a pod has is not outside: a reader would resolve it to the pod.
const podIps = new Set(cluster.pods.flatMap((p) => p.ips));
const edgeKeys = new Set<string>();
const shapes: { src: FlowEndpoint; dst: FlowEndpoint; port: number; protocol: Protocol }[] = [];
for (let tries = 0; shapes.length < DISTINCT && tries < DISTINCT * 20; tries++) {
  const [s, d] = pairs[Math.floor(rnd() * pairs.length)]!;
  const ports = reach.ports(s, d);
  const src = endpointOf(s);
  const dst = endpointOf(d);
  let port: number | undefined;
  let protocol: Protocol = 'TCP';
  if (dst.kind === 'pod') {
    const declared = cluster.pods[dst.pod]!.ports.filter((cp) => ports[cp.protocol].some(([a, b]) => cp.containerPort >= a && cp.containerPort <= b));
    const cp = declared[Math.floor(rnd() * declared.length)];
    if (cp) {
      port = cp.containerPort;
      protocol = cp.protocol;
    }
  } else if (ports.TCP.some(([a, b]) => 443 >= a && 443 <= b)) port = 443;
  if (port === undefined) continue;
  if ((src.kind === 'ip' && podIps.has(src.ip)) || (dst.kind === 'ip' && podIps.has(dst.ip))) continue;
  const key = `${JSON.stringify(src)}>${JSON.stringify(dst)}:${protocol}/${port}`;
  if (edgeKeys.has(key)) continue;
  edgeKeys.add(key);
  shapes.push({ src, dst, port, protocol });
}

// --- Records, folded into edges as the readers do --------------------------------------------
let t = process.hrtime.bigint();
const counts = new Float64Array(shapes.length);
const first = new Float64Array(shapes.length).fill(Infinity);
const last = new Float64Array(shapes.length);
const t0 = Date.UTC(2025, 2, 14);
for (let r = 0; r < RECORDS; r++) {
  // Skewed: a few chatty connections, a long tail seen a handful of times.
  const k = Math.floor(rnd() ** 3 * shapes.length);
  const at = t0 + r * 86;
  counts[k]! += 1;
  if (at < first[k]!) first[k] = at;
  if (at > last[k]!) last[k] = at;
}
const edges: FlowEdge[] = [];
shapes.forEach((s, k) => {
  if (counts[k] === 0) return;
  edges.push({ ...s, count: counts[k]!, dropped: 0, firstSeen: new Date(first[k]!).toISOString(), lastSeen: new Date(last[k]!).toISOString() });
});
const flows: FlowSet = { edges, records: RECORDS, folded: RECORDS - edges.length, badLines: [], badLineCount: 0, unresolved: [] };
const foldMs = ms(t);

// --- The measured path: generate, render, read back, verify ---------------------------------
t = process.hrtime.bigint();
const generated = generatePolicies(cluster, flows, { defaultDeny: true });
const generateMs = ms(t);

t = process.hrtime.bigint();
const text = policiesYaml(generated.policies);
const yamlMs = ms(t);

t = process.hrtime.bigint();
const reread = clusterFromObjects(parseManifests(text, '<generated>')).cluster.policies;
const rereadMs = ms(t);

t = process.hrtime.bigint();
const v = verifyPolicies(cluster, reread, generated.considered, { aggregates: generated.aggregates });
const verifyMs = ms(t);
const peakMiB = process.resourceUsage().maxRSS / 1024;

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const header = ['records', 'edges', 'policies', 'rules', 'fold ms', 'generate ms', 'yaml ms (MiB)', 'read back ms', 'verify ms', 'flows -> verified ms', 'allowed', 'unobserved', 'peak MiB'];
const row = [
  fmt(RECORDS),
  fmt(edges.length),
  fmt(v.emitted.policies),
  fmt(v.emitted.rules),
  fmt(foldMs),
  fmt(generateMs),
  `${fmt(yamlMs)} (${fmt(text.length / 2 ** 20, 1)})`,
  fmt(rereadMs),
  fmt(verifyMs),
  fmt(generateMs + yamlMs + rereadMs + verifyMs),
  `${fmt(v.flows.share * 100, 1)} %`,
  fmt(v.added.unobserved.length + v.granted.unobserved.length),
  fmt(peakMiB),
];
const widths = header.map((h, i) => Math.max(h.length, row[i]!.length));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
console.log(`\ngenerate: S2 (${fmt(cluster.pods.length)} pod entries), synthetic flows`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
console.log(line(row));
console.log('target: flows -> verified < 10,000 ms, peak < 1,024 MiB (peak includes synthesizing and loading S2)');
