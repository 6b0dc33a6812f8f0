/**
 * The what-if report's stable JSON: what `lateral diff|whatif --format json` prints and what
 * `POST /api/what-if` answers, field for field.
 */
import type { BlastRadiusChange, DiffEndpoint, PairChange, PathChange, ProtoPorts, ReachDiff } from '@lateral/core';
import type { BrokenFlow } from '../broken-flows.js';
import type { FailOn, WhatIfReport } from '../what-if-report.js';
import { whatIfSummary, type WhatIfSummary } from './summary.js';

export interface WhatIfJson {
  /** What changed, in one line. */
  readonly change: string;
  readonly summary: WhatIfSummary;
  readonly changes: readonly PairChange[];
  readonly newExposure: readonly { readonly from: string; readonly to: string; readonly ports: ProtoPorts }[];
  /** Present when observed flows were checked. */
  readonly brokenFlows?: readonly BrokenFlow[];
  readonly blastRadius: readonly BlastRadiusChange[];
  readonly paths: readonly PathChange[];
  readonly crownJewels: readonly string[];
  readonly endpoints: readonly DiffEndpoint[];
  readonly scope: ReachDiff['scope'];
  readonly failOn: readonly FailOn[];
  readonly failed: readonly FailOn[];
  /** What the answer cannot vouch for (policies not evaluated) and the inputs' warnings. */
  readonly warnings: readonly string[];
}

export function whatIfJson(r: WhatIfReport): WhatIfJson {
  return {
    change: r.label,
    summary: whatIfSummary(r),
    changes: r.diff.changes,
    newExposure: r.newExposure.map((c) => ({ from: c.from, to: c.to, ports: c.added })),
    ...(r.brokenFlows ? { brokenFlows: r.brokenFlows } : {}),
    blastRadius: r.lateral.blastRadius,
    paths: r.lateral.paths,
    crownJewels: r.lateral.crownJewels,
    endpoints: r.diff.endpoints,
    scope: r.diff.scope,
    failOn: r.failOn,
    failed: r.failed,
    warnings: r.warnings,
  };
}

export function whatIfJsonText(r: WhatIfReport): string {
  return JSON.stringify(whatIfJson(r), null, 2);
}
