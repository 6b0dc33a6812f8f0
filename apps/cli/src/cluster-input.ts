import type { ClusterSource } from '@lateral/k8s';

/**
 * `--cluster` travels from requireInputs to loadAndCompile as an input string, so every command
 * that passes its inputs along (reach, check, explain, and those added later) reads the cluster
 * without a change of its own. The string starts with a NUL byte, which no file path can
 * contain, so it can never be mistaken for a file the user named, and it survives being copied
 * or concatenated with other inputs.
 */
const PREFIX = '\0cluster\0';

export function clusterInput(source: ClusterSource): string {
  return PREFIX + JSON.stringify(source);
}

/** The cluster to read when `inputs` is the `--cluster` input, else undefined. */
export function clusterSourceOf(inputs: readonly string[]): ClusterSource | undefined {
  const marker = inputs.find((i) => i.startsWith(PREFIX));
  return marker === undefined ? undefined : (JSON.parse(marker.slice(PREFIX.length)) as ClusterSource);
}
