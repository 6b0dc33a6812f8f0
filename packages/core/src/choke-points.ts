/**
 * Choke points: the fewest allowed connections whose removal cuts every attack path from the
 * entry points to the crown jewels — a minimum edge cut, by max-flow/min-cut (Dinic) with unit
 * capacities on network edges. Entry and escalation edges are uncuttable by default: a
 * NetworkPolicy cannot take away a container escape, and a public service is public on
 * purpose (`cuttableEntry` lets the cut close an exposure too).
 */
import type { AttackGraph } from './attack-graph.js';
import { INTERNET } from './attack-graph.js';

export interface CutEdge {
  readonly from: string;
  readonly to: string;
}

export interface ChokePoints {
  readonly sources: readonly string[];
  readonly crownJewels: readonly string[];
  /** Whether any path from a source reaches a crown jewel at all. */
  readonly connected: boolean;
  /**
   * False when some path uses only uncuttable edges (e.g. internet -> a hostNetwork crown jewel):
   * then no set of connections suffices and `cut` is empty.
   */
  readonly cuttable: boolean;
  /** A minimum set of connections to close, nearest the crown jewels among the minimum ones. */
  readonly cut: readonly CutEdge[];
}

export interface ChokePointOptions {
  readonly cuttableEntry?: boolean;
}

const INF = 1 << 30;

/** Max-flow on an edge list; returns the residual capacities after the flow. */
class FlowNetwork {
  readonly head: number[];
  readonly to: number[] = [];
  readonly cap: number[] = [];
  readonly next: number[] = [];

  constructor(readonly n: number) {
    this.head = new Array<number>(n).fill(-1);
  }

  addEdge(u: number, v: number, c: number): number {
    const e = this.to.length;
    this.to.push(v, u);
    this.cap.push(c, 0);
    this.next.push(this.head[u]!, this.head[v]!);
    this.head[u] = e;
    this.head[v] = e + 1;
    return e;
  }

  /** Dinic: BFS levels, then blocking flows by DFS with current-arc pointers. */
  maxFlow(s: number, t: number, limit = INF): number {
    let flow = 0;
    const level = new Int32Array(this.n);
    const it = new Int32Array(this.n);
    const bfs = () => {
      level.fill(-1);
      level[s] = 0;
      const q = [s];
      for (let qi = 0; qi < q.length; qi++) {
        const u = q[qi]!;
        for (let e = this.head[u]!; e !== -1; e = this.next[e]!) {
          const v = this.to[e]!;
          if (this.cap[e]! > 0 && level[v] === -1) {
            level[v] = level[u]! + 1;
            q.push(v);
          }
        }
      }
      return level[t] !== -1;
    };
    const dfs = (u: number, f: number): number => {
      if (u === t) return f;
      for (; it[u] !== -1; it[u] = this.next[it[u]!]!) {
        const e = it[u]!;
        const v = this.to[e]!;
        if (this.cap[e]! > 0 && level[v] === level[u]! + 1) {
          const d = dfs(v, Math.min(f, this.cap[e]!));
          if (d > 0) {
            this.cap[e] = this.cap[e]! - d;
            this.cap[e ^ 1] = this.cap[e ^ 1]! + d;
            return d;
          }
        }
      }
      return 0;
    };
    while (flow < limit && bfs()) {
      for (let i = 0; i < this.n; i++) it[i] = this.head[i]!;
      let f: number;
      while ((f = dfs(s, INF)) > 0) {
        flow += f;
        if (flow >= limit) break;
      }
    }
    return flow;
  }

  /** Nodes that can still reach t in the residual network. */
  reachesSink(t: number): Uint8Array {
    const seen = new Uint8Array(this.n);
    seen[t] = 1;
    const q = [t];
    for (let qi = 0; qi < q.length; qi++) {
      const v = q[qi]!;
      // u -> v has residual capacity when the reverse slot of v's incident arc says so.
      for (let e = this.head[v]!; e !== -1; e = this.next[e]!) {
        const u = this.to[e]!;
        if (!seen[u] && this.cap[e ^ 1]! > 0) {
          seen[u] = 1;
          q.push(u);
        }
      }
    }
    return seen;
  }
}

/** The entry points: `internet` when anything is exposed. */
export function defaultSources(ag: AttackGraph): string[] {
  return ag.graph.hasNode(INTERNET) ? [INTERNET] : [];
}

export function chokePoints(ag: AttackGraph, sources: readonly string[], crownJewels: readonly string[], options: ChokePointOptions = {}): ChokePoints {
  const { graph } = ag;
  const ids = graph.nodes();
  const num = new Map(ids.map((id, i) => [id, i]));
  const S = ids.length;
  const T = ids.length + 1;
  const net = new FlowNetwork(ids.length + 2);
  const arcs: { e: number; from: string; to: string }[] = [];
  graph.forEachEdge((_k, attrs, u, v) => {
    const unit = attrs.kind === 'network' || (attrs.kind === 'entry' && options.cuttableEntry === true);
    const e = net.addEdge(num.get(u)!, num.get(v)!, unit ? 1 : INF);
    if (unit) arcs.push({ e, from: u, to: v });
  });
  const src = sources.filter((s) => num.has(s));
  const jewels = crownJewels.filter((j) => num.has(j) && !src.includes(j));
  for (const s of src) net.addEdge(S, num.get(s)!, INF);
  for (const j of jewels) net.addEdge(num.get(j)!, T, INF);
  // The cut can be no larger than the number of cuttable arcs; flow beyond that means a path
  // of uncuttable edges only.
  const flow = net.maxFlow(S, T, arcs.length + 1);
  if (flow === 0) return { sources: src, crownJewels: jewels, connected: false, cuttable: true, cut: [] };
  if (flow > arcs.length) return { sources: src, crownJewels: jewels, connected: true, cuttable: false, cut: [] };
  const sinkSide = net.reachesSink(T);
  const cut = arcs
    .filter((a) => !sinkSide[num.get(a.from)!] && sinkSide[num.get(a.to)!] && net.cap[a.e] === 0)
    .map(({ from, to }) => ({ from, to }))
    .sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1));
  return { sources: src, crownJewels: jewels, connected: true, cuttable: true, cut };
}
