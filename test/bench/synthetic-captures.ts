/**
 * Synthetic traffic captures over the S2 synthetic cluster (10,000 pods), for the flows and
 * generation benchmarks: what `hubble observe -o json` would print for a busy cluster, and the
 * same traffic aggregated upstream into CSV rows (the ClickHouse query of docs/flows.md).
 *
 * Connections are drawn from what S2's current policies allow (what a capture of a running
 * cluster sees): same-namespace calls mostly, DNS to CoreDNS, cross-namespace, outside
 * addresses on both ends; skewed so a few connections carry most records. Records are packets
 * as Hubble reports them: forward and reply, at the client's egress and the server's ingress,
 * each with its own time, uuid and ephemeral port, and a few connections the network dropped.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import { compile, formatIp, type Cluster, type CompiledCluster, type EndpointIndex, type Protocol } from '@lateral/core';
import { mulberry32 } from '@lateral/core/testing';
import { clusterFromObjects, parseManifests, synthesizeYaml } from '@lateral/k8s';

export interface S2 {
  readonly cluster: Cluster;
  readonly compiled: CompiledCluster;
}

export function loadS2(): S2 {
  const yaml = synthesizeYaml({ pods: 10_000, namespaces: 200, policies: 1_000, seed: 1 });
  const { cluster } = clusterFromObjects(parseManifests(yaml, 'S2.yaml'));
  return { cluster, compiled: compile(cluster) };
}

export /** One end of a connection: a pod entry of the cluster (one of its live replicas) or an address. */
type End = { readonly pod: number; readonly replica: number } | { readonly ip: string };

interface Connection {
  readonly src: End;
  readonly dst: End;
  readonly port: number;
  readonly protocol: Protocol;
  /** Every record of it is DROPPED (a denied connection someone keeps trying). */
  readonly dropped: boolean;
}

/** Live replicas per workload template: a capture names pods, several per Deployment. */
const REPLICAS = 2;

/** The pre-rendered JSON of each live pod as a Hubble endpoint, and its name and address. */
class LivePods {
  private readonly json = new Map<string, string>();
  constructor(
    private readonly cluster: Cluster,
    private readonly index: EndpointIndex,
  ) {}

  name(pod: number, replica: number): string {
    const p = this.cluster.pods[pod]!;
    if (!p.fromTemplate) return p.name;
    const h = hash32(pod * 7 + replica);
    return `${p.name}-${h.toString(36).padStart(7, '0').slice(0, 9)}-${hash32(h).toString(36).slice(0, 5)}`;
  }

  ip(pod: number, replica: number): string {
    const p = this.cluster.pods[pod]!;
    if (!p.fromTemplate && p.ips[0]) return p.ips[0];
    const i = pod * REPLICAS + replica;
    return `10.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`;
  }

  endpointJson(pod: number, replica: number): string {
    const k = `${pod}/${replica}`;
    let j = this.json.get(k);
    if (j === undefined) {
      const p = this.cluster.pods[pod]!;
      const labels = Object.keys(p.labels)
        .sort()
        .map((key) => `k8s:${key}=${p.labels[key]}`);
      labels.push(
        `k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=${p.namespace}`,
        'k8s:io.cilium.k8s.policy.cluster=default',
        `k8s:io.cilium.k8s.policy.serviceaccount=${p.owner.name}`,
        `k8s:io.kubernetes.pod.namespace=${p.namespace}`,
      );
      j = JSON.stringify({
        ID: 100 + ((pod * REPLICAS + replica) % 4000),
        identity: 10000 + (pod % 50000),
        namespace: p.namespace,
        labels: labels.sort(),
        pod_name: this.name(pod, replica),
        workloads: p.owner.kind === 'Pod' ? undefined : [{ name: p.owner.name, kind: p.owner.kind }],
      });
      this.json.set(k, j);
    }
    return j;
  }

  /** What the pre-aggregated CSV names this end by: the endpoint id of `lateral reach`. */
  ref(end: End): string {
    return 'ip' in end ? end.ip : this.index.endpoints[this.index.podEndpoint[end.pod]!]!.id;
  }
}

function hash32(n: number): number {
  let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Distinct connections: allowed ones, plus a few the network drops. */
function connections(s2: S2, count: number, rnd: () => number): Connection[] {
  const { cluster, compiled } = s2;
  const reach = compiled.reach();
  const pairs: [number, number][] = [];
  reach.forEachAllowed((s, d) => {
    if (s !== d || (compiled.classPods[s]?.length ?? 0) > 1) pairs.push([s, d]);
  });
  const podIps = new Set(cluster.pods.flatMap((p) => p.ips));
  const endOf = (node: number): End | undefined => {
    if (node < compiled.classCount) {
      const members = compiled.classPods[node]!.filter((p) => !cluster.pods[p]!.hostNetwork);
      const pod = members[Math.floor(rnd() * members.length)];
      return pod === undefined ? undefined : { pod, replica: cluster.pods[pod]!.fromTemplate ? Math.floor(rnd() * REPLICAS) : 0 };
    }
    const r = compiled.externals[node - compiled.classCount]!.ranges[0]!;
    const span = r.end - r.start;
    const offset = span > 0n ? BigInt(Math.floor(rnd() * Number(span > 1_000_000n ? 1_000_000n : span))) : 0n;
    const ip = formatIp(r.family, r.start + offset);
    return podIps.has(ip) ? undefined : { ip };
  };
  const out: Connection[] = [];
  const seen = new Set<string>();
  const key = (c: Omit<Connection, 'dropped'>) => `${JSON.stringify(c.src)}>${JSON.stringify(c.dst)}:${c.protocol}/${c.port}`;
  for (let tries = 0; out.length < count && tries < count * 20; tries++) {
    const [s, d] = pairs[Math.floor(rnd() * pairs.length)]!;
    const src = endOf(s);
    const dst = endOf(d);
    if (!src || !dst) continue;
    const ports = reach.ports(s, d);
    let port: number | undefined;
    let protocol: Protocol = 'TCP';
    if ('pod' in dst) {
      const declared = cluster.pods[dst.pod]!.ports.filter((cp) => ports[cp.protocol].some(([a, b]) => cp.containerPort >= a && cp.containerPort <= b));
      const cp = declared[Math.floor(rnd() * declared.length)];
      if (cp) [port, protocol] = [cp.containerPort, cp.protocol];
    } else if (ports.TCP.some(([a, b]) => 443 >= a && 443 <= b)) port = 443;
    if (port === undefined) continue;
    const c = { src, dst, port, protocol };
    if (seen.has(key(c))) continue;
    seen.add(key(c));
    out.push({ ...c, dropped: false });
  }
  // Denied connections someone keeps trying: pod pairs the policies do not allow, all dropped.
  const podCount = cluster.pods.length;
  for (let tries = 0, drops = 0; drops < Math.max(1, count / 200) && tries < count; tries++) {
    const a = Math.floor(rnd() * podCount);
    const b = Math.floor(rnd() * podCount);
    const pa = cluster.pods[a]!;
    const pb = cluster.pods[b]!;
    const cp = pb.ports[0];
    if (pa.hostNetwork || pb.hostNetwork || !cp || a === b) continue;
    const ports = reach.ports(compiled.podClass[a]!, compiled.podClass[b]!);
    if (ports[cp.protocol].some(([x, y]) => cp.containerPort >= x && cp.containerPort <= y)) continue;
    out.push({ src: { pod: a, replica: 0 }, dst: { pod: b, replica: 0 }, port: cp.containerPort, protocol: cp.protocol, dropped: true });
    drops++;
  }
  return out;
}

const WORLD = '{"identity":2,"labels":["reserved:world"]}';
const T0 = Date.UTC(2025, 2, 14, 10, 0, 0);

/**
 * Where the records go. Hubble lines are written as they are produced (a 1M-record capture is
 * about a gigabyte); the CSV is the same records aggregated, one row per distinct connection.
 */
export interface CaptureFiles {
  readonly hubble?: string;
  readonly hubbleGz?: string;
  readonly csv?: string;
}

export interface CaptureStats {
  readonly records: number;
  readonly connections: number;
  readonly hubbleBytes: number;
  readonly csvRows: number;
}

async function write(stream: WriteStream | NodeJS.WritableStream, chunk: string | Buffer): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

export async function writeCaptures(s2: S2, records: number, files: CaptureFiles, opts: { connections?: number; seed?: number } = {}): Promise<CaptureStats> {
  const { cluster } = s2;
  const rnd = mulberry32(opts.seed ?? 11);
  const index = s2.compiled.endpoints();
  const live = new LivePods(cluster, index);
  const conns = connections(s2, opts.connections ?? 30_000, rnd);
  const plain = files.hubble ? createWriteStream(files.hubble) : undefined;
  const gzip = files.hubbleGz ? createGzip({ level: zlibConstants.Z_BEST_SPEED }) : undefined;
  const gzFile = files.hubbleGz ? createWriteStream(files.hubbleGz) : undefined;
  if (gzip && gzFile) gzip.pipe(gzFile);
  // Pre-aggregated like the SQL of docs/flows.md: forward records, per connection.
  const agg = new Map<number, { count: number; first: number; last: number }>();
  const allowed = conns.filter((c) => !c.dropped);
  const dropped = conns.filter((c) => c.dropped);
  let bytes = 0;
  let batch: string[] = [];
  const flush = async () => {
    const buf = Buffer.from(batch.join(''));
    bytes += buf.length;
    batch = [];
    await Promise.all([plain ? write(plain, buf) : undefined, gzip ? write(gzip, buf) : undefined]);
  };
  for (let r = 0; r < records; r++) {
    // Skewed: a few chatty connections, a long tail seen a handful of times; drops are rare.
    const isDrop = rnd() < 0.003;
    const list = isDrop ? dropped : allowed;
    const ci = Math.floor(rnd() ** 3 * list.length);
    const c = list[ci]!;
    const at = T0 + r * 86 + Math.floor(rnd() * 86);
    const reply = !isDrop && rnd() < 0.3;
    const ingress = rnd() < 0.5;
    const ephemeral = 32768 + Math.floor(rnd() * 28000);
    if (!reply && !isDrop) {
      const a = agg.get(ci);
      if (a) {
        a.count++;
        if (at < a.first) a.first = at;
        if (at > a.last) a.last = at;
      } else agg.set(ci, { count: 1, first: at, last: at });
    }
    if (plain || gzip) {
      const end = (e: End) => ('ip' in e ? { json: WORLD, ip: e.ip } : { json: live.endpointJson(e.pod, e.replica), ip: live.ip(e.pod, e.replica) });
      const client = end(c.src);
      const server = end(c.dst);
      const [from, to] = reply ? [server, client] : [client, server];
      const [sport, dport] = reply ? [c.port, ephemeral] : [ephemeral, c.port];
      const time = new Date(at).toISOString().replace('Z', `${String(Math.floor(rnd() * 1e6)).padStart(6, '0')}Z`);
      const node = `worker-${hash32(ci) % 50}`;
      const flags = c.protocol === 'TCP' ? `,"flags":{${reply ? '"SYN":true,"ACK":true' : '"SYN":true'}}` : '';
      const summary = c.protocol === 'TCP' ? (reply ? 'TCP Flags: SYN, ACK' : 'TCP Flags: SYN') : c.protocol;
      const uuid = `${hash32(r).toString(16).padStart(8, '0')}-${(r & 0xffff).toString(16).padStart(4, '0')}-4${hash32(r + 1).toString(16).slice(0, 3).padStart(3, '0')}-a${hash32(r + 2).toString(16).slice(0, 3).padStart(3, '0')}-${hash32(r + 3).toString(16).padStart(12, '0').slice(0, 12)}`;
      const verdict = isDrop ? '"verdict":"DROPPED","drop_reason":133' : '"verdict":"FORWARDED"';
      const dropDesc = isDrop ? ',"drop_reason_desc":"POLICY_DENIED"' : '';
      batch.push(
        `{"flow":{"time":"${time}","uuid":"${uuid}",${verdict},"ethernet":{"source":"5e:5c:ca:b5:cc:87","destination":"f1:d5:a1:03:9e:98"},` +
          `"IP":{"source":"${from.ip}","destination":"${to.ip}","ipVersion":"IPv4"},` +
          `"l4":{"${c.protocol}":{"source_port":${sport},"destination_port":${dport}${flags}}},` +
          `"source":${from.json},"destination":${to.json},"Type":"L3_L4","node_name":"${node}",` +
          `"event_type":{"type":${isDrop ? 1 : 4},"sub_type":${isDrop ? 133 : 3}},"traffic_direction":"${ingress ? 'INGRESS' : 'EGRESS'}",` +
          `"trace_observation_point":"${ingress ? 'TO_ENDPOINT' : 'TO_STACK'}"${dropDesc},"is_reply":${reply},"Summary":"${summary}"},` +
          `"node_name":"${node}","time":"${time}"}\n`,
      );
      if (batch.length === 2000) await flush();
    }
  }
  if (batch.length > 0) await flush();
  const closing: Promise<unknown>[] = [];
  if (plain) {
    plain.end();
    closing.push(once(plain, 'close'));
  }
  if (gzip && gzFile) {
    gzip.end();
    closing.push(once(gzFile, 'close'));
  }
  await Promise.all(closing);
  let rows = 0;
  if (files.csv) {
    const lines = ['src,dst,port,protocol,count,first_seen,last_seen'];
    for (const [id, a] of agg) {
      const c = allowed[id]!;
      lines.push(`${live.ref(c.src)},${live.ref(c.dst)},${c.port},${c.protocol},${a.count},${Math.floor(a.first / 1000)},${Math.floor(a.last / 1000)}`);
    }
    rows = lines.length - 1;
    const out = createWriteStream(files.csv);
    out.end(lines.join('\n') + '\n');
    await once(out, 'close');
  }
  return { records, connections: conns.length, hubbleBytes: bytes, csvRows: rows };
}
