/**
 * Folds resolved records into distinct edges as they stream past: memory holds one entry per
 * distinct (src, dst, protocol, port) and per distinct unresolved reason, never the records.
 */
import type { Protocol } from '@lateral/core';
import type { FlowPeer, FlowRecord } from './flow-record.js';
import type { ResolvedEndpoint } from './flow-resolver.js';
import type { ConnectionResolver } from './connection-resolver.js';
import type { BadLine, FlowEdge, FlowSet, NodeLocalFlow, ObservedConnection } from './flow-set.js';

const PROTOCOL_CODE: Readonly<Record<Protocol, number>> = { TCP: 0, UDP: 1, SCTP: 2 };

interface Edge {
  readonly src: ResolvedEndpoint;
  readonly dst: ResolvedEndpoint;
  readonly port: number;
  readonly protocol: Protocol;
  readonly samePod: boolean;
  count: number;
  dropped: number;
  first: number;
  last: number;
}

interface NodeLocal {
  readonly node: string;
  readonly address: string;
  readonly pod: string;
  readonly podIndex?: number;
  readonly direction: 'from-node' | 'to-node';
  readonly protocol: Protocol;
  readonly port: number;
  count: number;
}

type Target = { readonly kind: 'edge'; readonly entry: Edge } | { readonly kind: 'node'; readonly entry: NodeLocal };

interface Raw {
  readonly src: FlowPeer;
  readonly dst: FlowPeer;
  readonly port: number;
  readonly protocol: Protocol;
  count: number;
  dropped: number;
  /** What its records fold into, once resolved. */
  targets?: Target[];
  /** Why (part of) it could not be resolved. */
  unresolved?: readonly string[];
}

export class EdgeFolder {
  /** src endpoint index -> (dst index, protocol, port) number -> edge. */
  private readonly edges = new Map<number, Map<number, Edge>>();
  private edgeTotal = 0;
  private readonly unresolved = new Map<string, number>();
  private readonly nodeLocal = new Map<string, NodeLocal>();
  /**
   * The capture before resolution, duplicates folded: src key -> dst key -> protocol and port,
   * and the source's connections in the order they were first seen. Keys are the peers' own
   * strings (hashed once), never a string built per record.
   */
  private readonly raw = new Map<string, { readonly byDst: Map<string, Map<number, Raw>>; readonly list: Raw[] }>();
  records = 0;
  folded = 0;
  ignored = 0;

  constructor(private readonly resolver: ConnectionResolver) {}

  add(rec: FlowRecord): void {
    this.addRecords(
      rec.src,
      rec.dst,
      rec.port,
      rec.protocol,
      1,
      rec.count,
      rec.dropped ? rec.count : 0,
      rec.firstTime ?? rec.time ?? Infinity,
      rec.lastTime ?? rec.time ?? -Infinity,
    );
  }

  /**
   * `records` records of one connection between the same two flow ends at once (what a
   * parallel reader's PeerFolder hands over): the same as adding them one by one. They land on
   * the same edges, so at most the first creates any; `count` and `dropped` are the sums of
   * their counts, `first` / `last` the extremes of their times.
   */
  addRecords(
    srcPeer: FlowPeer,
    dstPeer: FlowPeer,
    port: number,
    protocol: Protocol,
    records: number,
    count: number,
    dropped: number,
    first: number,
    last: number,
  ): void {
    this.records += records;
    const raw = this.rawOf(srcPeer, dstPeer, port, protocol);
    raw.count += count;
    raw.dropped += dropped;
    // Resolved once per distinct connection as recorded; the records after the first only
    // add to the edges it folds into.
    let created = false;
    if (raw.targets === undefined) created = this.resolveRaw(raw);
    if (raw.unresolved !== undefined) {
      for (const reason of raw.unresolved) this.unresolved.set(reason, (this.unresolved.get(reason) ?? 0) + count);
    }
    let onEdges = false;
    for (const t of raw.targets!) {
      if (t.kind === 'node') {
        t.entry.count += count;
        continue;
      }
      onEdges = true;
      const e = t.entry;
      e.count += count;
      e.dropped += dropped;
      if (first < e.first) e.first = first;
      if (last > e.last) e.last = last;
    }
    // Node-local records are reported apart, not folded into an edge.
    if (onEdges) this.folded += created ? records - 1 : records;
  }

  private rawOf(src: FlowPeer, dst: FlowPeer, port: number, protocol: Protocol): Raw {
    let from = this.raw.get(src.key);
    if (!from) this.raw.set(src.key, (from = { byDst: new Map(), list: [] }));
    let byPort = from.byDst.get(dst.key);
    if (!byPort) from.byDst.set(dst.key, (byPort = new Map()));
    const k = PROTOCOL_CODE[protocol] * 65536 + port;
    let r = byPort.get(k);
    if (!r) {
      byPort.set(k, (r = { src, dst, port, protocol, count: 0, dropped: 0 }));
      from.list.push(r);
    }
    return r;
  }

  /** Finds (or creates, empty) the edges and node-local entries a connection folds into; true if it created an edge. */
  private resolveRaw(raw: Raw): boolean {
    const { protocol } = raw;
    const proto = PROTOCOL_CODE[protocol];
    const r = this.resolver.resolve(raw.src, raw.dst, raw.port, protocol);
    const targets: Target[] = [];
    raw.targets = targets;
    if (!r.ok) {
      raw.unresolved = [r.reason];
      return false;
    }
    if (r.problems.length > 0) raw.unresolved = r.problems;
    let created = false;
    for (const c of r.ends) {
      if (c.nodeLocal) {
        const fromNode = c.src.endpoint.kind === 'ip';
        const podEnd = fromNode ? c.dst : c.src;
        const pod = podEnd.id;
        const k = `${c.nodeLocal.node}\u0000${c.nodeLocal.address}\u0000${pod}\u0000${fromNode}\u0000${proto}\u0000${c.port}`;
        let n = this.nodeLocal.get(k);
        if (!n) {
          n = { ...c.nodeLocal, pod, ...(podEnd.endpoint.kind === 'pod' ? { podIndex: podEnd.endpoint.pod } : {}), direction: fromNode ? 'from-node' : 'to-node', protocol, port: c.port, count: 0 };
          this.nodeLocal.set(k, n);
        }
        targets.push({ kind: 'node', entry: n });
        continue;
      }
      const src = c.src;
      const dst = c.dst;
      let bySrc = this.edges.get(src.index);
      if (!bySrc) this.edges.set(src.index, (bySrc = new Map()));
      // dst index, same-pod bit, protocol (2 bits) and port (16 bits) in one exact integer (< 2^53).
      const key = dst.index * 524288 + (c.samePod ? 262144 : 0) + proto * 65536 + c.port;
      let e = bySrc.get(key);
      if (!e) {
        created = true;
        this.edgeTotal++;
        e = { src, dst, port: c.port, protocol, samePod: c.samePod, count: 0, dropped: 0, first: Infinity, last: -Infinity };
        bySrc.set(key, e);
      }
      targets.push({ kind: 'edge', entry: e });
    }
    return created;
  }

  get edgeCount(): number {
    return this.edgeTotal;
  }

  result(badLines: readonly BadLine[], badLineCount: number): FlowSet {
    const sorted = [...this.edges.values()].flatMap((m) => [...m.values()]).sort(
      (a, b) =>
        cmp(a.src.id, b.src.id) || cmp(a.dst.id, b.dst.id) || cmp(a.protocol, b.protocol) || a.port - b.port,
    );
    const edges: FlowEdge[] = sorted.map((e) => ({
      src: e.src.endpoint,
      dst: e.dst.endpoint,
      port: e.port,
      protocol: e.protocol,
      count: e.count,
      ...(Number.isFinite(e.first) ? { firstSeen: new Date(e.first).toISOString() } : {}),
      ...(Number.isFinite(e.last) ? { lastSeen: new Date(e.last).toISOString() } : {}),
      dropped: e.dropped,
      ...(e.samePod ? { samePod: true as const } : {}),
    }));
    const nodeLocal: NodeLocalFlow[] = [...this.nodeLocal.values()]
      .map((n) => ({ ...n }))
      .sort((a, b) => cmp(a.pod, b.pod) || cmp(a.node, b.node) || cmp(a.protocol, b.protocol) || a.port - b.port || cmp(a.direction, b.direction));
    // In the order of first appearance: the same for a sequential and a parallel read.
    const connections: ObservedConnection[] = [];
    for (const { list } of this.raw.values()) {
      for (const r of list) connections.push({ src: r.src, dst: r.dst, port: r.port, protocol: r.protocol, count: r.count, dropped: r.dropped });
    }
    const unresolved = [...this.unresolved]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || cmp(a.reason, b.reason));
    return {
      edges,
      records: this.records,
      folded: this.folded,
      badLines,
      badLineCount,
      unresolved,
      ignored: this.ignored,
      nodeLocal,
      connections,
    };
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
