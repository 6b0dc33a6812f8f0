/**
 * What a change does, over HTTP: the request names a change as `lateral whatif` does (YAML to
 * apply — any kind Lateral reads — and objects to delete or policies to switch off); the
 * cluster with the change made is recompiled from the loaded one, and the report is
 * @lateral/analysis's, so `POST /api/what-if` answers exactly `lateral whatif --format json`.
 */
import { changedLoad, applyChange, changeLabel, whatIfReport, type ObjectChange, type WhatIfFormat, type WhatIfReport } from '@lateral/analysis';
import { diffReachability, type AttackGraph, type ReachDiff } from '@lateral/core';
import { parseManifests, type SourceObject } from '@lateral/k8s';
import { attackGraphOf, sessionFromCluster, type Session } from './session.js';

export interface WhatIfRequest {
  /** Manifests (YAML or JSON) to apply, as kubectl apply would; may be empty. */
  readonly yaml?: string;
  /** `namespace/name` of NetworkPolicies to switch off (delete). */
  readonly disable?: readonly string[];
  /** `KIND/NAMESPACE/NAME` of any objects to delete, as `lateral whatif --delete`. */
  readonly delete?: readonly string[];
  /** The answer's format (default json). */
  readonly format?: WhatIfFormat;
  /**
   * A foothold (workload id, namespace/name, node:<name> or internet): the answer adds its blast
   * radius and shortest paths to the crown jewels before and after (`footholdChange`, in heavy-jobs.ts).
   */
  readonly from?: string;
}

/** Messages name pasted YAML by this file name. */
const WHAT_IF_FILE = 'what-if.yaml';

/** The request as the change `lateral whatif --apply --delete` would make. */
export function changeOf(req: WhatIfRequest): ObjectChange {
  const applied: SourceObject[] = req.yaml && req.yaml.trim() ? parseManifests(req.yaml, WHAT_IF_FILE) : [];
  const deletes = [...new Set([...(req.disable ?? []).map((d) => `networkpolicy/${d}`), ...(req.delete ?? [])])];
  return { applied, deletes, deleteOption: 'delete' };
}

/** The changed side of a what-if: the cluster with the change made, compiled, and its difference in connections. */
export interface ChangedSide {
  readonly label: string;
  readonly after: Session;
  readonly diff: ReachDiff;
  /** Only policies changed: the attack graph's other moves (pods, nodes, tokens) are the loaded cluster's. */
  readonly policyOnly: boolean;
  /** The attack graph cannot differ: no change, or a policy change that moves no connection. */
  readonly sameGraph: boolean;
}

export function changedSide(base: Session, req: WhatIfRequest): ChangedSide {
  const change = changeOf(req);
  // No change: the loaded cluster is its own "after", compiled once at start.
  const empty = change.applied.length === 0 && change.deletes.length === 0;
  const changed = empty ? { objects: [...base.objects], policyOnly: true } : applyChange(base.objects, change);
  const after = empty ? base : sessionFromCluster(base.label, changed.objects, changedLoad(base.load, changed), base.options, base.flows, base.targets, base.compiled);
  const diff = diffReachability(base.compiled, after.compiled);
  // A policy change that moves no connection leaves the attack graph as it was (its other
  // moves come from pods, nodes and tokens, which a policy does not touch): reuse it.
  return { label: changeLabel(change) || 'no change', after, diff, policyOnly: changed.policyOnly, sameGraph: empty || (changed.policyOnly && diff.changes.length === 0) };
}

/**
 * The report of a changed side. `lateral: false` leaves the lateral-movement part (blast radii,
 * routes to crown jewels: the changed side's attack graph, most of a what-if's time at S2) for
 * a later call — only where it cannot change the rest of the report, a policy-only change
 * (which also moves connections, so "unknown effect" never hinges on it). `lateralDone` says
 * whether the report has it; without it the report's lateral lists are empty, not "no change".
 */
export function reportOf(base: Session, side: ChangedSide, lateral = true): { report: WhatIfReport; afterGraph?: AttackGraph; lateralDone: boolean } {
  const before = attackGraphOf(base);
  const lateralDone = lateral || side.sameGraph || !side.policyOnly;
  const afterGraph = side.sameGraph ? before : lateralDone ? attackGraphOf(side.after) : undefined;
  const report = whatIfReport({
    label: side.label,
    before: base.compiled,
    after: side.after.compiled,
    diff: side.diff,
    targets: base.targets,
    targetOption: 'target',
    ...(base.flows.length > 0 ? { flows: base.flows.flatMap((f) => f.flows.edges) } : {}),
    // One graph on both sides compares nothing (diffLateralMovement returns at once): the deferred part.
    attackGraphs: { before, after: afterGraph ?? before },
    // A change to policies of kinds Lateral does not evaluate: its effect is unknown (a 400), never "no changes".
    loads: { before: base.load, after: side.after.load },
  });
  return { report, ...(afterGraph ? { afterGraph } : {}), lateralDone };
}

/** The changed cluster as a session of its own (recompiled from the base), and the whole report. */
export function whatIf(base: Session, req: WhatIfRequest): { report: WhatIfReport; after: Session; afterGraph: AttackGraph } {
  const side = changedSide(base, req);
  const { report, afterGraph } = reportOf(base, side);
  // The after graph goes with the report, so a foothold asked of it (heavy-jobs.ts) reuses it.
  return { report, after: side.after, afterGraph: afterGraph! };
}
