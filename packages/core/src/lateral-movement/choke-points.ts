/**
 * Choke points: the fewest changes whose removal cuts every attack path from the entry points
 * to the crown jewels — a minimum cut, by max-flow/min-cut (Dinic) with unit capacities on
 * network edges, on a workload's use of its token (one change: stop mounting it) and on each
 * RBAC grant (one change: remove the privilege). A grant gives an identity many moves at once
 * (exec into every pod of a namespace, nodes/proxy into every pod): its moves leave the identity
 * through one node per grant, so the cut counts the grant once, as the person removing it would.
 * Entry and container-escape edges are uncuttable by default: a NetworkPolicy cannot take away
 * a container escape, and a public service is public on purpose (`cuttableEntry` lets the cut
 * close an exposure too).
 */
import type { AttackGraph } from './attack-graph.js';
import { INTERNET } from './attack-graph.js';
import { adjacency } from './attack-paths.js';

export interface CutEdge {
  readonly from: string;
  /** For a grant: one of the moves it gives (`moves` counts them). */
  readonly to: string;
  /**
   * Set when the cut removes an RBAC grant (the evidence: Role rule and binding): every move
   * that grant gives the identity `from`, as one change.
   */
  readonly grant?: string;
  readonly moves?: number;
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
  /**
   * What closing a cuttable move costs (default 1): connections seen in traffic are the
   * application's own and cost more, so the minimum cut takes unobserved ones where it can.
   */
  readonly cost?: (from: string, to: string) => number;
  /** RBAC grants may be cut (default true). */
  readonly cuttableGrants?: boolean;
}

const INF = 1 << 30;

/** Max-flow on an edge list in typed arrays; `cap` holds the residual capacities after the flow. */
class FlowNetwork {
  readonly head: Int32Array;
  readonly to: Int32Array;
  readonly cap: Int32Array;
  readonly next: Int32Array;
  private arcs = 0;

  constructor(
    readonly n: number,
    maxEdges: number,
  ) {
    this.head = new Int32Array(n).fill(-1);
    this.to = new Int32Array(2 * maxEdges);
    this.cap = new Int32Array(2 * maxEdges);
    this.next = new Int32Array(2 * maxEdges);
  }

  addEdge(u: number, v: number, c: number): number {
    const e = this.arcs;
    this.arcs += 2;
    this.to[e] = v;
    this.cap[e] = c;
    this.next[e] = this.head[u]!;
    this.head[u] = e;
    this.to[e + 1] = u;
    this.cap[e + 1] = 0;
    this.next[e + 1] = this.head[v]!;
    this.head[v] = e + 1;
    return e;
  }

  /** Dinic: BFS levels, then blocking flows by DFS with current-arc pointers. */
  maxFlow(s: number, t: number, limit = INF): number {
    let flow = 0;
    const { head, to, cap, next } = this;
    const level = new Int32Array(this.n);
    const it = new Int32Array(this.n);
    const queue = new Int32Array(this.n);
    const bfs = () => {
      level.fill(-1);
      level[s] = 0;
      queue[0] = s;
      for (let qi = 0, qn = 1; qi < qn; qi++) {
        const u = queue[qi]!;
        for (let e = head[u]!; e !== -1; e = next[e]!) {
          const v = to[e]!;
          if (cap[e]! > 0 && level[v] === -1) {
            level[v] = level[u]! + 1;
            queue[qn++] = v;
          }
        }
      }
      return level[t] !== -1;
    };
    const dfs = (u: number, f: number): number => {
      if (u === t) return f;
      for (; it[u] !== -1; it[u] = next[it[u]!]!) {
        const e = it[u]!;
        const v = to[e]!;
        if (cap[e]! > 0 && level[v] === level[u]! + 1) {
          const d = dfs(v, Math.min(f, cap[e]!));
          if (d > 0) {
            cap[e] = cap[e]! - d;
            cap[e ^ 1] = cap[e ^ 1]! + d;
            return d;
          }
        }
      }
      return 0;
    };
    while (flow < limit && bfs()) {
      it.set(head);
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
    const { head, to, cap, next } = this;
    const seen = new Uint8Array(this.n);
    seen[t] = 1;
    const q = [t];
    for (let qi = 0; qi < q.length; qi++) {
      const v = q[qi]!;
      // u -> v has residual capacity when the reverse slot of v's incident arc says so.
      for (let e = head[v]!; e !== -1; e = next[e]!) {
        const u = to[e]!;
        if (!seen[u] && cap[e ^ 1]! > 0) {
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
  return adjacency(ag).indexOf.has(INTERNET) ? [INTERNET] : [];
}

export function chokePoints(ag: AttackGraph, sources: readonly string[], crownJewels: readonly string[], options: ChokePointOptions = {}): ChokePoints {
  // Node indices and edges from the integer adjacency the other queries share.
  const adj = adjacency(ag);
  const { ids, indexOf, inStart, inFrom, inAttr, edgeAttrs, nodeAttrs } = adj;
  const n = ids.length;
  const S = n;
  const T = n + 1;
  const src = sources.filter((s) => indexOf.has(s));
  const jewels = crownJewels.filter((j) => indexOf.has(j) && !src.includes(j));
  const isWorkload = nodeAttrs.map((a) => a.kind === 'workload');
  // One node per (identity, grant): the grant's moves leave through it.
  const grantOf = (attrs: (typeof edgeAttrs)[number]): string | undefined => (attrs.kind === 'identity' || attrs.kind === 'escalation' ? attrs.grant : undefined);
  const grantNode = new Map<string, number>();
  const grantInfo: { u: number; grant: string; first: number; moves: number }[] = [];
  for (let v = 0; v < n; v++) {
    for (let k = inStart[v]!, end = inStart[v + 1]!; k < end; k++) {
      const grant = options.cuttableGrants === false ? undefined : grantOf(edgeAttrs[inAttr[k]!]!);
      if (grant === undefined) continue;
      const key = `${inFrom[k]!}\u0000${grant}`;
      const had = grantNode.get(key);
      if (had === undefined) {
        grantNode.set(key, n + 2 + grantInfo.length);
        grantInfo.push({ u: inFrom[k]!, grant, first: v, moves: 1 });
      } else grantInfo[had - n - 2]!.moves++;
    }
  }
  const net = new FlowNetwork(n + 2 + grantInfo.length, inFrom.length + grantInfo.length + src.length + jewels.length);
  // Cuttable arcs: the flow network's arc, and the edge's endpoints.
  const arcE: number[] = [];
  const arcU: number[] = [];
  const arcV: number[] = [];
  const arcGrant: (number | undefined)[] = [];
  let cuttableCapacity = 0;
  for (let v = 0; v < n; v++) {
    for (let k = inStart[v]!, end = inStart[v + 1]!; k < end; k++) {
      const attrs = edgeAttrs[inAttr[k]!]!;
      const u = inFrom[k]!;
      const grant = options.cuttableGrants === false ? undefined : grantOf(attrs);
      if (grant !== undefined) {
        net.addEdge(grantNode.get(`${u}\u0000${grant}`)!, v, INF);
        continue;
      }
      const unit = attrs.kind === 'network' || (attrs.kind === 'identity' && isWorkload[u]!) || (attrs.kind === 'entry' && options.cuttableEntry === true);
      const c = unit ? Math.max(1, Math.round(options.cost?.(ids[u]!, ids[v]!) ?? 1)) : INF;
      const e = net.addEdge(u, v, c);
      if (unit) {
        cuttableCapacity += c;
        arcE.push(e);
        arcU.push(u);
        arcV.push(v);
        arcGrant.push(undefined);
      }
    }
  }
  grantInfo.forEach((g, i) => {
    const e = net.addEdge(g.u, n + 2 + i, 1);
    cuttableCapacity += 1;
    arcE.push(e);
    arcU.push(g.u);
    arcV.push(n + 2 + i);
    arcGrant.push(i);
  });
  for (const s of src) net.addEdge(S, indexOf.get(s)!, INF);
  for (const j of jewels) net.addEdge(indexOf.get(j)!, T, INF);
  // The cut can cost no more than every cuttable arc together; flow beyond that means a path of
  // uncuttable edges only.
  const flow = net.maxFlow(S, T, cuttableCapacity + 1);
  if (flow === 0) return { sources: src, crownJewels: jewels, connected: false, cuttable: true, cut: [] };
  if (flow > cuttableCapacity) return { sources: src, crownJewels: jewels, connected: true, cuttable: false, cut: [] };
  const sinkSide = net.reachesSink(T);
  const cut: CutEdge[] = [];
  for (let i = 0; i < arcE.length; i++) {
    if (!sinkSide[arcU[i]!] && sinkSide[arcV[i]!] && net.cap[arcE[i]!] === 0) {
      const gi = arcGrant[i];
      if (gi === undefined) cut.push({ from: ids[arcU[i]!]!, to: ids[arcV[i]!]! });
      else cut.push({ from: ids[arcU[i]!]!, to: ids[grantInfo[gi]!.first]!, grant: grantInfo[gi]!.grant, moves: grantInfo[gi]!.moves });
    }
  }
  cut.sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1));
  return { sources: src, crownJewels: jewels, connected: true, cuttable: true, cut };
}
