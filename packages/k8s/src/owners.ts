import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { InputError, type WorkloadRef } from '@lateral/core';
import type { ObjectRef } from './object-ref.js';
import { isMapping, list, optBool, optMapping, optString } from './raw-fields.js';

/** An object of the input, as the owner walk sees it. */
export interface OwnedObject {
  readonly ref: ObjectRef;
  readonly obj: { metadata?: V1ObjectMeta };
}

/** Where a pod or workload manifest belongs: the top of its ownerReferences chain. */
export interface TopOwner {
  readonly workload: WorkloadRef;
  /** The top-level object when it is in the input; absent when the chain leaves the input. */
  readonly object?: OwnedObject;
}

/**
 * The owner an object's ownerReferences name: the controller reference (controller: true)
 * when there is one, as the garbage collector and `kubectl` do, otherwise the first.
 */
export function ownerReference(o: OwnedObject): { kind: string; name: string } | undefined {
  const meta = optMapping(o.obj.metadata, 'metadata');
  const refs = list(meta?.ownerReferences, 'metadata.ownerReferences').map((r, i) => {
    // The usual reference, read without building its field paths (a pod of a large cluster has one).
    if (isMapping(r) && typeof r.kind === 'string' && r.kind && typeof r.name === 'string' && r.name) {
      const c = r.controller;
      if (c === undefined || c === null || typeof c === 'boolean') return { kind: r.kind, name: r.name, controller: c ?? false };
    }
    const f = `metadata.ownerReferences[${i}]`;
    const ref = optMapping(r, f) ?? ({} as V1OwnerReference);
    const kind = optString(ref.kind, `${f}.kind`);
    const name = optString(ref.name, `${f}.name`);
    if (!kind) throw new InputError('owner reference needs a kind', { field: `${f}.kind` });
    if (!name) throw new InputError('owner reference needs a name', { field: `${f}.name` });
    return { kind, name, controller: optBool(ref.controller, `${f}.controller`) ?? false };
  });
  const chosen = refs.find((r) => r.controller) ?? refs[0];
  // A static pod's mirror is "owned" by its Node; the pods of one node are not one workload.
  if (!chosen || chosen.kind === 'Node') return undefined;
  return { kind: chosen.kind, name: chosen.name };
}

export function objectKey(kind: string, namespace: string, name: string): string {
  // One flat string (a template's is a chain of pieces): it is kept as a map key per object.
  return [kind, namespace, name].join('\u0000');
}

/**
 * Follows ownerReferences from `start` through objects of the input (owner references are
 * namespace-local) to the top: the last object in the input, or, where the chain leaves the
 * input, the owner the last reference names. A cycle stops the walk (see below) and is
 * reported through `warn`. `ownerOf` is ownerReference, usually cached.
 */
export function topOwner(
  start: OwnedObject,
  ownerOf: (o: OwnedObject) => { kind: string; name: string } | undefined,
  lookup: (key: string) => OwnedObject | undefined,
  warn: (message: string) => void,
): TopOwner {
  const path: OwnedObject[] = [start];
  let cur = start;
  for (;;) {
    const owner = ownerOf(cur);
    if (!owner) return { workload: workloadRefOf(cur.ref), object: cur };
    const ns = cur.ref.namespace;
    const next = lookup(objectKey(owner.kind, ns, owner.name));
    if (!next) return { workload: { kind: owner.kind, namespace: ns, name: owner.name } };
    const at = path.indexOf(next);
    if (at >= 0) {
      // Every member of the cycle must resolve to the same top, wherever the walk entered it:
      // take the member whose label sorts first.
      const cycle = path.slice(at);
      const top = cycle.reduce((a, b) => (b.ref.label < a.ref.label ? b : a));
      const i = cycle.indexOf(top);
      const fromTop = [...cycle.slice(i), ...cycle.slice(0, i), top];
      warn(
        `ownerReferences form a cycle (${fromTop.map((o) => o.ref.label).join(' -> ')}); ` +
          `${top.ref.label} taken as the top-level owner`,
      );
      return { workload: workloadRefOf(top.ref), object: top };
    }
    path.push(next);
    cur = next;
  }
}

function workloadRefOf(ref: ObjectRef): WorkloadRef {
  return { kind: ref.kind, namespace: ref.namespace, name: ref.name };
}
