/**
 * The generator compiles S2-sized clusters several times that differ only in their policies:
 * each direction's side cluster (side-cluster.ts), then existing + generated policies and the
 * generated ones alone (verify.ts). Core's `recompile` reuses what a previous compile evaluated
 * (selector answers per label set, parsed pod IPs, each unchanged policy's compiled form) and
 * gives exactly what a fresh compile gives; it is held to that by core's differential and
 * incremental tests. It is used only where the evaluation options are the same.
 */
import { compile, recompile, type Cluster, type CompiledCluster, type EvalOptions } from '@lateral/core';

export function compileFrom(previous: CompiledCluster | undefined, cluster: Cluster, options: EvalOptions): CompiledCluster {
  if (previous && sameOptions(previous.options, options)) return recompile(previous, cluster, options);
  return compile(cluster, options);
}

function sameOptions(a: EvalOptions, b: EvalOptions): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
