/**
 * A namespace opened on the map: its workloads' connections, summarised. Each edge is a
 * workload pair when both ends are drawn as workloads (inside the namespace, or inside one of
 * the namespaces the page has already opened, `detail`), and otherwise the workload and the
 * other end's namespace (or external address group), with how many workload pairs it stands for
 * and the union of their ports — not every workload pair of the cluster that touches it.
 */
import { isWorkloadEndpoint } from '@lateral/core';
import { endpointGroups, foldEdges, type GroupEdge } from './group-graph.js';
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
  return {
    namespace,
    edges: foldEdges(s, (a, b) => (groups[a] !== namespace && groups[b] !== namespace ? undefined : [end(a), end(b)])),
  };
}
