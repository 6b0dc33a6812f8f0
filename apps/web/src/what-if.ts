/**
 * What a change does, over HTTP: the request names a change as `lateral whatif` does (YAML to
 * apply — any kind Lateral reads — and objects to delete or policies to switch off); the
 * cluster with the change made is recompiled from the loaded one, and the report is
 * @lateral/analysis's, so `POST /api/what-if` answers exactly `lateral whatif --format json`.
 */
import { changedLoad, applyChange, changeLabel, whatIfReport, type ObjectChange, type WhatIfFormat, type WhatIfReport } from '@lateral/analysis';
import { diffReachability, type AttackGraph } from '@lateral/core';
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

/** The changed cluster as a session of its own (recompiled from the base), and the report. */
export function whatIf(base: Session, req: WhatIfRequest): { report: WhatIfReport; after: Session; afterGraph: AttackGraph } {
  const change = changeOf(req);
  // No change: the loaded cluster is its own "after", compiled once at start.
  const empty = change.applied.length === 0 && change.deletes.length === 0;
  const changed = empty ? { objects: [...base.objects], policyOnly: true } : applyChange(base.objects, change);
  const after = empty ? base : sessionFromCluster(base.label, changed.objects, changedLoad(base.load, changed), base.options, base.flows, base.targets, base.compiled);
  // A policy change that moves no connection leaves the attack graph as it was (its other
  // moves come from pods, nodes and tokens, which a policy does not touch): reuse it.
  const sameGraph = empty || (changed.policyOnly && diffReachability(base.compiled, after.compiled).changes.length === 0);
  const afterGraph = sameGraph ? attackGraphOf(base) : attackGraphOf(after);
  const report = whatIfReport({
    label: changeLabel(change) || 'no change',
    before: base.compiled,
    after: after.compiled,
    targets: base.targets,
    targetOption: 'target',
    ...(base.flows.length > 0 ? { flows: base.flows.flatMap((f) => f.flows.edges) } : {}),
    attackGraphs: { before: attackGraphOf(base), after: afterGraph },
    // A change to policies of kinds Lateral does not evaluate: its effect is unknown (a 400), never "no changes".
    loads: { before: base.load, after: after.load },
  });
  // The after graph goes with the report, so a foothold asked of it (heavy-jobs.ts) reuses it.
  return { report, after, afterGraph };
}
