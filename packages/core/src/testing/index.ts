/**
 * Test and benchmark helpers, kept out of the engine's public face: a seeded PRNG and
 * synthetic clusters of any size. Imported as `@lateral/core/testing`.
 */
export { mulberry32, SeededRandom } from './prng.js';
export { syntheticCluster, type SyntheticSize } from './synthetic-cluster.js';
