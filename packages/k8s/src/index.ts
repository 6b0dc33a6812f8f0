export type { SourceObject } from './parse-manifests.js';
export { parseManifests } from './parse-manifests.js';
export type { LoadResult } from './cluster-from-objects.js';
export { clusterFromObjects } from './cluster-from-objects.js';
export { readInputs } from './read-inputs.js';
export { loadCluster } from './load-cluster.js';
export * from './synth.js';
