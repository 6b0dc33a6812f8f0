export type { ObjectSink, SourceObject } from './parse-manifests.js';
export { parseManifests, parseManifestsTo } from './parse-manifests.js';
export type { LoadResult } from './cluster-from-objects.js';
export { ClusterBuilder, clusterFromObjects } from './cluster-from-objects.js';
export { readInputs, readInputsTo, type ReadInputsOptions } from './read-inputs.js';
export { loadCluster } from './load-cluster.js';
export * from './synth/index.js';
// Live clusters (reading, watching, snapshots) are `@lateral/k8s/live`: they stand on the
// Kubernetes client, which reading manifests must not load. Only the type is shared here.
export type { ClusterSource } from './live/kube-config.js';
export { networkPolicyManifest, networkPolicyYaml } from './network-policy-yaml.js';
export { clusterNetworkPolicyManifest, clusterNetworkPolicyYaml } from './cluster-network-policy-yaml.js';
export { editableManifest, manifestYaml } from './manifest-yaml.js';
export { UNEVALUATED_POLICY_KINDS, kindDisplay, unevaluatedKind, type UnevaluatedKind } from './policy-kinds.js';
export {
  canonicalJson,
  unevaluatedLabel,
  unevaluatedSelects,
  unevaluatedSelecting,
  unevaluatedCounts,
  unevaluatedWarning,
  selectingText,
  type UnevaluatedMatch,
  type Selection,
  type UnevaluatedPolicy,
  type UnevaluatedSubject,
} from './unevaluated-policy.js';
export { groupOf, isCalicoKind, isClusterScoped } from './object-ref.js';
export { calicoObjectCounts, ciliumPolicyCounts, detectCni, hasPluginKinds, pluginOptions, withDetectedCni, type CniDetection } from './cni-detect.js';
export { ciliumPoliciesYaml, ciliumPolicyManifest } from './cilium/cilium-yaml.js';
export { CALICO_GROUPS, CALICO_KINDS } from './calico/calico-objects.js';
