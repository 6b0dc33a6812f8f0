/** What every what-if format shows first: the counts, and the pieces of a change's line. */
import { formatProtoPorts, isEmptyProtoPorts, type PairChange, type ProtoPorts } from '@lateral/core';
import type { WhatIfReport } from '../what-if-report.js';

export interface WhatIfSummary {
  readonly newlyAllowed: number;
  readonly newlyDenied: number;
  readonly changed: number;
  readonly newExposure: number;
  readonly blastRadiusChanged: number;
  readonly pathsOpened: number;
  readonly pathsShortened: number;
  readonly pathsClosed: number;
  /** Present when observed flows were checked. */
  readonly brokenFlows?: number;
}

export function whatIfSummary(r: WhatIfReport): WhatIfSummary {
  const count = (c: string) => r.lateral.paths.filter((p) => p.change === c).length;
  return {
    newlyAllowed: r.diff.counts.allowed,
    newlyDenied: r.diff.counts.denied,
    changed: r.diff.counts.changed,
    newExposure: r.newExposure.length,
    blastRadiusChanged: r.lateral.blastRadius.length,
    pathsOpened: count('opened'),
    pathsShortened: count('shortened'),
    pathsClosed: count('closed'),
    ...(r.brokenFlows ? { brokenFlows: r.brokenFlows.length } : {}),
  };
}

/** Ports as text, `-` for none. */
export const portsText = (p: ProtoPorts): string => (isEmptyProtoPorts(p) ? '-' : formatProtoPorts(p));

/** Why a pair changed: the rules that now allow and the policies that now deny. */
export function why(c: PairChange): string {
  const parts: string[] = [];
  if (c.allowedBy) parts.push(`allowed: ${c.allowedBy.join('; ')}`);
  if (c.deniedBy) parts.push(`denied: ${c.deniedBy.join('; ')}`);
  return parts.join(' | ');
}
