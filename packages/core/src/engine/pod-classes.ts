/**
 * Pod classes: pods that no policy can tell apart share one class, and the fast engine reasons
 * about classes, never about individual pods.
 *
 * What a policy can see of a pod: its namespace, which pod selectors its labels satisfy, the
 * container ports a named port can resolve to, and (when ipBlocks match pods) which ipBlocks
 * its IPs fall in. The class key is exactly that, restricted to what could matter in the pod's
 * namespace: only selectors that some policy applies there (a policy's podSelector for its own
 * namespace, a peer podSelector for the namespaces its peer reaches) and only port names some
 * rule mentions. Raw labels are not part of the key, so per-pod labels such as
 * pod-template-hash or statefulset.kubernetes.io/pod-name do not split classes unless a
 * selector reads them.
 */
import type { ContainerPort, Labels, Pod, Protocol } from '../model/model.js';
import type { SelectorIndex } from './selector-index.js';

/** A container port a named port may resolve to. */
export interface NamedPort {
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
}

export interface PodClassesInput {
  readonly pods: readonly Pod[];
  /** Namespace index of each pod. */
  readonly podNamespace: Int32Array;
  readonly namespaceCount: number;
  readonly selectors: SelectorIndex;
  /** Per namespace: the selector ids that apply to pods there. */
  readonly relevant: readonly ReadonlySet<number>[];
  /** Port names any rule mentions. */
  readonly portNames: ReadonlySet<string>;
  /** Per pod: the sorted distinct external groups its IPs fall in, when ipBlocks match pods. */
  readonly podIpGroups?: readonly (readonly number[])[];
  /**
   * Per pod: the relevant selectors its labels satisfy (sorted ids, and those ids joined as a
   * key). When given, it replaces the evaluation here: a recompile answers it from what an
   * earlier compile already evaluated (compile-memo.ts).
   */
  readonly podSelectors?: (podIndex: number) => { readonly key: string; readonly ids: number[] };
  /**
   * Tier policies see host networking (their subjects and pods peers leave such pods out): when
   * the cluster has any, host-networked pods get classes of their own.
   */
  readonly distinguishHostNetwork?: boolean;
  /** Per pod: more that policy can see of it (Calico's selector answers); pods with different keys get different classes. */
  readonly extraKey?: (podIndex: number) => string;
}

export interface PodClasses {
  readonly count: number;
  readonly podClass: Int32Array;
  readonly classPods: number[][];
  readonly classNamespace: Int32Array;
  /** class -> the relevant selectors its pods satisfy, ascending. */
  readonly classSelectors: readonly (readonly number[])[];
  /** class -> index into `namedPortSets`. */
  readonly classNamedPorts: Int32Array;
  /** Distinct sets of mentioned named ports; index 0 is the empty set. */
  readonly namedPortSets: readonly (readonly NamedPort[])[];
  /** class -> external groups of its pods' IPs (empty when ipBlocks do not match pods). */
  readonly classIpGroups: readonly (readonly number[])[];
  /** class -> its pods are host-networked (always false unless distinguishHostNetwork). */
  readonly classHostNetwork: readonly boolean[];
}

/** Labels in the order they were written: equal for replicas of one template, cheap. */
export function writtenLabelsKey(labels: Labels): string {
  let s = '\u0002';
  for (const k in labels) s += `${k}\u0000${labels[k]}\u0001`;
  return s;
}

/** Canonical: equal for equal label sets whatever their order. */
export function labelsKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  let s = '';
  for (const k of keys) s += `${k}\u0000${labels[k]}\u0001`;
  return s;
}

/** The container ports a named port could resolve to, restricted to the names rules use. */
export function namedPortsOf(ports: readonly ContainerPort[], names: ReadonlySet<string>): NamedPort[] {
  const out: NamedPort[] = [];
  for (const p of ports) {
    if (p.name !== undefined && names.has(p.name)) out.push({ name: p.name, protocol: p.protocol, port: p.containerPort });
  }
  return out.sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.port - b.port,
  );
}

export function namedPortsKey(ports: readonly NamedPort[]): string {
  return ports.map((p) => `${p.name}/${p.protocol}/${p.port}`).join(',');
}

export function buildPodClasses(input: PodClassesInput): PodClasses {
  const { pods, podNamespace, selectors, relevant, portNames, podIpGroups, podSelectors } = input;
  const podClass = new Int32Array(pods.length);
  const classPods: number[][] = [];
  const classNs: number[] = [];
  const classSelectors: number[][] = [];
  const classNamedPorts: number[] = [];
  const classIpGroups: (readonly number[])[] = [];
  const classHostNetwork: boolean[] = [];
  const namedPortSets: NamedPort[][] = [[]];
  const namedPortIds = new Map<string, number>([['', 0]]);
  const classIds = new Map<string, number>();
  // Many pods share a label set (replicas of one template): match selectors once per set.
  const byLabels: Map<string, { key: string; ids: number[] }>[] = [];
  for (let ns = 0; ns < input.namespaceCount; ns++) byLabels.push(new Map());
  const byWrittenPorts = new Map<string, number>();

  for (let i = 0; i < pods.length; i++) {
    const pod = pods[i]!;
    const ns = podNamespace[i]!;
    // Replicas list their labels in the same order: try the key in written order before
    // paying for the sorted (canonical) one.
    let sel = podSelectors?.(i);
    const cache = byLabels[ns]!;
    const written = sel ? '' : writtenLabelsKey(pod.labels);
    if (!sel) sel = cache.get(written);
    if (!sel) {
      const lk = labelsKey(pod.labels);
      sel = cache.get(lk);
      if (!sel) {
        const rel = relevant[ns]!;
        const ids = rel.size === 0 ? [] : selectors.matching(pod.labels, rel);
        ids.sort((a, b) => a - b);
        sel = { key: ids.join(','), ids };
        cache.set(lk, sel);
      }
      cache.set(written, sel);
    }
    let portsId = 0;
    if (portNames.size > 0 && pod.ports.length > 0) {
      let written = '';
      for (const p of pod.ports) {
        if (p.name !== undefined && portNames.has(p.name)) written += `${p.name}/${p.protocol}/${p.containerPort},`;
      }
      let id = byWrittenPorts.get(written);
      if (id === undefined) {
        const named = namedPortsOf(pod.ports, portNames);
        const nk = namedPortsKey(named);
        id = namedPortIds.get(nk);
        if (id === undefined) {
          id = namedPortSets.length;
          namedPortIds.set(nk, id);
          namedPortSets.push(named);
        }
        byWrittenPorts.set(written, id);
      }
      portsId = id;
    }
    const groups = podIpGroups?.[i] ?? [];
    const host = input.distinguishHostNetwork === true && pod.hostNetwork;
    const extra = input.extraKey ? `|${input.extraKey(i)}` : '';
    const key = `${ns}|${sel.key}|${portsId}|${groups.join(',')}${host ? '|h' : ''}${extra}`;
    let c = classIds.get(key);
    if (c === undefined) {
      c = classPods.length;
      classIds.set(key, c);
      classPods.push([]);
      classNs.push(ns);
      classSelectors.push(sel.ids);
      classNamedPorts.push(portsId);
      classIpGroups.push(groups);
      classHostNetwork.push(host);
    }
    podClass[i] = c;
    classPods[c]!.push(i);
  }
  return {
    count: classPods.length,
    podClass,
    classPods,
    classNamespace: Int32Array.from(classNs),
    classSelectors,
    classNamedPorts: Int32Array.from(classNamedPorts),
    namedPortSets,
    classIpGroups,
    classHostNetwork,
  };
}
