/**
 * How to take an RBAC grant away: remove the rule from its Role or ClusterRole, the privilege
 * itself (the binding may carry other rules the identity needs). Every subject the role is
 * bound to loses it too, which the proposal says. Verified, as every proposal, by building the
 * attack graph of the changed cluster: none of the moves the grant gave may remain (another
 * grant giving the same move shows as not verified).
 */
import { buildAttackGraph, type AttackGraph } from './attack-graph.js';
import { identityGrants } from './identity.js';
import { recompile } from '../engine/compile.js';
import type { ConnectionRemoval } from './connection-removal.js';
import type { Role } from '../model/model.js';

export function proposeGrantRemoval(ag: AttackGraph, from: string, to: string, grant: string): ConnectionRemoval {
  const { compiled } = ag;
  const { cluster } = compiled;
  const base = { from, to, sources: [from], change: 'RBAC' as const, policies: [], alsoBlocks: [] };
  let ref;
  for (const g of identityGrants(cluster).values()) {
    ref = g.refs.get(grant);
    if (ref) break;
  }
  if (!ref) return { ...base, changes: [], verified: false, problem: `no Role rule found for ${grant}` };
  const r = ref;
  const same = (x: Role) => x.kind === r.role.kind && x.name === r.role.name && (x.kind === 'ClusterRole' || x.namespace === r.role.namespace);
  const roles = (cluster.roles ?? []).map((x) => (same(x) ? { ...x, rules: x.rules.filter((_, i) => i !== r.rule) } : x));
  const after = buildAttackGraph(recompile(compiled, { ...cluster, roles }, compiled.options), ag.options);
  // Every move this grant gave the identity must be gone (unless another grant gives it too).
  const moves: string[] = [];
  ag.graph.forEachOutEdge(from, (_e, attrs, _s, t) => {
    if ((attrs.kind === 'identity' || attrs.kind === 'escalation') && attrs.grant === grant) moves.push(t);
  });
  const verified = moves.every((t) => !after.graph.hasNode(from) || !after.graph.hasEdge(from, t));
  const roleName = r.role.kind === 'ClusterRole' ? `ClusterRole ${r.role.name}` : `Role ${r.role.namespace}/${r.role.name}`;
  const role = (cluster.roles ?? []).find(same)!;
  const rule = role.rules[r.rule]!;
  const bindings = (cluster.roleBindings ?? []).filter((b) => b.roleRef.kind === r.role.kind && b.roleRef.name === r.role.name && (r.role.kind === 'ClusterRole' || b.namespace === r.role.namespace));
  return {
    ...base,
    changes: [
      `${roleName}: remove rule ${r.rule} (${rule.verbs.join(',')} ${rule.resources.join(',')}), which ${from} holds through ${r.binding.kind} ${r.binding.kind === 'RoleBinding' ? `${r.binding.namespace}/` : ''}${r.binding.name}: ${moves.length} move${moves.length === 1 ? '' : 's'} gone; every subject of ${bindings.length} binding${bindings.length === 1 ? '' : 's'} to it loses it too. If ${from} needs the rule, bind a narrower role to it instead`,
    ],
    verified,
  };
}
