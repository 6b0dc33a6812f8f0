/**
 * What a change does to lateral movement: whose blast radius grew or shrank, and which paths
 * from the internet (through the entry points: exposed workloads whose ingress admits outside
 * addresses) to the crown jewels it opens or closes. Both sides are attack graphs; workloads
 * are matched by their node id (namespace/name).
 */
import { attackClosure } from './attack-closure.js';
import { INTERNET, type AttackGraph } from './attack-graph.js';
import { shortestAttackPath } from './attack-paths.js';
import { emptyBitset, setBit } from '../engine/bitset.js';

export interface BlastRadiusChange {
  readonly id: string;
  /** Workloads reached (in any number of moves) before and after; null where the workload is absent. */
  readonly before: number | null;
  readonly after: number | null;
}

export interface PathChange {
  readonly change: 'opened' | 'closed';
  /** `internet`. */
  readonly from: string;
  /** The crown jewel. */
  readonly to: string;
  /** The shortest path on the side where it exists (after for opened, before for closed). */
  readonly path: readonly string[];
}

export interface LateralMovementDiff {
  /** Workloads whose blast radius changed, largest change first. */
  readonly blastRadius: readonly BlastRadiusChange[];
  readonly paths: readonly PathChange[];
  readonly crownJewels: readonly string[];
}

function reachedCounts(ag: AttackGraph): Map<string, number> {
  const closure = attackClosure(ag);
  const mask = emptyBitset(closure.ids.length);
  for (const id of ag.workloads) setBit(mask, closure.indexOf.get(id)!);
  return new Map(ag.workloads.map((id) => [id, closure.countReached(closure.indexOf.get(id)!, mask)]));
}

/** `crownJewels`: ids on either side (a jewel missing on one side has no path there). */
export function diffLateralMovement(before: AttackGraph, after: AttackGraph, crownJewels: readonly string[]): LateralMovementDiff {
  const b = reachedCounts(before);
  const a = reachedCounts(after);
  const blastRadius: BlastRadiusChange[] = [];
  for (const id of new Set([...b.keys(), ...a.keys()])) {
    const x = b.get(id) ?? null;
    const y = a.get(id) ?? null;
    if (x !== y) blastRadius.push({ id, before: x, after: y });
  }
  const delta = (c: BlastRadiusChange) => Math.abs((c.after ?? 0) - (c.before ?? 0));
  blastRadius.sort((x, y) => delta(y) - delta(x) || (x.id < y.id ? -1 : 1));

  const paths: PathChange[] = [];
  const jewels = [...new Set(crownJewels)].sort();
  const pathOn = (ag: AttackGraph, jewel: string) =>
    ag.graph.hasNode(INTERNET) && ag.graph.hasNode(jewel) ? shortestAttackPath(ag, INTERNET, new Set([jewel])) : undefined;
  for (const jewel of jewels) {
    const pb = pathOn(before, jewel);
    const pa = pathOn(after, jewel);
    if (pa && !pb) paths.push({ change: 'opened', from: INTERNET, to: jewel, path: pa });
    if (pb && !pa) paths.push({ change: 'closed', from: INTERNET, to: jewel, path: pb });
  }
  return { blastRadius, paths, crownJewels: jewels };
}
