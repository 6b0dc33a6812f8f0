/**
 * Compile stage 4, the connection check: one connection, one port, answered from the compiled
 * table and peer sets without any all-pairs work. Each direction goes through the tiers in the
 * documented order: Admin (first matching rule by priority decides; Pass goes on), NetworkPolicy
 * (decides for pods it isolates), Baseline, allowed.
 */
import { hasBit } from './bitset.js';
import type { ClassState } from './class-stage.js';
import { podIndexOf } from './compile-memo.js';
import { InputError } from '../model/errors.js';
import { tryParseIp, type IpAddress } from '../semantics/ip.js';
import { matchesSelector } from '../semantics/label-selector.js';
import type { Cluster, Endpoint, Labels, Pod, Protocol } from '../model/model.js';
import type { TierAction } from '../model/model.js';
import type { PeerSets } from './peer-sets.js';
import { calicoWalk, type WalkTier } from './calico-walk.js';
import {
  ALL_PEERS,
  ANY_POD,
  OWN_NAMESPACE,
  defaultNamespaceLabels,
  type CompiledTierPolicy,
  type PeerDef,
  type PolicyTable,
} from './policy-table.js';

/** One end of a connection as the engine sees it. */
interface Side {
  /** Node of the reachability relation, or -1 for a pod that is not part of the cluster. */
  readonly node: number;
  readonly pod?: Pod;
  /** For a pod outside the cluster: what the engine needs to evaluate it by its fields. */
  readonly foreign?: ForeignPod;
}

interface ForeignPod {
  readonly pod: Pod;
  readonly nsLabels: Labels;
  readonly ingress: readonly number[];
  readonly egress: readonly number[];
}

export interface ConnectionCheck {
  allowed(src: Endpoint, dst: Endpoint, port: number, protocol: Protocol): boolean;
  /** The external group of an address outside the cluster. */
  externalOf(ip: string): number;
  /** The node of the reachability relation an endpoint falls in (-1: a pod outside the cluster). */
  nodeOf(e: Endpoint): number;
}

export function connectionCheck(cluster: Cluster, table: PolicyTable, state: ClassState, sets: PeerSets): ConnectionCheck {
  const { policies, policiesByNs, peerDefs, rulePeerLists, portSpecs, blockRanges, nsIndex, nsNames, nsLabels } = table;
  const { classes, classCount, ipAtoms, matchPods } = state;
  const { rulePeerBits, classIngress, classEgress } = sets;
  const podSels = table.podSels;
  const nsSels = table.nsSels;

  // Built on first use and shared by compiles of the same pods (a what-if never asks).
  let podIndex: ReadonlyMap<Pod, number> | undefined;

  const parseEndpointIp = (ip: string): IpAddress => {
    const a = tryParseIp(ip);
    if (!a) throw new InputError(`invalid IP address "${ip}"`);
    return a;
  };

  const sideOf = (e: Endpoint): Side => {
    if (e.kind === 'ip') return { node: classCount + ipAtoms.groupOf(parseEndpointIp(e.ip)) };
    const i = (podIndex ??= podIndexOf(cluster.pods)).get(e.pod);
    if (i !== undefined) return { node: classes.podClass[i]!, pod: e.pod };
    // Not one of the cluster's pods: evaluate it by its fields against the compiled policies.
    const pod = e.pod;
    const ns = nsIndex.get(pod.namespace);
    const selecting = (ns === undefined ? [] : policiesByNs[ns]!).filter((pi) => {
      const s = policies[pi]!.subject;
      return s === ANY_POD || matchesSelector(podSels.selectors[s]!, pod.labels);
    });
    return {
      node: -1,
      pod,
      foreign: {
        pod,
        nsLabels: ns === undefined ? defaultNamespaceLabels(pod.namespace) : nsLabels[ns]!,
        ingress: selecting.filter((pi) => policies[pi]!.ingress !== null),
        egress: selecting.filter((pi) => policies[pi]!.egress !== null),
      },
    };
  };

  const peerHoldsForeign = (def: PeerDef, f: ForeignPod): boolean => {
    if (def.kind === 'none') return false;
    if (def.kind === 'hostPods') {
      if (!f.pod.hostNetwork) return false;
      const at = f.pod.node ?? null;
      if (def.at === null || at === null) return def.deny;
      return (at === def.at) === def.local;
    }
    if (def.kind === 'ipBlock') {
      if (def.pods === 'option' && !matchPods) return false;
      return f.pod.ips.some((ip) => {
        const a = state.parsePodIp(f.pod, ip);
        return blockRanges[def.block]!.some((r) => r.family === a.family && a.value >= r.start && a.value <= r.end);
      });
    }
    if (!def.hostNetwork && f.pod.hostNetwork) return false;
    const nsOk =
      def.nsSel === OWN_NAMESPACE
        ? f.pod.namespace === nsNames[def.ns]
        : matchesSelector(nsSels.selectors[def.nsSel]!, f.nsLabels);
    return nsOk && (def.podSel === ANY_POD || matchesSelector(podSels.selectors[def.podSel]!, f.pod.labels));
  };

  const ruleHolds = (rulePeers: number, side: Side): boolean => {
    if (rulePeers === ALL_PEERS) return true;
    if (side.node >= 0) return hasBit(rulePeerBits[rulePeers]!, side.node);
    return rulePeerLists[rulePeers]!.some((id) => peerHoldsForeign(peerDefs[id]!, side.foreign!));
  };

  /** Straight from the rule's ports: cheaper than atoms for one port, and exact for any pod. */
  const portsAllow = (spec: number, port: number, protocol: Protocol, dst: Pod | undefined): boolean => {
    const entries = portSpecs[spec]!.entries;
    if (entries === null) return true;
    return entries.some((p) => {
      if (typeof p.port === 'string') {
        // A named port resolves on the destination; an external address has none.
        const name = p.port;
        if (p.protocol !== null && p.protocol !== protocol) return false;
        return dst !== undefined && dst.ports.some((cp) => cp.name === name && cp.protocol === protocol && cp.containerPort === port);
      }
      if (p.protocol !== protocol) return false;
      if (p.port === undefined) return true;
      return port >= p.port && port <= (p.endPort ?? p.port);
    });
  };

  const selectingPolicies = (side: Side, direction: 'ingress' | 'egress'): readonly number[] => {
    if (side.foreign) return side.foreign[direction];
    if (side.node < 0 || side.node >= classCount) return [];
    return direction === 'ingress' ? classIngress[side.node]! : classEgress[side.node]!;
  };

  const subjectHolds = (policy: CompiledTierPolicy, subjects: readonly Uint32Array[], i: number, side: Side): boolean => {
    if (side.foreign) return peerHoldsForeign(peerDefs[policy.subject]!, side.foreign);
    return side.node >= 0 && side.node < classCount && hasBit(subjects[i]!, side.node);
  };

  /** The first matching rule's action in one tier, or null when no rule of the tier matches. */
  const tierAction = (
    tier: readonly CompiledTierPolicy[],
    subjects: readonly Uint32Array[],
    direction: 'ingress' | 'egress',
    subject: Side,
    peer: Side,
    port: number,
    protocol: Protocol,
    dst: Pod | undefined,
  ): TierAction | null => {
    for (let i = 0; i < tier.length; i++) {
      const p = tier[i]!;
      const rules = p[direction];
      if (rules.length === 0 || !subjectHolds(p, subjects, i, subject)) continue;
      for (const r of rules) if (portsAllow(r.ports, port, protocol, dst) && ruleHolds(r.peers, peer)) return r.action;
    }
    return null;
  };

  /** Under Cilium (reference/cilium.ts): deny rules first, then the union of allow lists for endpoints in default deny. */
  const ciliumAllows = (direction: 'ingress' | 'egress', subject: Side, peer: Side, port: number, protocol: Protocol, dst: Pod | undefined): boolean => {
    const cilium = table.cilium!;
    if (subject.pod?.hostNetwork) return true;
    const selected = cilium.policies.filter((p, i) =>
      subject.foreign
        ? peerHoldsForeign(peerDefs[p.subject]!, subject.foreign) && (p.node === undefined || (subject.foreign.pod.node ?? null) === p.node)
        : hasBit(sets.ciliumSubjects[i]!, subject.node),
    );
    const holds = (r: { peers: number; ports: number }) => portsAllow(r.ports, port, protocol, dst) && ruleHolds(r.peers, peer);
    if (selected.some((p) => (direction === 'ingress' ? p.ingressDeny : p.egressDeny).some(holds))) return false;
    const knp = selectingPolicies(subject, direction);
    const isolated = subject.foreign
      ? cilium.always || knp.length > 0 || selected.some((p) => p.source.defaultDeny[direction])
      : hasBit(sets.ciliumIsolated[direction], subject.node);
    if (!isolated) return true;
    return knp.some((pi) => policies[pi]![direction]!.some(holds)) || selected.some((p) => p[direction].some(holds));
  };

  /**
   * Calico (EvalOptions.cni `calico`): tiers by order; in each, the policies that select the
   * subject, rules in order, Allow/Deny decide and Pass goes to the next tier; a tier that
   * selects the subject and decides nothing ends in its default action; past the last, allowed.
   */
  let walk: WalkTier[] | undefined;
  const calicoAllows = (direction: 'ingress' | 'egress', subject: Side, peer: Side, port: number, protocol: Protocol, dst: Pod | undefined): boolean => {
    if (subject.foreign || peer.foreign) throw new InputError('with --cni calico, only pods of the cluster can be evaluated');
    walk ??= calicoWalk(table, state, sets);
    const s = subject.node;
    tiers: for (const tier of walk) {
      let selected = false;
      for (const p of tier.policies) {
        const rules = p[direction];
        if (rules === null || !hasBit(p.subject, s)) continue;
        selected = true;
        for (const r of rules) {
          if (r.local !== null && !hasBit(r.local, s)) continue;
          if (!portsAllow(r.ports, port, protocol, dst) || (r.notPorts >= 0 && portsAllow(r.notPorts, port, protocol, dst))) continue;
          if (!hasBit(r.peer, peer.node)) continue;
          if (r.action === 'Allow') return true;
          if (r.action === 'Deny') return false;
          continue tiers;
        }
      }
      if (selected && tier.end === 'Deny') return false;
    }
    return true;
  };

  const directionAllows = (direction: 'ingress' | 'egress', subject: Side, peer: Side, port: number, protocol: Protocol, dst: Pod | undefined): boolean => {
    if (table.calico) return calicoAllows(direction, subject, peer, port, protocol, dst);
    if (table.cilium) return ciliumAllows(direction, subject, peer, port, protocol, dst);
    const admin = tierAction(table.admin, sets.adminSubjects, direction, subject, peer, port, protocol, dst);
    if (admin === 'Allow') return true;
    if (admin === 'Deny') return false;
    const selecting = selectingPolicies(subject, direction);
    if (selecting.length > 0) {
      return selecting.some((pi) =>
        policies[pi]![direction]!.some((r) => portsAllow(r.ports, port, protocol, dst) && ruleHolds(r.peers, peer)),
      );
    }
    return tierAction(table.baseline, sets.baselineSubjects, direction, subject, peer, port, protocol, dst) !== 'Deny';
  };

  const allowed = (src: Endpoint, dst: Endpoint, port: number, protocol: Protocol): boolean => {
    if (src.kind === 'ip' && dst.kind === 'ip') return true;
    if (
      src.kind === 'pod' &&
      dst.kind === 'pod' &&
      (src.pod === dst.pod || (src.pod.namespace === dst.pod.namespace && src.pod.name === dst.pod.name))
    ) {
      return true;
    }
    const s = sideOf(src);
    const d = sideOf(dst);
    if (src.kind === 'pod' && !directionAllows('egress', s, d, port, protocol, d.pod)) return false;
    return dst.kind === 'ip' || directionAllows('ingress', d, s, port, protocol, d.pod);
  };

  return { allowed, externalOf: (ip: string) => ipAtoms.groupOf(parseEndpointIp(ip)), nodeOf: (e: Endpoint) => sideOf(e).node };
}
