/**
 * Port atoms: each protocol's 1..65535 split at every boundary some policy draws (a numeric
 * port, the ends of an endPort range, a container port that a named port resolves to). Within
 * one atom no policy can tell two ports apart, so a rule's port set is a bitset of atoms and
 * the engine intersects and unions port sets word-wide.
 *
 * Atoms are numbered across protocols (all TCP atoms, then UDP, then SCTP) so that one bitset
 * holds a whole ProtoPorts.
 */
import { bitsetKey, emptyBitset, fullBitset, isEmptyBitset, setBit, type Bitset } from './bitset.js';
import { PROTOCOLS, type Protocol } from '../model/model.js';
import { MAX_PORT, MIN_PORT, type PortRange, type ProtoPorts } from '../semantics/port-set.js';

/** Collects the boundaries policies draw, per protocol. */
export class PortCuts {
  private readonly cuts: Record<Protocol, Set<number>> = { TCP: new Set(), UDP: new Set(), SCTP: new Set() };

  /** The inclusive range [lo, hi] must be expressible as whole atoms. */
  addRange(protocol: Protocol, lo: number, hi: number): void {
    const a = Math.max(lo, MIN_PORT);
    const b = Math.min(hi, MAX_PORT);
    if (a > b) return;
    const set = this.cuts[protocol];
    if (a > MIN_PORT) set.add(a);
    if (b < MAX_PORT) set.add(b + 1);
  }

  build(): PortAtoms {
    return new PortAtoms(this.cuts);
  }
}

const PROTOCOL_INDEX: Readonly<Record<Protocol, number>> = { TCP: 0, UDP: 1, SCTP: 2 };

export class PortAtoms {
  readonly count: number;
  /** Lowest port of each atom. */
  readonly atomLo: Uint16Array;
  /** Highest port of each atom. */
  readonly atomHi: Uint16Array;
  readonly atomProtocol: Uint8Array;
  /** Per protocol index: its first atom; [3] is `count`. */
  private readonly first: readonly number[];

  constructor(cuts: Readonly<Record<Protocol, ReadonlySet<number>>>) {
    const starts: number[][] = PROTOCOLS.map((p) => [MIN_PORT, ...[...cuts[p]].sort((a, b) => a - b)]);
    const first: number[] = [];
    let n = 0;
    for (const s of starts) {
      first.push(n);
      n += s.length;
    }
    first.push(n);
    this.first = first;
    this.count = n;
    this.atomLo = new Uint16Array(n);
    this.atomHi = new Uint16Array(n);
    this.atomProtocol = new Uint8Array(n);
    starts.forEach((s, pi) => {
      for (let i = 0; i < s.length; i++) {
        const id = first[pi]! + i;
        this.atomLo[id] = s[i]!;
        this.atomHi[id] = i + 1 < s.length ? s[i + 1]! - 1 : MAX_PORT;
        this.atomProtocol[id] = pi;
      }
    });
  }

  /** The atom holding `port` of `protocol`, or -1 when the port is outside 1..65535. */
  atomOf(protocol: Protocol, port: number): number {
    if (!(port >= MIN_PORT && port <= MAX_PORT)) return -1;
    const pi = PROTOCOL_INDEX[protocol];
    let lo = this.first[pi]!;
    let hi = this.first[pi + 1]! - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.atomLo[mid]! <= port) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Adds the atoms of [lo, hi] (clamped to 1..65535) to `set`; the range must be one PortCuts saw. */
  addRange(set: Bitset, protocol: Protocol, lo: number, hi: number): void {
    const a = Math.max(lo, MIN_PORT);
    const b = Math.min(hi, MAX_PORT);
    if (a > b) return;
    const last = this.atomOf(protocol, b);
    for (let i = this.atomOf(protocol, a); i <= last; i++) setBit(set, i);
  }

  addProtocol(set: Bitset, protocol: Protocol): void {
    const pi = PROTOCOL_INDEX[protocol];
    for (let i = this.first[pi]!; i < this.first[pi + 1]!; i++) setBit(set, i);
  }

  empty(): Bitset {
    return emptyBitset(this.count);
  }

  all(): Bitset {
    return fullBitset(this.count);
  }

  toProtoPorts(set: Bitset): ProtoPorts {
    const out: Record<Protocol, PortRange[]> = { TCP: [], UDP: [], SCTP: [] };
    PROTOCOLS.forEach((p, pi) => {
      const ranges = out[p];
      let open = -1;
      let close = -1;
      for (let i = this.first[pi]!; i < this.first[pi + 1]!; i++) {
        if (((set[i >>> 5]! >>> (i & 31)) & 1) === 0) continue;
        // Atoms of one protocol are contiguous, so consecutive members merge into one range.
        if (open >= 0 && this.atomLo[i] === close + 1) close = this.atomHi[i]!;
        else {
          if (open >= 0) ranges.push([open, close]);
          open = this.atomLo[i]!;
          close = this.atomHi[i]!;
        }
      }
      if (open >= 0) ranges.push([open, close]);
    });
    return out;
  }
}

/**
 * Interned sets of port atoms: equal sets get one id, so per-destination port sets are ids
 * (cheap to compare and to key memo tables with) and each is turned into a ProtoPorts once.
 */
export class AtomSets {
  readonly sets: Bitset[] = [];
  private readonly ids = new Map<string, number>();
  private readonly protoPorts: (ProtoPorts | undefined)[] = [];
  private readonly empties: boolean[] = [];

  constructor(readonly atoms: PortAtoms) {}

  /** The id of `set`; the caller must not modify `set` afterwards. */
  intern(set: Bitset): number {
    const key = bitsetKey(set);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.sets.length;
      this.ids.set(key, id);
      this.sets.push(set);
      this.protoPorts.push(undefined);
      this.empties.push(isEmptyBitset(set));
    }
    return id;
  }

  isEmpty(id: number): boolean {
    return this.empties[id]!;
  }

  toProtoPorts(id: number): ProtoPorts {
    let p = this.protoPorts[id];
    if (!p) this.protoPorts[id] = p = this.atoms.toProtoPorts(this.sets[id]!);
    return p;
  }
}
