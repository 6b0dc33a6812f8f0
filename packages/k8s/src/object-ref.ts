import type { KubernetesObject } from '@kubernetes/client-node';
import { InputError, quoteValue } from '@lateral/core';
import { unevaluatedKind, type UnevaluatedKind } from './policy-kinds.js';
import { isMapping, optMapping, optString } from './raw-fields.js';
import { CALICO_GROUPS, CALICO_KINDS } from './calico/calico-objects.js';

/** The kinds we turn into the model, with the API groups they may come from. */
const SUPPORTED_GROUPS: Readonly<Record<string, readonly string[]>> = {
  Pod: [''],
  Namespace: [''],
  Node: [''],
  Service: [''],
  ReplicationController: [''],
  // extensions/v1beta1 and apps/v1beta* carry the same shapes for what we read.
  Deployment: ['apps', 'extensions'],
  StatefulSet: ['apps'],
  DaemonSet: ['apps', 'extensions'],
  ReplicaSet: ['apps', 'extensions'],
  Job: ['batch'],
  CronJob: ['batch'],
  // Calico's projectcalico.org NetworkPolicy shares the kind name but not the schema.
  NetworkPolicy: ['networking.k8s.io', 'extensions'],
  // Entry points for lateral movement (extensions/v1beta1 Ingress is long gone from clusters).
  Ingress: ['networking.k8s.io'],
  // The cluster-wide tiers (kubernetes-sigs/network-policy-api): ClusterNetworkPolicy is
  // v1alpha2, AdminNetworkPolicy and BaselineAdminNetworkPolicy v1alpha1.
  ClusterNetworkPolicy: ['policy.networking.k8s.io'],
  AdminNetworkPolicy: ['policy.networking.k8s.io'],
  BaselineAdminNetworkPolicy: ['policy.networking.k8s.io'],
  // Evaluated under `--cni cilium` (see packages/k8s/src/cilium).
  CiliumNetworkPolicy: ['cilium.io'],
  CiliumClusterwideNetworkPolicy: ['cilium.io'],
  // Identity edges of the attack graph. Secrets are never read: see docs/lateral-movement.md.
  ServiceAccount: [''],
  Role: ['rbac.authorization.k8s.io'],
  ClusterRole: ['rbac.authorization.k8s.io'],
  RoleBinding: ['rbac.authorization.k8s.io'],
  ClusterRoleBinding: ['rbac.authorization.k8s.io'],
  // Only default/kubernetes is read: the API server's address.
  EndpointSlice: ['discovery.k8s.io'],
};

/**
 * Cluster-scoped kinds among those people keep next to their workloads, so they are named
 * without a namespace (the unevaluated policy kinds say their own scope).
 */
const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'Node',
  // The cluster-wide policy tiers (policy.networking.k8s.io).
  'ClusterNetworkPolicy',
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'RuntimeClass',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'APIService',
]);

/** Whether objects of this kind have no namespace (named `Kind name`, not `Kind namespace/name`). */
export function isClusterScoped(kind: string, apiVersion: string | undefined): boolean {
  if (isCalicoKind(kind, apiVersion)) return CALICO_KINDS[kind]!.clusterScoped;
  const unevaluated = unevaluatedKind(groupOf(apiVersion), kind);
  return unevaluated ? unevaluated.clusterScoped : CLUSTER_SCOPED_KINDS.has(kind);
}

/** A kind of Calico's API groups that Lateral reads (clusterFromObjects hands it to calico/). */
export function isCalicoKind(kind: string, apiVersion: string | undefined): boolean {
  return Object.prototype.hasOwnProperty.call(CALICO_KINDS, kind) && CALICO_GROUPS.includes(groupOf(apiVersion));
}

/** Identity of one manifest: what the error messages and the duplicate check key on. */
export interface ObjectRef {
  readonly kind: string;
  readonly apiVersion?: string;
  /** Empty for cluster-scoped kinds. */
  readonly namespace: string;
  /** True when metadata.namespace was written (rather than defaulted). */
  readonly namespaceGiven: boolean;
  readonly name: string;
  /** Whether clusterFromObjects converts it; otherwise it is counted under `skippedAs`. */
  readonly supported: boolean;
  /** Set for Calico's kinds (projectcalico.org, crd.projectcalico.org): read by calico/. */
  readonly calico?: true;
  /** Set for a policy kind we know but do not evaluate: kept and reported, not skipped. */
  readonly unevaluated?: UnevaluatedKind;
  /** Key for the `skipped` counts: the kind, qualified by apiVersion when the kind alone would mislead. */
  readonly skippedAs: string;
  /** `Kind namespace/name`, or `Kind name` for cluster-scoped kinds: how messages name it. */
  readonly label: string;
}

export function groupOf(apiVersion: string | undefined): string {
  if (apiVersion === undefined) return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The API server's rules for the names of the kinds we read: a namespace is a DNS-1123 label,
 * other names at least DNS-1123 subdomains. Names are how every answer and option refers to
 * objects (`--from ns/name`), so one the API server would never hold — `a/b`, `Web`, `x y` —
 * is rejected here rather than read into names nothing can ask about.
 */
/** RBAC objects are named by path segments (`system:coredns`), not DNS names. */
const PATH_SEGMENT_NAMED = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

function checkNames(kind: string, name: string, namespace: string | undefined): void {
  const isNamespace = kind === 'Namespace';
  if (PATH_SEGMENT_NAMED.has(kind)) {
    if (name === '.' || name === '..' || /[/%]/.test(name)) {
      throw new InputError(`invalid name "${name}": a ${kind} name may not be "." or ".." or contain "/" or "%"`, { object: kind, field: 'metadata.name' });
    }
  } else if (isNamespace ? !(name.length <= 63 && DNS1123_LABEL.test(name)) : !(name.length <= 253 && DNS1123_SUBDOMAIN.test(name))) {
    throw new InputError(
      `invalid name ${quoteValue(name)}: ${isNamespace ? 'a namespace name is at most 63' : 'at most 253'} lowercase letters, digits and "-"${isNamespace ? '' : ' or "."'}, starting and ending with a letter or digit`,
      { object: kind, field: 'metadata.name' },
    );
  }
  if (namespace && !(namespace.length <= 63 && DNS1123_LABEL.test(namespace))) {
    throw new InputError(
      `invalid namespace ${quoteValue(namespace)}: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit`,
      { object: `${kind} ${name}`, field: 'metadata.namespace' },
    );
  }
}

/**
 * Reads kind, apiVersion and metadata of a document; throws an InputError (without file or
 * line: the caller knows those) when it is not a Kubernetes object.
 */
export function objectRef(obj: unknown): ObjectRef {
  if (!isMapping(obj)) {
    throw new InputError(`expected a Kubernetes object (a mapping with kind and metadata), got ${Array.isArray(obj) ? 'a list' : typeof obj}`);
  }
  const o = obj as KubernetesObject;
  const kind = optString(o.kind, 'kind');
  if (!kind) throw new InputError('object has no kind', { field: 'kind' });
  const apiVersion = optString(o.apiVersion, 'apiVersion');
  const meta = optMapping(o.metadata, 'metadata');
  const name = optString(meta?.name, 'metadata.name');
  if (!name) {
    if (kind === 'Kustomization') {
      throw new InputError(
        'this is a kustomization file, not a manifest: render it with `kubectl kustomize` and pass the output',
      );
    }
    throw new InputError(`${kind} has no metadata.name`, { field: 'metadata.name' });
  }
  const givenNs = optString(meta?.namespace, 'metadata.namespace');

  const groups = SUPPORTED_GROUPS[kind];
  // A missing apiVersion is read as the kind's usual group rather than rejected: hand-written
  // fixtures often omit it, and the kind is unambiguous then.
  const supported = groups !== undefined && (apiVersion === undefined || groups.includes(groupOf(apiVersion)));
  if (supported) checkNames(kind, name, givenNs);
  const unevaluated = supported ? undefined : unevaluatedKind(groupOf(apiVersion), kind);
  const clusterScoped = isClusterScoped(kind, apiVersion);
  // An empty namespace is "default" (ObjectMeta: "An empty namespace is equivalent to the
  // default namespace").
  const namespace = clusterScoped ? '' : givenNs || 'default';
  // By assignment, in the order a literal with spreads would give: V8's spread path costs
  // microseconds an object, and every object of the input passes here.
  const ref: { -readonly [K in keyof ObjectRef]: ObjectRef[K] } = Object.create(REF) as ObjectRef;
  ref.kind = kind;
  if (apiVersion !== undefined) ref.apiVersion = apiVersion;
  ref.namespace = namespace;
  ref.namespaceGiven = !!givenNs && !clusterScoped;
  ref.name = name;
  ref.supported = supported;
  if (unevaluated) ref.unevaluated = unevaluated;
  if (isCalicoKind(kind, apiVersion)) ref.calico = true;
  ref.skippedAs = groups !== undefined && !supported ? `${kind} (${apiVersion})` : kind;
  return ref;
}

/**
 * What every ObjectRef inherits: its `label`, made when a message asks for it rather than kept
 * for every object of a large input until the load ends.
 */
const REF = {
  get label(): string {
    const { kind, namespace, name } = this as unknown as ObjectRef;
    return namespace === '' ? `${kind} ${name}` : `${kind} ${namespace}/${name}`;
  },
};

