/**
 * Folds resolved records into distinct edges as they stream past: memory holds one entry per
 * distinct (src, dst, protocol, port) and per distinct unresolved reason, never the records.
 */
import type { Protocol } from '@lateral/core';
import type { FlowPeer, FlowRecord } from './flow-record.js';
import type { ResolvedEndpoint, FlowResolver } from './flow-resolver.js';
import type { BadLine, FlowEdge, FlowSet } from './flow-set.js';

const PROTOCOL_CODE: Readonly<Record<Protocol, number>> = { TCP: 0, UDP: 1, SCTP: 2 };

interface Edge {
  readonly src: ResolvedEndpoint;
  readonly dst: ResolvedEndpoint;
  readonly port: number;
  readonly protocol: Protocol;
  count: number;
  dropped: number;
  first: number;
  last: number;
}

export class EdgeFolder {
  /** src endpoint index -> (dst index, protocol, port) number -> edge. */
  private readonly edges = new Map<number, Map<number, Edge>>();
  private edgeTotal = 0;
  private readonly unresolved = new Map<string, number>();
  records = 0;
  folded = 0;
  ignored = 0;

  constructor(private readonly resolver: FlowResolver) {}

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
    const s = this.resolver.resolve(srcPeer);
    const d = this.resolver.resolve(dstPeer);
    if (!s.ok || !d.ok) {
      const reason = !s.ok && !d.ok ? `${s.reason}; ${d.reason}` : !s.ok ? s.reason : (d as { reason: string }).reason;
      this.unresolved.set(reason, (this.unresolved.get(reason) ?? 0) + count);
      return;
    }
    const proto = PROTOCOL_CODE[protocol];
    let created = false;
    for (const src of s.endpoints) {
      let bySrc = this.edges.get(src.index);
      if (!bySrc) this.edges.set(src.index, (bySrc = new Map()));
      for (const dst of d.endpoints) {
        // dst index, protocol (2 bits) and port (16 bits) in one exact integer (< 2^53).
        const key = dst.index * 262144 + proto * 65536 + port;
        const e = bySrc.get(key);
        if (e) {
          e.count += count;
          e.dropped += dropped;
          if (first < e.first) e.first = first;
          if (last > e.last) e.last = last;
        } else {
          created = true;
          this.edgeTotal++;
          bySrc.set(key, { src, dst, port, protocol, count, dropped, first, last });
        }
      }
    }
    this.folded += created ? records - 1 : records;
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
    }));
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
    };
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
