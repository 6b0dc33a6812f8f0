/**
 * Compile stage 1 for CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy (under `cni: cilium`):
 * each policy's subject and rules interned into the policy table's peers and port specs, so that
 * the later stages treat them like the other kinds: deny rules as Deny steps checked before any
 * allow list, allow rules as allow groups next to NetworkPolicy's, isolating the endpoints a
 * default-deny policy selects. The semantics are reference/cilium.ts's.
 *
 * host and remote-node are relative to the selected pod's node, and allow-localhost lets each
 * node into its own pods: a policy naming either entity is compiled once per node pods run on
 * (its subject narrowed to that node's pods, `node`), plus once for pods without a node, where
 * both entities may be any node address (unknown); allow-localhost is one such policy per node.
 * Each entity also holds the host-networked pods of its node(s) (`hostPods` peers). The pod
 * classes then tell nodes apart (`byNode`) where the answer depends on the node: see
 * ciliumClassesByNode.
 */
import { InputError } from '../model/errors.js';
import type { IpRange } from '../semantics/ip.js';
import type { CiliumPeer, CiliumPolicy, CiliumPort, CiliumRule, Cluster, LabelSelector, Pod, Protocol } from '../model/model.js';

/** Where the pods a compiled policy stands for run: a node's name, or null for pods without one. */
type Placement = string | null;

/** The allow-localhost default as a policy of its own: every endpoint lets its local host in. */
const ALLOW_LOCALHOST: CiliumPolicy = {
  kind: 'CiliumClusterwideNetworkPolicy',
  namespace: '',
  name: 'allow-localhost',
  subject: { kind: 'endpoints', selector: { pod: {}, namespace: {} } },
  ingress: [{ index: 0, peers: [{ kind: 'entity', entity: 'host' }] }],
  ingressDeny: [],
  egress: [],
  egressDeny: [],
  defaultDeny: { ingress: false, egress: false },
};

function namesNodeEntity(p: CiliumPolicy): boolean {
  return rulesNameNodeEntity(p.ingress) || rulesNameNodeEntity(p.ingressDeny) || rulesNameNodeEntity(p.egress) || rulesNameNodeEntity(p.egressDeny);
}

import { isEmptySelector, matchesSelector } from '../semantics/label-selector.js';
import { PairIds } from './pair-ids.js';
import { ipBlockRanges } from './ip-atoms.js';
import { ALL_PEERS, ALL_PORTS, ANY_POD, OWN_NAMESPACE, nodeCidrs, unionRanges, type CiliumTable, type CompiledCiliumPolicy, type CompiledCiliumRule, type PolicyTable, type PortEntry, type TableInterners } from './policy-table.js';
import type { PodClasses } from './pod-classes.js';
import type { SelectorIndex } from './selector-index.js';

function rulesNameNodeEntity(list: readonly CiliumRule[]): boolean {
  for (const r of list) if (r.peers !== undefined && namesNodeEntityIn(r.peers)) return true;
  return false;
}

/** A peer list names host or remote-node. */
function namesNodeEntityIn(peers: readonly CiliumPeer[]): boolean {
  for (const x of peers) if (x.kind === 'entity' && (x.entity === 'host' || x.entity === 'remote-node')) return true;
  return false;
}

function namesUnresolved(peers: readonly CiliumPeer[]): boolean {
  for (const x of peers) if (x.kind === 'unresolved') return true;
  return false;
}

const ANY_PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
const ONE_PROTOCOL: Record<Protocol, readonly Protocol[]> = { TCP: ['TCP'], UDP: ['UDP'], SCTP: ['SCTP'] };

/** The protocols a Cilium port stands for (ANY: each of them). */
function protocolsOf(p: CiliumPort): readonly Protocol[] {
  return p.protocol === 'ANY' ? ANY_PROTOCOLS : ONE_PROTOCOL[p.protocol];
}

const V4_ALL = '0.0.0.0/0';
const V6_ALL = '::/0';

export function buildCiliumTable(cluster: Cluster, always: boolean, t: TableInterners, firstUid: number, allowLocalhost = true): CiliumTable {
  let uid = firstUid;
  const nodes = nodeCidrs(cluster);
  // (One indexed loop over the pods: this runs once per compile, mostly not optimized, where a
  // for-of makes an iterator result per pod.)
  let hostPods = false;
  let unplacedHostPods = false;
  const pods = cluster.pods;
  for (let i = 0; i < pods.length; i++) {
    const p = pods[i]!;
    if (!p.hostNetwork) continue;
    hostPods = true;
    if (p.node === undefined) {
      unplacedHostPods = true;
      break;
    }
  }
  // The local host: the node's addresses and its host-networked pods.
  const localhost = allowLocalhost && (nodes.length > 0 || hostPods);
  const ciliumPolicies = cluster.ciliumPolicies ?? [];
  const perNode: boolean[] = [];
  for (const policy of ciliumPolicies) perNode.push(namesNodeEntity(policy));
  const byNode = localhost || perNode.includes(true);
  // Every node of the input and every node some (non-host-networked) pod runs on, and null when
  // some pod names none.
  const placements: Placement[] = [];
  if (byNode) {
    const seen = new Set<Placement>();
    for (const n of cluster.nodes ?? []) {
      seen.add(n.name);
      placements.push(n.name);
    }
    for (const pod of cluster.pods) {
      if (pod.hostNetwork) continue;
      const at = pod.node ?? null;
      if (!seen.has(at)) {
        seen.add(at);
        placements.push(at);
      }
    }
  }
  const rangesOf = (cidr: string, except: readonly string[]) => ipBlockRanges({ cidr, except: [...except, ...nodes] });
  const block = (ranges: IpRange[]) => {
    const b = t.blockOf(unionRanges(ranges));
    return t.internPeer(`b${b}:option`, { kind: 'ipBlock', block: b, pods: 'option' });
  };
  const nothing = () => block([]);
  const addresses = (list: readonly string[]) =>
    block(
      list.map((a) => ipBlockRanges({ cidr: a.includes(':') ? `${a}/128` : `${a}/32` })[0]!),
    );
  const world = (families: readonly string[]) => block(families.flatMap((f) => rangesOf(f, [])));
  /**
   * Selector ids by a short key for selectors of matchLabels alone (most): equal keys are equal
   * selectors, so the same selector written in many policies is interned once, without
   * selectorKey's JSON per policy. Anything else goes to the index as it is.
   */
  const nsFast = new Map<string, number>();
  const podFast = new Map<string, number>();
  const selId = (index: SelectorIndex, fast: Map<string, number>, s: LabelSelector): number => {
    if (s.matchExpressions && s.matchExpressions.length > 0) return index.add(s);
    const labels = s.matchLabels ?? {};
    const keys = Object.keys(labels);
    if (keys.length > 1) keys.sort();
    let key = '';
    for (const k of keys) key += `${k}\u0000${labels[k]}\u0000`;
    let id = fast.get(key);
    if (id === undefined) fast.set(key, (id = index.add(s)));
    return id;
  };
  const podSel = (s: LabelSelector) =>
    (s.matchLabels && Object.keys(s.matchLabels).length > 0) || (s.matchExpressions && s.matchExpressions.length > 0) ? selId(t.podSels, podFast, s) : ANY_POD;
  const nsSel = (s: LabelSelector) => selId(t.nsSels, nsFast, s);
  /** CIDR peers by CIDR and excepts, and the unresolved peer, once per table. */
  const cidrPeers = new Map<string, number>();
  const unresolvedPeers: (number | undefined)[] = [undefined, undefined];

  const nodeAddressesOf = (keep: (name: string) => boolean) => (cluster.nodes ?? []).filter((n) => keep(n.name)).flatMap((n) => n.addresses);
  /** Any node address, the input cannot tell which (a pod without a node): unknown, like toFQDNs. */
  const anyNode = (deny: boolean) => {
    const b = t.blockOf(unionRanges(nodeAddresses(cluster).map((a) => ipBlockRanges({ cidr: a.includes(':') ? `${a}/128` : `${a}/32` })[0]!)));
    return t.internPeer(`none:${b}:${deny ? 'deny' : 'allow'}`, { kind: 'none', block: b, deny });
  };

  /** The host-networked pods that are `at`'s local host (or not: remote-node). */
  const hostPodsPeer = (at: Placement, local: boolean, deny: boolean): number[] => {
    if (!hostPods) return [];
    const maybe = at === null || unplacedHostPods;
    return [t.internPeer(`hp:${at ?? ''}:${at === null ? 'n' : 's'}:${local ? 'l' : 'r'}:${deny ? 'd' : 'a'}:${maybe ? 'm' : ''}`, { kind: 'hostPods', at, local, deny, maybe })];
  };

  /** Pod peers of any namespace by (namespace selector, pod selector): no key string per peer. */
  const anyNsPeers = new PairIds();
  /**
   * The peer ids of one peer, pushed onto `out`; false: every peer (the `all` entity). `at`:
   * where the subject's pods run. `field` and `index` name the rule in an error message.
   */
  const peerIds = (p: CiliumPeer, deny: boolean, out: number[], field: string, index: number, at: Placement | undefined): boolean => {
    if (p.kind === 'endpoints') {
      if (p.selector.matchesNoPod) out.push(nothing());
      else if (p.ownNamespace !== undefined) out.push(t.podsPeer(t.namespaceIndex(p.ownNamespace), OWN_NAMESPACE, podSel(p.selector.pod), false));
      else {
        const ns = nsSel(p.selector.namespace);
        const pod = podSel(p.selector.pod);
        let id = anyNsPeers.get(ns, pod);
        if (id < 0) anyNsPeers.set(ns, pod, (id = t.podsPeer(-1, ns, pod, false)));
        out.push(id);
      }
      return true;
    }
    const ids = otherPeerIds(p, deny, () => `${field}[${index}]`, at);
    if (ids === null) return false;
    for (const id of ids) out.push(id);
    return true;
  };
  /** peerIds for the kinds other than endpoints (fewer): their ids; null: every peer. */
  const otherPeerIds = (p: Exclude<CiliumPeer, { kind: 'endpoints' }>, deny: boolean, field: () => string, at: Placement | undefined): number[] | null => {
    switch (p.kind) {
      case 'cidr': {
        const key = p.except === undefined || p.except.length === 0 ? p.cidr : `${p.cidr}|${p.except.join(',')}`;
        let id = cidrPeers.get(key);
        if (id === undefined) {
          try {
            id = block(rangesOf(p.cidr, p.except ?? []));
          } catch (e) {
            throw e instanceof InputError ? new InputError(e.detail, { field: field() }) : e;
          }
          cidrPeers.set(key, id);
        }
        return [id];
      }
      case 'nodes': {
        const list = (cluster.nodes ?? []).filter((n) => matchesSelector(p.selector, n.labels)).flatMap((n) => n.addresses);
        return [addresses(list)];
      }
      case 'service-pods':
        return [t.podsPeer(t.namespaceIndex(p.namespace), OWN_NAMESPACE, podSel({ matchLabels: p.selector }), false)];
      case 'unresolved': {
        // May be any address outside the cluster (not a node's): unknown. In a deny rule it may
        // deny, so it holds for "certainly allowed" and not for "may be allowed".
        let id = unresolvedPeers[deny ? 1 : 0];
        if (id === undefined) {
          const b = t.blockOf(unionRanges([...rangesOf(V4_ALL, []), ...rangesOf(V6_ALL, [])]));
          unresolvedPeers[deny ? 1 : 0] = id = t.internPeer(`none:${b}:${deny ? 'deny' : 'allow'}`, { kind: 'none', block: b, deny });
        }
        return [id];
      }
      case 'entity':
        switch (p.entity) {
          case 'all':
            return null;
          case 'cluster':
            return [t.podsPeer(-1, nsSel({}), ANY_POD, true), addresses(nodeAddresses(cluster))];
          case 'world':
            return [world([V4_ALL, V6_ALL])];
          case 'world-ipv4':
            return [world([V4_ALL])];
          case 'world-ipv6':
            return [world([V6_ALL])];
          case 'host':
          case 'remote-node':
            if (at === undefined) throw new Error('a policy naming host or remote-node is compiled per node');
            if (at === null) return [...(nodes.length > 0 ? [anyNode(deny)] : []), ...hostPodsPeer(null, p.entity === 'host', deny)];
            return [addresses(nodeAddressesOf((name) => (name === at) === (p.entity === 'host'))), ...hostPodsPeer(at, p.entity === 'host', deny)];
          case 'kube-apiserver':
            return [addresses(cluster.apiServer?.addresses ?? [])];
          case 'health':
          case 'init':
          case 'ingress':
          case 'unmanaged':
            return [nothing()];
        }
    }
  };

  /**
   * Port specs by a short key of the ports as written (protocol, port — a name with its length
   * in front, so no name can pass for another key — and endPort, in order): the same ports in
   * many policies are resolved and interned once.
   */
  const portSpecIds = new Map<string, number>();
  const portSpec = (ports: readonly CiliumPort[] | undefined): number => {
    if (ports === undefined) return ALL_PORTS;
    let key = '';
    for (const p of ports) key += `${p.protocol}/${typeof p.port === 'string' ? `'${p.port.length}:${p.port}` : (p.port ?? '')}/${p.endPort ?? ''},`;
    let id = portSpecIds.get(key);
    if (id === undefined) portSpecIds.set(key, (id = resolvePorts(ports)));
    return id;
  };
  const resolvePorts = (ports: readonly CiliumPort[]): number => {
    const entries: PortEntry[] = [];
    for (const p of ports) {
      if (typeof p.port === 'string') {
        // A named port with ANY takes the container port's own protocol.
        if (p.protocol === 'ANY') entries.push({ protocol: null, port: p.port });
        else entries.push({ protocol: p.protocol, port: p.port });
        continue;
      }
      for (const protocol of protocolsOf(p)) {
        entries.push({ protocol, ...(p.port !== undefined ? { port: p.port } : {}), ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) });
      }
    }
    if (entries.length === 0) return t.internPortSpec([]);
    return t.internPortSpec(entries);
  };

  const ids: number[] = [];
  const compileRules = (list: readonly CiliumRule[], field: string, deny: boolean, at: Placement | undefined): CompiledCiliumRule[] => {
    const out: CompiledCiliumRule[] = [];
    for (const r of list) {
      let peers: number;
      if (r.peers === undefined) peers = ALL_PEERS;
      else {
        ids.length = 0;
        let all = false;
        for (const p of r.peers) if (!peerIds(p, deny, ids, field, r.index, at)) all = true;
        peers = all ? ALL_PEERS : t.internRulePeers(ids.length === 1 ? ids : ids.slice());
      }
      const unplaced = (at === null || unplacedHostPods) && r.peers !== undefined && namesNodeEntityIn(r.peers);
      out.push({ peers, ports: portSpec(r.ports), uid: uid++, source: r, unknown: unplaced || (r.peers !== undefined && namesUnresolved(r.peers)) });
    }
    return out;
  };

  const compilePolicy = (policy: CiliumPolicy, at: Placement | undefined): CompiledCiliumPolicy => {
    const base = policy.specIndex === undefined ? 'spec' : `specs[${policy.specIndex}]`;
    let subject: number;
    if (policy.subject.kind === 'nodes' || policy.subject.selector.matchesNoPod) subject = nothing();
    else {
      const sel = policy.subject.selector;
      // A namespaced policy selects its own namespace's pods only: without a namespace
      // requirement, the pods of that namespace (by name, as for fromEndpoints limited to it).
      if (policy.kind !== 'CiliumNetworkPolicy') subject = t.podsPeer(-1, nsSel(sel.namespace), podSel(sel.pod), false);
      else if (isEmptySelector(sel.namespace)) subject = t.podsPeer(t.namespaceIndex(policy.namespace), OWN_NAMESPACE, podSel(sel.pod), false);
      else {
        const ns = t.nsSels.add({ ...sel.namespace, matchExpressions: [...(sel.namespace.matchExpressions ?? []), { key: 'kubernetes.io/metadata.name', operator: 'In', values: [policy.namespace] }] });
        t.namespaceIndex(policy.namespace);
        subject = t.podsPeer(-1, ns, podSel(sel.pod), false);
      }
    }
    const ingress = compileRules(policy.ingress, `${base}.ingress`, false, at);
    const ingressDeny = compileRules(policy.ingressDeny, `${base}.ingressDeny`, true, at);
    const egress = compileRules(policy.egress, `${base}.egress`, false, at);
    const egressDeny = compileRules(policy.egressDeny, `${base}.egressDeny`, true, at);
    if (at === undefined) return { source: policy, subject, ingress, ingressDeny, egress, egressDeny };
    return { source: policy, subject, node: at, ingress, ingressDeny, egress, egressDeny };
  };
  const policies: CompiledCiliumPolicy[] = [];
  ciliumPolicies.forEach((policy, i) => {
    if (perNode[i]) for (const at of placements) policies.push(compilePolicy(policy, at));
    else policies.push(compilePolicy(policy, undefined));
  });
  if (localhost) for (const at of placements) policies.push(compilePolicy(ALLOW_LOCALHOST, at));
  return { policies, always, byNode };
}

function nodeAddresses(cluster: Cluster): string[] {
  return (cluster.nodes ?? []).flatMap((n) => n.addresses);
}

/**
 * Under `byNode`, which classes of a partition that does not tell nodes apart (`whole`) must be
 * split by node, so that no answer is lost: a pod's node changes an answer only through a
 * policy compiled per node that selects it, and such a policy's rules only count where they can
 * change the verdict. So a class is split when a policy compiled per node other than
 * allow-localhost selects it, or when it is isolated for ingress (a NetworkPolicy with ingress or
 * a Cilium policy in ingress default deny selects it, or enforcement is `always`): only then can
 * allow-localhost, which allows ingress alone, change what it admits. Host-networked pods are
 * always split (they are the host of their node in every `hostPods` peer). A whole class sits
 * in the allow-localhost copy of its first pod's node only (peer-sets.ts narrows by that pod),
 * where the copy changes nothing for it.
 */
export function ciliumClassesByNode(table: PolicyTable, whole: PodClasses): boolean[] {
  const cilium = table.cilium!;
  const selects = (c: number, podSel: number): boolean => podSel === ANY_POD || whole.classSelectors[c]!.includes(podSel);
  const split: boolean[] = [];
  for (let c = 0; c < whole.count; c++) {
    const ns = whole.classNamespace[c]!;
    split.push(
      cilium.always ||
        whole.classHostNetwork[c] === true ||
        table.policies.some((p) => p.ingress !== null && p.ns === ns && selects(c, p.subject)) ||
        cilium.policies.some((p) => {
          // Per node: its own copies (allow-localhost aside); the others only by isolating ingress.
          if (p.source === ALLOW_LOCALHOST || (p.node === undefined && !p.source.defaultDeny.ingress)) return false;
          const def = table.peerDefs[p.subject]!;
          if (def.kind !== 'pods') return false;
          const inNs = def.nsSel === OWN_NAMESPACE ? def.ns === ns : table.nsSelNamespaces[def.nsSel]!.includes(ns);
          return inNs && selects(c, def.podSel);
        }),
    );
  }
  return split;
}

/**
 * `whole` with each class marked in `split` divided by its pods' node (pods without a node
 * together), numbered by first pod as buildPodClasses numbers classes.
 */
export function splitClassesByNode(whole: PodClasses, split: readonly boolean[], pods: readonly Pod[]): PodClasses {
  if (!split.includes(true)) return whole;
  const ids = new Map<string, number>();
  const podClass = new Int32Array(whole.podClass.length);
  const classPods: number[][] = [];
  const from: number[] = [];
  whole.podClass.forEach((c, i) => {
    const key = split[c] ? `${c}@${pods[i]!.node ?? ''}` : `${c}`;
    let n = ids.get(key);
    if (n === undefined) {
      n = classPods.length;
      ids.set(key, n);
      classPods.push([]);
      from.push(c);
    }
    podClass[i] = n;
    classPods[n]!.push(i);
  });
  return {
    count: classPods.length,
    podClass,
    classPods,
    classNamespace: Int32Array.from(from, (c) => whole.classNamespace[c]!),
    classSelectors: from.map((c) => whole.classSelectors[c]!),
    classNamedPorts: Int32Array.from(from, (c) => whole.classNamedPorts[c]!),
    namedPortSets: whole.namedPortSets,
    classIpGroups: from.map((c) => whole.classIpGroups[c]!),
    classHostNetwork: from.map((c) => whole.classHostNetwork[c]!),
  };
}
