/**
 * Compile stage 3, peer sets: the port atoms rules distinguish, and every peer, rule peer list
 * and subject as a bitset over the nodes of stage 2, so that later stages answer "which sources
 * does this rule hold" with word-wide AND/OR.
 */
import { emptyBitset, fullBitset, hasBit, orInto, setBit, type Bitset } from './bitset.js';
import type { ClassState } from './class-stage.js';
import { OWN_NAMESPACE, type PeerDef, type PolicyTable } from './policy-table.js';
import { AtomSets, PortCuts, type PortAtoms } from './port-atoms.js';

export interface PeerSets {
  /** Built for possible() (domainNames peers hold every external address) rather than for certain answers. */
  readonly possible: boolean;
  readonly atoms: PortAtoms;
  readonly atomSets: AtomSets;
  /** Atom-set id of every port of every protocol. */
  readonly allAtoms: number;
  /** The atoms a port spec allows toward a destination with named-port set `np` (0: none, as for externals). */
  atomsToward(spec: number, np: number): number;
  /** Named-port set of a node (0 for external groups). */
  namedSetOf(node: number): number;
  readonly everyNode: Bitset;
  /** Peer id -> nodes. */
  readonly peerBits: readonly Bitset[];
  /** Rule-peers id -> nodes. */
  readonly rulePeerBits: readonly Bitset[];
  /** Class -> NetworkPolicies (indices) that isolate it, per direction. */
  readonly classIngress: readonly (readonly number[])[];
  readonly classEgress: readonly (readonly number[])[];
  /** Cilium policy (table order) -> the classes it selects. */
  readonly ciliumSubjects: readonly Bitset[];
  /** Under Cilium: the classes in default deny, per direction. */
  readonly ciliumIsolated: { readonly ingress: Bitset; readonly egress: Bitset };
  /** Admin and Baseline tier policy (table order) -> the classes it selects. */
  readonly adminSubjects: readonly Bitset[];
  readonly baselineSubjects: readonly Bitset[];
}

/**
 * `domainNames`: what a domainNames peer holds — `none` for what is certainly allowed, `externals`
 * (every address outside the cluster, none of its pods) for what may be allowed.
 */
/**
 * A peer's nodes depend on the peer and the class stage alone: kept per class stage (which a
 * recompile reuses when the classes and address groups stay as they were) and domainNames
 * reading, by the peer's intern key (its content).
 */
const peerBitsByState = new WeakMap<ClassState, { readonly none: Map<string, Bitset>; readonly externals: Map<string, Bitset> }>();

/**
 * Which NetworkPolicies (indices) isolate each class, per direction: kept per class stage and
 * reused while every policy keeps its namespace, subject and directions (a rule edit).
 */
const isolationByState = new WeakMap<ClassState, { readonly signature: Int32Array; readonly classIngress: number[][]; readonly classEgress: number[][] }>();

function isolation(table: PolicyTable, state: ClassState): { readonly classIngress: number[][]; readonly classEgress: number[][] } {
  const { policies } = table;
  // Per policy: namespace, subject, directions (and Cilium, which leaves host-networked pods out).
  const signature = new Int32Array(policies.length * 3 + 1);
  policies.forEach((p, i) => {
    signature[i * 3] = p.ns;
    signature[i * 3 + 1] = p.subject;
    signature[i * 3 + 2] = (p.ingress !== null ? 1 : 0) | (p.egress !== null ? 2 : 0);
  });
  signature[policies.length * 3] = table.cilium ? 1 : 0;
  const last = isolationByState.get(state);
  if (last && last.signature.length === signature.length && last.signature.every((x, i) => x === signature[i])) return last;
  const host = state.classes.classHostNetwork;
  const classIngress: number[][] = Array.from({ length: state.classCount }, () => []);
  const classEgress: number[][] = Array.from({ length: state.classCount }, () => []);
  policies.forEach((p, i) => {
    if (p.ingress === null && p.egress === null) return;
    for (const c of state.classesMatching(p.ns, p.subject)) {
      // Under Cilium a host-networked pod is the node: NetworkPolicy does not apply to it.
      if (table.cilium && host[c]) continue;
      if (p.ingress !== null) classIngress[c]!.push(i);
      if (p.egress !== null) classEgress[c]!.push(i);
    }
  });
  const built = { signature, classIngress, classEgress };
  isolationByState.set(state, built);
  return built;
}

export function buildPeerSets(table: PolicyTable, state: ClassState, domainNames: 'none' | 'externals' = 'none'): PeerSets {
  const { classes, classCount, nodeCount, ipAtoms, matchPods } = state;
  const { portSpecs, peerDefs, blockRanges, nsSelNamespaces } = table;

  // --- Port atoms ----------------------------------------------------------------------
  const cuts = new PortCuts();
  for (const spec of portSpecs) {
    for (const p of spec.entries ?? []) {
      if (typeof p.port === 'number' && p.protocol !== null) cuts.addRange(p.protocol, p.port, p.endPort ?? p.port);
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
      if (p.protocol === null) continue;
      if (p.port === undefined) atoms.addProtocol(set, p.protocol);
      else if (typeof p.port === 'number') atoms.addRange(set, p.protocol, p.port, p.endPort ?? p.port);
    }
    return atomSets.intern(set);
  });
  const namedSetCount = classes.namedPortSets.length;
  const atomMemo = new Map<number, number>();
  const atomsToward = (spec: number, np: number): number => {
    const s = portSpecs[spec]!;
    if (s.named.length === 0 || np === 0) return numericAtoms[spec]!;
    const key = spec * namedSetCount + np;
    let id = atomMemo.get(key);
    if (id === undefined) {
      const set = atomSets.sets[numericAtoms[spec]!]!.slice();
      for (const want of s.named) {
        for (const have of classes.namedPortSets[np]!) {
          // A tier named port (protocol null) takes the container port's own protocol.
          if (have.name === want.name && (want.protocol === null || have.protocol === want.protocol)) {
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
  const blockGroups: number[][] = Array.from({ length: blockRanges.length }, () => []);
  ipAtoms.groupBlocks.forEach((blocks, g) => {
    for (const b of blocks) blockGroups[b]!.push(g);
  });
  const host = classes.classHostNetwork;
  let byReading = peerBitsByState.get(state);
  if (!byReading) peerBitsByState.set(state, (byReading = { none: new Map(), externals: new Map() }));
  const known = byReading[domainNames];
  const peerBits: Bitset[] = peerDefs.map((def, i) => {
    const key = table.peerKeys[i]!;
    let bits = known.get(key);
    if (!bits) known.set(key, (bits = peerBitsOf(def)));
    return bits;
  });
  function peerBitsOf(def: PeerDef): Bitset {
    const bits = emptyBitset(nodeCount);
    if (def.kind === 'none') {
      // An allow that may match holds for "may be allowed"; a deny that may match, for "certainly allowed".
      if ((domainNames === 'externals') !== (def.deny === true)) {
        if (def.block === undefined) for (let n = classCount; n < nodeCount; n++) setBit(bits, n);
        else for (const g of blockGroups[def.block]!) setBit(bits, classCount + g);
      }
      return bits;
    }
    if (def.kind === 'hostPods') {
      // Classes tell nodes apart here (CiliumTable.byNode): a class's first pod has its node.
      const maybeHolds = (domainNames === 'externals') !== def.deny;
      for (let c = 0; c < classCount; c++) {
        if (!host[c]) continue;
        const at = state.pods[classes.classPods[c]![0]!]!.node ?? null;
        if (def.at === null || at === null) {
          if (maybeHolds) setBit(bits, c);
        } else if ((at === def.at) === def.local) setBit(bits, c);
      }
      return bits;
    }
    if (def.kind === 'ipBlock') {
      const withPods = def.pods === 'always' || matchPods;
      for (const g of blockGroups[def.block]!) {
        setBit(bits, classCount + g);
        // Pods whose IPs fall in the block: the upstream e2e reading (EvalOptions.ipBlockPods)
        // for NetworkPolicy, always for tier networks and nodes.
        if (withPods) for (const c of state.groupClasses[g]!) setBit(bits, c);
      }
      return bits;
    }
    const add = (c: number) => {
      if (def.hostNetwork || !host[c]) setBit(bits, c);
    };
    if (def.nsSel === OWN_NAMESPACE) for (const c of state.classesMatching(def.ns, def.podSel)) add(c);
    else for (const ns of nsSelNamespaces[def.nsSel]!) for (const c of state.classesMatching(ns, def.podSel)) add(c);
    return bits;
  }
  const everyNode = fullBitset(nodeCount);
  const rulePeerBits: Bitset[] = table.rulePeerLists.map((ids) => {
    if (ids === null) return everyNode;
    if (ids.length === 1) return peerBits[ids[0]!]!;
    const bits = emptyBitset(nodeCount);
    for (const id of ids) orInto(bits, peerBits[id]!);
    return bits;
  });

  const { classIngress, classEgress } = isolation(table, state);

  // A policy compiled per node selects the pods of its node only (classes tell nodes apart then,
  // or the copy changes nothing for the class: ciliumClassesByNode).
  // (The classes on each node are listed once: allow-localhost has a copy per node.)
  let onNode: Map<string | null, number[]> | undefined;
  const classesOn = (node: string | null): readonly number[] => {
    if (!onNode) {
      onNode = new Map();
      for (let c = 0; c < classCount; c++) {
        const at = state.pods[classes.classPods[c]![0]!]!.node ?? null;
        const list = onNode.get(at);
        if (list) list.push(c);
        else onNode.set(at, [c]);
      }
    }
    return onNode.get(node) ?? [];
  };
  const ciliumSubjects = (table.cilium?.policies ?? []).map((p) => {
    const bits = peerBits[p.subject]!;
    if (p.node === undefined) return bits;
    const narrowed = emptyBitset(nodeCount);
    for (const c of classesOn(p.node)) if (hasBit(bits, c)) setBit(narrowed, c);
    return narrowed;
  });
  const ciliumIsolated = { ingress: emptyBitset(nodeCount), egress: emptyBitset(nodeCount) };
  if (table.cilium) {
    for (const dir of ['ingress', 'egress'] as const) {
      const bits = ciliumIsolated[dir];
      // "always": every endpoint (never a host-networked pod: it is the node).
      if (table.cilium.always) for (let c = 0; c < classCount; c++) if (!host[c]) setBit(bits, c);
      table.cilium.policies.forEach((p, i) => {
        if (p.source.defaultDeny[dir]) orInto(bits, ciliumSubjects[i]!);
      });
      classIngress.forEach((list, c) => {
        if ((dir === 'ingress' ? list : classEgress[c]!).length > 0) setBit(bits, c);
      });
    }
  }

  return {
    ciliumSubjects,
    ciliumIsolated,
    possible: domainNames === 'externals',
    atoms,
    atomSets,
    allAtoms,
    atomsToward,
    namedSetOf,
    everyNode,
    peerBits,
    rulePeerBits,
    classIngress,
    classEgress,
    adminSubjects: table.admin.map((p) => peerBits[p.subject]!),
    baselineSubjects: table.baseline.map((p) => peerBits[p.subject]!),
  };
}
