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

/**
 * Per aggregate, side by side in one typed array each (one cache line per look-up, where
 * separate arrays and an object per aggregate took several): the key (source id, destination
 * id, protocol code * 65536 + port) and the sums (records, count, dropped, first, last). The
 * PeerAggregate objects are made once, when `aggregates` is read.
 */
const KEY = 3;
const SUM = 5;

export class PeerFolder {
  private readonly idByKey = new Map<string, number>();
  /** This folder's key for the id it gave a FlowPeer object, and how many objects carry one. */
  private readonly idSymbol = Symbol('peer id');
  private byObject = 0;
  /** Per aggregate: its first record (the ends, port, protocol, position), in order of first record. */
  private readonly firsts: { readonly rec: FlowRecord; readonly seq: number; readonly line: number }[] = [];
  private keys = new Int32Array(1024 * KEY);
  private sums = new Float64Array(1024 * SUM);
  /** Open addressing: aggregate index + 1, 0 empty; size a power of two, at most half full. */
  private slots = new Int32Array(4096);

  /** The aggregates so far, in order of their first records. */
  get aggregates(): PeerAggregate[] {
    const sums = this.sums;
    return this.firsts.map(({ rec, seq, line }, i) => ({
      src: rec.src,
      dst: rec.dst,
      port: rec.port,
      protocol: rec.protocol,
      seq,
      line,
      records: sums[i * SUM]!,
      count: sums[i * SUM + 1]!,
      dropped: sums[i * SUM + 2]!,
      first: sums[i * SUM + 3]!,
      last: sums[i * SUM + 4]!,
    }));
  }

  private idOf(peer: FlowPeer): number {
    // The id sits on the peer itself under this folder's own symbol (one property load, where a
    // Map keyed by the object took a hash probe), not enumerable: JSON, postMessage and
    // comparisons do not see it.
    const known = (peer as unknown as Record<symbol, number | undefined>)[this.idSymbol];
    if (known !== undefined) return known;
    let id = this.idByKey.get(peer.key);
    if (id === undefined) this.idByKey.set(peer.key, (id = this.idByKey.size));
    if (this.byObject < MAX_BY_OBJECT) {
      this.byObject++;
      Object.defineProperty(peer, this.idSymbol, { value: id });
    }
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
    const keys = this.keys;
    const mask = slots.length - 1;
    let h = hash3(s, d, pp) & mask;
    for (;;) {
      const at = slots[h]!;
      if (at === 0) break;
      const k = (at - 1) * KEY;
      if (keys[k] === s && keys[k + 1] === d && keys[k + 2] === pp) {
        const sums = this.sums;
        const j = (at - 1) * SUM;
        sums[j]!++;
        sums[j + 1]! += rec.count;
        sums[j + 2]! += dropped;
        if (first < sums[j + 3]!) sums[j + 3] = first;
        if (last > sums[j + 4]!) sums[j + 4] = last;
        return;
      }
      h = (h + 1) & mask;
    }
    const i = this.firsts.length;
    this.firsts.push({ rec, seq, line });
    if ((i + 1) * KEY > this.keys.length) {
      this.keys = grow(this.keys, new Int32Array(this.keys.length * 2));
      this.sums = grow(this.sums, new Float64Array(this.sums.length * 2));
    }
    this.keys[i * KEY] = s;
    this.keys[i * KEY + 1] = d;
    this.keys[i * KEY + 2] = pp;
    const j = i * SUM;
    this.sums[j] = 1;
    this.sums[j + 1] = rec.count;
    this.sums[j + 2] = dropped;
    this.sums[j + 3] = first;
    this.sums[j + 4] = last;
    slots[h] = i + 1;
    if ((i + 1) * 2 > slots.length) this.rehash();
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    const keys = this.keys;
    for (let i = 0; i < this.firsts.length; i++) {
      let h = hash3(keys[i * KEY]!, keys[i * KEY + 1]!, keys[i * KEY + 2]!) & mask;
      while (slots[h] !== 0) h = (h + 1) & mask;
      slots[h] = i + 1;
    }
    this.slots = slots;
  }
}

function grow<T extends Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer>>(a: T, b: T): T {
  b.set(a);
  return b;
}

function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ c, 0x27d4eb2f);
  return h ^ (h >>> 16);
}
