/**
 * Compile stage 1, the policy table: every policy of every tier in the one rule form the later
 * stages work on, with peers, peer lists and port specs interned so that equal ones are
 * evaluated once. NetworkPolicies keep their isolation-only allow lists; tier policies (Admin
 * and Baseline, see TierPolicy in model/model.ts) keep their ordered Allow/Deny/Pass rules, sorted into
 * the order they are checked in.
 *
 * Also: which pod selectors matter in which namespace (what pod classes must tell apart), and
 * which namespaces every namespace selector picks.
 */
import { InputError } from '../model/errors.js';
import type { IpRange } from '../semantics/ip.js';
import { ipBlockRanges } from './ip-atoms.js';
import { isEmptySelector, matchesSelector } from '../semantics/label-selector.js';
import { effectivePolicyTypes } from '../semantics/policy-types.js';
import type {
  Cluster,
  EvalOptions,
  Labels,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  PolicyType,
  Protocol,
} from '../model/model.js';
import { compareTierPolicies, tierPolicyId, type TierAction, type TierPeer, type TierPolicy, type TierPort } from '../model/model.js';
import type { CompileMemo } from './compile-memo.js';
import { buildCalicoTable, type CalicoTable } from './calico-table.js';
import type { SelectorIndex } from './selector-index.js';
import type { CiliumPolicy, CiliumRule } from '../model/model.js';

/** A peer's podSelector that is absent or `{}`: every pod of the namespaces in question. */
export const ANY_POD = -1;
/** A peer without namespaceSelector: the policy's own namespace. */
export const OWN_NAMESPACE = -1;
/** Rule-peers id of an absent or empty from/to: every pod and every external address. */
export const ALL_PEERS = 0;
/** Port-spec id of an absent or empty ports list: every port of every protocol. */
export const ALL_PORTS = 0;

export type PeerDef =
  | {
      readonly kind: 'pods';
      readonly ns: number;
      readonly nsSel: number;
      readonly podSel: number;
      /** Tier peers and subjects leave host-networked pods out; NetworkPolicy peers do not. */
      readonly hostNetwork: boolean;
    }
  | {
      readonly kind: 'ipBlock';
      readonly block: number;
      /**
       * Whether pods whose IPs fall in the block are in the peer: `option` for a NetworkPolicy
       * ipBlock (EvalOptions.ipBlockPods decides), `always` for tier networks and nodes
       * ("cluster-internal traffic will be checked against the rule as well").
       */
      readonly pods: 'option' | 'always';
    }
  /**
   * A domainNames peer (or a Cilium peer the input cannot resolve): no address is known to be in
   * it (the rule is flagged `unknown`). What it may hold: `block`'s addresses (absent: every
   * address outside the cluster). `deny`: it sits in a deny rule, so it is taken to hold for
   * "certainly allowed" and not to hold for "may be allowed".
   */
  | { readonly kind: 'none'; readonly block?: number; readonly deny?: boolean }
  /**
   * Cilium's `host` (local) or `remote-node` for the pods of node `at` (null: pods without a
   * node): the host-networked pods that carry that identity (cilium-table.ts). Where either pod
   * names no node it may or may not (`maybe`), held as `none` is: for "may be allowed" in an
   * allow rule, for "certainly allowed" in a deny rule.
   */
  | { readonly kind: 'hostPods'; readonly at: string | null; readonly local: boolean; readonly deny: boolean; readonly maybe: boolean };

export interface CompiledRule {
  /** Rule-peers id: the union of the rule's peers. */
  readonly peers: number;
  readonly ports: number;
}

export interface CompiledPolicy {
  readonly source: NetworkPolicy;
  readonly ns: number;
  /** Selector id, or ANY_POD for `{}`. */
  readonly subject: number;
  /** null when the policy's types leave out Ingress (its ingress rules are then ignored). */
  readonly ingress: readonly CompiledRule[] | null;
  readonly egress: readonly CompiledRule[] | null;
}

export interface CompiledTierRule extends CompiledRule {
  readonly action: TierAction;
  /** Unique over the table: memo keys name rules by it. */
  readonly uid: number;
  /** Position in its policy's ingress or egress list. */
  readonly index: number;
  /** It has a domainNames peer: it may match addresses the input cannot place. */
  readonly unknown: boolean;
}

export interface CompiledTierPolicy {
  readonly source: TierPolicy;
  /** Peer id (a `pods` peer without host-networked pods) of the subject. */
  readonly subject: number;
  readonly ingress: readonly CompiledTierRule[];
  readonly egress: readonly CompiledTierRule[];
}

/** A port entry with its protocol settled: null only for a tier named port (any protocol). */
export interface PortEntry {
  readonly protocol: Protocol | null;
  /** Number or container port name; absent: every port of the protocol. */
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface PortSpec {
  /** null: every port of every protocol. */
  readonly entries: readonly PortEntry[] | null;
  readonly named: readonly { readonly name: string; readonly protocol: Protocol | null }[];
}

export interface PolicyTable {
  readonly nsIndex: ReadonlyMap<string, number>;
  readonly nsNames: readonly string[];
  readonly nsLabels: readonly Labels[];
  /** Namespace index of each pod of the cluster. */
  readonly podNamespace: Int32Array;
  readonly podSels: SelectorIndex;
  readonly nsSels: SelectorIndex;
  readonly peerDefs: readonly PeerDef[];
  /** Each peer's intern key: equal keys, equal peers (given the namespaces and blocks). */
  readonly peerKeys: readonly string[];
  /** Distinct address sets of ipBlocks, networks and nodes peers: disjoint sorted ranges each. */
  readonly blockRanges: readonly (readonly IpRange[])[];
  /** Key of each block's ranges (in block order): what the pod classes depend on. */
  readonly blockKeys: readonly string[];
  /** Rule-peers id -> peer ids, null for ALL_PEERS. */
  readonly rulePeerLists: readonly (readonly number[] | null)[];
  readonly portSpecs: readonly PortSpec[];
  /** Port names any rule mentions. */
  readonly portNames: ReadonlySet<string>;
  /** NetworkPolicies, in cluster order. */
  readonly policies: readonly CompiledPolicy[];
  readonly policiesByNs: readonly (readonly number[])[];
  /** Tier policies in the order they are checked in. */
  readonly admin: readonly CompiledTierPolicy[];
  readonly baseline: readonly CompiledTierPolicy[];
  /** Namespace selector id -> the namespaces it picks. */
  readonly nsSelNamespaces: readonly (readonly number[])[];
  /** Per namespace: the pod selector ids that apply to pods there. */
  readonly relevant: readonly ReadonlySet<number>[];
  /** Under `cni: cilium`: its policies (the tiers are then empty: Cilium does not enforce them). */
  readonly cilium?: CiliumTable;
  /** EvalOptions.cni `calico`: Calico's tiers and policies (calico-table.ts). */
  readonly calico?: CalicoTable;
}

// --- Cilium policies in the table (cilium-table.ts) ---------------------------------------

export interface CompiledCiliumRule extends CompiledRule {
  /** Unique over the table: memo keys name rules by it. */
  readonly uid: number;
  readonly source: CiliumRule;
  /** It has a peer the input cannot decide (toFQDNs, toServices, ...). */
  readonly unknown: boolean;
}

export interface CompiledCiliumPolicy {
  readonly source: CiliumPolicy;
  /** Peer id of the pods it selects (never host-networked ones). */
  readonly subject: number;
  /**
   * Set when the policy is compiled per node (it names host or remote-node, or it is
   * allow-localhost): it selects only the pods on this node, or (null) the pods without a node.
   */
  readonly node?: string | null;
  readonly ingress: readonly CompiledCiliumRule[];
  readonly ingressDeny: readonly CompiledCiliumRule[];
  readonly egress: readonly CompiledCiliumRule[];
  readonly egressDeny: readonly CompiledCiliumRule[];
}

/** Under `cni: cilium` (cilium-table.ts builds it). */
export interface CiliumTable {
  readonly policies: readonly CompiledCiliumPolicy[];
  /** Enforcement mode `always`: every endpoint is in default deny, selected or not. */
  readonly always: boolean;
  /** Some policy is compiled per node: pod classes must tell nodes apart. */
  readonly byNode: boolean;
}

/** What the policy table lends this stage: its interners. */
export interface TableInterners {
  readonly podSels: SelectorIndex;
  readonly nsSels: SelectorIndex;
  namespaceIndex(name: string): number;
  internPeer(key: string, def: PeerDef): number;
  podsPeer(ns: number, nsSel: number, podSel: number, hostNetwork: boolean): number;
  blockOf(ranges: IpRange[]): number;
  internRulePeers(ids: number[]): number;
  internPortSpec(entries: PortEntry[]): number;
}

/** The nodes' own addresses, as /32 and /128 CIDRs. */
export function nodeCidrs(cluster: Cluster): string[] {
  return (cluster.nodes ?? []).flatMap((n) => n.addresses.map((a) => (a.includes(':') ? `${a}/128` : `${a}/32`)));
}


/** Builds the Cilium part of the table from the table's interners (cilium-table.ts; compile.ts passes it in). */
export type CiliumTableBuilder = (cluster: Cluster, always: boolean, t: TableInterners, firstUid: number, allowLocalhost: boolean) => CiliumTable;

/**
 * Labels of a namespace by name. A namespace the input does not list still carries the label
 * the API server puts on every namespace, so `kubernetes.io/metadata.name` selectors work.
 */
export function defaultNamespaceLabels(name: string): Labels {
  return { 'kubernetes.io/metadata.name': name };
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

/** Sorted, merged ranges: blocks must be disjoint inside (IpAtoms counts each range once). */
export function unionRanges(ranges: readonly IpRange[]): IpRange[] {
  const sorted = [...ranges].sort((a, b) => a.family - b.family || (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: IpRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === r.family && r.start <= last.end + 1n) {
      if (r.end > last.end) out[out.length - 1] = { family: r.family, start: last.start, end: r.end };
    } else out.push(r);
  }
  return out;
}

export function buildPolicyTable(input: Cluster, memo: CompileMemo, options?: EvalOptions, buildCiliumTable?: CiliumTableBuilder, previous?: PolicyTable): PolicyTable {
  if (previous !== undefined) {
    const patched = patchPolicyTable(previous, input, memo, options);
    if (patched !== undefined) return patched;
  }
  // Under Cilium: its own kinds, NetworkPolicy, and not the network-policy-api tiers; with
  // enforcement `never`, nothing at all.
  const cilium = options?.cni === 'cilium';
  const enforcement = options?.ciliumEnforcement ?? 'default';
  const cluster: Cluster = !cilium
    ? input
    : enforcement === 'never'
      ? { ...input, policies: [], tierPolicies: [], ciliumPolicies: [] }
      : { ...input, tierPolicies: [] };
  // CIDR rules and ipBlocks never select the nodes' own addresses under Cilium (host identity).
  const ipBlockSkips = cilium ? nodeCidrs(cluster) : [];
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
  const podNamespace = memo.podNamespaces(cluster, nsNames, (name) => addNamespace(name, defaultNamespaceLabels(name)));

  // --- Peers, peer lists, port specs, interned -------------------------------------------
  const podSels = memo.podSelectors;
  const nsSels = memo.namespaceSelectors;
  const peerDefs: PeerDef[] = [];
  const peerKeys: string[] = [];
  const peerIds = new Map<string, number>();
  const blockRanges: IpRange[][] = [];
  const blockKeys: string[] = [];
  const blockIds = new Map<string, number>();
  const rulePeerLists: (readonly number[] | null)[] = [null];
  const rulePeerIds = new Map<string, number>();
  const portSpecs: PortSpec[] = [{ entries: null, named: [] }];
  const portSpecIds = new Map<string, number>();
  const portNames = new Set<string>();
  // Which NetworkPolicy (its index) first interned each peer, block, rule-peers list and port
  // spec (NOT_A_POLICY: a later stage): what patchPolicyTable checks a change against.
  let current = NOT_A_POLICY;
  const peerFirst: number[] = [];
  const blockFirst: number[] = [];
  const rulePeersFirst: number[] = [NOT_A_POLICY];
  const portSpecFirst: number[] = [NOT_A_POLICY];

  const internPeer = (key: string, def: PeerDef): number => {
    let id = peerIds.get(key);
    if (id === undefined) {
      id = peerDefs.length;
      peerIds.set(key, id);
      peerDefs.push(def);
      peerKeys.push(key);
      peerFirst.push(current);
    }
    return id;
  };
  const blockOf = (ranges: IpRange[], rk = rangesKey(ranges)): number => {
    let block = blockIds.get(rk);
    if (block === undefined) {
      block = blockRanges.length;
      blockIds.set(rk, block);
      blockRanges.push(ranges);
      blockKeys.push(rk);
      blockFirst.push(current);
    }
    return block;
  };
  const podsPeer = (ns: number, nsSel: number, podSel: number, hostNetwork: boolean): number => {
    const key = `p${ns}:${nsSel}:${podSel}:${hostNetwork ? 'h' : ''}`;
    return peerIds.get(key) ?? internPeer(key, { kind: 'pods', ns, nsSel, podSel, hostNetwork });
  };
  const podSelId = (sel: NetworkPolicyPeer['podSelector']) => (sel && !isEmptySelector(sel) ? podSels.add(sel) : ANY_POD);

  const nodes = cluster.nodes ?? [];
  const tierPeerId = (peer: TierPeer, field: string): number => {
    switch (peer.kind) {
      case 'pods':
        return podsPeer(-1, nsSels.add(peer.namespaceSelector), podSelId(peer.podSelector), false);
      case 'networks': {
        const ranges: IpRange[] = [];
        peer.networks.forEach((cidr, i) => {
          try {
            ranges.push(...ipBlockRanges({ cidr }));
          } catch (e) {
            throw withField(e, `${field}.networks[${i}]`);
          }
        });
        const block = blockOf(unionRanges(ranges));
        return internPeer(`b${block}:always`, { kind: 'ipBlock', block, pods: 'always' });
      }
      case 'nodes': {
        // "It selects the nodeIPs ... present in the node.Status.Addresses field of the node."
        const ranges: IpRange[] = [];
        for (const n of nodes) {
          if (!matchesSelector(peer.nodeSelector, n.labels)) continue;
          for (const a of n.addresses) {
            const r = ipBlockRanges({ cidr: a.includes(':') ? `${a}/128` : `${a}/32` })[0]!;
            ranges.push(r);
          }
        }
        const block = blockOf(unionRanges(ranges));
        return internPeer(`b${block}:always`, { kind: 'ipBlock', block, pods: 'always' });
      }
      case 'domainNames':
        return internPeer('none', { kind: 'none' });
    }
  };

  // One peer (most rules): by the peer id, no key string to build.
  const singleRulePeers = new Map<number, number>();
  const internRulePeer = (peer: number): number => {
    let id = singleRulePeers.get(peer);
    if (id === undefined) {
      id = rulePeerLists.length;
      singleRulePeers.set(peer, id);
      rulePeerLists.push([peer]);
      rulePeersFirst.push(current);
    }
    return id;
  };
  const internRulePeers = (ids: number[]): number => {
    const sorted = ids.length === 1 ? ids : [...new Set(ids)].sort((a, b) => a - b);
    if (sorted.length === 1) return internRulePeer(sorted[0]!);
    const key = sorted.join(',');
    let id = rulePeerIds.get(key);
    if (id === undefined) {
      id = rulePeerLists.length;
      rulePeerIds.set(key, id);
      rulePeerLists.push(sorted);
      rulePeersFirst.push(current);
    }
    return id;
  };

  const internPortSpec = (entries: PortEntry[], key = portSpecKey(entries)): number => {
    let id = portSpecIds.get(key);
    if (id === undefined) {
      id = portSpecs.length;
      portSpecIds.set(key, id);
      const named: { name: string; protocol: Protocol | null }[] = [];
      for (const p of entries) {
        if (typeof p.port === 'string') {
          portNames.add(p.port);
          named.push({ name: p.port, protocol: p.protocol });
        }
      }
      portSpecs.push({ entries, named });
      portSpecFirst.push(current);
    }
    return id;
  };
  const tierPortSpecId = (ports: readonly TierPort[] | undefined): number => {
    if (ports === undefined) return ALL_PORTS;
    return internPortSpec(
      ports.map((p) =>
        'namedPort' in p
          ? { protocol: null, port: p.namedPort }
          : { protocol: p.protocol, port: p.port, ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) },
      ),
    );
  };

  // --- NetworkPolicies -------------------------------------------------------------------
  // A policy's form depends on the policy object alone: it is worked out once per object (and
  // per set of addresses ipBlocks skip) and replayed here, interning in the order a fresh
  // compile does, so ids come out the same.
  const skipsKey = ipBlockSkips.join(',');
  // Rules, rule lists and policies that come out as last time are last time's objects, and
  // peers keep their keys: less to build and to collect.
  const replayPeer = (p: PeerForm, ns: number): number => {
    if (p.kind === 'ipBlock') {
      const block = blockOf(p.ranges, p.rangesKey);
      if (p.keyAt !== block) {
        p.keyAt = block;
        p.key = `b${block}:option`;
      }
      return peerIds.get(p.key!) ?? internPeer(p.key!, { kind: 'ipBlock', block, pods: 'option' });
    }
    const peerNs = p.nsSel === OWN_NAMESPACE ? ns : -1;
    if (p.keyAt !== peerNs) {
      p.keyAt = peerNs;
      p.key = `p${peerNs}:${p.nsSel}:${p.podSel}:h`;
    }
    return peerIds.get(p.key!) ?? internPeer(p.key!, { kind: 'pods', ns: peerNs, nsSel: p.nsSel, podSel: p.podSel, hostNetwork: true });
  };
  const replayRules = (rules: readonly RuleForm[] | null, ns: number, prev: readonly CompiledRule[] | null | undefined): readonly CompiledRule[] | null => {
    if (rules === null) return null;
    // Undefined while every rule so far is prev's.
    let out: CompiledRule[] | undefined = prev && prev.length === rules.length ? undefined : [];
    for (let k = 0; k < rules.length; k++) {
      const r = rules[k]!;
      let peers = ALL_PEERS;
      if (r.peers !== null) {
        if (r.peers.length === 1) peers = internRulePeer(replayPeer(r.peers[0]!, ns));
        else peers = internRulePeers(r.peers.map((p) => replayPeer(p, ns)));
      }
      const ports = r.ports === null ? ALL_PORTS : internPortSpec(r.ports.entries, r.ports.key);
      if (r.last === undefined || r.last.peers !== peers || r.last.ports !== ports) r.last = { peers, ports };
      if (out === undefined) {
        if (prev![k] === r.last) continue;
        out = prev!.slice(0, k);
      }
      out.push(r.last);
    }
    return out ?? prev!;
  };
  const forms = networkPolicyFormsOf(memo);
  // A policy object at the index it had last time: its form without the WeakMap look-up.
  const lastForms = lastFormsByMemo.get(memo);
  const formList: NetworkPolicyForm[] = [];
  // Namespaces from here on are named only by policies.
  const nsBase = nsNames.length;
  const policies: CompiledPolicy[] = cluster.policies.map((policy, i) => {
    let form = lastForms !== undefined && lastForms.policies[i] === policy ? lastForms.forms[i] : forms.get(policy);
    if (form === undefined || form.skipsKey !== skipsKey) {
      form = networkPolicyForm(policy, podSels, nsSels, ipBlockSkips, skipsKey);
      forms.set(policy, form);
    }
    formList.push(form);
    current = i;
    const ns = nsIndex.get(policy.namespace) ?? addNamespace(policy.namespace, defaultNamespaceLabels(policy.namespace));
    const last = form.last;
    const ingress = replayRules(form.ingress, ns, last?.ingress);
    const egress = replayRules(form.egress, ns, last?.egress);
    if (last !== undefined && last.ns === ns && last.ingress === ingress && last.egress === egress) return last;
    return (form.last = { source: policy, ns, subject: form.subject, ingress, egress });
  });
  current = NOT_A_POLICY;
  lastFormsByMemo.set(memo, { policies: cluster.policies, forms: formList });
  const ciliumTable = cilium && buildCiliumTable
    ? buildCiliumTable(
        cluster,
        enforcement === 'always',
        {
          podSels,
          nsSels,
          namespaceIndex: (name) => addNamespace(name, defaultNamespaceLabels(name)),
          internPeer,
          podsPeer,
          blockOf,
          internRulePeers,
          internPortSpec,
        },
        0,
        (options?.ciliumAllowLocalhost ?? 'always') === 'always',
      )
    : undefined;
  const nsCount = nsNames.length;
  const policiesByNs: number[][] = Array.from({ length: nsCount }, () => []);
  policies.forEach((p, i) => policiesByNs[p.ns]!.push(i));

  // --- Tier policies ---------------------------------------------------------------------
  let uid = 0;
  const tierPolicy = (policy: TierPolicy): CompiledTierPolicy => {
    const object = `${policy.kind} ${policy.name}`;
    const rules = (list: readonly TierPolicy['ingress'][number][], field: string, peersField: string): CompiledTierRule[] =>
      list.map((r, i) => {
        const f = `${field}[${i}]`;
        try {
          return {
            peers: internRulePeers(r.peers.map((p, j) => tierPeerId(p, `${peersField}[${j}]`))),
            ports: tierPortSpecId(r.ports),
            action: r.action,
            uid: uid++,
            index: i,
            unknown: r.peers.some((p) => p.kind === 'domainNames'),
          };
        } catch (e) {
          throw withField(e, f, object);
        }
      });
    return {
      source: policy,
      subject: podsPeer(-1, nsSels.add(policy.subject.namespaceSelector), podSelId(policy.subject.podSelector), false),
      ingress: rules(policy.ingress, 'spec.ingress', 'from'),
      egress: rules(policy.egress, 'spec.egress', 'to'),
    };
  };
  const sortedTier = (tier: 'Admin' | 'Baseline') =>
    (cluster.tierPolicies ?? []).filter((p) => p.tier === tier).sort(compareTierPolicies).map(tierPolicy);
  const admin = sortedTier('Admin');
  const baseline = sortedTier('Baseline');
  checkDistinct(cluster.tierPolicies ?? []);
  const calico =
    options?.cni === 'calico'
      ? buildCalicoTable(cluster, { internPortSpec, addBlock: (ranges) => void blockOf(unionRanges(ranges)), podNamespace })
      : undefined;

  // --- Namespace selectors, once per namespace --------------------------------------------
  const nsSelNamespaces: number[][] = Array.from({ length: nsSels.size }, () => []);
  for (let ns = 0; ns < nsCount; ns++) for (const id of memo.namespaceSelectorsOf(nsLabels[ns]!)) nsSelNamespaces[id]!.push(ns);

  // --- Which pod selectors matter in which namespace ----------------------------------------
  const relevant = relevantSelectors(nsCount, policies, peerDefs, nsSelNamespaces);

  const table: PolicyTable = {
    nsIndex,
    nsNames,
    nsLabels,
    podNamespace,
    podSels,
    nsSels,
    peerDefs,
    peerKeys,
    blockRanges,
    blockKeys,
    rulePeerLists,
    portSpecs,
    portNames,
    policies,
    policiesByNs,
    admin,
    baseline,
    nsSelNamespaces,
    relevant,
    ...(ciliumTable ? { cilium: ciliumTable } : {}),
    ...(calico ? { calico } : {}),
  };
  if (!cilium && calico === undefined) {
    tableStates.set(table, {
      memo,
      cni: options?.cni,
      cluster,
      nsBase,
      forms: formList,
      peerIds,
      blockIds,
      singleRulePeers,
      rulePeerIds,
      portSpecIds,
      peerFirst,
      blockFirst,
      rulePeersFirst,
      portSpecFirst,
    });
  }
  return table;
}

// --- recompile: the previous table patched where only some NetworkPolicies changed ------------

/** First-interned-by of what no NetworkPolicy interned (tier, Cilium and Calico stages). */
const NOT_A_POLICY = 0x7fffffff;

/** What a table was built from and its interners: what patchPolicyTable needs of it. */
interface TableState {
  readonly memo: CompileMemo;
  readonly cni: EvalOptions['cni'];
  readonly cluster: Cluster;
  /** Namespaces before those only policies name. */
  readonly nsBase: number;
  readonly forms: readonly NetworkPolicyForm[];
  readonly peerIds: ReadonlyMap<string, number>;
  readonly blockIds: ReadonlyMap<string, number>;
  readonly singleRulePeers: ReadonlyMap<number, number>;
  readonly rulePeerIds: ReadonlyMap<string, number>;
  readonly portSpecIds: ReadonlyMap<string, number>;
  readonly peerFirst: readonly number[];
  readonly blockFirst: readonly number[];
  readonly rulePeersFirst: readonly number[];
  readonly portSpecFirst: readonly number[];
}

const tableStates = new WeakMap<PolicyTable, TableState>();

/** At most this many policies patched; more, and the table is built afresh. */
const PATCH_LIMIT = 16;

/**
 * The table buildPolicyTable(cluster) would build, made from `previous` when `cluster` differs
 * from the cluster `previous` was built from only in some NetworkPolicies (same count, same
 * namespaces, pods, nodes and tier policies; not under Cilium or Calico). Undefined otherwise.
 *
 * Ids are given in the order a fresh build first interns things, policy by policy. Policy i's
 * change keeps every id of the table when (per kind of id: peer, block, rule-peers list, port
 * spec) the new policy i uses only ids that exist, none first interned after i, and first
 * interns, in the same order, exactly the ids the old policy i first interned (those whose
 * first-interned-by is i, in id order). Then every other policy first interns what it did,
 * so the interners, the tier policies and every unchanged policy's entry are the previous
 * table's; only the changed policies' entries are made. Whether a policy changed is object
 * identity; a structurally equal copy passes the check with the same ids.
 */
function patchPolicyTable(previous: PolicyTable, cluster: Cluster, memo: CompileMemo, options: EvalOptions | undefined): PolicyTable | undefined {
  const st = tableStates.get(previous);
  if (st === undefined || st.memo !== memo || st.cni !== options?.cni) return undefined;
  const was = st.cluster;
  if (
    cluster.policies.length !== was.policies.length ||
    cluster.namespaces !== was.namespaces ||
    cluster.pods !== was.pods ||
    cluster.nodes !== was.nodes ||
    cluster.tierPolicies !== was.tierPolicies
  ) {
    return undefined;
  }
  const changed: number[] = [];
  for (let i = 0; i < cluster.policies.length; i++) {
    if (cluster.policies[i] !== was.policies[i]) {
      if (changed.length === PATCH_LIMIT) return undefined;
      changed.push(i);
    }
  }
  const forms = networkPolicyFormsOf(memo);
  const made: CompiledPolicy[] = [];
  const madeForms: NetworkPolicyForm[] = [];
  for (const i of changed) {
    const policy = cluster.policies[i]!;
    const oldNs = previous.policies[i]!.ns;
    const ns = previous.nsIndex.get(policy.namespace);
    if (ns === undefined || ns >= st.nsBase || oldNs >= st.nsBase) return undefined;
    let form = forms.get(policy);
    if (form === undefined || form.skipsKey !== '') {
      // May throw InputError: as the fresh build would (the other policies compiled before).
      form = networkPolicyForm(policy, previous.podSels, previous.nsSels, [], '');
      forms.set(policy, form);
    }
    const hits: Hits = { peers: [], blocks: [], rulePeers: [], portSpecs: [], late: false };
    const ingress = lookUpRules(form.ingress, ns, i, st, hits);
    const egress = lookUpRules(form.egress, ns, i, st, hits);
    if (ingress === undefined || egress === undefined || hits.late) return undefined;
    if (
      !sameFirsts(hits.peers, st.peerFirst, i) ||
      !sameFirsts(hits.blocks, st.blockFirst, i) ||
      !sameFirsts(hits.rulePeers, st.rulePeersFirst, i) ||
      !sameFirsts(hits.portSpecs, st.portSpecFirst, i)
    ) {
      return undefined;
    }
    made.push({ source: policy, ns, subject: form.subject, ingress, egress });
    madeForms.push(form);
  }
  const policies = previous.policies.slice();
  const formList = st.forms.slice();
  let sameNs = true;
  let sameSubjects = true;
  changed.forEach((i, k) => {
    const p = made[k]!;
    const old = policies[i]!;
    if (p.ns !== old.ns) sameNs = false;
    if (p.ns !== old.ns || p.subject !== old.subject) sameSubjects = false;
    policies[i] = p;
    formList[i] = madeForms[k]!;
    madeForms[k]!.last = p;
  });
  lastFormsByMemo.set(memo, { policies: cluster.policies, forms: formList });
  const nsCount = previous.nsNames.length;
  let policiesByNs = previous.policiesByNs;
  if (!sameNs) {
    const byNs: number[][] = Array.from({ length: nsCount }, () => []);
    policies.forEach((p, i) => byNs[p.ns]!.push(i));
    policiesByNs = byNs;
  }
  let nsSelNamespaces = previous.nsSelNamespaces;
  if (nsSelNamespaces.length !== previous.nsSels.size) {
    const out: number[][] = Array.from({ length: previous.nsSels.size }, () => []);
    for (let ns = 0; ns < nsCount; ns++) for (const id of memo.namespaceSelectorsOf(previous.nsLabels[ns]!)) out[id]!.push(ns);
    nsSelNamespaces = out;
  }
  let relevant = previous.relevant;
  if (!sameSubjects) relevant = relevantSelectors(nsCount, policies, previous.peerDefs, nsSelNamespaces);
  const table: PolicyTable = { ...previous, policies, policiesByNs, nsSelNamespaces, relevant };
  tableStates.set(table, { ...st, cluster, forms: formList });
  return table;
}

/** Ids a changed policy looks up, each kind in the order first looked up; `late`: one first interned after it. */
interface Hits {
  readonly peers: number[];
  readonly blocks: number[];
  readonly rulePeers: number[];
  readonly portSpecs: number[];
  late: boolean;
}

/** Notes `id` (first interned by policy `first[id]`) as looked up by policy `i`. */
function hit(list: number[], id: number, first: readonly number[], i: number, hits: Hits): void {
  const f = first[id]!;
  if (f > i) hits.late = true;
  else if (f === i && !list.includes(id)) list.push(id);
}

/** The ids policy `i` first interned in the previous table are exactly `list`, in that order. */
function sameFirsts(list: readonly number[], first: readonly number[], i: number): boolean {
  let k = 0;
  for (let id = 0; id < first.length; id++) {
    if (first[id] !== i) continue;
    if (list[k] !== id) return false;
    k++;
  }
  return k === list.length;
}

/** A form's rules compiled by look-ups only, as replay interns them; undefined when one is missing. */
function lookUpRules(rules: readonly RuleForm[] | null, ns: number, i: number, st: TableState, hits: Hits): CompiledRule[] | null | undefined {
  if (rules === null) return null;
  const out: CompiledRule[] = [];
  for (const r of rules) {
    let peers = ALL_PEERS;
    if (r.peers !== null) {
      const ids: number[] = [];
      for (const p of r.peers) {
        let key: string;
        if (p.kind === 'ipBlock') {
          const block = st.blockIds.get(p.rangesKey);
          if (block === undefined) return undefined;
          hit(hits.blocks, block, st.blockFirst, i, hits);
          key = `b${block}:option`;
        } else key = `p${p.nsSel === OWN_NAMESPACE ? ns : -1}:${p.nsSel}:${p.podSel}:h`;
        const id = st.peerIds.get(key);
        if (id === undefined) return undefined;
        hit(hits.peers, id, st.peerFirst, i, hits);
        ids.push(id);
      }
      const sorted = ids.length === 1 ? ids : [...new Set(ids)].sort((a, b) => a - b);
      const id = sorted.length === 1 ? st.singleRulePeers.get(sorted[0]!) : st.rulePeerIds.get(sorted.join(','));
      if (id === undefined) return undefined;
      hit(hits.rulePeers, id, st.rulePeersFirst, i, hits);
      peers = id;
    }
    let ports = ALL_PORTS;
    if (r.ports !== null) {
      const id = st.portSpecIds.get(r.ports.key);
      if (id === undefined) return undefined;
      hit(hits.portSpecs, id, st.portSpecFirst, i, hits);
      ports = id;
    }
    out.push(r.last !== undefined && r.last.peers === peers && r.last.ports === ports ? r.last : (r.last = { peers, ports }));
  }
  return out;
}

/** Per namespace: the pod selector ids that apply to pods there (subjects and peers). */
function relevantSelectors(nsCount: number, policies: readonly CompiledPolicy[], peerDefs: readonly PeerDef[], nsSelNamespaces: readonly (readonly number[])[]): Set<number>[] {
  const relevant: Set<number>[] = Array.from({ length: nsCount }, () => new Set());
  for (const p of policies) if (p.subject !== ANY_POD) relevant[p.ns]!.add(p.subject);
  for (const def of peerDefs) {
    if (def.kind !== 'pods' || def.podSel === ANY_POD) continue;
    if (def.nsSel === OWN_NAMESPACE) relevant[def.ns]!.add(def.podSel);
    else for (const ns of nsSelNamespaces[def.nsSel]!) relevant[ns]!.add(def.podSel);
  }
  return relevant;
}

/** Two tier policies of one kind and name would make every answer that names one ambiguous. */
function checkDistinct(policies: readonly TierPolicy[]): void {
  const seen = new Set<string>();
  for (const p of policies) {
    const id = tierPolicyId(p);
    if (seen.has(id)) throw new InputError(`two ${p.kind}s are named "${p.name}"`, { object: `${p.kind} ${p.name}` });
    seen.add(id);
  }
}

// --- A NetworkPolicy's form: what compiling it needs, without the table's ids ----------------

/** `key`: the peer's intern key when last replayed, for the block or namespace `keyAt`. */
type PeerForm =
  | { readonly kind: 'ipBlock'; readonly ranges: IpRange[]; readonly rangesKey: string; keyAt?: number; key?: string }
  /** nsSel OWN_NAMESPACE: the policy's own namespace. */
  | { readonly kind: 'pods'; readonly nsSel: number; readonly podSel: number; keyAt?: number; key?: string };

interface RuleForm {
  /** null: every peer (absent or empty from/to). */
  readonly peers: readonly PeerForm[] | null;
  /** null: every port (absent or empty ports). */
  readonly ports: { readonly entries: PortEntry[]; readonly key: string } | null;
  /** The rule as the last table that replayed it compiled it. */
  last?: CompiledRule;
}

/**
 * A NetworkPolicy with its selectors as ids of the memo's (append-only) selector indexes, its
 * ipBlocks as address ranges and its ports as entries, each with the key the table interns it
 * by. CompileMemo keeps one per policy object; the table replays it.
 */
/**
 * Each NetworkPolicy object's form, per memo (a memo's selector indexes give the ids a form
 * holds). Kept here rather than on the memo so that the memo needs no import of this module.
 */
const formsByMemo = new WeakMap<CompileMemo, WeakMap<NetworkPolicy, NetworkPolicyForm>>();

/** The last compile's policies array and their forms, in order, per memo. */
const lastFormsByMemo = new WeakMap<CompileMemo, { readonly policies: readonly NetworkPolicy[]; readonly forms: readonly NetworkPolicyForm[] }>();

function networkPolicyFormsOf(memo: CompileMemo): WeakMap<NetworkPolicy, NetworkPolicyForm> {
  let forms = formsByMemo.get(memo);
  if (forms === undefined) formsByMemo.set(memo, (forms = new WeakMap()));
  return forms;
}

export interface NetworkPolicyForm {
  /** The addresses ipBlocks leave out (Cilium: the nodes'), as the form was built with. */
  readonly skipsKey: string;
  readonly subject: number;
  /** null when the policy's types leave out that direction. */
  readonly ingress: readonly RuleForm[] | null;
  readonly egress: readonly RuleForm[] | null;
  /** The policy as the last table that replayed it compiled it. */
  last?: CompiledPolicy;
}

function rangesKey(ranges: readonly IpRange[]): string {
  return ranges.map((r) => `${r.family}:${r.start}-${r.end}`).join(',');
}

function portSpecKey(entries: readonly PortEntry[]): string {
  return JSON.stringify(entries.map((p) => [p.protocol, p.port ?? null, p.endPort ?? null]));
}

/** Throws InputError (naming the policy and field) for what the table cannot evaluate. */
function networkPolicyForm(policy: NetworkPolicy, podSels: SelectorIndex, nsSels: SelectorIndex, ipBlockSkips: readonly string[], skipsKey: string): NetworkPolicyForm {
  const object = `NetworkPolicy ${policy.namespace}/${policy.name}`;
  const podSelId = (sel: NetworkPolicyPeer['podSelector']) => (sel && !isEmptySelector(sel) ? podSels.add(sel) : ANY_POD);
  const peerForm = (peer: NetworkPolicyPeer): PeerForm => {
    // The API server accepts exactly one of ipBlock or selectors; if both were given, the
    // ipBlock is what the peer means (as in the reference evaluator).
    if (peer.ipBlock) {
      const ranges = ipBlockRanges(ipBlockSkips.length === 0 ? peer.ipBlock : { ...peer.ipBlock, except: [...(peer.ipBlock.except ?? []), ...ipBlockSkips] });
      return { kind: 'ipBlock', ranges, rangesKey: rangesKey(ranges) };
    }
    return { kind: 'pods', nsSel: peer.namespaceSelector ? nsSels.add(peer.namespaceSelector) : OWN_NAMESPACE, podSel: podSelId(peer.podSelector) };
  };
  const rule = (
    peers: readonly NetworkPolicyPeer[] | undefined,
    peersField: 'from' | 'to',
    ports: readonly NetworkPolicyPort[] | undefined,
    field: string,
  ): RuleForm => {
    try {
      const peerForms =
        peers === undefined || peers.length === 0
          ? null
          : peers.map((p, i) => {
              try {
                return peerForm(p);
              } catch (e) {
                throw withField(e, `${peersField}[${i}]`);
              }
            });
      let portForm: RuleForm['ports'] = null;
      if (ports !== undefined && ports.length > 0) {
        const entries = ports.map((p) => ({
          protocol: p.protocol ?? 'TCP',
          ...(p.port !== undefined ? { port: p.port } : {}),
          ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
        }));
        portForm = { entries, key: portSpecKey(entries) };
      }
      return { peers: peerForms, ports: portForm };
    } catch (e) {
      throw withField(e, field, object);
    }
  };
  const types = effectivePolicyTypes(policy);
  return {
    skipsKey,
    subject: isEmptySelector(policy.podSelector) ? ANY_POD : podSels.add(policy.podSelector),
    // An Ingress policy with absent or empty `ingress` has no rule, so it allows nothing in.
    ingress: types.includes('Ingress') ? (policy.ingress ?? []).map((r, i) => rule(r.from, 'from', r.ports, `spec.ingress[${i}]`)) : null,
    egress: types.includes('Egress') ? (policy.egress ?? []).map((r, i) => rule(r.to, 'to', r.ports, `spec.egress[${i}]`)) : null,
  };
}
