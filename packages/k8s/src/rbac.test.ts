import { InputError } from '@lateral/core';
import { describe, expect, it } from 'vitest';
import { clusterFromObjects } from './cluster-from-objects.js';
import { parseManifests } from './parse-manifests.js';

const load = (yaml: string) => clusterFromObjects(parseManifests(yaml, 'rbac.yaml'));

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('ServiceAccounts, RBAC and the API server address', () => {
  it('reads accounts, roles, bindings and the pods\' service account and token mounting', () => {
    const { cluster, skipped } = load(`
apiVersion: v1
kind: ServiceAccount
metadata: {name: runner, namespace: ci}
automountServiceAccountToken: false
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: exec}
rules:
- {apiGroups: [""], resources: [pods/exec], verbs: [create]}
- {nonResourceURLs: [/metrics], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: exec, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: exec}
subjects:
- {kind: ServiceAccount, name: runner}
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: "system:serviceaccounts:ci"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: runner, namespace: ci}
spec:
  selector: {matchLabels: {app: runner}}
  template:
    metadata: {labels: {app: runner}}
    spec:
      serviceAccountName: runner
      automountServiceAccountToken: true
      containers: [{name: r}]
`);
    expect(skipped).toEqual({});
    expect(cluster.serviceAccounts).toEqual([{ namespace: 'ci', name: 'runner', automountServiceAccountToken: false }]);
    expect(cluster.roles).toEqual([{ kind: 'ClusterRole', namespace: '', name: 'exec', rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }, { apiGroups: [], resources: [], verbs: ['get'] }] }]);
    // A ServiceAccount subject without a namespace is in the RoleBinding's.
    expect(cluster.roleBindings![0]!.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'runner', namespace: 'shop' },
      { kind: 'Group', name: 'system:serviceaccounts:ci' },
    ]);
    expect(cluster.pods[0]).toMatchObject({ serviceAccountName: 'runner', automountServiceAccountToken: true });
  });

  it('takes the API server address from the kubernetes EndpointSlice, else its Service ClusterIP', () => {
    const service = `
apiVersion: v1
kind: Service
metadata: {name: kubernetes, namespace: default}
spec: {clusterIP: 10.96.0.1, ports: [{name: https, port: 443, targetPort: 6443}]}
`;
    expect(load(service).cluster.apiServer).toEqual({ addresses: ['10.96.0.1'], port: 443, via: 'Service default/kubernetes (ClusterIP)' });
    const slice = `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: kubernetes, namespace: default, labels: {kubernetes.io/service-name: kubernetes}}
addressType: IPv4
endpoints: [{addresses: [172.18.0.2]}]
ports: [{name: https, port: 6443, protocol: TCP}]
`;
    expect(load(`${service}---${slice}`).cluster.apiServer).toEqual({ addresses: ['172.18.0.2'], port: 6443, via: 'EndpointSlice default/kubernetes' });
  });

  it('refuses what the API server refuses, naming the field', () => {
    expect(message(() => load(`
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {kind: Role, name: r}
`))).toMatch(/ClusterRoleBinding b.*roleRef\.kind.*a ClusterRoleBinding can only refer to a ClusterRole/);
    expect(message(() => load(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: x}
rules: [{resources: [pods]}]
`))).toMatch(/Role x\/r.*rules\[0\]\.verbs.*must list at least one entry/);
    expect(message(() => load(`
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {serviceAccountName: 3, containers: [{name: c}]}
`))).toMatch(/spec\.serviceAccountName.*must be a string/);
  });
});
