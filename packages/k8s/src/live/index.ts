/**
 * Live clusters, as a public face of its own (`@lateral/k8s/live`): everything here stands on
 * @kubernetes/client-node, a large module that only `--cluster`, `snapshot` and `serve --watch`
 * need. Code that reads manifests imports `@lateral/k8s` and, loading this part only when a
 * cluster is asked for, never pays for the client.
 */
export type { ClusterSource } from './kube-config.js';
export { loadKubeConfig } from './kube-config.js';
export type { ClusterResource } from './cluster-resources.js';
export { CLUSTER_RESOURCES } from './cluster-resources.js';
export type { ClusterRead } from './read-cluster.js';
export { readCluster } from './read-cluster.js';
export type { SnapshotFormat } from './snapshot.js';
export { formatSnapshot } from './snapshot.js';
export type { ClusterWatcherOptions } from './cluster-watcher.js';
export { ClusterWatcher } from './cluster-watcher.js';
