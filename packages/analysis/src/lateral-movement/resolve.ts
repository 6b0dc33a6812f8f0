/**
 * Turning what a user typed (`--from`, `--target`/`--to`, or the web's `from`/`targets`/`to`)
 * into attack-graph nodes — with the closest existing names when it matches nothing, never an
 * empty answer for a typo.
 */
import { adjacency, ANY_NODE, crownJewels, InputError, INTERNET, type AttackGraph, type AttackNodeAttributes } from '@lateral/core';
import { ownersImpliedBy } from '@lateral/flows';
import { closestHint } from '../closest.js';

/**
 * A foothold: a workload id (or namespace/name of a split one, which picks its first group), a
 * pod's namespace/name (its workload; a generated name not in the input names its owner, as
 * flows do), `internet`, `node:<name>`, or a token `sa:<namespace>/<name>`. `option` names the
 * field in messages (`--from`, `from`).
 */
export function resolveFoothold(ag: AttackGraph, text: string, option = '--from'): string {
  // Node lookups on the integer adjacency the queries use: the named graph is not needed here.
  const adj = adjacency(ag);
  const hasNode = (id: string) => adj.indexOf.has(id);
  const attributes = (id: string): AttackNodeAttributes => adj.nodeAttrs[adj.indexOf.get(id)!]!;
  if (hasNode(text)) return text;
  if (text === INTERNET) throw new InputError(`${option} internet: nothing in the input is exposed to the internet (no LoadBalancer/NodePort Service, Ingress, hostPort or hostNetwork admits outside addresses)`);
  const byName = ag.workloads.find((id) => {
    const a = attributes(id);
    return a.kind === 'workload' && `${a.namespace}/${a.name}` === text;
  });
  if (byName) return byName;
  const pod = ag.compiled.cluster.pods.findIndex((p) => !p.fromTemplate && `${p.namespace}/${p.name}` === text);
  if (pod >= 0) {
    const id = ag.index.endpoints[ag.index.podEndpoint[pod]!]!.id;
    if (hasNode(id)) return id;
  }
  // A live pod's generated name (edge/web-7d4b9c-abcde) names its workload.
  const slash = text.indexOf('/');
  if (slash > 0) {
    for (const owner of ownersImpliedBy(text.slice(slash + 1))) {
      const id = ag.workloads.find((w) => {
        const a = attributes(w);
        return a.kind === 'workload' && a.namespace === text.slice(0, slash) && a.name === owner;
      });
      if (id) return id;
    }
  }
  const hint = closestHint(text, adj.ids.filter((c) => c !== ANY_NODE));
  throw new InputError(`${option} "${text}" matches no workload, node or "internet"${hint}`);
}

/**
 * Crown jewels: what the selectors pick, plus (with `withAnnotated`) the workloads annotated as
 * crown jewels. A selector matching nothing is an input error.
 */
export function resolveJewels(ag: AttackGraph, selectors: readonly string[], option = '--target', withAnnotated = true): string[] {
  const { jewels, unmatched } = crownJewels(ag, selectors, withAnnotated);
  if (unmatched.length > 0) {
    const s = unmatched[0]!;
    throw new InputError(`${option} "${s}" matches no workload${closestHint(s.replace(/^.*=\s*/, ''), ag.workloads)}`);
  }
  return jewels;
}
