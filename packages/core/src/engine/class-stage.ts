/**
 * Compile stage 2, the nodes of the reachability relation: pod classes (pods no policy can tell
 * apart, pod-classes.ts) and external groups (addresses no ipBlock, network or node peer can
 * tell apart, ip-atoms.ts). Node numbers: classes first, then external groups.
 */
import { InputError } from '../model/errors.js';
import { tryParseIp, type IpAddress } from '../semantics/ip.js';
import type { Cluster, EvalOptions, Pod } from '../model/model.js';
import type { CompileMemo } from './compile-memo.js';
import { IpAtoms } from './ip-atoms.js';
import { buildPodClasses } from './pod-classes.js';
import type { ClassState } from './class-state.js';
import { ciliumClassesByNode, splitClassesByNode } from './cilium-table.js';
import { ANY_POD, type PolicyTable } from './policy-table.js';

export type { ClassState } from './class-state.js';

export function buildClassState(cluster: Cluster, options: EvalOptions, table: PolicyTable, memo: CompileMemo): ClassState {
  const matchPods = (options.ipBlockPods ?? 'match') === 'match';
  const { relevant, blockRanges, portNames, podNamespace } = table;
  const nsCount = table.nsNames.length;
  // Tier policies, Cilium and Calico leave host-networked pods out of subjects and pod peers.
  const tiers = table.admin.length + table.baseline.length > 0 || table.cilium !== undefined || table.calico !== undefined;
  // Tier networks and nodes peers match pods by address whatever the option says.
  // So do Calico's nets, network sets and host endpoints.
  const podsByIp =
    blockRanges.length > 0 && (matchPods || table.calico !== undefined || table.peerDefs.some((d) => d.kind === 'ipBlock' && d.pods === 'always'));

  const parsePodIp = (pod: Pod, ip: string): IpAddress => {
    const a = tryParseIp(ip);
    if (!a) throw new InputError(`invalid pod IP "${ip}"`, { object: `Pod ${pod.namespace}/${pod.name}`, field: 'status.podIPs' });
    return a;
  };
  // Only groups inside some block matter: an address no block covers is the same to policy as
  // having no known address at all. Per pod, an index into lists of groups (0: none).
  const podIpGroupsOf = () => {
    if (!podsByIp) return undefined;
    const pods = cluster.pods;
    const addresses = memo.podAddresses(pods, parsePodIp);
    const ofPod = new Int32Array(pods.length);
    const lists: (readonly number[])[] = [[]];
    // Pods of one group share its one-element list (most pods have one address).
    const single = new Int32Array(externalCount);
    const listIds = new Map<string, number>();
    const singleList = (g: number): number => {
      if (ipAtoms.groupBlocks[g]!.length === 0) return 0;
      if (single[g] === 0) {
        single[g] = lists.length;
        lists.push([g]);
      }
      return single[g]!;
    };
    for (let i = 0; i < pods.length; i++) {
      const v = addresses.v4[i]!;
      if (v === v) {
        ofPod[i] = singleList(ipAtoms.groupOfV4(v));
        continue;
      }
      const ips = addresses.other.get(i);
      if (ips === undefined) continue;
      if (ips.length === 1) {
        ofPod[i] = singleList(ipAtoms.groupOf(ips[0]!));
        continue;
      }
      const groups = new Set<number>();
      for (const a of ips) {
        const g = ipAtoms.groupOf(a);
        if (ipAtoms.groupBlocks[g]!.length > 0) groups.add(g);
      }
      const list = [...groups].sort((a, b) => a - b);
      if (list.length <= 1) {
        ofPod[i] = list.length === 0 ? 0 : singleList(list[0]!);
        continue;
      }
      const key = list.join(',');
      let id = listIds.get(key);
      if (id === undefined) {
        id = lists.length;
        listIds.set(key, id);
        lists.push(list);
      }
      ofPod[i] = id;
    }
    return { ofPod, lists };
  };

  // Everything the partition depends on besides the pods themselves: when a change leaves it
  // as it was (a policy edit that brings no new selector, port name or address block to any
  // namespace), the previous compile's classes are this compile's classes.
  // (The relevant sets are compared as sets, not spelled out in the key: a recompile that keeps
  // the classes then builds no string per namespace.)
  const classesKey = [[...portNames].sort().join(','), podsByIp, tiers, table.blockKeys.join(';'), table.calico?.predicatesKey ?? ''].join('#');
  const last = memo.lastClasses;
  const byNode = table.cilium?.byNode === true;
  let same =
    last !== undefined &&
    last.pods === cluster.pods &&
    last.namespaces === cluster.namespaces &&
    last.key === classesKey &&
    last.relevant.length === relevant.length;
  // Namespaces where fewer selectors matter than last time (a what-if that drops a rule).
  let narrowed: number[] | undefined;
  if (same) {
    for (let ns = 0; ns < relevant.length && same; ns++) {
      const r = relevant[ns]!;
      const l = last!.relevant[ns]!;
      if (sameSet(r, l)) continue;
      if (isSubset(r, l)) (narrowed ??= []).push(ns);
      else same = false;
    }
  }
  // A selector that no longer matters there can only merge classes of those namespaces. Where it
  // merges none, the last stage answers this compile alike: it holds the partition a fresh one
  // builds, and answers classesMatching for every selector that matters now (it also knows the
  // dropped selectors, which nothing of this compile asks about). It stays the memo's, with
  // the wider relevant sets it was built for.
  if (same && narrowed !== undefined) same = !byNode && table.calico === undefined && last!.state !== undefined && keepsClasses(last!.state, narrowed, relevant);
  // Then this whole stage is as it was too (the address groups come from the same blocks), and
  // later stages may keep what they derive from it on it (peer-sets.ts) — unless Cilium splits
  // classes by node, which depends on every policy's subject and is redone on each compile.
  if (same && !byNode && last!.state?.matchPods === matchPods) return last!.state;
  if (same && narrowed !== undefined) same = false;
  const ipAtoms = new IpAtoms(blockRanges);
  const externalCount = ipAtoms.groups.length;
  const whole = same ? last!.classes : buildClasses();
  // Cilium's host and remote-node are relative to the pod's node: the classes whose answers
  // depend on it are split by node (cilium-table.ts), from the kept whole partition.
  const classes = byNode ? splitClassesByNode(whole, ciliumClassesByNode(table, whole), cluster.pods) : whole;
  function buildClasses() {
    const podIpGroups = podIpGroupsOf();
    return buildPodClasses({
      selectorGroups: memo.labelAnswers.groups(cluster.pods, podNamespace, relevant),
      pods: cluster.pods,
      podNamespace,
      namespaceCount: nsCount,
      selectors: table.podSels,
      relevant,
      portNames,
      distinguishHostNetwork: tiers,
      ...(table.calico ? { extraKey: (i: number) => table.calico!.podAnswer(cluster.pods[i]!, i) } : {}),
      ...(podIpGroups ? { podIpGroups } : {}),
    });
  }

  const classCount = classes.count;
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
  const groupClasses: number[][] = Array.from({ length: externalCount }, () => []);
  for (let c = 0; c < classCount; c++) for (const g of classes.classIpGroups[c]!) groupClasses[g]!.push(c);

  const state: ClassState = {
    pods: cluster.pods,
    matchPods,
    classes,
    classCount,
    ipAtoms,
    externalCount,
    nodeCount: classCount + externalCount,
    nsClasses,
    classesMatching: (ns, podSel) => (podSel === ANY_POD ? nsClasses[ns]! : (nsSelClasses[ns]!.get(podSel) ?? [])),
    groupClasses,
    parsePodIp,
  };
  memo.lastClasses = { pods: cluster.pods, namespaces: cluster.namespaces, key: classesKey, relevant, classes: whole, state };
  return state;
}

/** Every element of `a` is in `b`. */
function isSubset(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  if (a.size > b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/**
 * Whether the classes of namespaces `changed` stay apart when only the selectors of `relevant`
 * tell them apart: their keys (pod-classes.ts) less the selectors no longer relevant.
 */
function keepsClasses(state: ClassState, changed: readonly number[], relevant: readonly ReadonlySet<number>[]): boolean {
  const { classSelectors, classNamedPorts, classIpGroups, classHostNetwork } = state.classes;
  for (const ns of changed) {
    const rel = relevant[ns]!;
    const seen = new Set<string>();
    for (const c of state.nsClasses[ns]!) {
      let key = `${classNamedPorts[c]}|${classIpGroups[c]!.join(',')}|${classHostNetwork[c] ? 'h' : ''}|`;
      for (const sel of classSelectors[c]!) if (rel.has(sel)) key += `${sel},`;
      if (seen.has(key)) return false;
      seen.add(key);
    }
  }
  return true;
}

function sameSet(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
