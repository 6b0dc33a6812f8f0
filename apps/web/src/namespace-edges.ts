/**
 * A namespace opened on the map: its workloads' connections, summarised. Each edge is a
 * workload pair when both ends are drawn as workloads (inside the namespace, or inside one of
 * the namespaces the page has already opened, `detail`), and otherwise the workload and the
 * other end's namespace (or external address group), with how many workload pairs it stands for
 * and the union of their ports — not every workload pair of the cluster that touches it.
 */
import { EMPTY_PROTO_PORTS, formatProtoPorts, isWorkloadEndpoint, unionProtoPorts, type ProtoPorts } from '@lateral/core';
import { endpointGroups, forEachEndpointPair, type GroupEdge } from './group-graph.js';
import type { Session } from './session.js';

export interface NamespaceEdges {
  readonly namespace: string;
  /** `from`/`to`: an endpoint id, or a namespace name (or external id) standing for its workloads. */
  readonly edges: readonly GroupEdge[];
}

export function namespaceEdges(s: Session, namespace: string, detail: ReadonlySet<string> = new Set()): NamespaceEdges {
  const groups = endpointGroups(s);
  const eps = s.index.endpoints;
  const end = (i: number): string => {
    const g = groups[i]!;
    return isWorkloadEndpoint(eps[i]!) && (g === namespace || detail.has(g)) ? eps[i]!.id : g;
  };
  const edges = new Map<string, { from: string; to: string; pairs: number; ports: ProtoPorts; seen: Set<unknown> }>();
  forEachEndpointPair(s, (a, b, ports) => {
    if (groups[a] !== namespace && groups[b] !== namespace) return;
    const from = end(a);
    const to = end(b);
    const key = `${from}\u0000${to}`;
    let e = edges.get(key);
    if (!e) edges.set(key, (e = { from, to, pairs: 0, ports: EMPTY_PROTO_PORTS, seen: new Set() }));
    e.pairs++;
    if (!e.seen.has(ports)) {
      e.seen.add(ports);
      e.ports = unionProtoPorts(e.ports, ports);
    }
  });
  return {
    namespace,
    edges: [...edges.values()]
      .map((e) => ({ from: e.from, to: e.to, pairs: e.pairs, ports: formatProtoPorts(e.ports), portRanges: e.ports }))
      .sort((x, y) => (x.from !== y.from ? (x.from < y.from ? -1 : 1) : x.to < y.to ? -1 : x.to > y.to ? 1 : 0)),
  };
}
