/**
 * Compile + all-pairs, timed the same way for every policy-kind bench (tiers, Cilium, Calico):
 * the median of three runs of each stage, with the allowed pairs and classes it found.
 */
import { compile, type Cluster, type EvalOptions } from '@lateral/core';

export interface CompileMeasure {
  readonly compileMs: number;
  readonly reachMs: number;
  readonly pairs: number;
  readonly classes: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function measureCompile(cluster: Cluster, options?: EvalOptions): CompileMeasure {
  const compileTimes: number[] = [];
  const reachTimes: number[] = [];
  let pairs = 0;
  let classes = 0;
  for (let run = 0; run < 3; run++) {
    let t = performance.now();
    const compiled = compile(cluster, options);
    compileTimes.push(performance.now() - t);
    t = performance.now();
    pairs = 0;
    compiled.reach().forEachAllowed(() => {
      pairs++;
    });
    reachTimes.push(performance.now() - t);
    classes = compiled.classCount;
  }
  return { compileMs: median(compileTimes), reachMs: median(reachTimes), pairs, classes };
}
