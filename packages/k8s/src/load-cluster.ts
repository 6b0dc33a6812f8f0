import { ClusterBuilder, type LoadResult } from './cluster-from-objects.js';
import { readInputsTo, type ReadInputsOptions } from './read-inputs.js';

/**
 * Reads manifests from files, directories or `-` (stdin) and converts them to the model, each
 * object as soon as it is read (ClusterBuilder): the same answer and errors as
 * clusterFromObjects(await readInputs(...)), without holding every parsed object at once.
 */
export async function loadCluster(
  inputs: string[],
  opts: ReadInputsOptions = {},
): Promise<LoadResult> {
  const builder = new ClusterBuilder();
  await readInputsTo(inputs, builder.sink, opts);
  return builder.finish();
}
