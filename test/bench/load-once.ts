/**
 * One load, for load-bench.ts: reads and converts the manifests given as a user's command
 * would (loadCluster: each object converted as it is read, then owners resolved), prints the
 * phases as one JSON line, exits. "parse" is the read with that per-object conversion, "convert"
 * what is left after it (ClusterBuilder.finish).
 *
 *   tsx test/bench/load-once.ts FILE [WORKERS]
 */
import { ClusterBuilder, readInputsTo } from '@lateral/k8s';

const [file, workers] = process.argv.slice(2);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const c0 = cpu();
const t0 = performance.now();
const builder = new ClusterBuilder();
await readInputsTo([file!], builder.sink, workers === undefined ? {} : { workers: Number(workers) });
const t1 = performance.now();
const c1 = cpu();
const load = builder.finish();
const t2 = performance.now();
console.log(
  JSON.stringify({
    parseMs: t1 - t0,
    convertMs: t2 - t1,
    // All threads of the process (the workers too): steadier than wall time on a shared machine.
    cpuMs: cpu() - c0,
    parseCpuMs: c1 - c0,
    objects: load.objectCount,
    pods: load.cluster.pods.length,
    peakMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
