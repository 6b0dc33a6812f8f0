/**
 * Each node's strongest edges: what a dense graph keeps when drawing (or laying out) all of
 * them would cost more than it shows. An edge is kept when it is among the k heaviest of
 * either of its ends, so every node keeps its own strongest links in both directions.
 */
export function strongestPerNode<E>(edges: readonly E[], ends: (e: E) => readonly [string, string], weight: (e: E) => number, k: number): Set<E> {
  const byNode = new Map<string, E[]>();
  for (const e of edges) {
    for (const end of ends(e)) {
      const l = byNode.get(end);
      if (l) l.push(e);
      else byNode.set(end, [e]);
    }
  }
  const keep = new Set<E>();
  for (const l of byNode.values()) {
    l.sort((a, b) => weight(b) - weight(a));
    for (const e of l.slice(0, k)) keep.add(e);
  }
  return keep;
}
