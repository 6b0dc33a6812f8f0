/**
 * Which relevant pod selectors each pod satisfies, worked out per distinct label set that a
 * selector can tell apart rather than per pod.
 *
 * A pod selector reads only the label keys it names (matchLabels and matchExpressions keys), so
 * two pods whose labels agree on every key some selector names satisfy exactly the same
 * selectors, whatever else they carry (pod-template-hash, statefulset.kubernetes.io/pod-name,
 * the same app deployed in many namespaces). Such a restriction of a label set is a
 * *projection*; a cluster of 100,000 pods with ~20,000 label sets has a few hundred of them.
 * Each projection is matched against the selectors once (and against selectors added later
 * only once more: the index is append-only), and each (namespace, projection) is filtered by
 * the selectors relevant in that namespace once.
 *
 * Kept by CompileMemo across compiles; a fresh LabelAnswers gives the same answers.
 */
import { matchesSelector } from '../semantics/label-selector.js';
import type { Labels, Pod } from '../model/model.js';
import type { SelectorIndex } from './selector-index.js';

/** Per pod, a group: pods of one group are in one namespace and satisfy the same relevant selectors. */
export interface SelectorGroups {
  /** pod index -> group. */
  readonly ofPod: Int32Array;
  /** group -> the relevant selectors its pods satisfy, ascending. */
  readonly ids: readonly (readonly number[])[];
  /** group -> namespace index. */
  readonly namespace: readonly number[];
}

interface ProjectionAnswers {
  /** The labels of the first pod seen with this projection (any pod of it answers alike). */
  readonly labels: Labels;
  /** Selector ids below this have been tried. */
  upTo: number;
  readonly matched: number[];
}

export class LabelAnswers {
  /** Size of the selectors' key set the projections were made under (the keys only grow). */
  private version = -1;
  private readonly projectionIds = new Map<string, number>();
  private readonly answers: ProjectionAnswers[] = [];
  private last?: { readonly pods: readonly Pod[]; readonly version: number; readonly ofPod: Int32Array };

  constructor(private readonly selectors: SelectorIndex) {}

  /** Per pod, the id of its labels restricted to the keys selectors read. */
  projections(pods: readonly Pod[]): Int32Array {
    const keys = this.selectors.keys;
    if (this.version !== keys.size) {
      // A selector reads a key no projection kept: start over.
      this.version = keys.size;
      this.projectionIds.clear();
      this.answers.length = 0;
      this.last = undefined;
    }
    const last = this.last;
    if (last !== undefined && last.pods === pods) return last.ofPod;
    const ofPod = new Int32Array(pods.length);
    const { projectionIds, answers } = this;
    for (let i = 0; i < pods.length; i++) {
      const pod = pods[i]!;
      // A pod object kept in place (a what-if edits a few) keeps its projection.
      if (last !== undefined && i < last.pods.length && last.pods[i] === pod) {
        ofPod[i] = last.ofPod[i]!;
        continue;
      }
      const labels = pod.labels;
      // In written order: replicas write their labels alike, and a second spelling of one
      // projection only costs a second entry with the same answers.
      let key = '';
      for (const k in labels) if (keys.has(k)) key += `${k}\u0000${labels[k]}\u0001`;
      let id = projectionIds.get(key);
      if (id === undefined) {
        id = answers.length;
        projectionIds.set(key, id);
        answers.push({ labels, upTo: 0, matched: [] });
      }
      ofPod[i] = id;
    }
    this.last = { pods, version: this.version, ofPod };
    return ofPod;
  }

  /** Every selector of the index that projection `id` satisfies, in no particular order. */
  private matched(id: number): readonly number[] {
    const a = this.answers[id]!;
    const size = this.selectors.size;
    if (a.upTo === 0) {
      // First sight: the inverted index finds the candidates among all selectors at once.
      a.matched.push(...this.selectors.matching(a.labels));
    } else {
      for (let s = a.upTo; s < size; s++) if (matchesSelector(this.selectors.selectors[s]!, a.labels)) a.matched.push(s);
    }
    a.upTo = size;
    return a.matched;
  }

  /** Each pod's group under the selectors relevant in its namespace. */
  groups(pods: readonly Pod[], podNamespace: Int32Array, relevant: readonly ReadonlySet<number>[]): SelectorGroups {
    const projection = this.projections(pods);
    const count = this.answers.length;
    const byNsProjection = new Map<number, number>();
    const byKey: (Map<string, number> | undefined)[] = [];
    const ids: number[][] = [];
    const namespace: number[] = [];
    const ofPod = new Int32Array(pods.length);
    // Pods come grouped by namespace: the current namespace's answers by projection sit in a
    // typed array (stamped with the namespace), the map holds them all.
    const stamp = new Int32Array(count).fill(-1);
    const stamped = new Int32Array(count);
    for (let i = 0; i < pods.length; i++) {
      const ns = podNamespace[i]!;
      const p = projection[i]!;
      if (stamp[p] === ns) {
        ofPod[i] = stamped[p]!;
        continue;
      }
      const cell = ns * count + p;
      let g = byNsProjection.get(cell);
      if (g === undefined) {
        const rel = relevant[ns]!;
        const list: number[] = [];
        if (rel.size > 0) {
          for (const s of this.matched(projection[i]!)) if (rel.has(s)) list.push(s);
          list.sort((a, b) => a - b);
        }
        const key = list.join(',');
        const known = (byKey[ns] ??= new Map());
        g = known.get(key);
        if (g === undefined) {
          g = ids.length;
          known.set(key, g);
          ids.push(list);
          namespace.push(ns);
        }
        byNsProjection.set(cell, g);
      }
      ofPod[i] = g;
      stamp[p] = ns;
      stamped[p] = g;
    }
    return { ofPod, ids, namespace };
  }
}
