/**
 * The address space outside the cluster, cut into the pieces policies can tell apart.
 *
 * Every ipBlock (cidr minus except) is a set of ranges; splitting IPv4 and IPv6 at every range
 * boundary gives atoms, and atoms inside exactly the same ipBlocks form one external group: no
 * policy can distinguish two addresses of a group, so each group is one node of the
 * reachability relation. Pod IPs are looked up the same way to learn which ipBlocks a pod's
 * addresses fall in.
 */
import { InputError } from '../model/errors.js';
import { maxOf, tryParseCidr, type IpAddress, type IpFamily, type IpRange } from '../semantics/ip.js';
import type { IPBlock } from '../model/model.js';
import type { ExternalGroup } from './reachability.js';

/** The addresses of an ipBlock: its cidr minus every except, as sorted disjoint ranges. */
export function ipBlockRanges(block: IPBlock): IpRange[] {
  const cidr = tryParseCidr(block.cidr);
  if (!cidr) throw new InputError(`invalid CIDR "${block.cidr}"`, { field: 'ipBlock.cidr' });
  let ranges: IpRange[] = [{ family: cidr.family, start: cidr.start, end: cidr.end }];
  (block.except ?? []).forEach((text, i) => {
    const ex = tryParseCidr(text);
    if (!ex) throw new InputError(`invalid CIDR "${text}"`, { field: `ipBlock.except[${i}]` });
    // An except of the other family removes nothing: the families are separate spaces.
    if (ex.family !== cidr.family) return;
    const next: IpRange[] = [];
    for (const r of ranges) {
      if (ex.end < r.start || ex.start > r.end) {
        next.push(r);
        continue;
      }
      if (ex.start > r.start) next.push({ family: r.family, start: r.start, end: ex.start - 1n });
      if (ex.end < r.end) next.push({ family: r.family, start: ex.end + 1n, end: r.end });
    }
    ranges = next;
  });
  return ranges;
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface FamilyTable {
  /** Sorted start of each atom; the first is 0. */
  readonly starts: bigint[];
  /** atom -> group */
  readonly group: number[];
}

export class IpAtoms {
  readonly groups: ExternalGroup[];
  /** group -> the ipBlocks (indices into the constructor's list) that contain it. */
  readonly groupBlocks: (readonly number[])[];
  private readonly tables: Readonly<Record<IpFamily, FamilyTable>>;
  /** The IPv4 atoms' starts as numbers (exact below 2^53): pod addresses are looked up without bigints. */
  private readonly v4Starts: Float64Array;

  /** `blocks[i]` is the ranges of ipBlock i (see ipBlockRanges). */
  constructor(blocks: readonly (readonly IpRange[])[]) {
    const groupRanges: { family: IpFamily; start: bigint; end: bigint }[][] = [];
    this.groupBlocks = [];
    const groupByKey = new Map<string, number>();
    const build = (family: IpFamily): FamilyTable => {
      const events = new Map<bigint, { add: number[]; remove: number[] }>();
      const at = (pos: bigint) => {
        let e = events.get(pos);
        if (!e) events.set(pos, (e = { add: [], remove: [] }));
        return e;
      };
      at(0n);
      const max = maxOf(family);
      blocks.forEach((ranges, id) => {
        for (const r of ranges) {
          if (r.family !== family) continue;
          at(r.start).add.push(id);
          if (r.end < max) at(r.end + 1n).remove.push(id);
        }
      });
      const starts = [...events.keys()].sort(compareBigint);
      const group: number[] = [];
      const active = new Set<number>();
      starts.forEach((pos, i) => {
        const e = events.get(pos)!;
        for (const id of e.remove) active.delete(id);
        for (const id of e.add) active.add(id);
        const members = [...active].sort((a, b) => a - b);
        const key = members.join(',');
        let g = groupByKey.get(key);
        if (g === undefined) {
          g = groupRanges.length;
          groupByKey.set(key, g);
          groupRanges.push([]);
          this.groupBlocks.push(members);
        }
        group.push(g);
        const end = i + 1 < starts.length ? starts[i + 1]! - 1n : max;
        const list = groupRanges[g]!;
        const last = list[list.length - 1];
        if (last && last.family === family && last.end + 1n === pos) last.end = end;
        else list.push({ family, start: pos, end });
      });
      return { starts, group };
    };
    // IPv4 first so that every group's ranges come out sorted, IPv4 before IPv6.
    this.tables = { 4: build(4), 6: build(6) };
    this.groups = groupRanges.map((ranges) => ({ ranges }));
    this.v4Starts = Float64Array.from(this.tables[4].starts, Number);
  }

  /** groupOf for the IPv4 address `value` (0..2^32-1). */
  groupOfV4(value: number): number {
    const starts = this.v4Starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= value) lo = mid;
      else hi = mid - 1;
    }
    return this.tables[4].group[lo]!;
  }

  groupOf(ip: IpAddress): number {
    const t = this.tables[ip.family];
    let lo = 0;
    let hi = t.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (t.starts[mid]! <= ip.value) lo = mid;
      else hi = mid - 1;
    }
    return t.group[lo]!;
  }
}
