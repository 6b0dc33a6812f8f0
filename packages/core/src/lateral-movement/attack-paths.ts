/**
 * Attack paths: the k shortest loopless paths from a foothold to the crown jewels (Yen's
 * algorithm over unit-length edges), each hop with its evidence, and the count of distinct
 * paths up to a hop limit. A path ends at the first crown jewel it reaches.
 */
import { edgeCategory, type AttackEdgeAttributes, type AttackGraph, type AttackNodeAttributes, type AttackPort, type EdgeCategory } from './attack-graph.js';
import { explainConnection, type RuleRef } from '../explain/explain.js';
import type { Endpoint } from '../model/model.js';
import { adjacency, type AttackAdjacency } from './adjacency.js';
import { memoFor, reverseDistances, targetMask } from './target-distances.js';

export { adjacency, type AttackAdjacency };

export interface AttackHop {
  readonly from: string;
  readonly to: string;
  readonly kind: AttackEdgeAttributes['kind'];
  /** network (entry included), escalation or identity: how the move is labelled and filtered. */
  readonly category: EdgeCategory;
  /** Network: the ports the attacker can use; entry: the exposed ports. */
  readonly ports: readonly AttackPort[];
  /**
   * Why the move is possible: for a network hop, the policy rules that allow it (or that a side
   * is not isolated); for entry, how the workload is exposed; for escalation, the reason.
   */
  readonly because: readonly string[];
}

export interface AttackPath {
  readonly nodes: readonly string[];
  readonly hops: readonly AttackHop[];
}

/** Nodes and edges a spur search may not use (Yen's algorithm); edges as u * n + v. */
interface Blocked {
  readonly nodes: Uint8Array;
  readonly edges: Set<number>;
}

/** BFS over node indices; the path as indices, or undefined. */
function shortestPathIndices(adj: AttackAdjacency, source: number, targets: Uint8Array, blocked?: Blocked): number[] | undefined {
  const n = adj.ids.length;
  const { outStart, outTo } = adj;
  const parent = new Int32Array(n).fill(-2);
  parent[source] = -1;
  let frontier = [source];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const u of frontier) {
      if (targets[u] && u !== source) {
        const path: number[] = [];
        for (let x = u; x !== -1; x = parent[x]!) path.push(x);
        return path.reverse();
      }
      for (let k = outStart[u]!, end = outStart[u + 1]!; k < end; k++) {
        const v = outTo[k]!;
        if (parent[v] !== -2 || (blocked && (blocked.nodes[v] || blocked.edges.has(u * n + v)))) continue;
        parent[v] = u;
        next.push(v);
      }
    }
    frontier = next;
  }
  return undefined;
}

/**
 * Shortest path (fewest hops) from `source` to any of `targets`; ties broken by neighbour
 * order, which is insertion order and so deterministic.
 */
export function shortestAttackPath(ag: AttackGraph, source: string, targets: ReadonlySet<string>): string[] | undefined {
  const adj = adjacency(ag);
  const s = adj.indexOf.get(source);
  if (s === undefined) return undefined;
  return shortestPathIndices(adj, s, targetMask(adj, targets))?.map((i) => adj.ids[i]!);
}

/** Yen's k shortest loopless paths; all edges have length 1. */
export function kShortestAttackPaths(ag: AttackGraph, source: string, targets: ReadonlySet<string>, k: number): string[][] {
  const adj = adjacency(ag);
  const n = adj.ids.length;
  const s = adj.indexOf.get(source);
  if (s === undefined) return [];
  const mask = targetMask(adj, targets);
  const first = shortestPathIndices(adj, s, mask);
  if (!first) return [];
  const text = (p: readonly number[]) => p.map((i) => adj.ids[i]!).join(' ');
  const found: number[][] = [first];
  const candidates: { path: number[]; text: string }[] = [];
  const seen = new Set<string>([first.join(',')]);
  const blockedNodes = new Uint8Array(n);
  while (found.length < k) {
    const last = found[found.length - 1]!;
    for (let i = 0; i < last.length - 1; i++) {
      const spur = last[i]!;
      for (let j = 0; j < i; j++) blockedNodes[last[j]!] = 1;
      const blocked: Blocked = { nodes: blockedNodes, edges: new Set() };
      for (const p of found) {
        let sameRoot = p.length > i + 1;
        for (let j = 0; sameRoot && j <= i; j++) sameRoot = p[j] === last[j];
        if (sameRoot) blocked.edges.add(p[i]! * n + p[i + 1]!);
      }
      const spurPath = shortestPathIndices(adj, spur, mask, blocked);
      for (let j = 0; j < i; j++) blockedNodes[last[j]!] = 0;
      if (!spurPath) continue;
      const total = [...last.slice(0, i), ...spurPath];
      const key = total.join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      candidates.push({ path: total, text: text(total) });
    }
    if (candidates.length === 0) break;
    // Fewest hops first, then by text, so the answer does not depend on discovery order.
    candidates.sort((a, b) => a.path.length - b.path.length || (a.text < b.text ? -1 : 1));
    found.push(candidates.shift()!.path);
  }
  return found.map((p) => p.map((i) => adj.ids[i]!));
}

/** Hops to the nearest target by node index (-1: none reachable), computed afresh (no memo): the caller's own array. */
export function hopsToTargets(adj: AttackAdjacency, targets: Iterable<string>): Int32Array {
  return reverseDistances(adj, targets);
}

/** Hops to the nearest target from every node that can reach one (reverse BFS). */
export function distanceToTargets(ag: AttackGraph, targets: Iterable<string>): Map<string, number> {
  const adj = adjacency(ag);
  const dist = memoFor(adj, targets).dist;
  const out = new Map<string, number>();
  for (let i = 0; i < dist.length; i++) if (dist[i]! >= 0) out.set(adj.ids[i]!, dist[i]!);
  return out;
}

export interface PathCount {
  /** Distinct loopless paths from the source to a crown jewel with at most `hopLimit` hops. */
  readonly count: number;
  /** The count stopped at the cap: the true number is at least `count`. */
  readonly capped: boolean;
  readonly hopLimit: number;
}

export const DEFAULT_PATH_HOP_LIMIT = 6;
const PATH_COUNT_CAP = 1_000;

/**
 * Counts loopless paths to the targets by depth-first enumeration, pruned by the distance to
 * the nearest target so that dead ends are never walked; stops at a cap because the number
 * grows exponentially in dense clusters and "at least 1,000" is the useful answer there.
 * A path may pass through one crown jewel on its way to another; each is counted.
 */
export function countAttackPaths(ag: AttackGraph, source: string, targets: ReadonlySet<string>, hopLimit = DEFAULT_PATH_HOP_LIMIT): PathCount {
  const adj = adjacency(ag);
  const { outStart, outTo } = adj;
  const { dist, nearStart, near, isTarget } = memoFor(adj, targets);
  let count = 0;
  let work = 0;
  let capped = false;
  /** The graph's, all 0 between walks: a walk clears each mark as it leaves the node. */
  const onPath = adj.scratch.onPath;
  const walk = (u: number, depth: number): void => {
    if (capped) return;
    if (++work > PATH_COUNT_CAP * 5) {
      capped = true;
      return;
    }
    if (depth > 0 && isTarget[u]) {
      if (++count >= PATH_COUNT_CAP) {
        capped = true;
        return;
      }
    }
    if (depth === hopLimit) return;
    onPath[u] = 1;
    if (depth + 1 === hopLimit) {
      // One move left: only a move into a target (distance 0) can still count. Most of the walk
      // ends here, and a node has a few such moves among its hundreds.
      for (let i = nearStart[u]!, end = nearStart[u + 1]!; i < end; i++) {
        const v = near[i]!;
        if (onPath[v]) continue;
        walk(v, depth + 1);
        if (capped) break;
      }
    } else {
      for (let k = outStart[u]!, end = outStart[u + 1]!; k < end; k++) {
        const v = outTo[k]!;
        const d = dist[v]!;
        if (d < 0 || depth + 1 + d > hopLimit || onPath[v]) continue;
        walk(v, depth + 1);
        if (capped) break;
      }
    }
    onPath[u] = 0;
  };
  const s = adj.indexOf.get(source);
  if (s !== undefined && dist[s]! >= 0) walk(s, 0);
  return { count, capped, hopLimit };
}

/**
 * The attributes of the move from -> to, from the integer adjacency (a scan of from's moves):
 * describing a path must not build graphology's graph of 300k moves for a handful of hops.
 */
export function moveAttributes(ag: AttackGraph, from: string, to: string): AttackEdgeAttributes {
  const adj = adjacency(ag);
  const u = adj.indexOf.get(from);
  const v = adj.indexOf.get(to);
  if (u !== undefined && v !== undefined) {
    for (let k = adj.outStart[u]!, end = adj.outStart[u + 1]!; k < end; k++) if (adj.outTo[k] === v) return adj.edgeAttrs[adj.outAttr[k]!]!;
  }
  throw new Error(`attack graph: no move from "${from}" to "${to}"`);
}

/** A node's attributes, from the integer adjacency. */
function nodeAttributes(ag: AttackGraph, id: string): AttackNodeAttributes {
  const adj = adjacency(ag);
  const i = adj.indexOf.get(id);
  if (i === undefined) throw new Error(`attack graph: no node "${id}"`);
  return adj.nodeAttrs[i]!;
}

/** A pod that stands for a workload node (its first pod), for explaining a connection. */
export function representativePod(ag: AttackGraph, id: string): Endpoint | undefined {
  const a = nodeAttributes(ag, id);
  if (a.kind !== 'workload') return undefined;
  const pi = ag.index.endpointPods[a.endpoint]![0];
  return pi === undefined ? undefined : { kind: 'pod', pod: ag.compiled.cluster.pods[pi]! };
}

function formatRule(r: RuleRef): string {
  return `${r.direction} rule ${r.rule} of ${r.policy}`;
}

/**
 * The policy rules that allow a network edge, from the explain evaluator (the one written
 * straight from the spec), on the edge's first port.
 */
export function networkEdgeRules(ag: AttackGraph, from: string, to: string): string[] {
  const attrs = moveAttributes(ag, from, to);
  if (attrs.kind !== 'network') return [];
  const src = representativePod(ag, from);
  const dst = representativePod(ag, to);
  const port = attrs.ports[0];
  if (!src || !dst || !port) return [];
  const e = explainConnection(ag.compiled.cluster, src, dst, port.port, port.protocol, ag.compiled.options);
  const side = (s: typeof e.egress, dir: string, who: string) =>
    s.isolated ? s.allowedBy.map(formatRule) : [`${who} is not isolated for ${dir} (no policy selects it)`];
  return [...side(e.egress, 'egress', from), ...side(e.ingress, 'ingress', to)];
}

export function hopOf(ag: AttackGraph, from: string, to: string): AttackHop {
  const hop = hopWithoutCategory(ag, from, to);
  return { ...hop, category: edgeCategory(hop.kind) };
}

function hopWithoutCategory(ag: AttackGraph, from: string, to: string): Omit<AttackHop, 'category'> {
  const attrs = moveAttributes(ag, from, to);
  switch (attrs.kind) {
    case 'network':
      return { from, to, kind: 'network', ports: attrs.ports, because: networkEdgeRules(ag, from, to) };
    case 'entry':
      return {
        from,
        to,
        kind: 'entry',
        ports: attrs.exposures.map((x) => ({ protocol: x.protocol, port: x.port })),
        because: [...new Set(attrs.exposures.map((x) => `exposed by ${x.via}; ingress admits ${x.admits.join(', ')}`))],
      };
    case 'escalation':
      return { from, to, kind: 'escalation', ports: [], because: [attrs.reason] };
    case 'identity':
      return { from, to, kind: 'identity', ports: [], because: [attrs.reason, ...apiServerRules(ag, from, attrs)] };
  }
}

/** The egress rules that let a workload's pods reach the API server (a token edge's evidence). */
function apiServerRules(ag: AttackGraph, from: string, attrs: Extract<AttackEdgeAttributes, { kind: 'identity' }>): string[] {
  const api = attrs.apiServer;
  const src = api ? representativePod(ag, from) : undefined;
  if (!api || !src) return [];
  const e = explainConnection(ag.compiled.cluster, src, { kind: 'ip', ip: api.address }, api.port, 'TCP', ag.compiled.options);
  return e.egress.isolated ? e.egress.allowedBy.map((r) => `API server ${api.address}:${api.port} allowed by ${formatRule(r)}`) : [`API server ${api.address}:${api.port}: ${from} is not isolated for egress`];
}

export function describePath(ag: AttackGraph, nodes: readonly string[]): AttackPath {
  const hops: AttackHop[] = [];
  for (let i = 0; i + 1 < nodes.length; i++) hops.push(hopOf(ag, nodes[i]!, nodes[i + 1]!));
  return { nodes, hops };
}
