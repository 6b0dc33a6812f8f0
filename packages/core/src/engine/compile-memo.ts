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
import type { IpAddress } from '../semantics/ip.js';
import type { ClassState } from './class-state.js';
import { matchesSelector } from '../semantics/label-selector.js';
import type { Cluster, Labels, Pod } from '../model/model.js';
import { labelsKey, writtenLabelsKey, type PodClasses } from './pod-classes.js';
import { SelectorIndex } from './selector-index.js';

/**
 * The pod selectors one label set satisfies, among ids below `upTo`. A pod selector reads labels
 * only, so namespaces whose pods carry the same label sets (the same apps deployed in many
 * namespaces) share the answer; what differs per namespace is which selectors are relevant.
 */
interface SelectorAnswers {
  readonly labels: Labels;
  upTo: number;
  readonly matched: number[];
}

/** One label set in one namespace. */
interface LabelSetAnswers {
  readonly answers: SelectorAnswers;
  /** The last answer for a whole relevant set: reused while that set is unchanged. */
  lastSignature?: string;
  last?: { readonly key: string; readonly ids: number[] };
}

interface PodFacts {
  readonly entry: LabelSetAnswers;
  /** Parsed status.podIPs (null until asked: only ipBlocks that match pods need them). */
  ips?: readonly IpAddress[];
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
  private readonly labelSets = new Map<string, LabelSetAnswers>();
  /** Selector answers by label set alone, shared across namespaces. */
  private readonly selectorAnswers = new Map<string, SelectorAnswers>();
  /** The same entries by labels in written order: replicas share it, and it needs no sort. */
  private readonly writtenLabelSets = new Map<string, LabelSetAnswers>();
  private readonly pods = new WeakMap<Pod, PodFacts>();
  private readonly namespaces = new Map<string, NamespaceAnswers>();
  /** Namespace label sets' keys, by object (model data is immutable). */
  private readonly labelsKeys = new WeakMap<Labels, string>();

  private factsOf(pod: Pod): PodFacts {
    let f = this.pods.get(pod);
    if (!f) {
      const written = `${pod.namespace}\u0003${writtenLabelsKey(pod.labels)}`;
      let entry = this.writtenLabelSets.get(written);
      if (!entry) {
        const labels = labelsKey(pod.labels);
        const key = `${pod.namespace}\u0003${labels}`;
        entry = this.labelSets.get(key);
        if (!entry) {
          let answers = this.selectorAnswers.get(labels);
          if (!answers) this.selectorAnswers.set(labels, (answers = { labels: pod.labels, upTo: 0, matched: [] }));
          this.labelSets.set(key, (entry = { answers }));
        }
        this.writtenLabelSets.set(written, entry);
      }
      f = { entry };
      this.pods.set(pod, f);
    }
    return f;
  }

  /**
   * The relevant selectors (ids of `podSelectors`) a pod satisfies, sorted, with their key.
   * `signature` names the relevant set (equal sets, equal signatures).
   */
  podSelectorsOf(pod: Pod, relevant: ReadonlySet<number>, signature: string): { readonly key: string; readonly ids: number[] } {
    const entry = this.factsOf(pod).entry;
    const size = this.podSelectors.size;
    if (entry.lastSignature === signature && entry.last) return entry.last;
    const a = entry.answers;
    if (a.upTo === 0) {
      // First sight: the inverted index finds the candidates among all selectors at once.
      a.matched.push(...this.podSelectors.matching(a.labels));
    } else {
      for (let id = a.upTo; id < size; id++) if (matchesSelector(this.podSelectors.selectors[id]!, a.labels)) a.matched.push(id);
    }
    a.upTo = size;
    const ids = a.matched.filter((id) => relevant.has(id)).sort((a, b) => a - b);
    entry.lastSignature = signature;
    entry.last = { key: ids.join(','), ids };
    return entry.last;
  }

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
    const podNamespace = Int32Array.from(cluster.pods, (p) => add(p.namespace));
    this.lastPodNamespaces = { pods: cluster.pods, namespaces: cluster.namespaces, podNamespace, added: nsNames.slice(first) };
    return podNamespace;
  }

  /** Parsed pod IPs, parsed once per pod object. */
  podIps(pod: Pod, parse: (ip: string) => IpAddress): readonly IpAddress[] {
    const f = this.factsOf(pod);
    return (f.ips ??= pod.ips.map(parse));
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
