import { evalFlags } from '../cni-profile.js';
import { InputError, type NetworkPolicy } from '@lateral/core';
import { FLOW_FORMATS } from '@lateral/flows';
import { auditFlows, type AuditFinding } from '@lateral/generator';
import { loadCluster } from '@lateral/k8s';
import { COMMON_INPUT_OPTIONS, COMMON_INPUT_OPTIONS_HELP, oneOf, parse, requireInputs, str, type OptionSpec } from '../args.js';
import { EXIT_CHECK_FAILED, UsageError } from '../cli-error.js';
import { out, type CliIo } from '../io.js';
import { jsonWithWarnings, outAnswer, warningsOf } from '../answer.js';
import { loadAndCompile } from '../load.js';
import { spreadMulti } from './generate.js';
import { readFlowsOption } from '../flows-input.js';

export const AUDIT_HELP = `lateral audit INPUTS... --flows FILES... [--baseline POLICIES...] [--format txt|json]

The runtime anomaly check: observed traffic held against policy. Lists
  DENIED    observed flows the inputs' current policies deny,
  DROPPED   observed flows the network reported as dropped (Hubble verdict DROPPED),
  OUTSIDE   with --baseline: observed flows the baseline denies. The baseline is the
            inputs' policies plus the baseline files' NetworkPolicies, as they will be in
            force once applied (what lateral generate writes only adds to the existing
            policies); --baseline-replaces evaluates the baseline files' policies alone.
Exit 1 when anything is listed.

Options:
  --flows FILES...        captures (Hubble JSON, Inspektor Gadget, CSV, JSONL); - for stdin
  --flow-format F         ${FLOW_FORMATS.join('|')} (default: detected per file)
  --baseline FILES...     manifests whose NetworkPolicies are the baseline (files or dirs)
  --baseline-replaces     the baseline is a complete policy set: evaluate it instead of the
                          inputs' policies, not on top of them
  -o, --format txt|json   json: {edges, records, denied, dropped, outsideBaseline, found};
                          a finding an Admin-tier Deny closes carries blockedBy (the rule)

INPUTS come before --flows and --baseline.

${COMMON_INPUT_OPTIONS_HELP}`;

export const AUDIT_OPTIONS: OptionSpec = {
  ...COMMON_INPUT_OPTIONS,
  flows: { type: 'string', multiple: true },
  'flow-format': { type: 'string' },
  baseline: { type: 'string', multiple: true },
  'baseline-replaces': { type: 'boolean' },
  format: { type: 'string', short: 'o' },
};

function line(tag: string, f: AuditFinding): string {
  const seen = f.lastSeen ? `, last ${f.lastSeen}` : '';
  const dropped = f.dropped > 0 ? `, ${f.dropped} dropped` : '';
  const why = f.blockedBy ? `: blocked by ${f.blockedBy} (Admin tier: no NetworkPolicy can open it)` : f.reason ? `: ${f.reason}` : '';
  return `${tag.padEnd(8)}${f.from} -> ${f.to} ${f.protocol} ${f.port} (${f.count} flow${f.count === 1 ? '' : 's'}${dropped}${seen})${why}`;
}

/** Which of the command's file sets an input error is about. */
async function onBaseline<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`--baseline: ${e.message}`);
    throw e;
  }
}

export async function auditCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(spreadMulti(argv, ['flows', 'baseline']), AUDIT_OPTIONS);
  if (p.values.help) return out(io, AUDIT_HELP), 0;
  const format = oneOf(p, 'format', ['txt', 'json'] as const, 'txt');
  const flowFormat = str(p, 'flow-format') === undefined ? undefined : oneOf(p, 'flow-format', FLOW_FORMATS, 'jsonl');
  const inputs = requireInputs(p, 'audit');
  const flowFiles = p.values.flows as string[] | undefined;
  const baselineFiles = p.values.baseline as string[] | undefined;
  if (baselineFiles?.includes('-')) throw new UsageError('--baseline takes files or directories, not -');
  if (flowFiles?.includes('-') && inputs.includes('-')) throw new UsageError('stdin (-) can feed the inputs or the flows, not both');

  const loaded = await loadAndCompile(io, inputs, evalFlags(p));
  const evalOptions = loaded.compiled.options;
  // The baseline before the flows: a wrong baseline path should not wait for a capture to be read.
  let baseline: readonly NetworkPolicy[] | undefined;
  if (baselineFiles && baselineFiles.length > 0) {
    baseline = await onBaseline(async () => (await loadCluster(baselineFiles, { cwd: io.cwd })).cluster.policies);
    // No policy allows everything: "0 outside the baseline" would be an answer about nothing.
    if (baseline.length === 0) throw new InputError(`--baseline: no NetworkPolicy in ${baselineFiles.join(', ')}`);
  }
  const flows = await readFlowsOption(io, flowFiles, flowFormat, { cluster: loaded.load.cluster, compiled: loaded.compiled }, 'audit');
  const replaces = p.values['baseline-replaces'] === true;
  if (replaces && !baseline) throw new UsageError('--baseline-replaces needs --baseline FILES...');
  const audit = auditFlows(loaded.load.cluster, flows, { evalOptions, ...(baseline ? { baseline, baselineMode: replaces ? 'replace' : 'add' } : {}) });

  const warnings = warningsOf(loaded.load);
  if (format === 'json') {
    out(io, jsonWithWarnings(audit, warnings));
  } else {
    const lines = [
      ...audit.denied.map((f) => line('DENIED', f)),
      ...audit.dropped.map((f) => line('DROPPED', f)),
      ...(audit.outsideBaseline ?? []).map((f) => line('OUTSIDE', f)),
    ];
    const parts = [`${audit.denied.length} denied by current policies`, `${audit.dropped.length} dropped by the network`];
    if (audit.outsideBaseline) {
      const what = replaces ? `${baseline!.length} policies` : `the inputs' ${loaded.load.cluster.policies.length} policies + ${baseline!.length}`;
      parts.push(`${audit.outsideBaseline.length} outside the baseline (${what})`);
    }
    lines.push(`${audit.edges} observed connections (${audit.records} flows): ${parts.join(', ')}`);
    outAnswer(io, format, lines.join('\n'), warnings);
  }
  return audit.found ? EXIT_CHECK_FAILED : 0;
}
