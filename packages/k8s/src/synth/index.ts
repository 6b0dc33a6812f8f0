/** Synthetic clusters of any size, as manifest objects or YAML (see synthesize-cluster.ts). */
export { synthesizeCluster } from './synthesize-cluster.js';
export { synthesizeYaml } from './synthesize-yaml.js';
export type { SynthOptions } from './options.js';
