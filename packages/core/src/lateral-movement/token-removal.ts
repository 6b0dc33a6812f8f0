/**
 * How to take a token away from a workload: its pods stop mounting it
 * (automountServiceAccountToken: false on the pod template). A NetworkPolicy could deny the
 * workload's egress to the API server instead, but controllers, operators and CI runners need
 * that egress for their own work; not mounting the token is the change that keeps them
 * working unless they call the API themselves (then the grant is what to narrow). Verified,
 * like every proposal, by building the attack graph of the changed cluster.
 */
import { buildAttackGraph, type AttackGraph, type WorkloadNodeAttributes } from './attack-graph.js';
import { recompile } from '../engine/compile.js';
import type { ConnectionRemoval } from './connection-removal.js';

export function proposeTokenRemoval(ag: AttackGraph, from: string, to: string): ConnectionRemoval {
  const { compiled } = ag;
  const { cluster } = compiled;
  const a = ag.graph.getNodeAttributes(from) as WorkloadNodeAttributes;
  const mine = new Set(ag.index.endpointPods[a.endpoint]!);
  const pods = cluster.pods.map((p, i) => (mine.has(i) ? { ...p, automountServiceAccountToken: false } : p));
  const pod = cluster.pods[ag.index.endpointPods[a.endpoint]![0]!]!;
  const after = buildAttackGraph(recompile(compiled, { ...cluster, pods }, compiled.options), ag.options);
  const verified = !after.graph.hasNode(from) || !after.graph.hasEdge(from, to);
  return {
    from,
    to,
    sources: [from],
    change: 'token',
    policies: [],
    changes: [
      `${pod.owner.kind} ${pod.owner.namespace}/${pod.owner.name}: set spec.template.spec.automountServiceAccountToken: false (its pods then hold no ${a.token?.serviceAccount ?? 'ServiceAccount'} token); if it calls the API itself, narrow what RBAC grants that ServiceAccount instead`,
    ],
    verified,
    alsoBlocks: [],
  };
}
