/**
 * What one compile can hand to the next: the answers that depend only on a pod's (or a
 * namespace's) own fields and on one selector, never on the rest of the cluster. A what-if
 * changes a policy or a few labels; recompiling with this memo re-evaluates only the selectors
 * and label sets that are new, and re-parses only pods that are new objects.
 *
 * Everything is keyed by content (label sets, selector ids of a shared, append-only
 * SelectorIndex) or by object identity of a Pod (which is immutable model data), so a memo
 * entry can never answer for something that changed: a changed pod is a different object or a
 * different label set, and a changed selector is a different id. That is why recompiling with
 * it gives exactly what a fresh compile gives.
 */
import { parseIpv4Number, type IpAddress } from '../semantics/ip.js';
import type { ClassState } from './class-state.js';
import { matchesSelector } from '../semantics/label-selector.js';
import type { Cluster, Labels, Pod } from '../model/model.js';
import { labelsKey, type PodClasses } from './pod-classes.js';
import { LabelAnswers } from './selector-groups.js';
import { SelectorIndex } from './selector-index.js';

/**
 * Pod addresses of one pods array, parsed: an IPv4 address alone (most pods) as a number, any
 * other list parsed in full. NaN where the pod has no single IPv4 address.
 */
export interface PodAddresses {
  readonly v4: Float64Array;
  /** Pods with several addresses or an IPv6 one (by pod index). */
  readonly other: ReadonlyMap<number, readonly IpAddress[]>;
}

/** A namespace label set's namespace-selector matches, among ids below `upTo`. */
interface NamespaceAnswers {
  upTo: number;
  readonly ids: number[];
}

export class CompileMemo {
  /** The last partition into classes, the class stage built on it, and what they were computed from (class-stage.ts). */
  lastClasses?: {
    readonly pods: readonly Pod[];
    readonly namespaces: readonly unknown[];
    readonly key: string;
    /** Per namespace, the pod selectors that apply there (the table's `relevant`). */
    readonly relevant: readonly ReadonlySet<number>[];
    readonly classes: PodClasses;
    readonly state: ClassState;
  };
  /** The last pods' namespace indexes, and the namespaces only pods named (in order). */
  private lastPodNamespaces?: { readonly pods: readonly Pod[]; readonly namespaces: readonly unknown[]; readonly podNamespace: Int32Array; readonly added: readonly string[] };
  /** Shared by every compile that uses this memo: ids stay stable, new selectors are appended. */
  readonly podSelectors = new SelectorIndex();
  readonly namespaceSelectors = new SelectorIndex();
  /** Pod selector answers per label projection (selector-groups.ts). */
  readonly labelAnswers = new LabelAnswers(this.podSelectors);
  private lastAddresses?: { readonly pods: readonly Pod[]; readonly addresses: PodAddresses };
  private readonly namespaces = new Map<string, NamespaceAnswers>();
  /** Namespace label sets' keys, by object (model data is immutable). */
  private readonly labelsKeys = new WeakMap<Labels, string>();

  /**
   * Each pod's namespace index, numbering namespaces the cluster does not list through `add`
   * in order of first pod (as the policy table numbers them). Same pods and namespaces as last
   * time: the same array (read-only), with `add` replayed for the unlisted namespaces.
   */
  podNamespaces(cluster: Cluster, nsNames: readonly string[], add: (name: string) => number): Int32Array {
    const last = this.lastPodNamespaces;
    if (last && last.pods === cluster.pods && last.namespaces === cluster.namespaces) {
      for (const name of last.added) add(name);
      return last.podNamespace;
    }
    const first = nsNames.length;
    const pods = cluster.pods;
    const podNamespace = new Int32Array(pods.length);
    // Pods come grouped by namespace: one look-up per run of them.
    let lastName: string | undefined;
    let lastIndex = -1;
    for (let i = 0; i < pods.length; i++) {
      const name = pods[i]!.namespace;
      if (name !== lastName) {
        lastName = name;
        lastIndex = add(name);
      }
      podNamespace[i] = lastIndex;
    }
    this.lastPodNamespaces = { pods: cluster.pods, namespaces: cluster.namespaces, podNamespace, added: nsNames.slice(first) };
    return podNamespace;
  }

  /**
   * The pods' addresses, parsed once per pods array (and per pod object kept in place by the
   * next array). `parse` throws for an address that does not parse.
   */
  podAddresses(pods: readonly Pod[], parse: (pod: Pod, ip: string) => IpAddress): PodAddresses {
    const last = this.lastAddresses;
    if (last !== undefined && last.pods === pods) return last.addresses;
    const v4 = new Float64Array(pods.length).fill(NaN);
    const other = new Map<number, readonly IpAddress[]>();
    for (let i = 0; i < pods.length; i++) {
      const pod = pods[i]!;
      if (last !== undefined && i < last.pods.length && last.pods[i] === pod) {
        v4[i] = last.addresses.v4[i]!;
        const o = last.addresses.other.get(i);
        if (o !== undefined) other.set(i, o);
        continue;
      }
      const ips = pod.ips;
      if (ips.length === 0) continue;
      if (ips.length === 1) {
        const v = parseIpv4Number(ips[0]!);
        if (v !== undefined) {
          v4[i] = v;
          continue;
        }
      }
      other.set(i, ips.map((ip) => parse(pod, ip)));
    }
    const addresses = { v4, other };
    this.lastAddresses = { pods, addresses };
    return addresses;
  }

  /** Ids of every namespace selector that a namespace with these labels satisfies. */
  namespaceSelectorsOf(labels: Labels): readonly number[] {
    let key = this.labelsKeys.get(labels);
    if (key === undefined) this.labelsKeys.set(labels, (key = labelsKey(labels)));
    const size = this.namespaceSelectors.size;
    let a = this.namespaces.get(key);
    if (!a) {
      // First sight: the inverted index finds the candidates among all selectors at once.
      a = { upTo: size, ids: this.namespaceSelectors.matching(labels) };
      this.namespaces.set(key, a);
    } else if (a.upTo < size) {
      for (let id = a.upTo; id < size; id++) if (matchesSelector(this.namespaceSelectors.selectors[id]!, labels)) a.ids.push(id);
      a.upTo = size;
    }
    return a.ids;
  }
}

const podIndexes = new WeakMap<readonly Pod[], ReadonlyMap<Pod, number>>();

/**
 * Each pod's index (its first, should one object appear twice) in `pods`; computed once per
 * pods array, which what-if compiles of one cluster share.
 */
export function podIndexOf(pods: readonly Pod[]): ReadonlyMap<Pod, number> {
  let m = podIndexes.get(pods);
  if (!m) {
    const index = new Map<Pod, number>();
    pods.forEach((p, i) => {
      if (!index.has(p)) index.set(p, i);
    });
    podIndexes.set(pods, (m = index));
  }
  return m;
}
