/**
 * Orders matrix rows so structure shows: a few rounds of barycentric sorting (each row moves
 * to the mean position of what it connects to), within fixed blocks (namespaces at workload
 * level). Cheap — O(rounds × edges) — and it pulls communicating groups into visible squares.
 */
export function barycentricOrder(n: number, edges: readonly (readonly [number, number])[], block: (i: number) => string = () => '', rounds = 6): number[] {
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) {
    adj[a]!.push(b);
    adj[b]!.push(a);
  }
  let order = [...Array(n).keys()].sort((a, b) => (block(a) < block(b) ? -1 : block(a) > block(b) ? 1 : adj[b]!.length - adj[a]!.length));
  for (let r = 0; r < rounds; r++) {
    const pos = new Float64Array(n);
    order.forEach((node, i) => (pos[node] = i));
    const bary = (i: number) => {
      const ns = adj[i]!;
      return ns.length ? ns.reduce((s, j) => s + pos[j]!, 0) / ns.length : pos[i]!;
    };
    const keys = order.map((i) => ({ i, b: bary(i), blk: block(i) }));
    keys.sort((x, y) => (x.blk < y.blk ? -1 : x.blk > y.blk ? 1 : x.b - y.b));
    order = keys.map((k) => k.i);
  }
  return order;
}
