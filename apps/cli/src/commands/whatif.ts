import { InputError, type NetworkPolicy } from '@lateral/core';
import { clusterFromObjects, readInputs, type LoadResult, type SourceObject } from '@lateral/k8s';
import { COMMON_INPUT_OPTIONS_HELP, ipBlockPodsOption, parse, requireInputs, type OptionSpec } from '../args.js';
import { UsageError } from '../cli-error.js';
import { out, type CliIo } from '../io.js';
import { reportLoad } from '../load.js';
import { closest } from '../resolve.js';
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

const CLUSTER_SCOPED = new Set(['namespace', 'node', 'clusternetworkpolicy', 'adminnetworkpolicy', 'baselineadminnetworkpolicy']);

interface Ref {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

function refOf(o: SourceObject): Ref | undefined {
  const obj = o.obj as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  if (typeof obj.kind !== 'string' || typeof obj.metadata?.name !== 'string') return undefined;
  const kind = obj.kind.toLowerCase();
  const namespace = CLUSTER_SCOPED.has(kind) ? '' : typeof obj.metadata.namespace === 'string' && obj.metadata.namespace ? obj.metadata.namespace : 'default';
  return { kind, namespace, name: obj.metadata.name };
}

function refKey(r: Ref): string {
  return `${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

function displayRef(o: SourceObject): string {
  const r = refOf(o)!;
  const kind = (o.obj as { kind: string }).kind;
  return `${kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

function parseDelete(text: string): Ref {
  const parts = text.split('/');
  const kind = parts[0]?.toLowerCase() ?? '';
  if (CLUSTER_SCOPED.has(kind) && parts.length === 2 && parts[1]) return { kind, namespace: '', name: parts[1] };
  if (parts.length !== 3 || parts.some((x) => x === '')) {
    throw new UsageError(`--delete "${text}": write KIND/NAMESPACE/NAME (or KIND/NAME for a Namespace), e.g. networkpolicy/shop/default-deny`);
  }
  return { kind, namespace: parts[1]!, name: parts[2]! };
}

/** The inputs with the applied objects put in and the deleted ones taken out, in input order. */
export function applyChange(objects: readonly SourceObject[], applied: readonly SourceObject[], deletes: readonly string[]): { objects: SourceObject[]; policyOnly: boolean } {
  const byKey = new Map<string, number>();
  objects.forEach((o, i) => {
    const r = refOf(o);
    if (r) byKey.set(refKey(r), i);
  });
  const result: (SourceObject | undefined)[] = [...objects];
  let policyOnly = true;
  const deleted = new Set<string>();
  for (const d of deletes) {
    const ref = parseDelete(d);
    // Deleting one object twice (in any spelling of its kind) is deleting it; the second
    // would otherwise find it gone and call it missing.
    if (deleted.has(refKey(ref))) continue;
    deleted.add(refKey(ref));
    const at = byKey.get(refKey(ref));
    if (at === undefined || result[at] === undefined) {
      const hint = closest(refKey(ref), objects.flatMap((o) => (refOf(o) ? [refKey(refOf(o)!)] : [])));
      throw new InputError(`--delete "${d}": no such object in the inputs${hint.length ? `; closest: ${hint.join(', ')}` : ''}`);
    }
    if (ref.kind !== 'networkpolicy') policyOnly = false;
    result[at] = undefined;
  }
  for (const o of applied) {
    const r = refOf(o);
    if (!r) continue; // clusterFromObjects names what is wrong with it
    if (r.kind !== 'networkpolicy') policyOnly = false;
    const at = byKey.get(refKey(r));
    if (at !== undefined) result[at] = o;
    else {
      byKey.set(refKey(r), result.length);
      result.push(o);
    }
  }
  return { objects: result.filter((o): o is SourceObject => o !== undefined), policyOnly };
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
  for (const d of deletes) parseDelete(d);
  const evalOptions = { ipBlockPods: ipBlockPodsOption(p) };

  const objects = await onSideAsync('before', () => readObjects(io, inputs));
  const before = onSide('before', () => clusterFromObjects(objects));
  reportLoad(io, before);
  const applied = await onSideAsync('after', () => readInputs(applyFiles, { stdin: io.stdin, cwd: io.cwd }));
  const change = applyChange(objects, applied, deletes);
  let after: LoadResult;
  if (change.policyOnly) {
    // Only policies change: pods, namespaces and workloads stay the very same objects, which is
    // what lets the incremental compile and the diff skip everything the change cannot touch.
    const policies: readonly NetworkPolicy[] = onSide('after', () => clusterFromObjects(change.objects.filter((o) => (o.obj as { kind?: unknown }).kind === 'NetworkPolicy'))).cluster.policies;
    const unchanged = new Map(before.cluster.policies.map((q) => [`${q.namespace}/${q.name}`, q]));
    const sameOrNew = policies.map((q) => {
      const old = unchanged.get(`${q.namespace}/${q.name}`);
      return old && JSON.stringify(old) === JSON.stringify(q) ? old : q;
    });
    after = { ...before, cluster: { ...before.cluster, policies: sameOrNew } };
  } else {
    after = onSide('after', () => clusterFromObjects(change.objects));
  }
  const label = [...applied.map((o) => `apply ${displayRef(o)}`), ...deletes.map((d) => `delete ${d}`)].join(', ');
  return runWhatIf(io, p, choices, { before, after, label }, evalOptions, flowFiles);
}
