import { evalFlags, resolveEvalOptions } from '../cni-profile.js';
import { applyChange, changedLoad, changeLabel, parseObjectRef } from '@lateral/analysis';
import { InputError } from '@lateral/core';
import { clusterFromObjects, hasPluginKinds, readInputs } from '@lateral/k8s';
import { COMMON_INPUT_OPTIONS_HELP, parse, requireInputs, type OptionSpec } from '../args.js';
import { UsageError } from '../cli-error.js';
import { out, type CliIo } from '../io.js';
import { reportLoad } from '../load.js';
import { onSide, onSideAsync, readObjects, runWhatIf, whatIfChoices, WHAT_IF_OPTIONS, WHAT_IF_OPTIONS_HELP } from './diff.js';
import { spreadMulti } from './generate.js';

export const WHATIF_HELP = `lateral whatif INPUTS... --apply FILES... [--delete KIND/NAMESPACE/NAME]... [options]

What a change would do before it is applied: the INPUTS as they are against the INPUTS with
the change made, as kubectl apply and kubectl delete would make it — an applied object replaces
the object of the same kind, namespace and name, or is added; --delete removes one. Reports
what lateral diff reports.
  --apply FILES...      manifests to apply (files or directories; any kind Lateral reads)
  --delete REF          KIND/NAMESPACE/NAME (KIND/NAME for a Namespace), e.g.
                        networkpolicy/shop/default-deny-ingress; repeatable
${WHAT_IF_OPTIONS_HELP}

Exit codes: 0 ok, 1 a --fail-on finding is present, 2 usage or input error (naming the side).

${COMMON_INPUT_OPTIONS_HELP}`;

export const WHATIF_OPTIONS: OptionSpec = { ...WHAT_IF_OPTIONS, apply: { type: 'string', multiple: true }, delete: { type: 'string', multiple: true } };

/** A malformed --delete is a usage mistake, found before any input is read. */
function checkDelete(text: string): void {
  try {
    parseObjectRef(text, '--delete');
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message);
    throw e;
  }
}

export async function whatifCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(spreadMulti(argv, ['apply', 'flows']), WHATIF_OPTIONS);
  if (p.values.help) return out(io, WHATIF_HELP), 0;
  const inputs = requireInputs(p, 'whatif');
  const applyFiles = (p.values.apply as string[] | undefined) ?? [];
  const deletes = [...new Set((p.values.delete as string[] | undefined) ?? [])];
  if (applyFiles.length === 0 && deletes.length === 0) throw new UsageError('whatif needs a change: --apply FILES... and/or --delete KIND/NAMESPACE/NAME');
  const flowFiles = p.values.flows as string[] | undefined;
  const stdinUsers = [inputs.includes('-'), applyFiles.includes('-'), !!flowFiles?.includes('-')].filter(Boolean).length;
  if (stdinUsers > 1) throw new UsageError('stdin (-) can feed one of INPUTS, --apply and --flows, not several');
  const choices = whatIfChoices(p, flowFiles);
  for (const d of deletes) checkDelete(d);
  const flags = evalFlags(p);

  const objects = await onSideAsync('before', () => readObjects(io, inputs));
  const before = onSide('before', () => clusterFromObjects(objects));
  reportLoad(io, before);
  const applied = await onSideAsync('after', () => readInputs(applyFiles, { stdin: io.stdin, cwd: io.cwd }));
  const change = { applied, deletes };
  const changed = applyChange(objects, change);
  const after = onSide('after', () => changedLoad(before, changed));
  const label = changeLabel(change);
  // One profile for both sides: detected from the side that has a plugin's kinds.
  const evalOptions = resolveEvalOptions(io, flags, hasPluginKinds(before) || !hasPluginKinds(after) ? before : after);
  return runWhatIf(io, p, choices, { before, after, label }, evalOptions, flowFiles);
}
