import { clusterFromObjects, type LoadResult } from './cluster-from-objects.js';
import { readInputs, type ReadInputsOptions } from './read-inputs.js';

/** Reads manifests from files, directories or `-` (stdin) and converts them to the model. */
export async function loadCluster(
  inputs: string[],
  opts: ReadInputsOptions = {},
): Promise<LoadResult> {
  return clusterFromObjects(await readInputs(inputs, opts));
}
