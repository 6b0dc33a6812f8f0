/** Lateral-movement timings for `pnpm bench`: attack graph, blast radius, k paths, risk. */
import { adjacency, annotatedCrownJewels, blastRadius, buildAttackGraph, diffLateralMovement, INTERNET, kShortestAttackPaths, MAX_VIA, recompile, riskReport, type BlastRadius, type CompiledCluster } from '@lateral/core';

export interface LateralMovementRow {
  nodes: number;
  edges: number;
  graphMs: number;
  /** Warm builds (second of two each), without RBAC in the input and with it: what identity edges cost. */
  graphNoIdentityMs: number;
  graphIdentityMs: number;
  identities: number;
  /** The first query in the process, from the first workload: the query's code not compiled yet, the graph's memos empty. */
  blastMs: number;
  /** The first query on a graph built afterwards (as after a reload or a what-if): compiled code, the new graph's memos empty. */
  blastNewGraphMs: number;
  /**
   * Over BLAST_SAMPLES further footholds spread across the cluster, each asked once (no answer
   * is memoised per foothold): the serving case. Wall median and p90, and the median CPU time.
   */
  blastMedianMs: number;
  blastP90Ms: number;
  blastCpuMedianMs: number;
  /** Median time to turn those answers into the JSON the web app and `--format json` send (the entry objects are made here). */
  blastJsonMs: number;
  /** The same for the first answer, right after it: the first JSON in the process. */
  blastFirstJsonMs: number;
  blastReached: number;
  pathsMs: number;
  paths: number;
  riskMs: number;
  cut: number;
  entryPoints: number;
  crownJewels: number;
  proposals: number;
  /**
   * A what-if that switches one policy off (the web's one-policy row, three picks): the changed
   * side's attack graph built in full, then the lateral-movement diff (blast radius and routes
   * from the internet to the crown jewels, before and after). Medians of the three.
   */
  whatIfGraphMs: number;
  whatIfDiffMs: number;
}

function ms(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

const BLAST_SAMPLES = 40;

function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e3;
}

/**
 * Reads every entry of an answer through its compact form (id, kind, hops, first-reach count,
 * ports, crown jewel, and each named first reach's source, kind and ports): a query is timed
 * until its whole answer is there, so a lazy answer cannot look fast.
 */
function touchAnswer(b: BlastRadius): number {
  const { length, node, ports, ids, kinds, hops, viaCount, crownJewel, viaFrom, viaMove, moves } = b.nodes;
  let t = length + b.metrics.paths.count;
  for (let i = 0; i < length; i++) {
    const v = node[i]!;
    t += ids[v]!.length + kinds[v]!.length + hops[v]! + viaCount[v]! + ports[i]!.length + crownJewel[v]!;
    for (let k = 0, s = v * MAX_VIA, m = Math.min(viaCount[v]!, MAX_VIA); k < m; k++, s++) t += ids[viaFrom[s]!]!.length + moves[viaMove[s]!]!.kind.length + moves[viaMove[s]!]!.ports.length;
  }
  return t;
}

function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]! : 0;
}

export function lateralMovementBench(compiled: CompiledCluster): LateralMovementRow {
  let t = process.hrtime.bigint();
  const ag = buildAttackGraph(compiled);
  // The neighbour lists every query reads are built once per graph: count them with the graph.
  adjacency(ag);
  const graphMs = ms(t);
  // The same cluster without RBAC builds the graph as it was before identity edges; both warm.
  const noRbac = recompile(compiled, { ...compiled.cluster, roleBindings: [] });
  noRbac.reach();
  const build = (c: CompiledCluster) => {
    const q = process.hrtime.bigint();
    adjacency(buildAttackGraph(c));
    return ms(q);
  };
  build(noRbac);
  build(compiled);
  const graphNoIdentityMs = Math.min(build(noRbac), build(noRbac));
  const graphIdentityMs = Math.min(build(compiled), build(compiled));
  // Synthetic clusters publish frontends (Ingress, LoadBalancer, NodePort) and annotate a few
  // postgres StatefulSets as crown jewels: blast from one workload (the first), paths and risk
  // from the internet to the annotated jewels.
  const jewels = annotatedCrownJewels(ag);
  // A query's time is until its whole answer is there: every reached node with its first
  // reaches and ports, read through the answer's accessors, and the metrics (path count included).
  let touched = 0;
  const blast = (g: typeof ag, from: string) => {
    const b = blastRadius(g, from, { crownJewels: jewels });
    touched += touchAnswer(b);
    return b;
  };
  t = process.hrtime.bigint();
  const b = blast(ag, ag.workloads[0]!);
  const blastMs = ms(t);
  t = process.hrtime.bigint();
  JSON.stringify(b);
  const blastFirstJsonMs = ms(t);
  const samples: number[] = [];
  const cpuSamples: number[] = [];
  const jsonSamples: number[] = [];
  const step = Math.max(1, Math.floor(ag.workloads.length / BLAST_SAMPLES));
  for (let i = step; i < ag.workloads.length && samples.length < BLAST_SAMPLES; i += step) {
    const c = cpuMs();
    const q = process.hrtime.bigint();
    const answer = blast(ag, ag.workloads[i]!);
    samples.push(ms(q));
    cpuSamples.push(cpuMs() - c);
    const j = process.hrtime.bigint();
    JSON.stringify(answer);
    jsonSamples.push(ms(j));
  }
  const blastMedianMs = samples.length ? quantile(samples, 0.5) : blastMs;
  // A graph built now, as a reload or a what-if builds one: its first query, from a foothold not asked before.
  const fresh = buildAttackGraph(compiled);
  adjacency(fresh);
  t = process.hrtime.bigint();
  blast(fresh, ag.workloads[Math.floor(step / 2)]!);
  const blastNewGraphMs = ms(t);
  if (touched === 0) throw new Error('lateral-movement bench: blast radius reached nothing');
  t = process.hrtime.bigint();
  const paths = kShortestAttackPaths(ag, INTERNET, new Set(jewels), 5);
  const pathsMs = ms(t);
  const policies = compiled.cluster.policies;
  const withIngress = policies.filter((p) => (p.ingress?.length ?? 0) > 0);
  const picks = [withIngress[Math.floor(withIngress.length / 2)], withIngress[Math.floor(withIngress.length / 3)], withIngress[Math.floor((2 * withIngress.length) / 3)]];
  const graphTimes: number[] = [];
  const diffTimes: number[] = [];
  for (const off of picks) {
    if (!off) continue;
    const after = recompile(compiled, { ...compiled.cluster, policies: policies.filter((p) => p !== off) });
    after.reach();
    t = process.hrtime.bigint();
    const agAfter = buildAttackGraph(after);
    adjacency(agAfter);
    graphTimes.push(ms(t));
    t = process.hrtime.bigint();
    diffLateralMovement(ag, agAfter, jewels);
    diffTimes.push(ms(t));
  }
  const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[xs.length >> 1]! : 0);
  t = process.hrtime.bigint();
  const risk = riskReport(ag, { crownJewels: jewels });
  const riskMs = ms(t);
  return {
    nodes: ag.graph.order,
    edges: ag.graph.size,
    graphMs,
    graphNoIdentityMs,
    graphIdentityMs,
    identities: ag.identities.length,
    blastMs,
    blastNewGraphMs,
    blastMedianMs,
    blastP90Ms: quantile(samples, 0.9),
    blastCpuMedianMs: quantile(cpuSamples, 0.5),
    blastJsonMs: quantile(jsonSamples, 0.5),
    blastFirstJsonMs,
    blastReached: b.metrics.reached,
    pathsMs,
    paths: paths.length,
    riskMs,
    cut: risk.chokePoints.cut.length,
    entryPoints: risk.entryPoints.length,
    crownJewels: jewels.length,
    proposals: risk.chokePoints.removals.length,
    whatIfGraphMs: median(graphTimes),
    whatIfDiffMs: median(diffTimes),
  };
}

export function printLateralMovement(rows: (LateralMovementRow & { size: string })[]): void {
  if (rows.length === 0) return;
  const header = ['size', 'graph nodes', 'graph edges', 'entry points', 'crown jewels', 'identities', 'attack graph ms (incl. adjacency)', 'warm build ms without / with identity edges', `blast ms: first / first on a new graph / median, p90 of ${BLAST_SAMPLES} footholds (CPU median; reached)`, 'blast answer to JSON ms: first / median', 'k=5 paths ms', 'risk ms (cut, proposals)', 'one-policy what-if ms: after graph / lateral diff'];
  const lines = rows.map((r) => [
    r.size,
    r.nodes.toLocaleString('en-US'),
    r.edges.toLocaleString('en-US'),
    String(r.entryPoints),
    String(r.crownJewels),
    String(r.identities),
    r.graphMs.toFixed(0),
    `${r.graphNoIdentityMs.toFixed(0)} / ${r.graphIdentityMs.toFixed(0)} (${(r.graphIdentityMs / r.graphNoIdentityMs).toFixed(2)}x)`,
    `${r.blastMs.toFixed(1)} / ${r.blastNewGraphMs.toFixed(1)} / ${r.blastMedianMs.toFixed(2)}, ${r.blastP90Ms.toFixed(2)} (${r.blastCpuMedianMs.toFixed(2)}; ${r.blastReached})`,
    `${r.blastFirstJsonMs.toFixed(1)} / ${r.blastJsonMs.toFixed(1)}`,
    `${r.pathsMs.toFixed(1)} (${r.paths})`,
    `${r.riskMs.toFixed(0)} (${r.cut}, ${r.proposals})`,
    `${r.whatIfGraphMs.toFixed(0)} / ${r.whatIfDiffMs.toFixed(0)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  console.log('\nlateral movement (targets on S2: attack graph < 300 ms warm, blast < 10 ms first and < 2 ms warm, k=5 paths < 50 ms, risk < 5 s; a one-policy what-if < 500 ms of server time in all)');
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(line(l));
}
