/**
 * Records folded per connection between two flow ends as the capture names them (peer keys),
 * before resolution: what a parallel reader's worker sends back instead of its records. Each
 * aggregate remembers where its first record was, so that the reader can hand them to the
 * EdgeFolder in the order a sequential read would have met them (resolution picks an
 * endpoint's representative pod by first appearance).
 *
 * A worker adds every record of its share (half a million for a big capture), so the fold is
 * numeric: each distinct peer key gets a small id once (the same FlowPeer object, as a Hubble
 * reader hands back for every line naming that end, is looked up by identity first), and the
 * aggregate of (source id, destination id, protocol and port) is found in an open-addressing
 * table of typed arrays rather than three levels of string-keyed maps.
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

/** The FlowPeer objects remembered by identity: a parser that makes one per line (CSV) must not fill memory with them. */
const MAX_BY_OBJECT = 1 << 16;

export class PeerFolder {
  readonly aggregates: PeerAggregate[] = [];
  private readonly idByKey = new Map<string, number>();
  private readonly idByPeer = new Map<FlowPeer, number>();
  /** Per aggregate: source id, destination id, protocol code * 65536 + port. */
  private src = new Int32Array(1024);
  private dst = new Int32Array(1024);
  private pp = new Int32Array(1024);
  /** Open addressing: aggregate index + 1, 0 empty; size a power of two, at most half full. */
  private slots = new Int32Array(4096);

  private idOf(peer: FlowPeer): number {
    const known = this.idByPeer.get(peer);
    if (known !== undefined) return known;
    let id = this.idByKey.get(peer.key);
    if (id === undefined) this.idByKey.set(peer.key, (id = this.idByKey.size));
    if (this.idByPeer.size < MAX_BY_OBJECT) this.idByPeer.set(peer, id);
    return id;
  }

  add(rec: FlowRecord, seq: number, line: number): void {
    const s = this.idOf(rec.src);
    const d = this.idOf(rec.dst);
    const pp = (rec.protocol === 'TCP' ? 0 : rec.protocol === 'UDP' ? 1 : 2) * 65536 + rec.port;
    const first = rec.firstTime ?? rec.time ?? Infinity;
    const last = rec.lastTime ?? rec.time ?? -Infinity;
    const dropped = rec.dropped ? rec.count : 0;
    const slots = this.slots;
    const mask = slots.length - 1;
    let h = hash3(s, d, pp) & mask;
    for (;;) {
      const at = slots[h]!;
      if (at === 0) break;
      const i = at - 1;
      if (this.src[i] === s && this.dst[i] === d && this.pp[i] === pp) {
        const a = this.aggregates[i]!;
        a.records++;
        a.count += rec.count;
        a.dropped += dropped;
        if (first < a.first) a.first = first;
        if (last > a.last) a.last = last;
        return;
      }
      h = (h + 1) & mask;
    }
    const i = this.aggregates.length;
    this.aggregates.push({ src: rec.src, dst: rec.dst, port: rec.port, protocol: rec.protocol, seq, line, records: 1, count: rec.count, dropped, first, last });
    if (i === this.src.length) {
      this.src = grow(this.src);
      this.dst = grow(this.dst);
      this.pp = grow(this.pp);
    }
    this.src[i] = s;
    this.dst[i] = d;
    this.pp[i] = pp;
    slots[h] = i + 1;
    if ((i + 1) * 2 > slots.length) this.rehash();
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let i = 0; i < this.aggregates.length; i++) {
      let h = hash3(this.src[i]!, this.dst[i]!, this.pp[i]!) & mask;
      while (slots[h] !== 0) h = (h + 1) & mask;
      slots[h] = i + 1;
    }
    this.slots = slots;
  }
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ c, 0x27d4eb2f);
  return h ^ (h >>> 16);
}
