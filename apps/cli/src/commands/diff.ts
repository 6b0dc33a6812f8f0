import {
  buildAttackGraph,
  crownJewels,
  diffLateralMovement,
  diffReachability,
  explainConnection,
  InputError,
  isEmptyProtoPorts,
  rangesContain,
  recompile,
  compile,
  type CompiledCluster,
  type Endpoint,
  type EvalOptions,
  type LateralMovementDiff,
  type Pod,
  type ReachDiff,
} from '@lateral/core';
import { FLOW_FORMATS, type FlowEdge, type FlowEndpoint, type FlowFormat } from '@lateral/flows';
import { readFlowsOption } from '../flows-input.js';
import { clusterFromObjects, readCluster, readInputs, type LoadResult, type SourceObject } from '@lateral/k8s';
import { COMMON_INPUT_OPTIONS, COMMON_INPUT_OPTIONS_HELP, ipBlockPodsOption, oneOf, parse, requireInputs, str, type OptionSpec, type Parsed } from '../args.js';
import { EXIT_CHECK_FAILED, UsageError } from '../cli-error.js';
import { clusterSourceOf } from '../cluster-input.js';
import { formatWhatIf, type BrokenFlow, type WhatIfReport } from '../format/what-if-format.js';
import { err, out, progress, progressDone, type CliIo } from '../io.js';
import { reportLoad, resolveKubeconfig } from '../load.js';
import { spreadMulti } from './generate.js';

export const FAIL_ON = ['broken-flows', 'new-exposure', 'new-paths', 'shorter-paths'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export const WHAT_IF_OPTIONS: OptionSpec = {
  ...COMMON_INPUT_OPTIONS,
  flows: { type: 'string', multiple: true },
  'flow-format': { type: 'string' },
  target: { type: 'string', multiple: true },
  'fail-on': { type: 'string', multiple: true },
  format: { type: 'string', short: 'o' },
};

export const WHAT_IF_OPTIONS_HELP = `  --flows FILES...      observed traffic (Hubble JSON, Inspektor Gadget, CSV, JSONL): list the
                        observed flows the change would break, with the policy that denies them
  --flow-format F       ${FLOW_FORMATS.join('|')} (default: detected per file)
  --target SEL          crown jewels for the path check (repeatable; as in lateral paths);
                        workloads annotated lateral.dev/crown-jewel: "true" always count
  --fail-on LIST        exit 1 when any is found: broken-flows, new-exposure (a connection newly
                        allowed into a workload from outside the cluster or from another
                        namespace), new-paths (a route from an entry point to a crown jewel
                        opened or shortened), shorter-paths (only shortened: fewer moves)
  -o, --format txt|json|csv|md
                        md: a pull-request comment`;

export const DIFF_HELP = `lateral diff BEFORE... --after AFTER... [options]

What changes between two sets of manifests: connections newly allowed, newly denied and with
changed ports (per workload pair, with the rule that now allows or the policy that now
denies), workloads whose blast radius changed, and per entry point and crown jewel the routes
opened (a new entry point, or a route taking a move that did not exist), shortened (fewer
moves) or closed. BEFORE and AFTER are files, directories or - (one side only); --cluster reads the
live cluster as BEFORE.
  --after AFTER...      the manifests to compare with (files, directories or -)
${WHAT_IF_OPTIONS_HELP}

Exit codes: 0 ok, 1 a --fail-on finding is present, 2 usage or input error (naming the side).

${COMMON_INPUT_OPTIONS_HELP}`;

export const DIFF_OPTIONS: OptionSpec = { ...WHAT_IF_OPTIONS, after: { type: 'string', multiple: true } };

/** Where a side's input error came from, in front of the file:line the loader names. */
export function onSide<T>(side: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${side}: ${e.message}`);
    throw e;
  }
}

export async function onSideAsync<T>(side: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${side}: ${e.message}`);
    throw e;
  }
}

/** Manifest objects of the inputs (or of the live cluster with --cluster). */
export async function readObjects(io: CliIo, inputs: string[]): Promise<SourceObject[]> {
  const live = clusterSourceOf(inputs);
  if (live) {
    progress(io, 'reading the cluster…');
    const read = await readCluster(resolveKubeconfig(io, live));
    for (const w of read.warnings) err(io, `lateral: warning: ${w}`);
    return read.objects as SourceObject[];
  }
  return readInputs(inputs, { stdin: io.stdin, cwd: io.cwd });
}

export function failOnOption(p: Parsed): FailOn[] {
  const raw = p.values['fail-on'];
  const list = (Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const f of list) {
    if (!(FAIL_ON as readonly string[]).includes(f)) throw new UsageError(`--fail-on takes ${FAIL_ON.join(', ')} (got "${f}")`);
  }
  return [...new Set(list)] as FailOn[];
}

function flowEndpoint(c: CompiledCluster, e: FlowEndpoint, pod: Pod | undefined): Endpoint {
  return e.kind === 'pod' ? { kind: 'pod', pod: pod ?? c.cluster.pods[e.pod]! } : { kind: 'ip', ip: e.ip };
}

/** Allowed on one compiled side: a pod to itself always; two outside addresses always. */
function flowAllowed(c: CompiledCluster, src: number | string, dst: number | string, e: FlowEdge): boolean {
  if (typeof src === 'string' && typeof dst === 'string') return true;
  if (typeof src === 'number' && src === dst && (c.cluster.pods[src]?.replicas ?? 1) <= 1) return true;
  const node = (x: number | string) => (typeof x === 'number' ? c.podClass[x]! : c.classCount + c.externalOf(x));
  return rangesContain(c.reach().ports(node(src), node(dst))[e.protocol], e.port);
}

/**
 * Observed flows allowed before and denied after, each with the policy that now denies it. A
 * flow whose pod is gone after the change is broken too (nothing is left to receive it).
 */
function brokenFlows(before: CompiledCluster, after: CompiledCluster, edges: readonly FlowEdge[]): BrokenFlow[] {
  const same = before.cluster.pods === after.cluster.pods;
  const afterIndex = same ? undefined : new Map(after.cluster.pods.map((p, i) => [`${p.namespace}/${p.name}`, i]));
  const onAfter = (e: FlowEndpoint): number | string | undefined => {
    if (e.kind === 'ip') return e.ip;
    if (same) return e.pod;
    const p = before.cluster.pods[e.pod]!;
    return afterIndex!.get(`${p.namespace}/${p.name}`);
  };
  const out: BrokenFlow[] = [];
  for (const e of edges) {
    const bs = e.src.kind === 'pod' ? e.src.pod : e.src.ip;
    const bd = e.dst.kind === 'pod' ? e.dst.pod : e.dst.ip;
    if (!flowAllowed(before, bs, bd, e)) continue;
    const as = onAfter(e.src);
    const ad = onAfter(e.dst);
    const label = (x: FlowEndpoint) => (x.kind === 'pod' ? x.workload : x.ip);
    const base = { from: label(e.src), to: label(e.dst), protocol: e.protocol, port: e.port, count: e.count, ...(e.lastSeen ? { lastSeen: e.lastSeen } : {}) };
    if (as === undefined || ad === undefined) {
      out.push({ ...base, deniedBy: [], reason: `${as === undefined ? base.from : base.to} is not in the changed cluster` });
      continue;
    }
    if (flowAllowed(after, as, ad, e)) continue;
    const x = explainConnection(
      after.cluster,
      flowEndpoint(after, e.src, typeof as === 'number' ? after.cluster.pods[as] : undefined),
      flowEndpoint(after, e.dst, typeof ad === 'number' ? after.cluster.pods[ad] : undefined),
      e.port,
      e.protocol,
      after.options,
    );
    const sides = x.denyingSides.map((s) => (s === 'egress' ? x.egress : x.ingress));
    out.push({
      ...base,
      deniedBy: [...new Set(sides.flatMap((s) => s.isolatingPolicies))].sort(),
      reason: x.denyingSides.map((s) => `${s} of ${(s === 'egress' ? x.egress : x.ingress).endpoint}: ${(s === 'egress' ? x.egress : x.ingress).reason}`).join('; '),
    });
  }
  return out;
}

export interface Sides {
  readonly before: LoadResult;
  readonly after: LoadResult;
  /** What the after side is, in one line (files, applied objects). */
  readonly label: string;
}

export interface WhatIfChoices {
  readonly format: 'txt' | 'json' | 'csv' | 'md';
  readonly failOn: FailOn[];
  readonly flowFormat: FlowFormat | undefined;
}

/** The report options, checked before any input is read: a typo should not wait for a big cluster. */
export function whatIfChoices(p: Parsed, flowFiles: string[] | undefined): WhatIfChoices {
  const format = oneOf(p, 'format', ['txt', 'json', 'csv', 'md'] as const, 'txt');
  const failOn = failOnOption(p);
  const flowFormat = str(p, 'flow-format') === undefined ? undefined : oneOf(p, 'flow-format', FLOW_FORMATS, 'jsonl');
  if (failOn.includes('broken-flows') && !flowFiles?.length) throw new UsageError('--fail-on broken-flows needs --flows (observed traffic to check)');
  return { format, failOn, flowFormat };
}

/** Compiles both sides (the after side incrementally), diffs them, checks flows and paths, prints. */
export async function runWhatIf(io: CliIo, p: Parsed, choices: WhatIfChoices, sides: Sides, evalOptions: EvalOptions, flowFiles: string[] | undefined): Promise<number> {
  const { format, failOn, flowFormat } = choices;

  progress(io, 'compiling both sides…');
  const before = onSide('before', () => compile(sides.before.cluster, evalOptions));
  // The after side shares what the before side evaluated: only what the change touches is new.
  const after = onSide('after', () => recompile(before, sides.after.cluster, evalOptions));
  progress(io, 'comparing…');
  const diff: ReachDiff = diffReachability(before, after);

  progress(io, 'lateral movement…');
  const agBefore = buildAttackGraph(before);
  const agAfter = buildAttackGraph(after);
  const targets = (p.values.target as string[] | undefined) ?? [];
  const jewelsOn = (ag: typeof agBefore) => crownJewels(ag, targets);
  const jb = jewelsOn(agBefore);
  const ja = jewelsOn(agAfter);
  const unmatched = targets.filter((t) => jb.unmatched.includes(t) && ja.unmatched.includes(t));
  if (unmatched.length > 0) throw new InputError(`--target "${unmatched[0]}" matches no workload on either side`);
  const lateral: LateralMovementDiff = diffLateralMovement(agBefore, agAfter, [...jb.jewels, ...ja.jewels]);

  let broken: BrokenFlow[] | undefined;
  if (flowFiles?.length) {
    const flows = await readFlowsOption(io, flowFiles, flowFormat, { cluster: sides.before.cluster, compiled: before }, 'whatif');
    broken = brokenFlows(before, after, flows.edges);
  }
  progressDone(io);

  // New exposure: ports newly open into a workload from outside the cluster or another namespace.
  const newExposure = diff.changes.filter((c) => !isEmptyProtoPorts(c.added) && !c.toExternal && (c.fromExternal || !c.sameNamespace));
  const report: WhatIfReport = {
    label: sides.label,
    diff,
    lateral,
    newExposure,
    ...(broken ? { brokenFlows: broken } : {}),
    failOn,
  };
  const found: Record<FailOn, boolean> = {
    'broken-flows': (broken?.length ?? 0) > 0,
    'new-exposure': newExposure.length > 0,
    'new-paths': lateral.paths.some((x) => x.change === 'opened' || x.change === 'shortened'),
    'shorter-paths': lateral.paths.some((x) => x.change === 'shortened'),
  };
  const failed = failOn.filter((f) => found[f]);
  out(io, formatWhatIf({ ...report, failed }, format));
  if (failed.length > 0) err(io, `lateral: --fail-on: found ${failed.join(', ')}`);
  return failed.length > 0 ? EXIT_CHECK_FAILED : 0;
}

export async function diffCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(spreadMulti(argv, ['after', 'flows']), DIFF_OPTIONS);
  if (p.values.help) return out(io, DIFF_HELP), 0;
  const beforeInputs = requireInputs(p, 'diff');
  const afterInputs = p.values.after as string[] | undefined;
  if (!afterInputs?.length) throw new UsageError('diff needs --after AFTER... (the manifests to compare with)');
  const flowFiles = p.values.flows as string[] | undefined;
  const stdinUsers = [beforeInputs.includes('-'), afterInputs.includes('-'), !!flowFiles?.includes('-')].filter(Boolean).length;
  if (stdinUsers > 1) throw new UsageError('stdin (-) can feed one of BEFORE, --after and --flows, not several');
  const choices = whatIfChoices(p, flowFiles);
  const evalOptions = { ipBlockPods: ipBlockPodsOption(p) };
  const before = await onSideAsync('before', async () => clusterFromObjects(await readObjects(io, beforeInputs)));
  const after = await onSideAsync('after', async () => clusterFromObjects(await readObjects(io, afterInputs)));
  reportLoad(io, before);
  reportLoad(io, after);
  return runWhatIf(io, p, choices, { before, after, label: afterInputs.join(' ') }, evalOptions, flowFiles);
}
