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
import { LabelAnswers, type SelectorGroups } from './selector-groups.js';

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
  /**
   * Per pod: the external groups its IPs fall in, when ipBlocks match pods, as an index into
   * `lists` (sorted distinct groups; list 0 is empty).
   */
  readonly podIpGroups?: { readonly ofPod: Int32Array; readonly lists: readonly (readonly number[])[] };
  /**
   * Per pod: its group of relevant selectors (selector-groups.ts). When given, it replaces the
   * evaluation here: a recompile answers it from what an earlier compile already evaluated
   * (compile-memo.ts).
   */
  readonly selectorGroups?: SelectorGroups;
  /**
   * Tier policies see host networking (their subjects and pods peers leave such pods out): when
   * the cluster has any, host-networked pods get classes of their own.
   */
  readonly distinguishHostNetwork?: boolean;
  /**
   * Per pod: more that policy can see of it (Calico's selector answers), as a small non-negative
   * integer; pods with different numbers get different classes.
   */
  readonly extraKey?: (podIndex: number) => number;
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

const NO_IP_GROUPS = { ofPod: undefined, lists: [[]] as readonly (readonly number[])[] };

export function buildPodClasses(input: PodClassesInput): PodClasses {
  const { pods, portNames } = input;
  const n = pods.length;
  const sel = input.selectorGroups ?? new LabelAnswers(input.selectors).groups(pods, input.podNamespace, input.relevant);
  const ip = input.podIpGroups ?? NO_IP_GROUPS;

  // Named ports: pods of one template list their ports alike, so the written list is tried first.
  const portsOf = new Int32Array(n);
  const namedPortSets: NamedPort[][] = [[]];
  if (portNames.size > 0) {
    const namedPortIds = new Map<string, number>([['', 0]]);
    const byWrittenPorts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const ports = pods[i]!.ports;
      if (ports.length === 0) continue;
      // A replica of the previous pod (they come together) writes the same named ports.
      if (i > 0 && sameNamedPorts(ports, pods[i - 1]!.ports, portNames)) {
        portsOf[i] = portsOf[i - 1]!;
        continue;
      }
      let written = '';
      for (const p of ports) {
        if (p.name !== undefined && portNames.has(p.name)) written += `${p.name}/${p.protocol}/${p.containerPort},`;
      }
      if (written === '') continue;
      let id = byWrittenPorts.get(written);
      if (id === undefined) {
        const named = namedPortsOf(ports, portNames);
        const nk = namedPortsKey(named);
        id = namedPortIds.get(nk);
        if (id === undefined) {
          id = namedPortSets.length;
          namedPortIds.set(nk, id);
          namedPortSets.push(named);
        }
        byWrittenPorts.set(written, id);
      }
      portsOf[i] = id;
    }
  }

  // The class key: (selector group, which names namespace and selectors; named ports; address
  // groups; host networking; more), as one number while the product of the ranges is exact.
  const host = input.distinguishHostNetwork === true;
  const portRange = namedPortSets.length;
  const ipRange = ip.lists.length;
  // The extra numbers, read once per pod; their range joins the product.
  let extra: Int32Array | undefined;
  let extraRange = 1;
  if (input.extraKey) {
    extra = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const x = input.extraKey(i);
      extra[i] = x;
      if (x >= extraRange) extraRange = x + 1;
    }
  }
  const numeric = sel.ids.length * portRange * ipRange * 2 * extraRange <= Number.MAX_SAFE_INTEGER;
  const byNumber = new Map<number, number>();
  const byString = new Map<string, number>();
  const podClass = new Int32Array(n);
  const classPods: number[][] = [];
  const classNs: number[] = [];
  const classSelectors: (readonly number[])[] = [];
  const classNamedPorts: number[] = [];
  const classIpGroups: (readonly number[])[] = [];
  const classHostNetwork: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const g = sel.ofPod[i]!;
    const portsId = portsOf[i]!;
    const ipId = ip.ofPod === undefined ? 0 : ip.ofPod[i]!;
    const h = host && pods[i]!.hostNetwork;
    let c: number | undefined;
    let key: number | string;
    if (numeric) {
      key = (((g * portRange + portsId) * ipRange + ipId) * 2 + (h ? 1 : 0)) * extraRange + (extra === undefined ? 0 : extra[i]!);
      c = byNumber.get(key);
    } else {
      key = `${g}|${portsId}|${ipId}${h ? '|h' : ''}|${extra === undefined ? 0 : extra[i]!}`;
      c = byString.get(key);
    }
    if (c === undefined) {
      c = classPods.length;
      if (typeof key === 'number') byNumber.set(key, c);
      else byString.set(key, c);
      classPods.push([]);
      classNs.push(sel.namespace[g]!);
      classSelectors.push(sel.ids[g]!);
      classNamedPorts.push(portsId);
      classIpGroups.push(ip.lists[ipId]!);
      classHostNetwork.push(h);
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

/** Whether two pods' ports list the same names of `names`, in order, alike (protocol, port). */
function sameNamedPorts(a: readonly ContainerPort[], b: readonly ContainerPort[], names: ReadonlySet<string>): boolean {
  let j = 0;
  for (const p of a) {
    if (p.name === undefined || !names.has(p.name)) continue;
    while (j < b.length && (b[j]!.name === undefined || !names.has(b[j]!.name!))) j++;
    if (j === b.length) return false;
    const q = b[j++]!;
    if (q.name !== p.name || q.protocol !== p.protocol || q.containerPort !== p.containerPort) return false;
  }
  for (; j < b.length; j++) if (b[j]!.name !== undefined && names.has(b[j]!.name!)) return false;
  return true;
}
