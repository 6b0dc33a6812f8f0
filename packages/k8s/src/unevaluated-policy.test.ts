import { describe, expect, it } from 'vitest';
import { clusterFromObjects } from './cluster-from-objects.js';
import { parseManifests } from './parse-manifests.js';
import { UNEVALUATED_POLICY_KINDS } from './policy-kinds.js';
import { selectingText, unevaluatedSelecting, unevaluatedSelects, type UnevaluatedPolicy } from './unevaluated-policy.js';

const load = (yaml: string) => clusterFromObjects(parseManifests(yaml, 'test.yaml'));
const nsLabels = (ns: string) => ({ 'kubernetes.io/metadata.name': ns, ...(ns === 'prod' ? { env: 'prod' } : {}) });
const web = { namespace: 'prod', labels: { app: 'web' } };
const db = { namespace: 'prod', labels: { app: 'db' } };
const other = { namespace: 'dev', labels: { app: 'web' } };

function one(yaml: string): UnevaluatedPolicy {
  const r = load(yaml);
  expect(r.unevaluated).toHaveLength(1);
  return r.unevaluated[0]!;
}

describe('the registry of unevaluated policy kinds', () => {
  it('has one line per group and kind', () => {
    const keys = UNEVALUATED_POLICY_KINDS.map((k) => `${k.group}/${k.kind}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('keeps every kind of the registry, named without a namespace when cluster-scoped', () => {
    const yaml = UNEVALUATED_POLICY_KINDS.map(
      (k, i) => `apiVersion: ${k.group}/v1\nkind: ${k.kind}\nmetadata: {name: p${i}, namespace: prod}\nspec: {}\n`,
    ).join('---\n');
    const r = load(yaml);
    expect(r.skipped).toEqual({});
    expect(r.unevaluated.map((p) => [p.kind, p.namespace])).toEqual(UNEVALUATED_POLICY_KINDS.map((k) => [k.kind, k.clusterScoped ? undefined : 'prod']));
    // Nothing about them is checked as our own kinds are: a shape we do not know only widens the subject.
    expect(r.unevaluated.every((p) => p.subjects.length > 0)).toBe(true);
  });
});

describe('which pods an unevaluated policy selects', () => {
  it('Antrea: appliedTo entries are OR-ed; a group reference may select anything', () => {
    const acnp = one(`apiVersion: crd.antrea.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: a}
spec:
  appliedTo:
    - podSelector: {matchLabels: {app: db}}
      namespaceSelector: {matchLabels: {env: prod}}
    - group: some-cluster-group
`);
    expect(unevaluatedSelects(acnp, db, nsLabels('prod'))).toBe('selects');
    expect(unevaluatedSelects(acnp, other, nsLabels('dev'))).toBe('may select');
  });

  it('OVN EgressFirewall: every pod of its namespace', () => {
    const fw = one(`apiVersion: k8s.ovn.org/v1
kind: EgressFirewall
metadata: {name: default, namespace: prod}
spec: {egress: [{type: Deny, to: {cidrSelector: 0.0.0.0/0}}]}
`);
    expect(unevaluatedSelects(fw, web, nsLabels('prod'))).toBe('selects');
    expect(unevaluatedSelects(fw, other, nsLabels('dev'))).toBeUndefined();
  });

  it('says which objects select a pod, in one phrase', () => {
    const r = load(`apiVersion: k8s.cni.cncf.io/v1beta1
kind: MultiNetworkPolicy
metadata: {name: c, namespace: prod}
spec: {podSelector: {matchLabels: {app: db}}}
---
apiVersion: crd.antrea.io/v1beta1
kind: NetworkPolicy
metadata: {name: k, namespace: prod}
spec: {appliedTo: [{group: some-group}]}
`);
    const text = selectingText(unevaluatedSelecting(r.unevaluated, [db], nsLabels), 'prod/db');
    expect(text).toBe('1 MultiNetworkPolicy selecting prod/db and 1 NetworkPolicy (crd.antrea.io) that may select prod/db were not evaluated (prod/c, prod/k)');
    expect(selectingText(unevaluatedSelecting(r.unevaluated, [other], nsLabels), 'dev/web')).toBeUndefined();
  });
});
