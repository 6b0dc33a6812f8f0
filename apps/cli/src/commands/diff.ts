import { evalFlags, resolveEvalOptions } from '../cni-profile.js';
import { InputError, recompile, compile, type EvalOptions } from '@lateral/core';
import { FAIL_ON, formatWhatIf, WHAT_IF_FORMATS, whatIfReport, type FailOn } from '@lateral/analysis';
import { FLOW_FORMATS, type FlowFormat } from '@lateral/flows';
import { readFlowsOption } from '../flows-input.js';
import { clusterFromObjects, hasPluginKinds, readInputs, type LoadResult, type SourceObject } from '@lateral/k8s';
import { COMMON_INPUT_OPTIONS, COMMON_INPUT_OPTIONS_HELP, oneOf, parse, requireInputs, str, type OptionSpec, type Parsed } from '../args.js';
import { EXIT_CHECK_FAILED, UsageError } from '../cli-error.js';
import { clusterSourceOf } from '../cluster-input.js';
import { err, out, progress, progressDone, type CliIo } from '../io.js';
import { reportLoad, resolveKubeconfig } from '../load.js';
import { allWarnings, mergeWarnings, outAnswer, warningsOf } from '../answer.js';
import { spreadMulti } from './generate.js';

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
                        opened or shortened), shorter-paths (only shortened: fewer moves),
                        unknown (the change adds, removes or edits a policy of a kind Lateral
                        does not evaluate, e.g. CiliumNetworkPolicy: its effect is unknown;
                        without it such a change alone is an error, exit 2)
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
    const { readCluster } = await import('@lateral/k8s/live');
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

export interface Sides {
  readonly before: LoadResult;
  readonly after: LoadResult;
  /** What the after side is, in one line (files, applied objects). */
  readonly label: string;
}

export interface WhatIfChoices {
  readonly format: (typeof WHAT_IF_FORMATS)[number];
  readonly failOn: FailOn[];
  readonly flowFormat: FlowFormat | undefined;
}

/** The report options, checked before any input is read: a typo should not wait for a big cluster. */
export function whatIfChoices(p: Parsed, flowFiles: string[] | undefined): WhatIfChoices {
  const format = oneOf(p, 'format', WHAT_IF_FORMATS, 'txt');
  const failOn = failOnOption(p);
  const flowFormat = str(p, 'flow-format') === undefined ? undefined : oneOf(p, 'flow-format', FLOW_FORMATS, 'jsonl');
  if (failOn.includes('broken-flows') && !flowFiles?.length) throw new UsageError('--fail-on broken-flows needs --flows (observed traffic to check)');
  return { format, failOn, flowFormat };
}

/** Compiles both sides (the after side incrementally), builds the what-if report, prints it. */
export async function runWhatIf(io: CliIo, p: Parsed, choices: WhatIfChoices, sides: Sides, evalOptions: EvalOptions, flowFiles: string[] | undefined): Promise<number> {
  const { format, failOn, flowFormat } = choices;

  progress(io, 'compiling both sides…');
  const before = onSide('before', () => compile(sides.before.cluster, evalOptions));
  // The after side shares what the before side evaluated: only what the change touches is new.
  const after = onSide('after', () => recompile(before, sides.after.cluster, evalOptions));
  const flows = flowFiles?.length ? await readFlowsOption(io, flowFiles, flowFormat, { cluster: sides.before.cluster, compiled: before }, 'whatif') : undefined;
  const warnings = mergeWarnings(warningsOf(sides.before), warningsOf(sides.after));
  const report = whatIfReport({
    label: sides.label,
    before,
    after,
    targets: (p.values.target as string[] | undefined) ?? [],
    ...(flows ? { flows: flows.edges } : {}),
    failOn,
    loads: { before: sides.before, after: sides.after },
    warnings: allWarnings(warnings),
    onStep: (step) => progress(io, `${step}…`),
  });
  progressDone(io);
  const text = formatWhatIf(report, format);
  if (format === 'json') out(io, text);
  else outAnswer(io, format, text, { answer: [...(report.unknownEffect ? [report.unknownEffect] : []), ...warnings.answer], other: [] });
  if (report.failed.length > 0) err(io, `lateral: --fail-on: found ${report.failed.join(', ')}`);
  return report.failed.length > 0 ? EXIT_CHECK_FAILED : 0;
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
  const flags = evalFlags(p);
  const before = await onSideAsync('before', async () => clusterFromObjects(await readObjects(io, beforeInputs)));
  const after = await onSideAsync('after', async () => clusterFromObjects(await readObjects(io, afterInputs)));
  reportLoad(io, before);
  reportLoad(io, after);
  // One profile for both sides: detected from the side that has the plugin's kinds.
  const evalOptions = resolveEvalOptions(io, flags, hasPluginKinds(before) || !hasPluginKinds(after) ? before : after);
  return runWhatIf(io, p, choices, { before, after, label: afterInputs.join(' ') }, evalOptions, flowFiles);
}
