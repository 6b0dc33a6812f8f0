/**
 * The distinct label selectors of a cluster's policies, interned, with an inverted index so
 * that finding every selector a label set satisfies does not test every selector.
 *
 * A selector that requires `key=value` (matchLabels, or `key In (values)`) can only match label
 * sets that carry one of those pairs, and an `Exists` requirement needs the key; only selectors
 * made of NotIn/DoesNotExist alone (which missing keys satisfy) must be tried on every label
 * set. With thousands of policies this turns pods x selectors into pods x (a few candidates).
 */
import { matchesSelector } from '../semantics/label-selector.js';
import type { LabelSelector, Labels } from '../model/model.js';

/** Equal for selectors that select the same way regardless of the order they were written in. */
export function selectorKey(sel: LabelSelector): string {
  const labels = Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const exprs = (sel.matchExpressions ?? [])
    .map((r) => [r.key, r.operator, [...new Set(r.values ?? [])].sort()] as const)
    .map((r) => JSON.stringify(r))
    .sort();
  return JSON.stringify([labels, [...new Set(exprs)]]);
}

/** With this few candidate selectors, testing each beats the index lookups. */
const DIRECT_LIMIT = 8;

export class SelectorIndex {
  readonly selectors: LabelSelector[] = [];
  private readonly ids = new Map<string, number>();
  /** Selectors are immutable model data: an object seen before needs no key. */
  private readonly byObject = new WeakMap<LabelSelector, number>();
  private readonly byPair = new Map<string, number[]>();
  private readonly byKey = new Map<string, number[]>();
  private readonly always: number[] = [];
  private stamps: number[] = [];
  private stamp = 0;
  /**
   * Every label key some selector reads (matchLabels or matchExpressions). Labels under other
   * keys never change an answer, so label sets equal on these keys share their answers
   * (selector-groups.ts). Only grows; its size names the version.
   */
  readonly keys = new Set<string>();

  /** The id of `sel`, the same for equivalent selectors. */
  add(sel: LabelSelector): number {
    const known = this.byObject.get(sel);
    if (known !== undefined) return known;
    const key = selectorKey(sel);
    let id = this.ids.get(key);
    if (id !== undefined) {
      this.byObject.set(sel, id);
      return id;
    }
    id = this.selectors.length;
    this.ids.set(key, id);
    this.byObject.set(sel, id);
    this.selectors.push(sel);
    this.stamps.push(0);
    for (const k in sel.matchLabels ?? {}) this.keys.add(k);
    for (const r of sel.matchExpressions ?? []) this.keys.add(r.key);
    const push = (map: Map<string, number[]>, k: string) => {
      const list = map.get(k);
      if (list) list.push(id!);
      else map.set(k, [id!]);
    };
    const first = Object.entries(sel.matchLabels ?? {})[0];
    const inReq = (sel.matchExpressions ?? []).find((r) => r.operator === 'In');
    const existsReq = (sel.matchExpressions ?? []).find((r) => r.operator === 'Exists');
    if (first) push(this.byPair, pairKey(first[0], first[1]));
    else if (inReq) for (const v of new Set(inReq.values ?? [])) push(this.byPair, pairKey(inReq.key, v));
    else if (existsReq) push(this.byKey, existsReq.key);
    else this.always.push(id);
    return id;
  }

  get size(): number {
    return this.selectors.length;
  }

  /**
   * Ids of every selector that `labels` satisfies, in no particular order; with `only`, just
   * those among `only` (the selectors that matter where the labels are).
   */
  matching(labels: Labels, only?: ReadonlySet<number>): number[] {
    const out: number[] = [];
    if (only !== undefined && only.size <= DIRECT_LIMIT) {
      for (const id of only) if (matchesSelector(this.selectors[id]!, labels)) out.push(id);
      return out;
    }
    const stamp = ++this.stamp;
    const test = (ids: readonly number[] | undefined) => {
      if (!ids) return;
      for (const id of ids) {
        if (this.stamps[id] === stamp) continue;
        this.stamps[id] = stamp;
        if (only !== undefined && !only.has(id)) continue;
        if (matchesSelector(this.selectors[id]!, labels)) out.push(id);
      }
    };
    test(this.always);
    for (const k in labels) {
      test(this.byKey.get(k));
      test(this.byPair.get(pairKey(k, labels[k]!)));
    }
    return out;
  }
}

function pairKey(k: string, v: string): string {
  return `${k}\u0000${v}`;
}
