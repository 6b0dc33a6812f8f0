/**
 * Compile + all-pairs, timed the same way for every policy-kind bench (tiers, Cilium, Calico).
 *
 * `measureCompiles` takes every row of a bench at once and alternates them: one untimed round of
 * each (the first compile of a process pays for JIT warm-up), then `rounds` rounds in which each
 * row runs once, in an order that rotates by one each round. Timing rows one after another let
 * machine load and heap growth favour whichever row ran first or last; alternating gives each
 * row the same conditions, so the ratio
 * between rows is the number to read. Medians of wall time per stage, and the median CPU time of
 * the process (user + system, all threads incl. GC) for the whole compile + all-pairs.
 */
import { compile, type Cluster, type EvalOptions } from '@lateral/core';

export interface CompileMeasure {
  readonly compileMs: number;
  readonly reachMs: number;
  /** CPU time of compile + all-pairs, median over the rounds. */
  readonly cpuMs: number;
  readonly pairs: number;
  readonly classes: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Run {
  readonly compileMs: number;
  readonly reachMs: number;
  readonly cpuMs: number;
  readonly pairs: number;
  readonly classes: number;
}

function runOnce(cluster: Cluster, options?: EvalOptions): Run {
  const cpu = process.cpuUsage();
  let t = performance.now();
  const compiled = compile(cluster, options);
  const compileMs = performance.now() - t;
  t = performance.now();
  let pairs = 0;
  compiled.reach().forEachAllowed(() => {
    pairs++;
  });
  const reachMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { compileMs, reachMs, cpuMs: (used.user + used.system) / 1000, pairs, classes: compiled.classCount };
}

export function measureCompiles(rows: readonly { readonly cluster: Cluster; readonly options?: EvalOptions }[], rounds = 5): CompileMeasure[] {
  for (const r of rows) runOnce(r.cluster, r.options);
  const runs: Run[][] = rows.map(() => []);
  // The order rotates from round to round, so each row follows every other row equally often: a
  // row pays for the garbage the row before it left (at S2 the plain compile, timed right after the
  // Calico row, took ~5 ms and ~25 ms of CPU more than after a plain row), and a fixed order made
  // every ratio against the first row look better than it was.
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < rows.length; k++) {
      const i = (round + k) % rows.length;
      runs[i]!.push(runOnce(rows[i]!.cluster, rows[i]!.options));
    }
  }
  return runs.map((rs) => ({
    compileMs: median(rs.map((r) => r.compileMs)),
    reachMs: median(rs.map((r) => r.reachMs)),
    cpuMs: median(rs.map((r) => r.cpuMs)),
    pairs: rs[rs.length - 1]!.pairs,
    classes: rs[rs.length - 1]!.classes,
  }));
}

/** One row alone (untimed warm-up, then the median of three). */
export function measureCompile(cluster: Cluster, options?: EvalOptions): CompileMeasure {
  return measureCompiles([{ cluster, ...(options ? { options } : {}) }], 3)[0]!;
}
