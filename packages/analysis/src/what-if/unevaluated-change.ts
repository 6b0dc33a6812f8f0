/**
 * What a change does to policy objects Lateral does not evaluate. Their effect is unknown, so a
 * what-if whose change is only such objects has no answer to give (never "no changes"), and one
 * that also changes them says which part of the answer it cannot vouch for.
 */
import { unevaluatedCounts, unevaluatedLabel, type LoadResult, type UnevaluatedPolicy } from '@lateral/k8s';

export interface UnevaluatedChange {
  /** Objects added, removed or changed, each named once (the after side's version where both exist). */
  readonly changed: readonly UnevaluatedPolicy[];
}

function key(p: UnevaluatedPolicy): string {
  return `${p.group}/${p.kind}/${p.namespace ?? ''}/${p.name}`;
}

export function unevaluatedChange(before: Pick<LoadResult, 'unevaluated'>, after: Pick<LoadResult, 'unevaluated'>): UnevaluatedChange {
  const was = new Map(before.unevaluated.map((p) => [key(p), p]));
  const is = new Map(after.unevaluated.map((p) => [key(p), p]));
  const changed: UnevaluatedPolicy[] = [];
  for (const [k, p] of is) if (was.get(k)?.fingerprint !== p.fingerprint) changed.push(p);
  for (const [k, p] of was) if (!is.has(k)) changed.push(p);
  return { changed };
}

/** `cannot evaluate kind CiliumNetworkPolicy: the change's effect is unknown (...)`. */
export function unknownEffectMessage(c: UnevaluatedChange, alsoEvaluated: boolean): string {
  const kinds = [...new Set(c.changed.map((p) => p.kindLabel))].sort();
  const names = c.changed.map(unevaluatedLabel).join(', ');
  return alsoEvaluated
    ? `cannot evaluate kind ${kinds.join(', ')}: the effect of the change to ${unevaluatedCounts(c.changed)} (${names}) is unknown and not in this report`
    : `cannot evaluate kind ${kinds.join(', ')}: the change's effect is unknown (${names})`;
}
