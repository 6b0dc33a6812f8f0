/**
 * Calico's tiers as bitsets over the nodes of the class stage, for connection-check.ts and
 * destination-groups.ts to walk (the table half is calico-table.ts).
 */
import { emptyBitset, fullBitset, setBit, type Bitset } from './bitset.js';
import type { ClassState } from './class-stage.js';
import type { PeerSets } from './peer-sets.js';
import type { IpAddress } from '../semantics/ip.js';
import { CALICO_K8S_POLICY_ORDER, tierPolicyId } from '../model/model.js';
import { ANY_POD, type PolicyTable } from './policy-table.js';
import type { CompiledCalicoRule } from './calico-table.js';

export interface WalkRule {
  readonly action: 'Allow' | 'Deny' | 'Pass';
  /** Nodes on the other side the rule holds (for the mode of the peer sets: certain or possible). */
  readonly peer: Bitset;
  /** Subject nodes the rule applies to (a Calico rule's own side), null: all. */
  readonly local: Bitset | null;
  readonly ports: number;
  readonly notPorts: number;
  /** Unique over the walk: memo keys name rules by it. */
  readonly uid: number;
  /**
   * The peer holds every node: with every port, the rule decides everything its tier has left
   * undecided, and the tier's later rules decide nothing.
   */
  readonly full: boolean;
}

export interface WalkPolicy {
  /** How answers name it: `gnp/name`, `np/ns/name`, `knp/ns/name`, `anp/name`. */
  readonly id: string;
  readonly subject: Bitset;
  readonly ingress: readonly WalkRule[] | null;
  readonly egress: readonly WalkRule[] | null;
}

export interface WalkTier {
  readonly name: string;
  readonly end: 'Deny' | 'Pass';
  readonly policies: readonly WalkPolicy[];
}

/**
 * Every policy in Calico's tiers as bitsets over the nodes of `state`, for the peer sets' mode:
 * a rule that may match (a domain network set, a source port) holds its maybe-nodes where that
 * can only allow more (Allow in possible mode, Deny in certain mode) and its sure ones elsewhere.
 */
export function calicoWalk(table: PolicyTable, state: ClassState, sets: PeerSets): WalkTier[] {
  // The one-connection check and the destination groups of one compile share the walk.
  let walk = walks.get(sets);
  if (!walk || walk.table !== table || walk.state !== state) walks.set(sets, (walk = { table, state, tiers: buildWalk(table, state, sets) }));
  return walk.tiers;
}

/**
 * Empty bitsets of `size` elements cut from shared 64 KiB buffers: a compile under Calico makes a
 * few thousand (subjects, peers, walk results), and on this engine's hosts a typed array with a
 * buffer of its own costs several times a view of a shared one (a fresh allocation each, and
 * fresh memory to touch). The views live as long as the compile that keeps them.
 */
export function bitsetSlab(size: number): () => Bitset {
  const words = (size + 31) >>> 5;
  const chunkWords = 1 << 14;
  if (words > chunkWords >>> 2) return () => emptyBitset(size);
  let chunk = new ArrayBuffer(chunkWords * 4);
  let at = 0;
  return () => {
    if (at + words > chunkWords) {
      chunk = new ArrayBuffer(chunkWords * 4);
      at = 0;
    }
    const b = new Uint32Array(chunk, at * 4, words);
    at += words;
    return b;
  };
}

/**
 * Whether Calico's tiers hold Kubernetes NetworkPolicies alone: no Calico policy, no Admin or
 * Baseline policy, no host-networked pod (which Calico leaves out of every policy's subjects).
 * Then the default tier decides as NetworkPolicy does (its policies allow, and it denies what
 * they select), and the other tiers pass everything on: the answers are Kubernetes' own, worked
 * out without a walk.
 */
export function calicoIsKubernetes(table: PolicyTable, state: ClassState): boolean {
  return table.calico !== undefined && table.calico.policies.length === 0 && table.admin.length === 0 && table.baseline.length === 0 && !state.classes.classHostNetwork.some((h) => h);
}

const walks = new WeakMap<PeerSets, { readonly table: PolicyTable; readonly state: ClassState; readonly tiers: WalkTier[] }>();

function buildWalk(table: PolicyTable, state: ClassState, sets: PeerSets): WalkTier[] {
  const calico = table.calico!;
  const { classCount, nodeCount, classes, ipAtoms } = state;
  const host = classes.classHostNetwork;
  const fresh = bitsetSlab(nodeCount);
  // Per class: the number of its predicate answers (a class's pods share them); the classes
  // by that number, and per predicate the classes where it holds (built when asked).
  const answerOfClass = new Int32Array(classCount);
  const classesByAnswer: number[][] = [];
  for (let c = 0; c < classCount; c++) {
    const first = classes.classPods[c]![0]!;
    const id = calico.answerOf(state.pods[first]!, first);
    answerOfClass[c] = id;
    while (classesByAnswer.length <= id) classesByAnswer.push([]);
    classesByAnswer[id]!.push(c);
  }
  const predicateBits = new Map<number, Bitset>();
  const holding = (predicate: number): Bitset => {
    let b = predicateBits.get(predicate);
    if (!b) {
      b = fresh();
      for (let id = 0; id < classesByAnswer.length; id++) {
        if (classesByAnswer[id]!.length === 0 || calico.answers(id)[predicate] !== 1) continue;
        for (const c of classesByAnswer[id]!) setBit(b, c);
      }
      predicateBits.set(predicate, b);
    }
    return b;
  };
  // Per node: its answers (undefined for an address) and, when an entity reads them, addresses.
  // Every range an entity reads (nets, notNets, network sets, host endpoints) is an address
  // block, so each address group is wholly inside or outside it: an address of each group a
  // class's pods have an address in answers as the pods' own addresses do (an address in no
  // block is in no such range).
  const answersAt = (n: number): Uint8Array | undefined => (n < classCount ? calico.answers(answerOfClass[n]!) : undefined);
  const groupAddress = ipAtoms.groups.map((g) => ({ family: g.ranges[0]!.family, value: g.ranges[0]!.start }));
  const addrs: (IpAddress[] | undefined)[] = new Array<IpAddress[] | undefined>(nodeCount);
  const addressesAt = (n: number): IpAddress[] => {
    let a = addrs[n];
    if (!a) {
      a = n < classCount ? classes.classIpGroups[n]!.map((g) => groupAddress[g]!) : [groupAddress[n - classCount]!];
      addrs[n] = a;
    }
    return a;
  };
  const hostClasses = fresh();
  for (let c = 0; c < classCount; c++) if (host[c]) setBit(hostClasses, c);
  const notHost = (b: Bitset) => {
    for (let w = 0; w < b.length; w++) b[w]! &= ~hostClasses[w]!;
    return b;
  };
  const entityBits = new Map<number, { sure: Bitset; maybe: Bitset }>();
  const bitsOf = (entity: number) => {
    let b = entityBits.get(entity);
    if (!b) {
      const pods = calico.entityPods(entity);
      if (pods) {
        // Pod predicates only: the classes where they hold, and every address when none is read.
        const sure = fresh();
        const first = pods.sa ?? pods.selector;
        if (first === undefined) for (let n = 0; n < nodeCount; n++) setBit(sure, n);
        else {
          sure.set(holding(first));
          if (pods.sa !== undefined && pods.selector !== undefined) {
            const other = holding(pods.selector);
            for (let w = 0; w < sure.length; w++) sure[w]! &= other[w]!;
          }
        }
        if (pods.notSelector !== undefined) {
          const not = holding(pods.notSelector);
          for (let w = 0; w < sure.length; w++) sure[w]! &= ~not[w]!;
        }
        b = { sure, maybe: sure };
      } else {
        const sure = fresh();
        const maybe = fresh();
        for (let n = 0; n < nodeCount; n++) {
          const t = calico.entityMatch(entity, answersAt(n), addressesAt(n));
          if (t === 2) setBit(sure, n);
          if (t >= 1) setBit(maybe, n);
        }
        b = { sure, maybe };
      }
      entityBits.set(entity, b);
    }
    return b;
  };
  const possible = sets.possible;
  let uid = 0;
  const fullPeers = new Map<Bitset, boolean>();
  const every = fullBitset(nodeCount);
  const full = (peer: Bitset): boolean => {
    let f = fullPeers.get(peer);
    if (f === undefined) {
      f = true;
      for (let w = 0; w < every.length && f; w++) if (((peer[w]! & every[w]!) >>> 0) !== every[w]) f = false;
      fullPeers.set(peer, f);
    }
    return f;
  };

  type Placed = { tier: string; order: number; key: string; policy: WalkPolicy };
  const placed: Placed[] = [];
  calico.policies.forEach((p, i) => {
    const subject = holding(calico.subjectPredicate(i));
    const rules = (list: readonly CompiledCalicoRule[] | null): WalkRule[] | null =>
      list === null
        ? null
        : list.map((r) => {
            const peer = bitsOf(r.peer);
            const local = bitsOf(r.local).sure;
            // Certain: Allow holds what surely matches, Deny what may; possible: the other way.
            const wide = possible ? r.action === 'Allow' || r.action === 'Pass' : r.action === 'Deny';
            const held = wide ? peer.maybe : r.unknown ? fresh() : peer.sure;
            return { action: r.action, peer: held, local, ports: r.ports, notPorts: r.notPorts, uid: uid++, full: r.notPorts < 0 && full(held) };
          });
    placed.push({
      tier: p.source.tier,
      order: p.source.order ?? Infinity,
      key: p.source.kind === 'GlobalNetworkPolicy' ? p.source.name : `${p.source.namespace}/${p.source.name}`,
      policy: { id: p.id, subject, ingress: rules(p.ingress), egress: rules(p.egress) },
    });
  });
  // Kubernetes NetworkPolicies alike in namespace and pod selector share their subject.
  const knp: (Placed & { readonly ns: string; rank: number; readonly name: string })[] = [];
  const knpSubjects = new Map<number, Bitset>();
  table.policies.forEach((np) => {
    const subjectKey = np.ns * 0x80000000 + (np.subject === ANY_POD ? 0 : np.subject + 1);
    let subject = knpSubjects.get(subjectKey);
    if (!subject) {
      subject = fresh();
      for (const c of state.classesMatching(np.ns, np.subject === ANY_POD ? ANY_POD : np.subject)) setBit(subject, c);
      knpSubjects.set(subjectKey, notHost(subject));
    }
    const rules = (list: typeof np.ingress): WalkRule[] | null =>
      list === null
        ? null
        : list.map((r) => ({ action: 'Allow' as const, peer: sets.rulePeerBits[r.peers]!, local: null, ports: r.ports, notPorts: -1, uid: uid++, full: full(sets.rulePeerBits[r.peers]!) }));
    const source = np.source;
    knp.push({
      tier: 'default',
      order: CALICO_K8S_POLICY_ORDER,
      key: `${source.namespace}/knp.default.${source.name}`,
      policy: { id: `knp/${source.namespace}/${source.name}`, subject, ingress: rules(np.ingress), egress: rules(np.egress) },
      ns: source.namespace,
      rank: 0,
      name: source.name,
    });
  });
  // They sort by `namespace/knp.default.name`: by namespace (as `namespace/` sorts: no name
  // holds a `/`, so that decides between two namespaces), then by name, without comparing the
  // whole key of every pair.
  const nsNames = [...new Set(knp.map((p) => p.ns))].map((ns) => `${ns}/`).sort();
  const nsRank = new Map(nsNames.map((n, i) => [n.slice(0, -1), i]));
  for (const p of knp) p.rank = nsRank.get(p.ns)!;
  knp.sort((a, b) => a.rank - b.rank || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tierKinds = [
    { list: table.admin, subjects: sets.adminSubjects, tier: 'kube-admin' },
    { list: table.baseline, subjects: sets.baselineSubjects, tier: 'kube-baseline' },
  ];
  for (const { list, subjects, tier } of tierKinds) {
    list.forEach((p, i) => {
      const rules = (rs: typeof p.ingress): WalkRule[] | null =>
        rs.length === 0
          ? null
          : rs.map((r) => ({ action: r.action, peer: sets.rulePeerBits[r.peers]!, local: null, ports: r.ports, notPorts: -1, uid: uid++, full: full(sets.rulePeerBits[r.peers]!) }));
      placed.push({
        tier,
        // "The BaselineAdminNetworkPolicy is treated as if it had an order of 1,000."
        order: p.source.kind === 'BaselineAdminNetworkPolicy' ? 1000 : p.source.priority,
        key: `${p.source.kind}/${p.source.name}`,
        policy: { id: tierPolicyId(p.source), subject: notHost(subjects[i]!.slice()), ingress: rules(p.ingress), egress: rules(p.egress) },
      });
    });
  }
  const before = (a: Placed, b: Placed) => a.order < b.order || (a.order === b.order && a.key < b.key);
  return calico.tiers.map((t) => {
    const own = placed.filter((p) => p.tier === t.name).sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    if (t.name !== 'default' || knp.length === 0) return { name: t.name, end: t.end, policies: own.map((p) => p.policy) };
    // The tier's own policies and the (sorted) Kubernetes ones, merged (on a tie, as a stable
    // sort of the two in that order would).
    const policies: WalkPolicy[] = [];
    let i = 0;
    let j = 0;
    while (i < own.length || j < knp.length) policies.push(j === knp.length || (i < own.length && !before(knp[j]!, own[i]!)) ? own[i++]!.policy : knp[j++]!.policy);
    return { name: t.name, end: t.end, policies };
  });
}
