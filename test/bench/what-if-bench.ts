/**
 * The what-if section of `pnpm bench`: one policy changed (its ingress rules dropped, so its
 * subjects lose what it allowed) on an already compiled cluster, answered incrementally
 * (recompile + diff of the pairs the change can touch) next to a full recompute (compile +
 * every pair). Medians of a few runs; numbers, never assertions.
 */
import { compile, diffReachability, recompile, type Cluster, type CompiledCluster } from '@lateral/core';

export interface WhatIfRow {
  readonly recompileMs: number;
  readonly diffMs: number;
  readonly incrementalMs: number;
  /** CPU time of recompile + diff (all the process's threads), median. */
  readonly incrementalCpuMs: number;
  readonly fullMs: number;
  readonly changes: number;
  readonly comparedPairs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function whatIfBench(cluster: Cluster, before: CompiledCluster, runs = 5): WhatIfRow {
  before.reach();
  // A policy with ingress rules in the middle of the list: what a reviewer would touch.
  const i = cluster.policies.findIndex((p, k) => k >= cluster.policies.length / 2 && (p.ingress?.length ?? 0) > 0);
  const old = cluster.policies[i]!;
  const edited: Cluster = { ...cluster, policies: cluster.policies.map((p) => (p === old ? { ...old, ingress: [] } : p)) };
  const rec: number[] = [];
  const dif: number[] = [];
  const full: number[] = [];
  const cpu: number[] = [];
  let changes = 0;
  let comparedPairs = 0;
  for (let r = 0; r < runs; r++) {
    const c = process.cpuUsage();
    let t = performance.now();
    const after = recompile(before, edited);
    rec.push(performance.now() - t);
    t = performance.now();
    const d = diffReachability(before, after);
    dif.push(performance.now() - t);
    const u = process.cpuUsage(c);
    cpu.push((u.user + u.system) / 1000);
    changes = d.changes.length;
    comparedPairs = d.comparedPairs;
  }
  // The full recomputes after the incremental runs, not between them: each leaves tens of MB of
  // garbage, whose collection would otherwise land in the next what-if's window.
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const f = compile(edited);
    f.reach().forEachAllowed(() => {});
    full.push(performance.now() - t);
  }
  const total = rec.map((x, k) => x + dif[k]!);
  return { recompileMs: median(rec), diffMs: median(dif), incrementalMs: median(total), incrementalCpuMs: median(cpu), fullMs: median(full), changes, comparedPairs };
}

export function printWhatIf(rows: readonly ({ size: string } & WhatIfRow)[]): void {
  if (rows.length === 0) return;
  console.log('\nwhat-if, one policy changed (medians of 5):');
  console.log('| size | recompile ms | diff ms | what-if total ms (cpu) | full recompute ms (compile + all pairs) | changed pairs | pairs compared |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.size} | ${r.recompileMs.toFixed(1)} | ${r.diffMs.toFixed(1)} | ${r.incrementalMs.toFixed(1)} (${r.incrementalCpuMs.toFixed(1)}) | ${r.fullMs.toFixed(1)} | ${r.changes} | ${r.comparedPairs} |`);
  }
}
