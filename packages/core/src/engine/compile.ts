/**
 * The fast engine: compiles a cluster once into pod classes, external groups, port atoms and
 * bitsets of peers and subjects, then answers single connections (allowed) and all pairs
 * (reach) from them. The contract is reachability.ts; the semantics are NetworkPolicy v1 as
 * the reference evaluator (reference.ts) spells them out, and the differential test holds the
 * two together.
 *
 * Cost grows with classes x rules: selectors are evaluated once per distinct label set (via an
 * inverted index), namespace selectors once per namespace, and every later step works on
 * classes and external groups, never on pod pairs.
 */
import { reachabilityOf, type DestinationGroups } from './all-pairs.js';
import {
  emptyBitset,
  forEachBit,
  fullBitset,
  hasBit,
  orInto,
  setBit,
  type Bitset,
} from './bitset.js';
import { InputError } from '../model/errors.js';
import { tryParseIp, type IpAddress, type IpRange } from '../semantics/ip.js';
import { IpAtoms, ipBlockRanges } from './ip-atoms.js';
import { isEmptySelector, matchesSelector } from '../semantics/label-selector.js';
import { effectivePolicyTypes } from '../semantics/policy-types.js';
import {
  DEFAULT_EVAL_OPTIONS,
  type Cluster,
  type Endpoint,
  type EvalOptions,
  type Labels,
  type NetworkPolicy,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type Pod,
  type PolicyType,
  type Protocol,
} from '../model/model.js';
import { CompileMemo } from './compile-memo.js';
import { buildPodClasses } from './pod-classes.js';
import { AtomSets, PortCuts } from './port-atoms.js';
import type { CompiledCluster, Reachability } from './reachability.js';
import { buildEndpointIndex } from '../workloads/workload-reach.js';
import type { EndpointIndex } from '../workloads/endpoint-types.js';

/** A peer's podSelector that is absent or `{}`: every pod of the namespaces in question. */
const ANY_POD = -1;
/** A peer without namespaceSelector: the policy's own namespace. */
const OWN_NAMESPACE = -1;
/** Rule-peers id of an absent or empty from/to: every pod and every external address. */
const ALL_PEERS = 0;
/** Port-spec id of an absent or empty ports list: every port of every protocol. */
const ALL_PORTS = 0;

type PeerDef =
  | { readonly kind: 'pods'; readonly ns: number; readonly nsSel: number; readonly podSel: number }
  | { readonly kind: 'ipBlock'; readonly block: number };

interface CompiledRule {
  /** Rule-peers id: the union of the rule's peers. */
  readonly peers: number;
  readonly ports: number;
}

interface CompiledPolicy {
  readonly ns: number;
  /** Selector id, or ANY_POD for `{}`. */
  readonly subject: number;
  /** null when the policy's types leave out Ingress (its ingress rules are then ignored). */
  readonly ingress: readonly CompiledRule[] | null;
  readonly egress: readonly CompiledRule[] | null;
}

interface PortSpec {
  /** null: every port of every protocol. */
  readonly entries: readonly NetworkPolicyPort[] | null;
  readonly named: readonly { readonly name: string; readonly protocol: Protocol }[];
}

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

/**
 * Labels of a namespace by name. A namespace the input does not list still carries the label
 * the API server puts on every namespace, so `kubernetes.io/metadata.name` selectors work.
 */
function defaultNamespaceLabels(name: string): Labels {
  return { 'kubernetes.io/metadata.name': name };
}

function policyObject(p: NetworkPolicy): string {
  return `NetworkPolicy ${p.namespace}/${p.name}`;
}

/** The error with `field` put in front of its field path (outer layers know the outer path). */
function withField(e: unknown, field: string, object?: string): unknown {
  if (!(e instanceof InputError)) return e;
  const inner = e.location.field;
  return new InputError(e.detail, {
    ...e.location,
    ...(object !== undefined ? { object } : {}),
    field: inner ? `${field}.${inner}` : field,
  });
}

/** What each compiled cluster learnt, for recompile to start from. */
const memos = new WeakMap<CompiledCluster, CompileMemo>();

/**
 * Compiles a cluster for fast queries. Throws InputError for what cannot be evaluated (an
 * ipBlock CIDR or a pod IP that does not parse), naming the object and field.
 */
export function compile(cluster: Cluster, options: EvalOptions = DEFAULT_EVAL_OPTIONS): CompiledCluster {
  return compileWith(cluster, options, new CompileMemo());
}

/**
 * Compiles `cluster` — typically `previous.cluster` with a policy or some labels changed, as a
 * what-if makes it — reusing what `previous` evaluated: selector answers per label set (only
 * selectors the change introduced are evaluated), namespace-selector answers per namespace
 * label set, and parsed pod IPs of pods that are the same objects. The result is the one
 * compile(cluster, options) gives, class numbering included (classes are numbered by their
 * first pod, and the partition does not depend on how selectors are numbered).
 */
export function recompile(previous: CompiledCluster, cluster: Cluster, options: EvalOptions = previous.options): CompiledCluster {
  return compileWith(cluster, options, memos.get(previous) ?? new CompileMemo());
}

function compileWith(cluster: Cluster, options: EvalOptions, memo: CompileMemo): CompiledCluster {
  const matchPods = (options.ipBlockPods ?? 'match') === 'match';

  // --- Namespaces -----------------------------------------------------------------------
  const nsIndex = new Map<string, number>();
  const nsNames: string[] = [];
  const nsLabels: Labels[] = [];
  const addNamespace = (name: string, labels: Labels): number => {
    let i = nsIndex.get(name);
    if (i === undefined) {
      i = nsNames.length;
      nsIndex.set(name, i);
      nsNames.push(name);
      nsLabels.push(labels);
    }
    return i;
  };
  for (const ns of cluster.namespaces) addNamespace(ns.name, ns.labels);
  const podNamespace = Int32Array.from(cluster.pods, (p) => addNamespace(p.namespace, defaultNamespaceLabels(p.namespace)));

  // --- Policies, peers, port specs, interned ------------------------------------------------
  const podSels = memo.podSelectors;
  const nsSels = memo.namespaceSelectors;
  const peerDefs: PeerDef[] = [];
  const peerIds = new Map<string, number>();
  const blockRanges: IpRange[][] = [];
  const blockIds = new Map<string, number>();
  const rulePeerLists: (readonly number[] | null)[] = [null];
  const rulePeerIds = new Map<string, number>();
  const portSpecs: PortSpec[] = [{ entries: null, named: [] }];
  const portSpecIds = new Map<string, number>();
  const portNames = new Set<string>();

  const peerId = (peer: NetworkPolicyPeer, policyNs: number): number => {
    let key: string;
    let def: PeerDef;
    // The API server accepts exactly one of ipBlock or selectors; if both were given, the
    // ipBlock is what the peer means (as in the reference evaluator).
    if (peer.ipBlock) {
      const ranges = ipBlockRanges(peer.ipBlock);
      const rk = ranges.map((r) => `${r.family}:${r.start}-${r.end}`).join(',');
      let block = blockIds.get(rk);
      if (block === undefined) {
        block = blockRanges.length;
        blockIds.set(rk, block);
        blockRanges.push(ranges);
      }
      key = `b${block}`;
      def = { kind: 'ipBlock', block };
    } else {
      const nsSel = peer.namespaceSelector ? nsSels.add(peer.namespaceSelector) : OWN_NAMESPACE;
      const podSel = peer.podSelector && !isEmptySelector(peer.podSelector) ? podSels.add(peer.podSelector) : ANY_POD;
      const ns = nsSel === OWN_NAMESPACE ? policyNs : -1;
      key = `p${ns}:${nsSel}:${podSel}`;
      def = { kind: 'pods', ns, nsSel, podSel };
    }
    let id = peerIds.get(key);
    if (id === undefined) {
      id = peerDefs.length;
      peerIds.set(key, id);
      peerDefs.push(def);
    }
    return id;
  };

  const rulePeersId = (peers: readonly NetworkPolicyPeer[] | undefined, policyNs: number, field: string): number => {
    if (peers === undefined || peers.length === 0) return ALL_PEERS;
    const ids = [
      ...new Set(
        peers.map((p, i) => {
          try {
            return peerId(p, policyNs);
          } catch (e) {
            throw withField(e, `${field}[${i}]`);
          }
        }),
      ),
    ].sort((a, b) => a - b);
    const key = ids.join(',');
    let id = rulePeerIds.get(key);
    if (id === undefined) {
      id = rulePeerLists.length;
      rulePeerIds.set(key, id);
      rulePeerLists.push(ids);
    }
    return id;
  };

  const portSpecId = (ports: readonly NetworkPolicyPort[] | undefined): number => {
    if (ports === undefined || ports.length === 0) return ALL_PORTS;
    const key = JSON.stringify(ports.map((p) => [p.protocol ?? 'TCP', p.port ?? null, p.endPort ?? null]));
    let id = portSpecIds.get(key);
    if (id === undefined) {
      id = portSpecs.length;
      portSpecIds.set(key, id);
      const named: { name: string; protocol: Protocol }[] = [];
      for (const p of ports) {
        if (typeof p.port === 'string') {
          portNames.add(p.port);
          named.push({ name: p.port, protocol: p.protocol ?? 'TCP' });
        }
      }
      portSpecs.push({ entries: ports, named });
    }
    return id;
  };

  const policies: CompiledPolicy[] = cluster.policies.map((policy) => {
    const object = policyObject(policy);
    const ns = addNamespace(policy.namespace, defaultNamespaceLabels(policy.namespace));
    const types = effectivePolicyTypes(policy);
    const subject = isEmptySelector(policy.podSelector) ? ANY_POD : podSels.add(policy.podSelector);
    const rule = (
      peers: readonly NetworkPolicyPeer[] | undefined,
      peersField: 'from' | 'to',
      ports: readonly NetworkPolicyPort[] | undefined,
      field: string,
    ): CompiledRule => {
      try {
        return { peers: rulePeersId(peers, ns, peersField), ports: portSpecId(ports) };
      } catch (e) {
        throw withField(e, field, object);
      }
    };
    return {
      ns,
      subject,
      // An Ingress policy with absent or empty `ingress` has no rule, so it allows nothing in.
      ingress: types.includes('Ingress')
        ? (policy.ingress ?? []).map((r, i) => rule(r.from, 'from', r.ports, `spec.ingress[${i}]`))
        : null,
      egress: types.includes('Egress')
        ? (policy.egress ?? []).map((r, i) => rule(r.to, 'to', r.ports, `spec.egress[${i}]`))
        : null,
    };
  });
  const nsCount = nsNames.length;
  const policiesByNs: number[][] = Array.from({ length: nsCount }, () => []);
  policies.forEach((p, i) => policiesByNs[p.ns]!.push(i));

  // --- Namespace selectors, once per namespace --------------------------------------------
  const nsSelNamespaces: number[][] = Array.from({ length: nsSels.size }, () => []);
  for (let ns = 0; ns < nsCount; ns++) for (const id of memo.namespaceSelectorsOf(nsLabels[ns]!)) nsSelNamespaces[id]!.push(ns);

  // --- Which pod selectors matter in which namespace ----------------------------------------
  const relevant: Set<number>[] = Array.from({ length: nsCount }, () => new Set());
  for (const p of policies) if (p.subject !== ANY_POD) relevant[p.ns]!.add(p.subject);
  for (const def of peerDefs) {
    if (def.kind !== 'pods' || def.podSel === ANY_POD) continue;
    if (def.nsSel === OWN_NAMESPACE) relevant[def.ns]!.add(def.podSel);
    else for (const ns of nsSelNamespaces[def.nsSel]!) relevant[ns]!.add(def.podSel);
  }

  // --- External address groups and pod IPs ------------------------------------------------
  const ipAtoms = new IpAtoms(blockRanges);
  const externalCount = ipAtoms.groups.length;
  const parsePodIp = (pod: Pod, ip: string): IpAddress => {
    const a = tryParseIp(ip);
    if (!a) throw new InputError(`invalid pod IP "${ip}"`, { object: `Pod ${pod.namespace}/${pod.name}`, field: 'status.podIPs' });
    return a;
  };
  // Only groups inside some ipBlock matter: an address no ipBlock covers is the same to
  // policy as having no known address at all.
  const podIpGroupsOf = () =>
    matchPods && blockRanges.length > 0
      ? cluster.pods.map((pod) => {
          if (pod.ips.length === 0) return [];
          const groups = new Set<number>();
          for (const a of memo.podIps(pod, (ip) => parsePodIp(pod, ip))) {
            const g = ipAtoms.groupOf(a);
            if (ipAtoms.groupBlocks[g]!.length > 0) groups.add(g);
          }
          return [...groups].sort((a, b) => a - b);
        })
      : undefined;

  // --- Pod classes ----------------------------------------------------------------------
  // A namespace's relevant set, named: a label set's answer is reused while it is unchanged.
  const relevantSignature = relevant.map((r) => [...r].sort((a, b) => a - b).join(','));
  // Everything the partition depends on besides the pods themselves: when a change leaves it
  // as it was (a policy edit that brings no new selector, port name or ipBlock to any
  // namespace), the previous compile's classes are this compile's classes.
  const classesKey = [relevantSignature.join('|'), [...portNames].sort().join(','), matchPods, [...blockIds.keys()].join(';')].join('#');
  const last = memo.lastClasses;
  const classes =
    last && last.pods === cluster.pods && last.namespaces === cluster.namespaces && last.key === classesKey
      ? last.classes
      : buildClasses();
  memo.lastClasses = { pods: cluster.pods, namespaces: cluster.namespaces, key: classesKey, classes };
  function buildClasses() {
    const podIpGroups = podIpGroupsOf();
    return buildPodClasses({
    podSelectors: (i) => {
      const ns = podNamespace[i]!;
      return memo.podSelectorsOf(cluster.pods[i]!, relevant[ns]!, relevantSignature[ns]!);
    },
    pods: cluster.pods,
    podNamespace,
    namespaceCount: nsCount,
    selectors: podSels,
    relevant,
    portNames,
    ...(podIpGroups ? { podIpGroups } : {}),
  });
  }
  const classCount = classes.count;
  const nodeCount = classCount + externalCount;
  const nsClasses: number[][] = Array.from({ length: nsCount }, () => []);
  const nsSelClasses: Map<number, number[]>[] = Array.from({ length: nsCount }, () => new Map());
  for (let c = 0; c < classCount; c++) {
    const ns = classes.classNamespace[c]!;
    nsClasses[ns]!.push(c);
    const bySel = nsSelClasses[ns]!;
    for (const sel of classes.classSelectors[c]!) {
      const list = bySel.get(sel);
      if (list) list.push(c);
      else bySel.set(sel, [c]);
    }
  }
  const classesMatching = (ns: number, podSel: number): readonly number[] =>
    podSel === ANY_POD ? nsClasses[ns]! : (nsSelClasses[ns]!.get(podSel) ?? []);

  // --- Port atoms ----------------------------------------------------------------------
  const cuts = new PortCuts();
  for (const spec of portSpecs) {
    for (const p of spec.entries ?? []) {
      if (typeof p.port === 'number') cuts.addRange(p.protocol ?? 'TCP', p.port, p.endPort ?? p.port);
    }
  }
  for (const set of classes.namedPortSets) for (const np of set) cuts.addRange(np.protocol, np.port, np.port);
  const atoms = cuts.build();
  const atomSets = new AtomSets(atoms);
  const allAtoms = atomSets.intern(atoms.all());
  const numericAtoms = portSpecs.map((spec) => {
    if (spec.entries === null) return allAtoms;
    const set = atoms.empty();
    for (const p of spec.entries) {
      const protocol = p.protocol ?? 'TCP';
      if (p.port === undefined) atoms.addProtocol(set, protocol);
      else if (typeof p.port === 'number') atoms.addRange(set, protocol, p.port, p.endPort ?? p.port);
    }
    return atomSets.intern(set);
  });
  const namedSetCount = classes.namedPortSets.length;
  const atomMemo = new Map<number, number>();
  /** The atoms a port spec allows toward a destination with named-port set `np` (0: none, as for externals). */
  const atomsToward = (spec: number, np: number): number => {
    const s = portSpecs[spec]!;
    if (s.named.length === 0 || np === 0) return numericAtoms[spec]!;
    const key = spec * namedSetCount + np;
    let id = atomMemo.get(key);
    if (id === undefined) {
      const set = atomSets.sets[numericAtoms[spec]!]!.slice();
      for (const want of s.named) {
        for (const have of classes.namedPortSets[np]!) {
          if (have.name === want.name && have.protocol === want.protocol) {
            atoms.addRange(set, have.protocol, have.port, have.port);
          }
        }
      }
      id = atomSets.intern(set);
      atomMemo.set(key, id);
    }
    return id;
  };
  const namedSetOf = (node: number): number => (node < classCount ? classes.classNamedPorts[node]! : 0);

  // --- Peers and subjects as bitsets over nodes ------------------------------------------
  const groupClasses: number[][] = Array.from({ length: externalCount }, () => []);
  if (matchPods) {
    for (let c = 0; c < classCount; c++) for (const g of classes.classIpGroups[c]!) groupClasses[g]!.push(c);
  }
  const blockGroups: number[][] = Array.from({ length: blockRanges.length }, () => []);
  ipAtoms.groupBlocks.forEach((blocks, g) => {
    for (const b of blocks) blockGroups[b]!.push(g);
  });
  const peerBits: Bitset[] = peerDefs.map((def) => {
    const bits = emptyBitset(nodeCount);
    if (def.kind === 'ipBlock') {
      for (const g of blockGroups[def.block]!) {
        setBit(bits, classCount + g);
        // Pods whose IPs fall in the block: the upstream e2e reading (EvalOptions.ipBlockPods).
        for (const c of groupClasses[g]!) setBit(bits, c);
      }
    } else if (def.nsSel === OWN_NAMESPACE) {
      for (const c of classesMatching(def.ns, def.podSel)) setBit(bits, c);
    } else {
      for (const ns of nsSelNamespaces[def.nsSel]!) for (const c of classesMatching(ns, def.podSel)) setBit(bits, c);
    }
    return bits;
  });
  const everyNode = fullBitset(nodeCount);
  const rulePeerBits: Bitset[] = rulePeerLists.map((ids) => {
    if (ids === null) return everyNode;
    if (ids.length === 1) return peerBits[ids[0]!]!;
    const bits = emptyBitset(nodeCount);
    for (const id of ids) orInto(bits, peerBits[id]!);
    return bits;
  });

  const subjectClasses = (p: CompiledPolicy): readonly number[] => classesMatching(p.ns, p.subject);
  const classIngress: number[][] = Array.from({ length: classCount }, () => []);
  const classEgress: number[][] = Array.from({ length: classCount }, () => []);
  policies.forEach((p, i) => {
    if (p.ingress === null && p.egress === null) return;
    for (const c of subjectClasses(p)) {
      if (p.ingress !== null) classIngress[c]!.push(i);
      if (p.egress !== null) classEgress[c]!.push(i);
    }
  });

  // --- Single connections -------------------------------------------------------------
  const podIndex = new Map<Pod, number>();
  cluster.pods.forEach((p, i) => {
    if (!podIndex.has(p)) podIndex.set(p, i);
  });

  const parseEndpointIp = (ip: string): IpAddress => {
    const a = tryParseIp(ip);
    if (!a) throw new InputError(`invalid IP address "${ip}"`);
    return a;
  };

  const sideOf = (e: Endpoint): Side => {
    if (e.kind === 'ip') return { node: classCount + ipAtoms.groupOf(parseEndpointIp(e.ip)) };
    const i = podIndex.get(e.pod);
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
    if (def.kind === 'ipBlock') {
      if (!matchPods) return false;
      return f.pod.ips.some((ip) => {
        const a = parsePodIp(f.pod, ip);
        return blockRanges[def.block]!.some((r) => r.family === a.family && a.value >= r.start && a.value <= r.end);
      });
    }
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
      if ((p.protocol ?? 'TCP') !== protocol) return false;
      if (p.port === undefined) return true;
      if (typeof p.port === 'number') return port >= p.port && port <= (p.endPort ?? p.port);
      // A named port resolves on the destination; an external address has none.
      const name = p.port;
      return dst !== undefined && dst.ports.some((cp) => cp.name === name && cp.protocol === protocol && cp.containerPort === port);
    });
  };

  const selectingPolicies = (side: Side, direction: 'ingress' | 'egress'): readonly number[] => {
    if (side.foreign) return side.foreign[direction];
    if (side.node < 0 || side.node >= classCount) return [];
    return direction === 'ingress' ? classIngress[side.node]! : classEgress[side.node]!;
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
    const egress = selectingPolicies(s, 'egress');
    if (egress.length > 0) {
      const ok = egress.some((pi) =>
        policies[pi]!.egress!.some((r) => portsAllow(r.ports, port, protocol, d.pod) && ruleHolds(r.peers, d)),
      );
      if (!ok) return false;
    }
    const ingress = selectingPolicies(d, 'ingress');
    if (ingress.length > 0) {
      return ingress.some((pi) =>
        policies[pi]!.ingress!.some((r) => portsAllow(r.ports, port, protocol, d.pod) && ruleHolds(r.peers, s)),
      );
    }
    return true;
  };

  // --- All pairs ----------------------------------------------------------------------
  const buildGroups = (): DestinationGroups => {
    // A group's `id` names its source set, so that merged unions can be shared.
    type Group = { src: Bitset; id: number; atoms: number };
    /**
     * Groups toward one destination that allow the same ports are one group with the union of
     * their sources: fewer groups keep forEachAllowed's membership masks short. The same
     * unions recur for every class a set of policies selects, so they are built once.
     */
    const mergeSameAtoms = (list: Group[], unions: Map<string, Bitset>): Group[] => {
      if (list.length < 2) return list;
      const byAtoms = new Map<number, Group[]>();
      for (const g of list) {
        const same = byAtoms.get(g.atoms);
        if (same) same.push(g);
        else byAtoms.set(g.atoms, [g]);
      }
      if (byAtoms.size === list.length) return list;
      const out: Group[] = [];
      for (const [atomsId, same] of byAtoms) {
        if (same.length === 1) {
          out.push(same[0]!);
          continue;
        }
        const key = same
          .map((g) => g.id)
          .sort((a, b) => a - b)
          .join(',');
        let src = unions.get(key);
        if (!src) {
          src = emptyBitset(nodeCount);
          for (const g of same) orInto(src, g.src);
          unions.set(key, src);
        }
        out.push({ src, id: -1, atoms: atomsId });
      }
      return out;
    };

    const inUnions = new Map<string, Bitset>();
    const inLists: Group[][] = [];
    for (let d = 0; d < nodeCount; d++) {
      const list: Group[] = [];
      const selecting = d < classCount ? classIngress[d]! : [];
      if (selecting.length === 0) list.push({ src: everyNode, id: ALL_PEERS, atoms: allAtoms });
      else {
        const seen = new Set<string>();
        for (const pi of selecting) {
          for (const r of policies[pi]!.ingress!) {
            const a = atomsToward(r.ports, namedSetOf(d));
            if (atomSets.isEmpty(a)) continue;
            const key = `${r.peers}:${a}`;
            if (seen.has(key)) continue;
            seen.add(key);
            list.push({ src: rulePeerBits[r.peers]!, id: r.peers, atoms: a });
          }
        }
      }
      inLists.push(mergeSameAtoms(list, inUnions));
    }

    // Egress rules that are the same (peers, ports) in several policies form one group whose
    // sources are all those policies' subjects: "allow DNS" in every namespace is one group.
    const isolated = emptyBitset(nodeCount);
    const groups = new Map<string, { peers: number; ports: number; src: Bitset; id: number }>();
    policies.forEach((p) => {
      if (p.egress === null) return;
      const subjects = subjectClasses(p);
      if (subjects.length === 0) return;
      for (const c of subjects) setBit(isolated, c);
      for (const r of p.egress) {
        const key = `${r.peers}:${r.ports}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { peers: r.peers, ports: r.ports, src: emptyBitset(nodeCount), id: groups.size + 1 }));
        for (const c of subjects) setBit(g.src, c);
      }
    });
    const notIsolated = fullBitset(nodeCount);
    for (let w = 0; w < notIsolated.length; w++) notIsolated[w]! &= ~isolated[w]!;
    const egLists: Group[][] = Array.from({ length: nodeCount }, () => [{ src: notIsolated, id: 0, atoms: allAtoms }]);
    for (const g of groups.values()) {
      forEachBit(rulePeerBits[g.peers]!, (d) => {
        const a = atomsToward(g.ports, namedSetOf(d));
        if (!atomSets.isEmpty(a)) egLists[d]!.push({ src: g.src, id: g.id, atoms: a });
      });
    }
    const egUnions = new Map<string, Bitset>();
    for (let d = 0; d < nodeCount; d++) egLists[d] = mergeSameAtoms(egLists[d]!, egUnions);

    const flatten = (lists: Group[][]) => {
      const start = new Int32Array(nodeCount + 1);
      let n = 0;
      lists.forEach((l, d) => {
        start[d] = n;
        n += l.length;
      });
      start[nodeCount] = n;
      const sources: Bitset[] = [];
      const atomIds = new Int32Array(n);
      for (const l of lists) {
        for (const e of l) {
          atomIds[sources.length] = e.atoms;
          sources.push(e.src);
        }
      }
      return { start, sources, atomIds };
    };
    const ins = flatten(inLists);
    const egs = flatten(egLists);
    return {
      nodeCount,
      classCount,
      atomSets,
      inStart: ins.start,
      inSources: ins.sources,
      inAtoms: ins.atomIds,
      egStart: egs.start,
      egSources: egs.sources,
      egAtoms: egs.atomIds,
    };
  };

  let reachability: Reachability | undefined;
  let endpointIndex: EndpointIndex | undefined;

  const compiled: CompiledCluster = {
    cluster,
    options,
    classCount,
    podClass: classes.podClass,
    classPods: classes.classPods,
    externals: ipAtoms.groups,
    externalOf: (ip: string) => ipAtoms.groupOf(parseEndpointIp(ip)),
    nodeOf: (e: Endpoint) => sideOf(e).node,
    endpoints: () => (endpointIndex ??= buildEndpointIndex(compiled)),
    allowed,
    reach: () => (reachability ??= reachabilityOf(buildGroups())),
  };
  memos.set(compiled, memo);
  return compiled;
}
