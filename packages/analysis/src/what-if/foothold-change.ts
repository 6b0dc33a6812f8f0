/**
 * What a change does to one foothold's blast radius: how far an attacker who holds that
 * workload (or node, or the internet) moves before and after, and for each crown jewel whether
 * the shortest attack path from it opens, closes, shortens or lengthens. The what-if report's
 * own lateral-movement diff answers from the internet through every entry point; this answers
 * for the foothold the user names (`POST /api/what-if {from}`).
 */
import { adjacency, blastRadius, shortestAttackPath, type AttackGraph, type AttackMetrics } from '@lateral/core';
import { resolveFoothold } from '../lateral-movement/resolve.js';

export interface FootholdPathChange {
  readonly to: string;
  readonly change: 'opened' | 'closed' | 'shortened' | 'lengthened' | 'unchanged';
  /** Moves on the shortest path; null: no path. */
  readonly hopsBefore: number | null;
  readonly hopsAfter: number | null;
  /** The shortest path after the change (before it, for closed), foothold first. */
  readonly path: readonly string[];
}

export interface FootholdChange {
  readonly from: string;
  /** Null where the foothold does not exist on that side. */
  readonly before: AttackMetrics | null;
  readonly after: AttackMetrics | null;
  /** Per crown jewel, in id order. */
  readonly paths: readonly FootholdPathChange[];
}

function tryResolve(ag: AttackGraph, text: string): string | undefined {
  try {
    return resolveFoothold(ag, text, 'from');
  } catch {
    return undefined;
  }
}

/** `from` as the user wrote it; it must name something on at least one side (else the resolver's error, naming `from`). */
export function footholdChange(before: AttackGraph, after: AttackGraph, from: string, crownJewels: readonly string[]): FootholdChange {
  const b = tryResolve(before, from);
  const a = tryResolve(after, from);
  if (b === undefined && a === undefined) resolveFoothold(before, from, 'from');
  const jewels = [...new Set(crownJewels)].sort();
  // Node lookups on the integer adjacency: `ag.graph` would build the named graph of every move.
  const has = (ag: AttackGraph, id: string) => adjacency(ag).indexOf.has(id);
  const metrics = (ag: AttackGraph, id: string | undefined) => (id === undefined ? null : blastRadius(ag, id, { crownJewels: jewels.filter((j) => has(ag, j)) }).metrics);
  const shortest = (ag: AttackGraph, id: string | undefined, jewel: string) => (id === undefined || !has(ag, jewel) ? undefined : id === jewel ? [id] : shortestAttackPath(ag, id, new Set([jewel])));
  const paths: FootholdPathChange[] = [];
  for (const to of jewels) {
    const pb = shortest(before, b, to);
    const pa = shortest(after, a, to);
    const hopsBefore = pb ? pb.length - 1 : null;
    const hopsAfter = pa ? pa.length - 1 : null;
    const change =
      hopsBefore === null && hopsAfter === null
        ? undefined
        : hopsBefore === null
          ? 'opened'
          : hopsAfter === null
            ? 'closed'
            : hopsAfter < hopsBefore
              ? 'shortened'
              : hopsAfter > hopsBefore
                ? 'lengthened'
                : 'unchanged';
    if (change) paths.push({ to, change, hopsBefore, hopsAfter, path: (pa ?? pb)! });
  }
  return { from: a ?? b!, before: metrics(before, b), after: metrics(after, a), paths };
}
