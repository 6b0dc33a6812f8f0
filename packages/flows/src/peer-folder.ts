/**
 * Records folded per connection between two flow ends as the capture names them (peer keys),
 * before resolution: what a parallel reader's worker sends back instead of its records. Each
 * aggregate remembers where its first record was, so that the reader can hand them to the
 * EdgeFolder in the order a sequential read would have met them (resolution picks an
 * endpoint's representative pod by first appearance).
 */
import type { Protocol } from '@lateral/core';
import type { FlowPeer, FlowRecord } from './flow-record.js';

export interface PeerAggregate {
  readonly src: FlowPeer;
  readonly dst: FlowPeer;
  readonly port: number;
  readonly protocol: Protocol;
  /** Position of the first record: chunk sequence number and line within the chunk. */
  readonly seq: number;
  readonly line: number;
  records: number;
  count: number;
  dropped: number;
  first: number;
  last: number;
}

const PROTOCOL_CODE: Readonly<Record<Protocol, number>> = { TCP: 0, UDP: 1, SCTP: 2 };

export class PeerFolder {
  /** src key -> dst key -> protocol and port -> aggregate. */
  private readonly bySrc = new Map<string, Map<string, Map<number, PeerAggregate>>>();
  readonly aggregates: PeerAggregate[] = [];

  add(rec: FlowRecord, seq: number, line: number): void {
    let byDst = this.bySrc.get(rec.src.key);
    if (!byDst) this.bySrc.set(rec.src.key, (byDst = new Map()));
    let byPort = byDst.get(rec.dst.key);
    if (!byPort) byDst.set(rec.dst.key, (byPort = new Map()));
    const k = PROTOCOL_CODE[rec.protocol] * 65536 + rec.port;
    const first = rec.firstTime ?? rec.time ?? Infinity;
    const last = rec.lastTime ?? rec.time ?? -Infinity;
    const dropped = rec.dropped ? rec.count : 0;
    const a = byPort.get(k);
    if (a) {
      a.records++;
      a.count += rec.count;
      a.dropped += dropped;
      if (first < a.first) a.first = first;
      if (last > a.last) a.last = last;
      return;
    }
    const created: PeerAggregate = { src: rec.src, dst: rec.dst, port: rec.port, protocol: rec.protocol, seq, line, records: 1, count: rec.count, dropped, first, last };
    byPort.set(k, created);
    this.aggregates.push(created);
  }
}
