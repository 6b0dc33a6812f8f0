export type { SourceObject } from './parse-manifests.js';
export { parseManifests } from './parse-manifests.js';
export type { LoadResult } from './cluster-from-objects.js';
export { clusterFromObjects } from './cluster-from-objects.js';
export { readInputs, type ReadInputsOptions } from './read-inputs.js';
export { loadCluster } from './load-cluster.js';
export * from './synth.js';
export type { ClusterSource } from './live/kube-config.js';
export { loadKubeConfig } from './live/kube-config.js';
export type { ClusterResource } from './live/cluster-resources.js';
export { CLUSTER_RESOURCES } from './live/cluster-resources.js';
export type { ClusterRead } from './live/read-cluster.js';
export { readCluster } from './live/read-cluster.js';
export type { SnapshotFormat } from './live/snapshot.js';
export { formatSnapshot } from './live/snapshot.js';
export type { ClusterWatcherOptions } from './live/cluster-watcher.js';
export { ClusterWatcher } from './live/cluster-watcher.js';
export { networkPolicyManifest, networkPolicyYaml } from './network-policy-yaml.js';
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
export { groupOf, isClusterScoped } from './object-ref.js';
