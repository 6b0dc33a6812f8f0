/**
 * `pnpm bench` (flows part): 1,000,000 synthetic flow records over the S2 synthetic cluster
 * (10,000 pods) read into a FlowSet, once as Hubble JSON (`hubble observe -o json` lines, the
 * heaviest format per record) and once as pre-aggregated CSV rows. Prints records/s, distinct
 * edges, time and peak RSS. Each format runs in its own process so peak memory is its own.
 * Numbers, never assertions.
 *
 *   tsx test/bench/flows-bench.ts                 both formats, 1M records
 *   LATERAL_FLOW_RECORDS=200000 tsx test/bench/flows-bench.ts
 */
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { compile, type Cluster, type Pod } from '@lateral/core';
import { mulberry32 } from '@lateral/core/testing';
import { readFlows } from '@lateral/flows';
import { clusterFromObjects, parseManifests, synthesizeYaml } from '@lateral/k8s';

const RECORDS = Number(process.env['LATERAL_FLOW_RECORDS'] ?? 1_000_000);
/** Distinct pod-to-pod connections the records are drawn from (a busy 10k-pod cluster). */
const CONNECTIONS = 60_000;
const FORMATS = ['hubble', 'csv'] as const;
type Format = (typeof FORMATS)[number];

interface Row {
  format: Format;
  records: number;
  edges: number;
  unresolved: number;
  setupMs: number;
  readMs: number;
  /** CPU time of the read (user + system): steadier than wall time on a shared machine. */
  cpuMs: number;
  baseMiB: number;
  peakMiB: number;
}

const ms = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

/** What a running pod of this (template) entry is called and addressed as. */
function livePod(p: Pod, i: number, rnd: () => number): { name: string; ip: string } {
  const hash = Math.floor(rnd() * 0xffffffff).toString(36).slice(0, 9);
  const suffix = Math.floor(rnd() * 0xffffffff).toString(36).slice(0, 5);
  return { name: p.fromTemplate ? `${p.name}-${hash}-${suffix}` : p.name, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` };
}

/**
 * The distinct connections, as lines of the format: same namespace mostly (apps call their
 * neighbours), DNS to kube-system, some cross-namespace, some to the internet. Replies are
 * one record in four, as a capture of both directions has them.
 */
function connectionLines(cluster: Cluster, format: Format): string[] {
  const rnd = mulberry32(42);
  const pods = cluster.pods.filter((p) => !p.hostNetwork);
  const live = pods.map((p, i) => livePod(p, i, rnd));
  const byNs = new Map<string, number[]>();
  pods.forEach((p, i) => {
    const l = byNs.get(p.namespace);
    if (l) l.push(i);
    else byNs.set(p.namespace, [i]);
  });
  const dns = pods.findIndex((p) => p.namespace === 'kube-system');
  const portOf = (p: Pod) => p.ports[0]?.containerPort ?? 8080;
  const hubbleEp = (i: number) => {
    const p = pods[i]!;
    const labels = Object.entries(p.labels).map(([k, v]) => `k8s:${k}=${v}`);
    labels.push(`k8s:io.cilium.k8s.policy.cluster=default`, `k8s:io.kubernetes.pod.namespace=${p.namespace}`);
    return { ID: 100 + (i % 4000), identity: 10000 + (i % 50000), namespace: p.namespace, labels, pod_name: live[i]!.name, workloads: [{ name: p.owner.name, kind: p.owner.kind }] };
  };
  const out: string[] = [];
  for (let c = 0; c < CONNECTIONS; c++) {
    const a = Math.floor(rnd() * pods.length);
    const roll = rnd();
    let b: number | string;
    let port: number;
    let proto: 'TCP' | 'UDP' = 'TCP';
    if (roll < 0.15 && dns >= 0) [b, port, proto] = [dns, 53, 'UDP'];
    else if (roll < 0.2) [b, port] = [`203.0.113.${Math.floor(rnd() * 256)}`, 443];
    else {
      const same = byNs.get(pods[a]!.namespace)!;
      b = roll < 0.85 ? same[Math.floor(rnd() * same.length)]! : Math.floor(rnd() * pods.length);
      port = portOf(pods[b]!);
    }
    const reply = rnd() < 0.25;
    if (format === 'csv') {
      const ref = (x: number | string) => (typeof x === 'string' ? x : `${pods[x]!.namespace}/${live[x]!.name}`);
      out.push(`${ref(a)},${ref(b)},${port},${proto},${1 + Math.floor(rnd() * 50)},${1741910400 + c}`);
      continue;
    }
    const time = new Date(Date.UTC(2025, 2, 14, 10, 0, 0) + c * 7).toISOString();
    const src = { ep: hubbleEp(a), ip: live[a]!.ip, port: 32768 + (c % 28000) };
    const dst = typeof b === 'string' ? { ep: { identity: 2, labels: ['reserved:world'] }, ip: b, port } : { ep: hubbleEp(b), ip: live[b]!.ip, port };
    const [from, to] = reply ? [dst, src] : [src, dst];
    const flow = {
      time,
      verdict: 'FORWARDED',
      ethernet: { source: '5e:5c:ca:b5:cc:87', destination: 'f1:d5:a1:03:9e:98' },
      IP: { source: from.ip, destination: to.ip, ipVersion: 'IPv4' },
      l4: { [proto]: { source_port: from.port, destination_port: to.port, ...(proto === 'TCP' ? { flags: reply ? { SYN: true, ACK: true } : { SYN: true } } : {}) } },
      source: from.ep,
      destination: to.ep,
      Type: 'L3_L4',
      node_name: `worker-${c % 50}`,
      event_type: { type: 4, sub_type: 3 },
      traffic_direction: 'EGRESS',
      trace_observation_point: 'TO_STACK',
      is_reply: reply,
      Summary: proto === 'TCP' ? 'TCP Flags: SYN' : 'UDP',
    };
    out.push(JSON.stringify({ flow, node_name: flow.node_name, time }));
  }
  return out;
}

/**
 * RECORDS lines drawn from the connections, streamed as 1,000-line chunks of bytes (no file,
 * no disk in the way; the lines are encoded once so that producing them costs little).
 */
function capture(lines: string[], format: Format): Readable {
  const rnd = mulberry32(7);
  const encoded = lines.map((l) => Buffer.from(l + '\n'));
  return Readable.from(
    (function* () {
      if (format === 'csv') yield Buffer.from('src,dst,port,protocol,count,time\n');
      let batch: Buffer[] = [];
      for (let i = 0; i < RECORDS; i++) {
        batch.push(encoded[Math.floor(rnd() * encoded.length)]!);
        if (batch.length === 1000) {
          yield Buffer.concat(batch);
          batch = [];
        }
      }
      if (batch.length) yield Buffer.concat(batch);
    })(),
    { objectMode: false },
  );
}

async function runOne(format: Format): Promise<Row> {
  let t = process.hrtime.bigint();
  const yaml = synthesizeYaml({ pods: 10_000, namespaces: 200, policies: 1_000, seed: 1 });
  const { cluster } = clusterFromObjects(parseManifests(yaml, 'S2.yaml'));
  const compiled = compile(cluster);
  const lines = connectionLines(cluster, format);
  const setupMs = ms(t);
  const baseMiB = process.resourceUsage().maxRSS / 1024;

  t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const set = await readFlows(['-'], cluster, { stdin: capture(lines, format), compiled, format });
  const readMs = ms(t);
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  return {
    format,
    records: set.records,
    edges: set.edges.length,
    unresolved: set.unresolved.reduce((s, u) => s + u.count, 0),
    setupMs,
    readMs,
    cpuMs,
    baseMiB,
    peakMiB: process.resourceUsage().maxRSS / 1024,
  };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function printTable(rows: Row[]): void {
  const header = ['flows (S2)', 'records', 'distinct edges', 'unresolved', 'read ms', 'cpu ms', 'records/s', 'RSS before MiB', 'peak MiB'];
  const body = rows.map((r) => [
    r.format,
    fmt(r.records),
    fmt(r.edges),
    fmt(r.unresolved),
    fmt(r.readMs),
    fmt(r.cpuMs),
    fmt(r.records / (r.readMs / 1000)),
    fmt(r.baseMiB),
    fmt(r.peakMiB),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((l) => l[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of body) console.log(line(l));
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  const row = await runOne(args[1] as Format);
  process.stdout.write(JSON.stringify(row));
} else {
  const self = fileURLToPath(import.meta.url);
  const rows: Row[] = [];
  for (const format of FORMATS) {
    const r = spawnSync(process.execPath, [...process.execArgv, self, '--child', format], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`flows bench ${format} failed (exit ${r.status})`);
    rows.push(JSON.parse(r.stdout) as Row);
  }
  printTable(rows);
}
