/**
 * What a change to the cluster does to reachability: every workload pair (and external address
 * group) whose allowed ports differ between two compiled clusters, with the ports added and
 * removed and the rules behind them.
 *
 * Comparing two all-pairs relations costs two all-pairs sweeps. A what-if changes one policy or
 * a few labels, and NetworkPolicy semantics bound what that can touch: ports(s, d) is the
 * source's egress intersected with the destination's ingress, the first decided only by the
 * policies selecting s, the second only by those selecting d (named ports resolve on d). So
 * when only policies changed, a pair can change only if a changed policy (its old or its new
 * version) selects s or selects d; a pod whose labels, ports or IPs changed, or whose
 * namespace's labels changed, can change any pair it is part of. The diff compares just those
 * pairs and reports, for the rest, that they were not looked at because they cannot differ.
 *
 * Endpoints are matched across the two sides by pod (namespace/name), so a workload that policy
 * splits differently before and after, or an external range whose ipBlock moved, still lines
 * up: the diff's endpoints are the common refinement of both sides' endpoints.
 */
import { explainConnection, type SideExplanation } from '../explain/explain.js';
import { formatIp, type IpRange } from '../semantics/ip.js';
import { matchesSelector } from '../semantics/label-selector.js';
import type { Cluster, Endpoint, Labels, NetworkPolicy, Pod, Protocol } from '../model/model.js';
import { PROTOCOLS } from '../model/model.js';
import { ciliumPolicyId, tierPolicyId } from '../model/model.js';
import { EMPTY_PROTO_PORTS, isEmptyProtoPorts, protoPortsEqual, subtractProtoPorts, type ProtoPorts } from '../semantics/port-set.js';
import type { CompiledCluster, ExternalGroup, Reachability } from '../engine/reachability.js';
import { byEndpointIds, externalId, isWorkloadEndpoint, type EndpointIndex } from '../workloads/workload-reach.js';
import { policyChangeBoxes, type PairBox, type PodBound } from './policy-change-bounds.js';

/** One side of a compared pair. */
export interface DiffEndpoint {
  readonly id: string;
  /** Workload kind, or `External`. */
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Pods (replicas) on the side that has more of them; 0 for externals. */
  readonly pods: number;
  /** `added`: only after the change; `removed`: only before it. */
  readonly presence: 'both' | 'added' | 'removed';
  /** External groups: the inclusive address ranges. */
  readonly ranges?: readonly string[];
}

export type ChangeKind = 'allowed' | 'denied' | 'changed';

export interface PairChange {
  readonly from: string;
  readonly to: string;
  /** `allowed`: nothing was allowed before; `denied`: nothing is allowed after; else `changed`. */
  readonly change: ChangeKind;
  readonly before: ProtoPorts;
  readonly after: ProtoPorts;
  /** Ports allowed after and not before. */
  readonly added: ProtoPorts;
  /** Ports allowed before and not after. */
  readonly removed: ProtoPorts;
  /** The source is outside the cluster (an external address group). */
  readonly fromExternal: boolean;
  /** The destination is outside the cluster. */
  readonly toExternal: boolean;
  /** Both ends are workloads of the same namespace. */
  readonly sameNamespace: boolean;
  /**
   * Why the first added port is now allowed, after the change: per side, the rules that allow
   * it or "not isolated". Absent when nothing was added or past the explanation limit.
   */
  readonly allowedBy?: readonly string[];
  /** Why the first removed port is now denied: per denying side, the isolating policies and the missing rule. */
  readonly deniedBy?: readonly string[];
  /** The policies (namespace/name) that isolate the denying side(s) after the change. */
  readonly denyingPolicies?: readonly string[];
}

export interface ReachDiff {
  readonly endpoints: readonly DiffEndpoint[];
  /** Sorted by from, then to. */
  readonly changes: readonly PairChange[];
  readonly counts: { readonly allowed: number; readonly denied: number; readonly changed: number };
  /**
   * `incremental`: only pairs the change could touch were compared (see the file comment);
   * `full`: every pair.
   */
  readonly scope: 'incremental' | 'full';
  /** Node pairs (class or external group pairs on both sides) whose ports were compared. */
  readonly comparedPairs: number;
  /** Pairs whose explanation was left out (explainLimit reached). */
  readonly unexplained: number;
}

export interface DiffOptions {
  /** At most this many changes get rule-level explanations (default 2,000). */
  readonly explainLimit?: number;
  /** Compare every pair even when the change is known to touch few (for tests and checks). */
  readonly full?: boolean;
}


function firstPort(p: ProtoPorts): { protocol: Protocol; port: number } | undefined {
  for (const protocol of PROTOCOLS) {
    const r = p[protocol][0];
    if (r) return { protocol, port: r[0] };
  }
  return undefined;
}

// --- What the change can touch ---------------------------------------------------------------

function podKey(p: Pod): string {
  return `${p.namespace}/${p.name}${p.fromTemplate ? '\u0000t' : ''}`;
}

function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}

/** What policy can see of a pod: labels, container ports (named ports), IPs, its ServiceAccount (Calico). */
function samePolicyFacts(a: Pod, b: Pod): boolean {
  if (a === b) return true;
  return (
    a.namespace === b.namespace &&
    sameLabels(a.labels, b.labels) &&
    a.ips.length === b.ips.length &&
    a.ips.every((ip, i) => b.ips[i] === ip) &&
    JSON.stringify(a.ports) === JSON.stringify(b.ports) &&
    // Tier policies leave host-networked pods out of subjects and pods peers.
    a.hostNetwork === b.hostNetwork &&
    a.serviceAccountName === b.serviceAccountName
  );
}

function namespaceLabels(c: Cluster): Map<string, Labels> {
  return new Map(c.namespaces.map((n) => [n.name, n.labels]));
}

function policyKey(p: NetworkPolicy): string {
  return `${p.namespace}/${p.name}`;
}

/** Pods that may change as a source or destination, by index into each side's pods. */
interface Touched {
  readonly before: Set<number>;
  readonly after: Set<number>;
  /**
   * A NetworkPolicy-only change, bounded tighter (policy-change-bounds.ts): just these pairs
   * may change (pod indexes are the same on both sides); `before` and `after` are then empty.
   */
  readonly boxes?: readonly PairBox[];
}

/**
 * Pods whose pairs may change, or undefined when the change is too broad to bound (evaluation
 * options differ). When both sides share the pods array (a policy-only what-if), no pod needs
 * matching by name.
 */
function touchedPods(before: CompiledCluster, after: CompiledCluster): Touched | undefined {
  if (before.options.ipBlockPods !== after.options.ipBlockPods) return undefined;
  const b = before.cluster;
  const a = after.cluster;
  if (JSON.stringify(before.options) === JSON.stringify(after.options)) {
    const boxes = policyChangeBoxes(b, a);
    if (boxes) return { before: new Set(), after: new Set(), boxes };
  }
  // Nodes are what nodes peers match: a changed Node can touch any pod's egress.
  if (b.nodes !== a.nodes && JSON.stringify(b.nodes ?? []) !== JSON.stringify(a.nodes ?? [])) return undefined;
  // Calico's objects reach past their subjects (a Pass hands pairs to later tiers, network sets
  // and host endpoints are peers of any rule), and its rules read ServiceAccount labels: a change
  // to them is not bounded here.
  if (b.calico !== a.calico && JSON.stringify(b.calico ?? null) !== JSON.stringify(a.calico ?? null)) return undefined;
  if (before.options.cni === 'calico' && b.serviceAccounts !== a.serviceAccounts && JSON.stringify(b.serviceAccounts ?? []) !== JSON.stringify(a.serviceAccounts ?? [])) return undefined;
  const touched: Touched = { before: new Set(), after: new Set() };
  const samePods = b.pods === a.pods;

  const nb = namespaceLabels(b);
  const na = namespaceLabels(a);
  const changedNs = new Set<string>();
  if (b.namespaces !== a.namespaces) for (const name of new Set([...nb.keys(), ...na.keys()])) {
    const lb = nb.get(name);
    const la = na.get(name);
    // A namespace not listed carries only its name label (compile.ts): listed with just that is the same.
    const def = { 'kubernetes.io/metadata.name': name };
    if (!sameLabels(lb ?? def, la ?? def)) changedNs.add(name);
  }

  if (samePods) {
    if (changedNs.size > 0) b.pods.forEach((p, i) => changedNs.has(p.namespace) && (touched.before.add(i), touched.after.add(i)));
  } else {
    const beforePods = new Map<string, number>();
    b.pods.forEach((p, i) => beforePods.set(podKey(p), i));
    const seen = new Set<number>();
    a.pods.forEach((p, i) => {
      const bi = beforePods.get(podKey(p));
      if (bi !== undefined) seen.add(bi);
      if (bi === undefined || !samePolicyFacts(b.pods[bi]!, p) || changedNs.has(p.namespace)) {
        touched.after.add(i);
        if (bi !== undefined) touched.before.add(bi);
      }
    });
    b.pods.forEach((p, i) => (!seen.has(i) || changedNs.has(p.namespace)) && touched.before.add(i));
  }

  if (b.policies !== a.policies) {
    const pb = new Map(b.policies.map((p) => [policyKey(p), p]));
    const pa = new Map(a.policies.map((p) => [policyKey(p), p]));
    const changed: { policy: NetworkPolicy; side: 'before' | 'after' }[] = [];
    for (const [k, p] of pb) {
      const q = pa.get(k);
      if (q === p) continue;
      if (!q || JSON.stringify(q) !== JSON.stringify(p)) changed.push({ policy: p, side: 'before' });
    }
    for (const [k, q] of pa) {
      const p = pb.get(k);
      if (p === q) continue;
      if (!p || JSON.stringify(q) !== JSON.stringify(p)) changed.push({ policy: q, side: 'after' });
    }
    // The subjects of every changed policy, old version against the old pods and new against the
    // new; a pod is touched on both sides (as the same pod, where it exists on both).
    const other = samePods ? undefined : new Map(a.pods.map((p, i) => [podKey(p), i]));
    const otherB = samePods ? undefined : new Map(b.pods.map((p, i) => [podKey(p), i]));
    for (const { policy, side } of changed) {
      const pods = side === 'before' ? b.pods : a.pods;
      pods.forEach((p, i) => {
        if (p.namespace !== policy.namespace || !matchesSelector(policy.podSelector, p.labels)) return;
        if (samePods) {
          touched.before.add(i);
          touched.after.add(i);
          return;
        }
        touched[side].add(i);
        const j = (side === 'before' ? other : otherB)!.get(podKey(p));
        if (j !== undefined) touched[side === 'before' ? 'after' : 'before'].add(j);
      });
    }
  }
  if (b.tierPolicies !== a.tierPolicies) touchTierSubjects(b, a, touched, samePods);
  if (b.ciliumPolicies !== a.ciliumPolicies) touchCiliumSubjects(b, a, touched, samePods);
  return touched;
}

/**
 * A changed Cilium policy, like a tier policy, can change a pair only through the pods its
 * endpointSelector selects (host-networked pods never; a namespaced policy only in its namespace).
 */
function touchCiliumSubjects(b: Cluster, a: Cluster, touched: Touched, samePods: boolean): void {
  touchChangedSubjects(b.ciliumPolicies ?? [], a.ciliumPolicies ?? [], ciliumPolicyId, b, a, touched, samePods, (policy, p, nsLabels) => {
    if (policy.subject.kind !== 'endpoints' || policy.subject.selector.matchesNoPod) return false;
    if (p.hostNetwork || (policy.kind === 'CiliumNetworkPolicy' && p.namespace !== policy.namespace)) return false;
    return matchesSelector(policy.subject.selector.namespace, nsLabels) && matchesSelector(policy.subject.selector.pod, p.labels);
  });
}

/**
 * A changed tier policy (ClusterNetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy)
 * can change a pair only through its subjects, as a NetworkPolicy can: its ingress rules act on
 * what enters them, its egress rules on what leaves them.
 */
function touchTierSubjects(b: Cluster, a: Cluster, touched: Touched, samePods: boolean): void {
  touchChangedSubjects(b.tierPolicies ?? [], a.tierPolicies ?? [], tierPolicyId, b, a, touched, samePods, (policy, p, nsLabels) =>
    matchesSelector(policy.subject.namespaceSelector, nsLabels) && (!policy.subject.podSelector || matchesSelector(policy.subject.podSelector, p.labels)),
  );
}

/**
 * The policies (by `key`) that differ between the two sides: the pods each selects on its side,
 * and the same pods on the other side, are touched.
 */
function touchChangedSubjects<P>(
  before: readonly P[],
  after: readonly P[],
  key: (p: P) => string,
  b: Cluster,
  a: Cluster,
  touched: Touched,
  samePods: boolean,
  selects: (policy: P, pod: Pod, nsLabels: Labels) => boolean,
): void {
  const pb = new Map(before.map((p) => [key(p), p]));
  const pa = new Map(after.map((p) => [key(p), p]));
  const changed: { policy: P; side: 'before' | 'after' }[] = [];
  for (const [k, p] of pb) {
    const q = pa.get(k);
    if (q !== p && (!q || JSON.stringify(q) !== JSON.stringify(p))) changed.push({ policy: p, side: 'before' });
  }
  for (const [k, q] of pa) {
    const p = pb.get(k);
    if (p !== q && (!p || JSON.stringify(q) !== JSON.stringify(p))) changed.push({ policy: q, side: 'after' });
  }
  if (changed.length === 0) return;
  const other = new Map(a.pods.map((p, i) => [podKey(p), i]));
  const otherB = new Map(b.pods.map((p, i) => [podKey(p), i]));
  for (const { policy, side } of changed) {
    const cluster = side === 'before' ? b : a;
    const ns = namespaceLabels(cluster);
    cluster.pods.forEach((p, i) => {
      if (!selects(policy, p, ns.get(p.namespace) ?? { 'kubernetes.io/metadata.name': p.namespace })) return;
      touched[side].add(i);
      const j = samePods ? i : (side === 'before' ? other : otherB).get(podKey(p));
      if (j !== undefined) touched[side === 'before' ? 'after' : 'before'].add(j);
    });
  }
}

// --- The common refinement of both sides' endpoints -----------------------------------------

interface Cell {
  /** Node on each side (class or classCount + external group), -1 where absent. */
  readonly bNode: number;
  readonly aNode: number;
  /** Diff endpoints in this cell. */
  readonly endpoints: number[];
  /** Pods in the cell (for the self rule): more than one lets the cell reach itself. */
  pods: number;
}

interface Refined {
  readonly endpoints: DiffEndpoint[];
  /** endpoint -> a pod (or address) on each side, for explanations. */
  readonly beforeRep: (Endpoint | undefined)[];
  readonly afterRep: (Endpoint | undefined)[];
  readonly cells: Cell[];
  /** endpoint -> cell */
  readonly endpointCell: number[];
  /** Pod index -> its cell, on each side (-1: none). */
  readonly bPodCell: Int32Array;
  readonly aPodCell: Int32Array;
  /** cell -> it is an external address group */
  readonly externalCell: readonly boolean[];
  /** The endpoints in id order, as the diff lists them. */
  readonly sortedEndpoints: readonly DiffEndpoint[];
}

/**
 * A policy-only what-if keeps pods, classes and endpoints: its refinement is the same for every
 * change of one `before` whose address groups stay put, so it is worked out once.
 */
const refinements = new WeakMap<
  EndpointIndex,
  { readonly key: string; readonly externals: readonly (readonly ExternalGroup[])[]; readonly refined: Refined }
>();

function refineOnce(before: CompiledCluster, after: CompiledCluster, bIndex: EndpointIndex, aIndex: EndpointIndex): Refined {
  if (aIndex !== bIndex) return refine(before, after, bIndex, aIndex);
  const known = refinements.get(bIndex);
  // The very address groups of last time (a recompile that kept the class stage): nothing to spell out.
  if (known && known.externals[0] === before.externals && known.externals[1] === after.externals) return known.refined;
  const side = (c: CompiledCluster) => `${c.classCount}:${c.externals.map((g) => g.ranges.map((x) => `${x.family}:${x.start}-${x.end}`).join(',')).join(';')}`;
  const key = `${side(before)}|${side(after)}`;
  const externals = [before.externals, after.externals];
  const refined = known && known.key === key ? known.refined : refine(before, after, bIndex, aIndex);
  refinements.set(bIndex, { key, externals, refined });
  return refined;
}

function refine(before: CompiledCluster, after: CompiledCluster, bIndex: EndpointIndex, aIndex: EndpointIndex): Refined {
  const groups = new Map<string, { bEp: number; aEp: number; bPods: number[]; aPods: number[] }>();
  /** External endpoint -> its ranges so far (a group may have IPv4 and IPv6 parts). */
  const externalRanges = new Map<number, IpRange[]>();
  const samePods = before.cluster.pods === after.cluster.pods;
  const byKey = new Map<string, number>();
  if (!samePods) before.cluster.pods.forEach((p, i) => byKey.set(podKey(p), i));
  const matchedBefore = new Set<number>();
  const add = (bEp: number, aEp: number, bPod: number, aPod: number) => {
    const k = `${bEp},${aEp}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { bEp, aEp, bPods: [], aPods: [] }));
    if (bPod >= 0) g.bPods.push(bPod);
    if (aPod >= 0) g.aPods.push(aPod);
  };
  if (aIndex === bIndex) {
    // Same pods, same endpoints: each endpoint is its own group.
    bIndex.endpointPods.forEach((pods, e) => {
      if (pods.length > 0) groups.set(`${e},${e}`, { bEp: e, aEp: e, bPods: [...pods], aPods: [...pods] });
    });
  } else {
    after.cluster.pods.forEach((p, i) => {
      const bi = samePods ? i : byKey.get(podKey(p));
      if (bi !== undefined) matchedBefore.add(bi);
      add(bi === undefined ? -1 : bIndex.podEndpoint[bi]!, aIndex.podEndpoint[i]!, bi ?? -1, i);
    });
    before.cluster.pods.forEach((_p, i) => {
      if (!matchedBefore.has(i)) add(bIndex.podEndpoint[i]!, -1, i, -1);
    });
  }

  const endpoints: DiffEndpoint[] = [];
  const beforeRep: (Endpoint | undefined)[] = [];
  const afterRep: (Endpoint | undefined)[] = [];
  const cellIds = new Map<string, number>();
  const cells: Cell[] = [];
  const endpointCell: number[] = [];
  const cellOf = (bNode: number, aNode: number): number => {
    const k = `${bNode},${aNode}`;
    let c = cellIds.get(k);
    if (c === undefined) {
      c = cells.length;
      cellIds.set(k, c);
      cells.push({ bNode, aNode, endpoints: [], pods: 0 });
    }
    return c;
  };

  // Workloads: named after the after side (what will run), the before side where it is gone.
  const labelled = [...groups.values()].map((g) => {
    const be = g.bEp >= 0 ? bIndex.endpoints[g.bEp]! : undefined;
    const ae = g.aEp >= 0 ? aIndex.endpoints[g.aEp]! : undefined;
    return { g, be, ae, id: (ae ?? be)!.id };
  });
  const idCount = new Map<string, number>();
  for (const l of labelled) idCount.set(l.id, (idCount.get(l.id) ?? 0) + 1);
  labelled.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : (x.be?.id ?? '') < (y.be?.id ?? '') ? -1 : 1));
  const used = new Map<string, number>();
  const bPodCell = new Int32Array(before.cluster.pods.length).fill(-1);
  const aPodCell = new Int32Array(after.cluster.pods.length).fill(-1);
  for (const { g, be, ae, id } of labelled) {
    let label = id;
    if ((idCount.get(id) ?? 0) > 1) {
      // One endpoint after, several before (or the reverse): say which part this is.
      label = be && be.id !== id ? `${id} (was ${be.id})` : id;
      const n = (used.get(label) ?? 0) + 1;
      used.set(label, n);
      if (n > 1) label = `${label} [${n}]`;
    }
    const w = (ae ?? be)!;
    const bPods = g.bPods.reduce((s, i) => s + before.cluster.pods[i]!.replicas, 0);
    const aPods = g.aPods.reduce((s, i) => s + after.cluster.pods[i]!.replicas, 0);
    const idx = endpoints.length;
    endpoints.push({
      id: label,
      kind: w.kind,
      ...(isWorkloadEndpoint(w) ? { namespace: w.namespace, name: w.name } : {}),
      pods: Math.max(bPods, aPods),
      presence: be && ae ? 'both' : ae ? 'added' : 'removed',
    });
    beforeRep.push(g.bPods.length ? { kind: 'pod', pod: before.cluster.pods[g.bPods[0]!]! } : undefined);
    afterRep.push(g.aPods.length ? { kind: 'pod', pod: after.cluster.pods[g.aPods[0]!]! } : undefined);
    const c = cellOf(g.bPods.length ? before.podClass[g.bPods[0]!]! : -1, g.aPods.length ? after.podClass[g.aPods[0]!]! : -1);
    cells[c]!.endpoints.push(idx);
    cells[c]!.pods += Math.max(bPods, aPods);
    for (const i of g.bPods) bPodCell[i] = c;
    for (const i of g.aPods) aPodCell[i] = c;
    endpointCell.push(c);
  }

  // Externals: the intersections of both sides' address groups.
  for (const family of [4, 6] as const) {
    const side = (c: CompiledCluster) =>
      c.externals
        .flatMap((g, gi) => g.ranges.filter((r) => r.family === family).map((r) => ({ r, g: gi })))
        .sort((x, y) => (x.r.start < y.r.start ? -1 : x.r.start > y.r.start ? 1 : 0));
    const bs = side(before);
    const as = side(after);
    const parts = new Map<string, { bg: number; ag: number; ranges: IpRange[] }>();
    let i = 0;
    let j = 0;
    while (i < bs.length && j < as.length) {
      const x = bs[i]!;
      const y = as[j]!;
      const lo = x.r.start > y.r.start ? x.r.start : y.r.start;
      const hi = x.r.end < y.r.end ? x.r.end : y.r.end;
      if (lo <= hi) {
        const k = `${x.g},${y.g}`;
        let p = parts.get(k);
        if (!p) parts.set(k, (p = { bg: x.g, ag: y.g, ranges: [] }));
        const last = p.ranges[p.ranges.length - 1];
        if (last && last.end + 1n === lo) p.ranges[p.ranges.length - 1] = { family, start: last.start, end: hi };
        else p.ranges.push({ family, start: lo, end: hi });
      }
      if (x.r.end < y.r.end) i++;
      else j++;
    }
    for (const p of parts.values()) addExternal(p.bg, p.ag, p.ranges);
  }
  function addExternal(bg: number, ag: number, ranges: IpRange[]) {
    // One group may span both families: join with a group of the same pair from the other family.
    const c = cellOf(before.classCount + bg, after.classCount + ag);
    const cell = cells[c]!;
    if (cell.endpoints.length > 0) {
      const e = cell.endpoints[0]!;
      const prev = externalRanges.get(e)!;
      prev.push(...ranges);
      const ep = endpoints[e]!;
      endpoints[e] = { ...ep, id: externalId(prev), ranges: prev.map(formatRangeText) };
      return;
    }
    const idx = endpoints.length;
    externalRanges.set(idx, [...ranges]);
    endpoints.push({ id: externalId(ranges), kind: 'External', pods: 0, presence: 'both', ranges: ranges.map(formatRangeText) });
    const ip: Endpoint = { kind: 'ip', ip: formatIp(ranges[0]!.family, ranges[0]!.start) };
    beforeRep.push(ip);
    afterRep.push(ip);
    cell.endpoints.push(idx);
    endpointCell.push(c);
  }
  const externalCell = cells.map((c) => c.endpoints.length > 0 && endpoints[c.endpoints[0]!]!.kind === 'External');
  const sortedEndpoints = [...endpoints].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { endpoints, beforeRep, afterRep, cells, endpointCell, bPodCell, aPodCell, externalCell, sortedEndpoints };
}

function formatRangeText(r: IpRange): string {
  return `${formatIp(r.family, r.start)}-${formatIp(r.family, r.end)}`;
}

// --- Explanations ----------------------------------------------------------------------------

function sideText(side: SideExplanation, dir: 'egress' | 'ingress'): string {
  return `${dir} of ${side.endpoint}: ${side.reason}`;
}

// --- The diff --------------------------------------------------------------------------------

/** A what-if is asked many times against one `before`: its endpoints are worked out once (and kept by it). */
function endpointIndexOf(c: CompiledCluster): EndpointIndex {
  return c.endpoints();
}


/**
 * Every endpoint pair whose allowed ports differ from `before` to `after` (compiled clusters,
 * typically `after = recompile(before, changed)`), each with the rules that now allow its new
 * ports or the policies that now deny its lost ones.
 */
/**
 * Works out ahead what every what-if from `before` that keeps its pod classes and address
 * groups (a policy-only change, typically) reads first: `before`'s endpoints and their
 * refinement. The first diffReachability(before, ...) otherwise pays for it. Kept with `before`.
 */
export function prepareWhatIf(before: CompiledCluster): void {
  const index = endpointIndexOf(before);
  refineOnce(before, before, index, index);
}

export function diffReachability(before: CompiledCluster, after: CompiledCluster, options: DiffOptions = {}): ReachDiff {
  const touched = options.full ? undefined : touchedPods(before, after);
  const bIndex = endpointIndexOf(before);
  // A policy-only change that leaves the pod classes as they were leaves the endpoints too.
  const aIndex =
    before.cluster.pods === after.cluster.pods &&
    before.cluster.workloads === after.cluster.workloads &&
    before.classCount === after.classCount &&
    (before.podClass === after.podClass || before.podClass.every((c, i) => after.podClass[i] === c))
      ? bIndex // refine() reads only the pod endpoints of an index
      : endpointIndexOf(after);
  const r = refineOnce(before, after, bIndex, aIndex);
  const { cells, endpoints } = r;
  // Pairs toward a few destinations need only those destinations' groups (reachToward).
  const reachOf = (c: CompiledCluster, destinations?: ReadonlySet<number>): Reachability =>
    destinations === undefined || destinations.size * 8 > c.classCount + c.externals.length ? c.reach() : c.reachToward(destinations);
  let bReach: Reachability;
  let aReach: Reachability;
  const bMemo = new Map<number, ProtoPorts>();
  const aMemo = new Map<number, ProtoPorts>();
  let compared = 0;
  const portsOf = (reach: Reachability, memo: Map<number, ProtoPorts>, s: number, d: number): ProtoPorts => {
    if (s < 0 || d < 0) return EMPTY_PROTO_PORTS;
    const key = s * reach.nodeCount + d;
    let p = memo.get(key);
    if (!p) {
      p = reach.ports(s, d);
      memo.set(key, p);
    }
    return p;
  };

  interface Raw {
    from: number;
    to: number;
    before: ProtoPorts;
    after: ProtoPorts;
  }
  const raw: Raw[] = [];
  const { externalCell } = r;
  const comparePair = (cs: number, cd: number) => {
    const s = cells[cs]!;
    const d = cells[cd]!;
    if (externalCell[cs] && externalCell[cd]) return;
    // A cell of one pod to itself is a pod to itself: always allowed, never listed.
    if (cs === cd && s.pods < 2 && !externalCell[cs]) return;
    compared++;
    const pb = portsOf(bReach, bMemo, s.bNode, d.bNode);
    const pa = portsOf(aReach, aMemo, s.aNode, d.aNode);
    if (protoPortsEqual(pb, pa)) return;
    for (const a of s.endpoints) {
      for (const b of d.endpoints) {
        // A one-pod endpoint to itself is a pod to itself.
        if (a === b && endpoints[a]!.pods < 2) continue;
        raw.push({ from: a, to: b, before: pb, after: pa });
      }
    }
  };
  if (touched === undefined) {
    bReach = reachOf(before);
    aReach = reachOf(after);
    for (let cs = 0; cs < cells.length; cs++) for (let cd = 0; cd < cells.length; cd++) comparePair(cs, cd);
  } else if (touched.boxes) {
    // Each box's pairs, once each (boxes may overlap).
    const every = cells.map((_c, i) => i);
    const cellsOf = (bound: PodBound): number[] => {
      if (bound === 'all') return every;
      const out = new Set<number>();
      for (const i of bound) if (r.aPodCell[i]! >= 0) out.add(r.aPodCell[i]!);
      return [...out];
    };
    const bDst = new Set<number>();
    const aDst = new Set<number>();
    let everyDst = false;
    for (const box of touched.boxes) {
      if (box.dst === 'all') everyDst = true;
      else for (const cd of cellsOf(box.dst)) {
        if (cells[cd]!.bNode >= 0) bDst.add(cells[cd]!.bNode);
        if (cells[cd]!.aNode >= 0) aDst.add(cells[cd]!.aNode);
      }
    }
    bReach = reachOf(before, everyDst ? undefined : bDst);
    aReach = reachOf(after, everyDst ? undefined : aDst);
    const done = new Set<number>();
    for (const box of touched.boxes) {
      const src = cellsOf(box.src);
      const dst = cellsOf(box.dst);
      for (const cs of src) {
        for (const cd of dst) {
          const k = cs * cells.length + cd;
          if (done.has(k)) continue;
          done.add(k);
          comparePair(cs, cd);
        }
      }
    }
  } else {
    bReach = reachOf(before);
    aReach = reachOf(after);
    const isTouched = new Uint8Array(cells.length);
    for (const i of touched.before) if (r.bPodCell[i]! >= 0) isTouched[r.bPodCell[i]!] = 1;
    for (const i of touched.after) if (r.aPodCell[i]! >= 0) isTouched[r.aPodCell[i]!] = 1;
    const touchedCells: number[] = [];
    isTouched.forEach((t, i) => t && touchedCells.push(i));
    for (const t of touchedCells) {
      for (let o = 0; o < cells.length; o++) {
        comparePair(t, o);
        if (!isTouched[o]) comparePair(o, t);
      }
    }
  }

  if (raw.length > 1) raw.sort(byEndpointIds(endpoints));

  const limit = options.explainLimit ?? 2000;
  let explained = 0;
  let unexplained = 0;
  const changes: PairChange[] = raw.map((c) => {
    const added = subtractProtoPorts(c.after, c.before);
    const removed = subtractProtoPorts(c.before, c.after);
    const change: ChangeKind = isEmptyProtoPorts(c.before) ? 'allowed' : isEmptyProtoPorts(c.after) ? 'denied' : 'changed';
    const from = endpoints[c.from]!;
    const to = endpoints[c.to]!;
    const base: PairChange = {
      from: from.id,
      to: to.id,
      change,
      before: c.before,
      after: c.after,
      added,
      removed,
      fromExternal: from.kind === 'External',
      toExternal: to.kind === 'External',
      sameNamespace: from.namespace !== undefined && from.namespace === to.namespace,
    };
    if (explained >= limit) {
      unexplained++;
      return base;
    }
    explained++;
    const why: { allowedBy?: string[]; deniedBy?: string[]; denyingPolicies?: string[] } = {};
    const src = r.afterRep[c.from];
    const dst = r.afterRep[c.to];
    const up = firstPort(added);
    if (up) {
      // Explanations name the endpoints, so each pair gets its own.
      if (src && dst) {
        const e = explainConnection(after.cluster, src, dst, up.port, up.protocol, after.options);
        why.allowedBy = [
          `${up.protocol} ${up.port}: ${sideText(e.egress, 'egress')}`,
          `${up.protocol} ${up.port}: ${sideText(e.ingress, 'ingress')}`,
        ];
      }
    }
    const down = firstPort(removed);
    if (down) {
      if (!src || !dst) {
        why.deniedBy = [`${!src ? from.id : to.id} is not in the changed cluster`];
        why.denyingPolicies = [];
      } else {
        const e = explainConnection(after.cluster, src, dst, down.port, down.protocol, after.options);
        // Everything denied: say so, rather than "no rule allows 0.0.0.0 on TCP 1" (the first
        // port of the first protocol, to the group's first address).
        const all = PROTOCOLS.every((p) => removed[p].length === 1 && removed[p][0]![0] === 1 && removed[p][0]![1] === 65535);
        const name = (x: { kind: string }, id: string, ep: typeof src) => (x.kind === 'External' ? id : ep.kind === 'pod' ? `${ep.pod.namespace}/${ep.pod.name}` : ep.ip);
        const text = (s: 'egress' | 'ingress') => {
          const side = s === 'egress' ? e.egress : e.ingress;
          if (!all) return `${down.protocol} ${down.port}: ${sideText(side, s)}`;
          const other = s === 'egress' ? name(to, to.id, dst) : name(from, from.id, src);
          const reason = side.reason.replace(/no rule allows .* on [A-Z]+ \d+$/, `no rule allows ${other} on any port`);
          return `every port: ${s} of ${side.endpoint}: ${reason}`;
        };
        why.deniedBy = e.denyingSides.map(text);
        why.denyingPolicies = [...new Set(e.denyingSides.flatMap((s) => (s === 'egress' ? e.egress : e.ingress).isolatingPolicies))].sort();
      }
    }
    return { ...base, ...why };
  });
  const count = (k: ChangeKind) => changes.filter((c) => c.change === k).length;
  return {
    endpoints: r.sortedEndpoints,
    changes,
    counts: { allowed: count('allowed'), denied: count('denied'), changed: count('changed') },
    scope: touched === undefined ? 'full' : 'incremental',
    comparedPairs: compared,
    unexplained,
  };
}
