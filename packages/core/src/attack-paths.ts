/**
 * Attack paths: the k shortest loopless paths from a foothold to the crown jewels (Yen's
 * algorithm over unit-length edges), each hop with its evidence, and the count of distinct
 * paths up to a hop limit. A path ends at the first crown jewel it reaches.
 */
import type { AttackEdgeAttributes, AttackGraph, AttackNodeAttributes, AttackPort } from './attack-graph.js';
import { explainConnection, type RuleRef } from './explain.js';
import type { Endpoint } from './model.js';

export interface AttackHop {
  readonly from: string;
  readonly to: string;
  readonly kind: AttackEdgeAttributes['kind'];
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

type Blocked = { nodes: Set<string>; edges: Set<string> };

/**
 * Neighbour lists, read once per graph: graphology's iterators are general (attributes,
 * callbacks) and path enumeration visits the same lists millions of times.
 */
export interface AttackAdjacency {
  readonly out: Map<string, string[]>;
  readonly in: Map<string, string[]>;
  /** Parallel to `in`: the attributes of each in-edge. */
  readonly inEdges: Map<string, AttackEdgeAttributes[]>;
}
const adjacencyCache = new WeakMap<AttackGraph, AttackAdjacency>();
/** The graph must not change after the first query (buildAttackGraph returns it complete). */
export function adjacency(ag: AttackGraph): AttackAdjacency {
  let a = adjacencyCache.get(ag);
  if (!a) {
    a = { out: new Map(), in: new Map(), inEdges: new Map() };
    for (const id of ag.graph.nodes()) {
      a.out.set(id, []);
      a.in.set(id, []);
      a.inEdges.set(id, []);
    }
    const adj = a;
    ag.graph.forEachEdge((_k, attrs, u, v) => {
      adj.out.get(u)!.push(v);
      adj.in.get(v)!.push(u);
      adj.inEdges.get(v)!.push(attrs);
    });
    adjacencyCache.set(ag, a);
  }
  return a;
}

const edgeKey = (u: string, v: string) => `${u}\u0000${v}`;

/**
 * Shortest path (fewest hops) from `source` to any of `targets`, avoiding blocked nodes and
 * edges; ties broken by neighbour order, which is insertion order and so deterministic.
 */
export function shortestAttackPath(ag: AttackGraph, source: string, targets: ReadonlySet<string>, blocked?: Blocked): string[] | undefined {
  const out = adjacency(ag).out;
  const parent = new Map<string, string | null>([[source, null]]);
  let frontier = [source];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const u of frontier) {
      if (targets.has(u) && u !== source) {
        const path: string[] = [];
        for (let x: string | null = u; x !== null; x = parent.get(x)!) path.push(x);
        return path.reverse();
      }
      for (const v of out.get(u) ?? []) {
        if (parent.has(v) || blocked?.nodes.has(v) || blocked?.edges.has(edgeKey(u, v))) continue;
        parent.set(v, u);
        next.push(v);
      }
    }
    frontier = next;
  }
  return undefined;
}

/** Yen's k shortest loopless paths; all edges have length 1. */
export function kShortestAttackPaths(ag: AttackGraph, source: string, targets: ReadonlySet<string>, k: number): string[][] {
  const first = shortestAttackPath(ag, source, targets);
  if (!first) return [];
  const found: string[][] = [first];
  const candidates: string[][] = [];
  const seen = new Set<string>([first.join('\u0001')]);
  while (found.length < k) {
    const last = found[found.length - 1]!;
    for (let i = 0; i < last.length - 1; i++) {
      const spur = last[i]!;
      const root = last.slice(0, i + 1);
      const blocked: Blocked = { nodes: new Set(root.slice(0, -1)), edges: new Set() };
      for (const p of found) {
        if (p.length > i + 1 && root.every((n, j) => p[j] === n)) blocked.edges.add(edgeKey(p[i]!, p[i + 1]!));
      }
      const spurPath = shortestAttackPath(ag, spur, targets, blocked);
      if (!spurPath) continue;
      const total = [...root.slice(0, -1), ...spurPath];
      const key = total.join('\u0001');
      if (seen.has(key)) continue;
      seen.add(key);
      candidates.push(total);
    }
    if (candidates.length === 0) break;
    // Fewest hops first, then by text, so the answer does not depend on discovery order.
    candidates.sort((a, b) => a.length - b.length || (a.join(' ') < b.join(' ') ? -1 : 1));
    found.push(candidates.shift()!);
  }
  return found;
}

/** Hops to the nearest target from every node that can reach one (reverse BFS). */
export function distanceToTargets(ag: AttackGraph, targets: Iterable<string>): Map<string, number> {
  const dist = new Map<string, number>();
  const inn = adjacency(ag).in;
  let frontier: string[] = [];
  for (const t of targets) {
    if (!ag.graph.hasNode(t) || dist.has(t)) continue;
    dist.set(t, 0);
    frontier.push(t);
  }
  for (let d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const v of frontier) {
      for (const u of inn.get(v) ?? []) {
        if (dist.has(u)) continue;
        dist.set(u, d);
        next.push(u);
      }
    }
    frontier = next;
  }
  return dist;
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
  const dist = distanceToTargets(ag, targets);
  const out = adjacency(ag).out;
  let count = 0;
  let work = 0;
  let capped = false;
  const onPath = new Set<string>();
  const walk = (u: string, depth: number): void => {
    if (capped) return;
    if (++work > PATH_COUNT_CAP * 5) {
      capped = true;
      return;
    }
    if (depth > 0 && targets.has(u)) {
      if (++count >= PATH_COUNT_CAP) {
        capped = true;
        return;
      }
    }
    if (depth === hopLimit) return;
    onPath.add(u);
    for (const v of out.get(u) ?? []) {
      const d = dist.get(v);
      if (d === undefined || depth + 1 + d > hopLimit || onPath.has(v)) continue;
      walk(v, depth + 1);
      if (capped) break;
    }
    onPath.delete(u);
  };
  if (ag.graph.hasNode(source) && dist.has(source)) walk(source, 0);
  return { count, capped, hopLimit };
}

/** A pod that stands for a workload node (its first pod), for explaining a connection. */
export function representativePod(ag: AttackGraph, id: string): Endpoint | undefined {
  const a = ag.graph.getNodeAttributes(id) as AttackNodeAttributes;
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
  const attrs = ag.graph.getEdgeAttributes(from, to);
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
  const attrs = ag.graph.getEdgeAttributes(from, to);
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
  }
}

export function describePath(ag: AttackGraph, nodes: readonly string[]): AttackPath {
  const hops: AttackHop[] = [];
  for (let i = 0; i + 1 < nodes.length; i++) hops.push(hopOf(ag, nodes[i]!, nodes[i + 1]!));
  return { nodes, hops };
}
