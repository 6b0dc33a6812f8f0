/**
 * Crown jewels: the workloads an attacker is after. Chosen by a target selector, written the way
 * people already select things in Kubernetes:
 *
 * - a label selector in kubectl's syntax (`app=postgres,tier in (data)`, `!canary`, `env!=dev`),
 *   matched against the workload's pod labels;
 * - `namespace/name`, a workload's id;
 * - a name glob (`*\/postgres*`, `shop/*`) over `namespace/name`; a bare word is a glob over the
 *   name alone (`postgres*`), since a bare label key as a selector is rarely what is meant here;
 *
 * or marked in the manifests with the annotation `lateral.dev/crown-jewel: "true"` (on the
 * workload or its pod template).
 */
import type { AttackGraph, WorkloadNodeAttributes } from './attack-graph.js';
import { adjacency } from './adjacency.js';
import { InputError } from '../model/errors.js';
import { matchesSelector, validateSelector } from '../semantics/label-selector.js';
import type { LabelSelector, LabelSelectorRequirement } from '../model/model.js';

export type TargetSelector =
  | { readonly kind: 'labels'; readonly text: string; readonly selector: LabelSelector }
  | { readonly kind: 'id'; readonly text: string }
  | { readonly kind: 'glob'; readonly text: string; readonly pattern: RegExp; readonly nameOnly: boolean };

/** Splits at commas outside parentheses: `a in (x,y),b` -> [`a in (x,y)`, `b`]. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim());
}

function requirement(part: string, whole: string): LabelSelectorRequirement {
  const bad = () => new InputError(`--target "${whole}": cannot read "${part}" as a label requirement (key=value, key!=value, key in (a,b), key notin (a,b), key, !key)`);
  let m = /^!\s*([^\s=!(),]+)$/.exec(part);
  if (m) return { key: m[1]!, operator: 'DoesNotExist' };
  m = /^([^\s=!(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
  if (m) {
    const values = m[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '');
    if (values.length === 0) throw bad();
    return { key: m[1]!, operator: m[2] === 'in' ? 'In' : 'NotIn', values };
  }
  m = /^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(part);
  if (m) return { key: m[1]!, operator: m[2] === '!=' ? 'NotIn' : 'In', values: [m[3]!] };
  m = /^([^\s=!(),]+)$/.exec(part);
  if (m) return { key: m[1]!, operator: 'Exists' };
  throw bad();
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function parseTargetSelector(text: string): TargetSelector {
  const t = text.trim();
  if (t === '') throw new InputError('--target: empty selector');
  if (/[=!()]/.test(t) || /\s(in|notin)\s/.test(t) || (t.includes(',') && !t.includes('/'))) {
    const selector: LabelSelector = { matchExpressions: topLevelParts(t).map((p) => requirement(p, t)) };
    try {
      validateSelector(selector);
    } catch (e) {
      throw new InputError(`--target "${t}": ${e instanceof Error ? e.message : String(e)}`);
    }
    return { kind: 'labels', text: t, selector };
  }
  if (/[*?]/.test(t) || !t.includes('/')) return { kind: 'glob', text: t, pattern: globToRegExp(t), nameOnly: !t.includes('/') };
  return { kind: 'id', text: t };
}

function matches(ag: AttackGraph, a: WorkloadNodeAttributes, sel: TargetSelector): boolean {
  switch (sel.kind) {
    case 'id':
      return a.id === sel.text || `${a.namespace}/${a.name}` === sel.text;
    case 'glob':
      return sel.nameOnly ? sel.pattern.test(a.name) : sel.pattern.test(a.id) || sel.pattern.test(`${a.namespace}/${a.name}`);
    case 'labels': {
      const pods = ag.index.endpointPods[a.endpoint]!;
      return pods.some((pi) => matchesSelector(sel.selector, ag.compiled.cluster.pods[pi]!.labels));
    }
  }
}

/** Workload ids a selector matches, sorted (possibly none: callers decide whether that is an error). */
export function matchTargets(ag: AttackGraph, selector: string | TargetSelector): string[] {
  const sel = typeof selector === 'string' ? parseTargetSelector(selector) : selector;
  return ag.workloads.filter((id) => matches(ag, attributesOf(ag, id), sel));
}

/** Workloads carrying the crown-jewel annotation, sorted. */
export function annotatedCrownJewels(ag: AttackGraph): string[] {
  return ag.workloads.filter((id) => (attributesOf(ag, id)).annotatedCrownJewel);
}

/**
 * The crown jewels of a query: the selectors' matches, plus the annotated workloads. A selector
 * that matches nothing is reported by the caller (it is almost always a typo).
 */
export function crownJewels(ag: AttackGraph, selectors: readonly string[], withAnnotated = true): { jewels: string[]; unmatched: string[] } {
  const set = new Set(withAnnotated ? annotatedCrownJewels(ag) : []);
  const unmatched: string[] = [];
  for (const s of selectors) {
    const m = matchTargets(ag, s);
    if (m.length === 0) unmatched.push(s);
    for (const id of m) set.add(id);
  }
  return { jewels: [...set].sort(), unmatched };
}

/** A workload's attributes, from the integer adjacency (no named graph needed). */
function attributesOf(ag: AttackGraph, id: string): WorkloadNodeAttributes {
  const adj = adjacency(ag);
  return adj.nodeAttrs[adj.indexOf.get(id)!] as WorkloadNodeAttributes;
}
