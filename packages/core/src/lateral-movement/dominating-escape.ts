/**
 * When one escape makes (nearly) every workload reach everything — a privileged DaemonSet on
 * every node, a token that may start privileged pods — every ranking reads "100%" and carries
 * no signal. Find that escape, say it once, propose the de-privileging change (verified by
 * building the attack graph of the changed cluster), and rank the rest with it set aside.
 */
import { buildAttackGraph, withoutMoves, type AttackEdgeAttributes, type AttackGraph, type WorkloadNodeAttributes } from './attack-graph.js';
import { attackClosure, type AttackClosure } from './attack-closure.js';
import { adjacency } from './adjacency.js';
import { recompile } from '../engine/compile.js';
import { emptyBitset, setBit, type Bitset } from '../engine/bitset.js';
import { NO_SECURITY_FLAGS, type Cluster } from '../model/model.js';
import { POD_SECURITY_ENFORCE } from './identity.js';

export interface DominatingEscape {
  /** The workload or identity whose escalation moves are set aside. */
  readonly id: string;
  /** Its escalation evidence (the first reason). */
  readonly because: string;
  /** Workloads that reach it (and through it, every node). */
  readonly reachedBy: number;
  /** Workloads reaching every other workload with it, and without it. */
  readonly saturatedWith: number;
  readonly saturatedWithout: number;
  /** The change that takes the escape away, checked on the changed cluster. */
  readonly deprivilege: { readonly changes: readonly string[]; readonly verified: boolean };
}

export interface SetAside {
  readonly escapes: readonly DominatingEscape[];
  /** The graph the rankings are computed on: the input's, or with the escapes set aside. */
  readonly ag: AttackGraph;
  readonly closure: AttackClosure;
}

function workloadMask(ag: AttackGraph, closure: AttackClosure): Bitset {
  const mask = emptyBitset(closure.ids.length);
  for (const id of ag.workloads) setBit(mask, closure.indexOf.get(id)!);
  return mask;
}

function saturated(ag: AttackGraph, closure: AttackClosure): number {
  const mask = workloadMask(ag, closure);
  const all = ag.workloads.length - 1;
  return ag.workloads.filter((id) => closure.countReached(closure.indexOf.get(id)!, mask) >= all).length;
}

/** Nodes with escalation moves onto machines: escaping workloads, identities that may start privileged pods. */
function escapeSources(ag: AttackGraph): string[] {
  const { ids, nodeAttrs, outStart, outTo, outAttr, edgeAttrs } = adjacency(ag);
  const out: string[] = [];
  for (let u = 0; u < ids.length; u++) {
    if (nodeAttrs[u]!.kind === 'node') continue;
    for (let k = outStart[u]!, end = outStart[u + 1]!; k < end; k++) {
      if (edgeAttrs[outAttr[k]!]!.kind === 'escalation' && nodeAttrs[outTo[k]!]!.kind === 'node') {
        out.push(ids[u]!);
        break;
      }
    }
  }
  return out.sort();
}

/** The attributes of a node's moves, in their order (on the integer adjacency: no named graph). */
function movesOf(ag: AttackGraph, id: string): AttackEdgeAttributes[] {
  const { indexOf, outStart, outAttr, edgeAttrs } = adjacency(ag);
  const u = indexOf.get(id);
  if (u === undefined) return [];
  const out: AttackEdgeAttributes[] = [];
  for (let k = outStart[u]!, end = outStart[u + 1]!; k < end; k++) out.push(edgeAttrs[outAttr[k]!]!);
  return out;
}

function withoutEscape(ag: AttackGraph, id: string): AttackGraph {
  const u = adjacency(ag).indexOf.get(id);
  return withoutMoves(ag, (from, _to, a) => from === u && a.kind === 'escalation');
}

function deprivilege(ag: AttackGraph, id: string): DominatingEscape['deprivilege'] {
  const { compiled } = ag;
  const { cluster } = compiled;
  const adj = adjacency(ag);
  const attrs = adj.nodeAttrs[adj.indexOf.get(id)!]!;
  let changed: Cluster;
  let changes: string[];
  if (attrs.kind === 'workload') {
    const w = attrs as WorkloadNodeAttributes;
    const mine = new Set(ag.index.endpointPods[w.endpoint]!);
    const pod = cluster.pods[ag.index.endpointPods[w.endpoint]![0]!]!;
    changed = { ...cluster, pods: cluster.pods.map((p, i) => (mine.has(i) ? { ...p, security: NO_SECURITY_FLAGS, hostNetwork: false } : p)) };
    changes = [
      `${pod.owner.kind} ${pod.owner.namespace}/${pod.owner.name}: drop ${w.escapes.join(', ')} from its pod template (read logs through a read-only hostPath-free agent or the runtime's API), or keep it off the nodes that run crown jewels`,
    ];
  } else {
    // An identity that may start privileged pods: its namespaces' Pod Security level.
    const reasons = movesOf(ag, id).filter((a) => a.kind === 'escalation');
    const nss = new Set(cluster.namespaces.filter((n) => reasons.some((r) => r.kind === 'escalation' && r.reason.includes(`namespace ${n.name} has`))).map((n) => n.name));
    changed = { ...cluster, namespaces: cluster.namespaces.map((n) => (nss.has(n.name) ? { ...n, labels: { ...n.labels, [POD_SECURITY_ENFORCE]: 'baseline' } } : n)) };
    changes = [...nss].map((n) => `Namespace ${n}: label ${POD_SECURITY_ENFORCE}=baseline (no privileged, hostPath or hostPID pods), or take the pod-creating grant from ${id.replace(/^sa:/, 'ServiceAccount ')}`);
    if (changes.length === 0) changes = [`take the grants that make ${id} cluster admin`];
  }
  const after = buildAttackGraph(recompile(compiled, changed, compiled.options), ag.options);
  const verified = movesOf(after, id).every((a) => a.kind !== 'escalation');
  return { changes, verified };
}

/**
 * Sets aside, one at a time, the escape whose absence frees most workloads, while at least half
 * of the workloads reach every other one (at most three rounds).
 */
export function setAsideDominatingEscapes(ag: AttackGraph, closure = attackClosure(ag)): SetAside {
  const escapes: DominatingEscape[] = [];
  let current = ag;
  let currentClosure = closure;
  const half = Math.max(2, Math.ceil(ag.workloads.length / 2));
  for (let round = 0; round < 3; round++) {
    const sat = saturated(current, currentClosure);
    if (sat < half) break;
    const mask = workloadMask(current, currentClosure);
    const reachedBy = currentClosure.reachedByCounts(mask);
    // The few most reached escapes are tried; the one whose absence frees most workloads wins,
    // and only if it frees a quarter of them: otherwise the cluster is flat on its own.
    const candidates = escapeSources(current)
      .map((id) => ({ id, by: reachedBy[currentClosure.indexOf.get(id)!]! }))
      .sort((a, b) => b.by - a.by || (a.id < b.id ? -1 : 1))
      .slice(0, 3)
      .map((c) => {
        const g = withoutEscape(current, c.id);
        const cl = attackClosure(g);
        return { ...c, g, cl, without: saturated(g, cl) };
      })
      .sort((a, b) => a.without - b.without || b.by - a.by);
    const best = candidates[0];
    if (!best || sat - best.without < Math.max(1, Math.ceil(ag.workloads.length / 4))) break;
    const reason = movesOf(current, best.id).find((a) => a.kind === 'escalation');
    escapes.push({
      id: best.id,
      because: reason?.kind === 'escalation' ? reason.reason : '',
      reachedBy: best.by,
      saturatedWith: sat,
      saturatedWithout: best.without,
      deprivilege: deprivilege(ag, best.id),
    });
    const next = best.g;
    const nextClosure = best.cl;
    current = next;
    currentClosure = nextClosure;
  }
  return { escapes, ag: current, closure: currentClosure };
}
