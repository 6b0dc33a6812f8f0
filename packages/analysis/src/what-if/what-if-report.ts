/**
 * The what-if report, built once for `lateral diff`, `lateral whatif` and the web's what-if:
 * the engine's reachability diff, what it does to lateral movement (blast radius, paths from
 * the internet to crown jewels), the new exposure, the observed flows it would break, and which
 * `--fail-on` findings are present.
 */
import {
  buildAttackGraph,
  crownJewels,
  diffLateralMovement,
  diffReachability,
  InputError,
  isEmptyProtoPorts,
  type AttackGraph,
  type CompiledCluster,
  type LateralMovementDiff,
  type PairChange,
  type ReachDiff,
} from '@lateral/core';
import type { FlowEdge } from '@lateral/flows';
import type { LoadResult } from '@lateral/k8s';
import { brokenFlows, type BrokenFlow } from './broken-flows.js';
import { unevaluatedChange, unknownEffectMessage } from './unevaluated-change.js';

export const FAIL_ON = ['broken-flows', 'new-exposure', 'new-paths', 'shorter-paths', 'unknown'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface WhatIfReport {
  /** What changed, in one line (files, applied and deleted objects). */
  readonly label: string;
  readonly diff: ReachDiff;
  readonly lateral: LateralMovementDiff;
  /** Changes that open ports into a workload from outside the cluster or another namespace. */
  readonly newExposure: readonly PairChange[];
  /** Absent when no observed flows were given. */
  readonly brokenFlows?: readonly BrokenFlow[];
  readonly failOn: readonly FailOn[];
  /** The `failOn` findings present. */
  readonly failed: readonly FailOn[];
  /**
   * Present when the change touches policies of kinds Lateral does not evaluate: the part of
   * the answer this report cannot give.
   */
  readonly unknownEffect?: string;
  /** Everything the answer carries as a warning: `unknownEffect` first, then the inputs' warnings. */
  readonly warnings: readonly string[];
}

export interface WhatIfInput {
  readonly label: string;
  readonly before: CompiledCluster;
  /** Best recompiled from `before` (recompile), so the diff can skip what the change cannot touch. */
  readonly after: CompiledCluster;
  /** Crown-jewel selectors for the path check; annotated workloads always count. */
  readonly targets?: readonly string[];
  /** How the targets were given, for messages (default `--target`). */
  readonly targetOption?: string;
  /** Observed flows, resolved against `before`'s cluster; without them no flow is checked. */
  readonly flows?: readonly FlowEdge[];
  readonly failOn?: readonly FailOn[];
  /** `diffReachability(before, after)`, when the caller has it already (a server decides with it whether the attack graph can change). */
  readonly diff?: ReachDiff;
  /** Attack graphs already built for either side (a server keeps one per loaded cluster). */
  readonly attackGraphs?: { readonly before?: AttackGraph; readonly after?: AttackGraph };
  /** Both sides as loaded: a change to policies of kinds Lateral does not evaluate has an unknown effect. */
  readonly loads?: { readonly before: Pick<LoadResult, 'unevaluated'>; readonly after: Pick<LoadResult, 'unevaluated'> };
  /** Warnings of the inputs, carried in the report (JSON's `warnings`). */
  readonly warnings?: readonly string[];
  /** Called before each long step, for progress on a terminal. */
  readonly onStep?: (step: 'comparing' | 'lateral movement' | 'flows') => void;
}

export function whatIfReport(input: WhatIfInput): WhatIfReport {
  const { before, after } = input;
  input.onStep?.('comparing');
  const diff = input.diff ?? diffReachability(before, after);

  input.onStep?.('lateral movement');
  const agBefore = input.attackGraphs?.before ?? buildAttackGraph(before);
  const agAfter = input.attackGraphs?.after ?? buildAttackGraph(after);
  const targets = input.targets ?? [];
  const jb = crownJewels(agBefore, targets);
  const ja = crownJewels(agAfter, targets);
  const unmatched = targets.filter((t) => jb.unmatched.includes(t) && ja.unmatched.includes(t));
  if (unmatched.length > 0) throw new InputError(`${input.targetOption ?? '--target'} "${unmatched[0]}" matches no workload on either side`);
  const lateral = diffLateralMovement(agBefore, agAfter, [...jb.jewels, ...ja.jewels]);

  let broken: BrokenFlow[] | undefined;
  if (input.flows) {
    input.onStep?.('flows');
    broken = brokenFlows(before, after, input.flows);
  }

  // New exposure: ports newly open into a workload from outside the cluster or another namespace.
  const newExposure = diff.changes.filter((c) => !isEmptyProtoPorts(c.added) && !c.toExternal && (c.fromExternal || !c.sameNamespace));
  const failOn = input.failOn ?? [];
  // A change to policies we do not evaluate has an unknown effect: alone, it has no answer
  // ("no changes" would be a guess); with other changes, the report says what it cannot cover.
  const uc = input.loads ? unevaluatedChange(input.loads.before, input.loads.after) : { changed: [] };
  const evaluatedEffect = diff.changes.length > 0 || lateral.blastRadius.length > 0 || lateral.paths.length > 0 || (broken?.length ?? 0) > 0;
  if (uc.changed.length > 0 && !evaluatedEffect && !failOn.includes('unknown')) throw new InputError(unknownEffectMessage(uc, false));
  const unknownEffect = uc.changed.length > 0 ? unknownEffectMessage(uc, evaluatedEffect) : undefined;
  const found: Record<FailOn, boolean> = {
    unknown: uc.changed.length > 0,
    'broken-flows': (broken?.length ?? 0) > 0,
    'new-exposure': newExposure.length > 0,
    // A route opened or shortened: an entry point reaches a crown jewel it did not, or in fewer moves.
    'new-paths': lateral.paths.some((x) => x.change === 'opened' || x.change === 'shortened'),
    'shorter-paths': lateral.paths.some((x) => x.change === 'shortened'),
  };
  return {
    label: input.label,
    diff,
    lateral,
    newExposure,
    ...(broken ? { brokenFlows: broken } : {}),
    failOn,
    failed: failOn.filter((f) => found[f]),
    ...(unknownEffect ? { unknownEffect } : {}),
    warnings: [...(unknownEffect ? [unknownEffect] : []), ...(input.warnings ?? [])],
  };
}
