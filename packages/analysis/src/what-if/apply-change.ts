/**
 * A change as `kubectl apply` and `kubectl delete` would make it: an applied object replaces the
 * object of the same kind, namespace and name, or is added; a deleted one is taken out. The CLI
 * (`lateral whatif --apply --delete`) and the web what-if (pasted YAML, policies switched off)
 * both describe their change this way.
 */
import { InputError, type NetworkPolicy } from '@lateral/core';
import { CALICO_GROUPS, CALICO_KINDS, clusterFromObjects, groupOf, isClusterScoped, UNEVALUATED_POLICY_KINDS, type LoadResult, type SourceObject } from '@lateral/k8s';
import { closestHint } from '../closest.js';

/** Groups whose kinds are named by the kind alone (`networkpolicy`, `deployment`), as kubectl does. */
const PLAIN_GROUPS = new Set(['', 'networking.k8s.io', 'apps', 'batch', 'extensions', 'policy.networking.k8s.io']);

/** Lowercase (and group-qualified) spellings of the cluster-scoped kinds, for KIND/NAME. */
const CLUSTER_SCOPED_REFS = new Set([
  'namespace',
  'node',
  'clusternetworkpolicy',
  'adminnetworkpolicy',
  'baselineadminnetworkpolicy',
  ...UNEVALUATED_POLICY_KINDS.filter((k) => k.clusterScoped).map((k) => `${k.kind.toLowerCase()}.${k.group}`),
  ...Object.entries(CALICO_KINDS)
    .filter(([, k]) => k.clusterScoped)
    .flatMap(([kind]) => CALICO_GROUPS.map((g) => `${kind.toLowerCase()}.${g}`)),
]);

/** An object's identity: lower-case kind, namespace ('' for cluster-scoped kinds), name. */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/**
 * An object's identity for --apply and --delete. Kinds of other groups carry their group, as in
 * `kubectl delete networkpolicy.projectcalico.org/...`: Calico's NetworkPolicy must not replace
 * the networking.k8s.io one of the same name.
 */
function refOf(o: SourceObject): ObjectRef | undefined {
  const obj = o.obj as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  if (typeof obj.kind !== 'string' || typeof obj.metadata?.name !== 'string') return undefined;
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : undefined;
  const group = groupOf(apiVersion);
  const kind = PLAIN_GROUPS.has(group) ? obj.kind.toLowerCase() : `${obj.kind.toLowerCase()}.${group}`;
  const namespace = isClusterScoped(obj.kind, apiVersion) ? '' : typeof obj.metadata.namespace === 'string' && obj.metadata.namespace ? obj.metadata.namespace : 'default';
  return { kind, namespace, name: obj.metadata.name };
}

function refKey(r: ObjectRef): string {
  return `${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/** `Kind/namespace/name` as the object spells its kind. */
export function displayRef(o: SourceObject): string {
  const r = refOf(o);
  if (!r) return '(unnamed object)';
  return `${(o.obj as { kind: string }).kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/** `KIND/NAMESPACE/NAME` (or `KIND/NAME` for a Namespace); `what` names the option or field in the error. */
export function parseObjectRef(text: string, what = '--delete'): ObjectRef {
  const parts = text.split('/');
  const kind = parts[0]?.toLowerCase() ?? '';
  if (parts.length === 2 && parts[1] && CLUSTER_SCOPED_REFS.has(kind)) return { kind, namespace: '', name: parts[1] };
  if (parts.length !== 3 || parts.some((x) => x === '')) {
    throw new InputError(`${what} "${text}": write KIND/NAMESPACE/NAME (or KIND/NAME for a Namespace), e.g. networkpolicy/shop/default-deny`);
  }
  return { kind, namespace: parts[1]!, name: parts[2]! };
}

export interface ObjectChange {
  /** Objects to apply, in order. */
  readonly applied: readonly SourceObject[];
  /** `KIND/NAMESPACE/NAME` of objects to delete. */
  readonly deletes: readonly string[];
  /** How the deletes were given, for messages (default `--delete`). */
  readonly deleteOption?: string;
}

/** The inputs with the applied objects put in and the deleted ones taken out, in input order. */
export function applyChange(objects: readonly SourceObject[], change: ObjectChange): { objects: SourceObject[]; policyOnly: boolean } {
  const what = change.deleteOption ?? '--delete';
  const byKey = new Map<string, number>();
  objects.forEach((o, i) => {
    const r = refOf(o);
    if (r) byKey.set(refKey(r), i);
  });
  const result: (SourceObject | undefined)[] = [...objects];
  let policyOnly = true;
  const deleted = new Set<string>();
  for (const d of change.deletes) {
    const ref = parseObjectRef(d, what);
    // Deleting one object twice (in any spelling of its kind) is deleting it; the second
    // would otherwise find it gone and call it missing.
    if (deleted.has(refKey(ref))) continue;
    deleted.add(refKey(ref));
    const at = byKey.get(refKey(ref));
    if (at === undefined || result[at] === undefined) {
      const hint = closestHint(refKey(ref), objects.flatMap((o) => (refOf(o) ? [refKey(refOf(o)!)] : [])));
      throw new InputError(`${what} "${d}": no such object in the inputs${hint}`);
    }
    if (ref.kind !== 'networkpolicy') policyOnly = false;
    result[at] = undefined;
  }
  for (const o of change.applied) {
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

/**
 * The loaded cluster after the change (`changed` from applyChange). When only policies change, pods, namespaces and
 * workloads stay the very same objects (and so does every policy the change leaves as it was),
 * which is what lets the incremental compile and the diff skip everything the change cannot
 * touch.
 */
export function changedLoad(before: LoadResult, changed: { readonly objects: readonly SourceObject[]; readonly policyOnly: boolean }): LoadResult {
  if (!changed.policyOnly) return clusterFromObjects([...changed.objects]);
  const policies: readonly NetworkPolicy[] = clusterFromObjects(changed.objects.filter((o) => (o.obj as { kind?: unknown }).kind === 'NetworkPolicy')).cluster.policies;
  const unchanged = new Map(before.cluster.policies.map((q) => [`${q.namespace}/${q.name}`, q]));
  const sameOrNew = policies.map((q) => {
    const old = unchanged.get(`${q.namespace}/${q.name}`);
    return old && JSON.stringify(old) === JSON.stringify(q) ? old : q;
  });
  return { ...before, cluster: { ...before.cluster, policies: sameOrNew } };
}

/** The change in one line, e.g. `apply NetworkPolicy/shop/x, delete networkpolicy/shop/y`. */
export function changeLabel(change: ObjectChange): string {
  return [...change.applied.map((o) => `apply ${displayRef(o)}`), ...change.deletes.map((d) => `delete ${d}`)].join(', ');
}
