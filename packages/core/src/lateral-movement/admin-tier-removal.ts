/**
 * Closing cut moves with one Admin-tier ClusterNetworkPolicy instead of NetworkPolicy edits:
 * the destination's ingress denies the sources, decided before any NetworkPolicy ("If Admin
 * tier has made a final decision (Accept or Deny) on a connection, then no further evaluation
 * is done"). It is the only change that closes what an Admin-tier Accept opens, and one object
 * where the NetworkPolicy change would edit several. Verified, as every proposal, by compiling
 * the changed cluster.
 */
import type { AttackGraph, WorkloadNodeAttributes } from './attack-graph.js';
import { closedBy, sourceOf, type ConnectionRemoval } from './connection-removal.js';
import { recompile } from '../engine/compile.js';
import { matchesSelector } from '../semantics/label-selector.js';
import { tierPolicyId, type Labels, type Pod, type TierPeer, type TierPolicy } from '../model/model.js';

const NS_LABEL = 'kubernetes.io/metadata.name';

function commonLabels(pods: readonly Pod[]): Labels {
  const first = pods[0]!;
  return Object.fromEntries(Object.entries(first.labels).filter(([k, v]) => pods.every((p) => p.labels[k] === v)));
}

export function proposeAdminTierDeny(ag: AttackGraph, ids: readonly string[], to: string): ConnectionRemoval {
  const { compiled } = ag;
  const { cluster } = compiled;
  const b = ag.graph.getNodeAttributes(to) as WorkloadNodeAttributes;
  const bPods = ag.index.endpointPods[b.endpoint]!.map((i) => cluster.pods[i]!);
  const base = { from: ids.join(', '), to, sources: [...ids], change: 'ClusterNetworkPolicy' as const, policies: [] };
  const found = ids.map((id) => sourceOf(ag, id));
  const problem = found.find((x): x is string => typeof x === 'string');
  if (problem !== undefined) return { ...base, changes: [], verified: false, alsoBlocks: [], problem };
  const sources = found.filter((x) => typeof x !== 'string');

  const nsLabels = (ns: string): Labels => cluster.namespaces.find((n) => n.name === ns)?.labels ?? { [NS_LABEL]: ns };
  // Before every Admin-tier policy that selects the destination: one of them may Accept the
  // very connections (priority 0 is the floor; ties go by kind and name, and the check below
  // says whether it held).
  const existing = (cluster.tierPolicies ?? []).filter(
    (p) =>
      p.tier === 'Admin' &&
      bPods.some((pod) => matchesSelector(p.subject.namespaceSelector, nsLabels(pod.namespace)) && (p.subject.podSelector === undefined || matchesSelector(p.subject.podSelector, pod.labels))),
  );
  const priority = existing.length === 0 ? 0 : Math.max(0, Math.min(...existing.map((p) => p.priority)) - 1);
  const peers: TierPeer[] = sources.map((s) => ({
    kind: 'pods',
    namespaceSelector: { matchLabels: { [NS_LABEL]: s.namespace } },
    podSelector: { matchLabels: { [s.label[0]]: s.label[1] } },
  }));
  const name = `lateral-deny-into-${b.namespace}-${b.name}`.slice(0, 253);
  const cnp: TierPolicy = {
    kind: 'ClusterNetworkPolicy',
    name,
    tier: 'Admin',
    priority,
    subject: { namespaceSelector: { matchLabels: { [NS_LABEL]: b.namespace } }, podSelector: { matchLabels: commonLabels(bPods) } },
    ingress: [{ name: 'deny-attack-path', action: 'Deny', peers }],
    egress: [],
  };
  const after = recompile(compiled, { ...cluster, tierPolicies: [...(cluster.tierPolicies ?? []), cnp] }, compiled.options);
  const affected = ag.workloads.filter((id) => {
    const w = ag.graph.getNodeAttributes(id) as WorkloadNodeAttributes;
    if (w.namespace !== b.namespace) return false;
    const pods = ag.index.endpointPods[w.endpoint]!.map((i) => cluster.pods[i]!);
    return pods.some((pod) => matchesSelector(cnp.subject.podSelector!, pod.labels));
  });
  const { verified, alsoBlocks } = closedBy(ag, after, ids, to, affected);
  const before = existing.length > 0 ? `, before ${existing.map(tierPolicyId).sort().join(', ')}` : '';
  return {
    ...base,
    tierPolicies: [cnp],
    changes: [
      `new ClusterNetworkPolicy ${name} (tier Admin, priority ${priority}${before}): ${to}'s ingress denies ${sources.map((s) => `${s.label[0]}=${s.label[1]} in ${s.namespace}`).join(', ')}, whatever NetworkPolicies say`,
    ],
    verified,
    alsoBlocks,
  };
}
