import { describe, expect, it } from 'vitest';
import { InputError } from '@lateral/core';
import { clusterFromObjects, parseManifests } from '@lateral/k8s';
import { applyChange, changedLoad, changeLabel, parseObjectRef } from './apply-change.js';

const BASE = parseManifests(
  `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-in, namespace: shop}
spec: {podSelector: {matchLabels: {app: web}}, ingress: [{}]}
`,
  'base.yaml',
);
const names = (objs: readonly { obj: unknown }[]) => objs.map((o) => { const x = o.obj as { kind: string; metadata: { name: string } }; return `${x.kind}/${x.metadata.name}`; });

describe('a change as kubectl apply and delete make it', () => {
  it('replaces an object of the same kind, namespace and name in place, adds the rest, deletes by reference', () => {
    const applied = parseManifests('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: new, namespace: shop}\nspec: {podSelector: {}}\n', 'change.yaml');
    const change = { applied, deletes: ['NetworkPolicy/shop/web-in'] };
    const r = applyChange(BASE, change);
    expect(names(r.objects)).toEqual(['Namespace/shop', 'Pod/web', 'NetworkPolicy/deny', 'NetworkPolicy/new']);
    expect(r.objects[2]).toBe(applied[0]);
    expect(r.policyOnly).toBe(true);
    expect(changeLabel(change)).toBe('apply NetworkPolicy/shop/deny, apply NetworkPolicy/shop/new, delete NetworkPolicy/shop/web-in');
  });

  it('keeps the objects a policy-only change leaves alone, so the incremental compile can skip them', () => {
    const before = clusterFromObjects(BASE);
    const applied = parseManifests('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: new, namespace: shop}\nspec: {podSelector: {}}\n', 'change.yaml');
    const after = changedLoad(before, applyChange(BASE, { applied, deletes: [] }));
    expect(after.cluster.pods).toBe(before.cluster.pods);
    expect(after.cluster.policies.slice(0, 2)).toEqual(before.cluster.policies);
    expect(after.cluster.policies[0]).toBe(before.cluster.policies[0]);
    expect(after.cluster.policies.map((p) => p.name)).toEqual(['deny', 'web-in', 'new']);
    // A pod changes everything it is part of: the cluster is loaded again.
    const pod = applyChange(BASE, { applied: parseManifests('apiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: shop}\nspec: {containers: [{name: c, image: x}]}\n', 'p.yaml'), deletes: [] });
    expect(pod.policyOnly).toBe(false);
    expect(changedLoad(before, pod).cluster.pods.map((p) => p.name)).toEqual(['web', 'db']);
  });

  it('names a missing object with the closest existing ones, and a malformed reference with the form to use', () => {
    expect(() => applyChange(BASE, { applied: [], deletes: ['networkpolicy/shop/web-inn'], deleteOption: 'delete' })).toThrow(
      new InputError('delete "networkpolicy/shop/web-inn": no such object in the inputs; closest: networkpolicy/shop/web-in, networkpolicy/shop/deny, pod/shop/web'),
    );
    expect(() => parseObjectRef('shop/web')).toThrow(/--delete "shop\/web": write KIND\/NAMESPACE\/NAME/);
    expect(parseObjectRef('Namespace/shop')).toEqual({ kind: 'namespace', namespace: '', name: 'shop' });
    // The same object deleted twice, in two spellings of its kind, is deleted once.
    expect(names(applyChange(BASE, { applied: [], deletes: ['pod/shop/web', 'Pod/shop/web'] }).objects)).toEqual(['Namespace/shop', 'NetworkPolicy/deny', 'NetworkPolicy/web-in']);
  });
});
