import { resolveEvalOptions, type EvalFlags } from './cni-profile.js';
import { compile, type CompiledCluster, type EvalOptions } from '@lateral/core';
import { clusterFromObjects, loadCluster, type ClusterSource, type LoadResult } from '@lateral/k8s';
import { clusterSourceOf } from './cluster-input.js';
import { err, progress, progressDone, type CliIo } from './io.js';
import { resolve } from 'node:path';

export interface Loaded {
  readonly load: LoadResult;
  readonly compiled: CompiledCluster;
}

/**
 * Loads the inputs and compiles them. What was skipped is summarised on stderr in one line, so
 * nothing is ignored silently and stdout stays machine-readable.
 */
/** Loads INPUTS and compiles them with the EvalOptions the flags and the loaded kinds give (cni-profile.ts). */
export async function loadAndCompile(io: CliIo, inputs: string[], flags: EvalFlags): Promise<Loaded> {
  const cluster = clusterSourceOf(inputs);
  let load: LoadResult;
  if (cluster) {
    load = await loadLiveCluster(io, cluster);
  } else {
    progress(io, 'loading manifests…');
    load = await loadCluster(inputs, { stdin: io.stdin, cwd: io.cwd, onProgress: loadProgress(io) });
  }
  progress(io, 'compiling policies…');
  const options = resolveEvalOptions(io, flags, load);
  const compiled = compile(load.cluster, options);
  progressDone(io);
  reportLoad(io, load);
  return { load, compiled };
}

/**
 * `loading manifests… 45 of 115 MB` once loading has taken more than a second (a small input
 * never flickers a count), at most ten times a second; TTY only, as every progress line.
 */
export function loadProgress(io: CliIo, now: () => number = () => performance.now()): (done: number, total: number) => void {
  const start = now();
  let shown = 0;
  return (done, total) => {
    const t = now();
    if (t - start < 1000 || t - shown < 100) return;
    shown = t;
    const mb = (n: number) => (n / 2 ** 20).toFixed(0);
    progress(io, done < total ? `loading manifests… ${mb(done)} of ${mb(total)} MB` : 'loading manifests… converting objects');
  };
}

/** `--cluster`: what the cluster holds, with what could not be read (403s) among the warnings. */
export async function loadLiveCluster(io: CliIo, source: ClusterSource): Promise<LoadResult> {
  progress(io, 'reading the cluster…');
  // The Kubernetes client loads only when a cluster is read.
  const { readCluster } = await import('@lateral/k8s/live');
  const read = await readCluster(resolveKubeconfig(io, source));
  const load = clusterFromObjects(read.objects);
  return { ...load, warnings: [...read.warnings, ...load.warnings] };
}

/** A relative --kubeconfig is relative to where the user ran the command, like INPUTS. */
export function resolveKubeconfig(io: CliIo, source: ClusterSource): ClusterSource {
  return source.kubeconfig === undefined ? source : { ...source, kubeconfig: resolve(io.cwd, source.kubeconfig) };
}

export function reportLoad(io: CliIo, load: LoadResult): void {
  const skipped = Object.entries(load.skipped as Record<string, number>).sort(([a], [b]) => (a < b ? -1 : 1));
  if (skipped.length > 0) {
    const total = skipped.reduce((s, [, n]) => s + n, 0);
    err(io, `lateral: skipped ${total} object${total === 1 ? '' : 's'} of unsupported kinds: ${skipped.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  for (const w of load.warnings) err(io, `lateral: warning: ${w}`);
}
