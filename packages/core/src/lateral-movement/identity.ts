/**
 * Identity moves: what a service-account token lets an attacker do through the Kubernetes API,
 * read from RBAC as the authorizer reads it (verbs, API groups, resources with subresources,
 * `*`, `*\/subresource`; a RoleBinding grants in its namespace, a ClusterRoleBinding
 * everywhere; subjects by ServiceAccount, `system:serviceaccount:NS:NAME` user, or the
 * `system:serviceaccounts[:NS]` / `system:authenticated` groups).
 *
 * The moves are those that lead to other workloads, identities or nodes:
 * - exec: create pods/exec or pods/attach -> every pod in scope;
 * - start pods: create pods, or create/update/patch a workload kind -> a pod running as any
 *   ServiceAccount of the namespace, and the node when the namespace's Pod Security level
 *   admits privileged, hostPath and hostPID pods;
 * - secrets: get/list secrets -> the ServiceAccounts of the namespace (a legacy token Secret, or
 *   one the attacker creates, holds a token; Secrets themselves are never read);
 * - token: create serviceaccounts/token -> that ServiceAccount;
 * - nodes/proxy (get or create): the kubelet API -> exec into every pod on every node;
 * - admin: impersonate, escalate, bind, or `*` verbs on `*` resources -> cluster admin (in a
 *   RoleBinding: every namespaced move in that namespace).
 */
import type { Cluster, Namespace, PolicyRule, RbacSubject, Role, RoleBinding } from '../model/model.js';

/** A ServiceAccount's node id in the attack graph: its token. */
export function identityId(namespace: string, name: string): string {
  return `sa:${namespace}/${name}`;
}
export const CLUSTER_ADMIN = 'cluster-admin';
export const POD_SECURITY_ENFORCE = 'pod-security.kubernetes.io/enforce';

/** `*` stands for every namespace (a ClusterRoleBinding). */
export type Scope = string;
export const ALL_NAMESPACES: Scope = '*';

export interface IdentityGrants {
  /** Scope -> evidence, for each move kind. */
  readonly exec: Map<Scope, string>;
  readonly startPods: Map<Scope, string>;
  readonly readSecrets: Map<Scope, string>;
  /** `ns/name`, `ns/*` or `*` -> evidence. */
  readonly tokens: Map<string, string>;
  nodesProxy?: string;
  admin?: string;
  /** Evidence text -> the Role rule and the binding it names: what removing the privilege edits. */
  readonly refs: Map<string, GrantRef>;
  /**
   * Moves more than one grant gives (`exec:<scope>`, `startPods:<scope>`, `readSecrets:<scope>`,
   * `tokens:<pattern>`, `nodesProxy`, `admin`): removing the one recorded does not take them away.
   */
  readonly contested: Set<string>;
}

/** One grant: rule `rule` of a Role or ClusterRole, bound by a RoleBinding or ClusterRoleBinding. */
export interface GrantRef {
  readonly role: { readonly kind: 'Role' | 'ClusterRole'; readonly namespace: string; readonly name: string };
  readonly rule: number;
  readonly binding: { readonly kind: 'RoleBinding' | 'ClusterRoleBinding'; readonly namespace: string; readonly name: string };
}

function emptyGrants(): IdentityGrants {
  return { exec: new Map(), startPods: new Map(), readSecrets: new Map(), tokens: new Map(), refs: new Map(), contested: new Set() };
}

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.includes('*') || rule.verbs.includes(verb);
}

function groupMatches(rule: PolicyRule, group: string): boolean {
  return rule.apiGroups.includes('*') || rule.apiGroups.includes(group);
}

/** RBAC's resourceMatches: `*`, the exact `resource[/subresource]`, or `*\/subresource`. */
function resourceMatches(rule: PolicyRule, resource: string, subresource?: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return rule.resources.some((r) => r === '*' || r === combined || (subresource !== undefined && r === `*/${subresource}`));
}

function allows(rule: PolicyRule, verbs: readonly string[], group: string, resource: string, subresource?: string): boolean {
  return verbs.some((v) => verbMatches(rule, v)) && groupMatches(rule, group) && resourceMatches(rule, resource, subresource);
}

const WORKLOAD_RESOURCES: readonly [string, string][] = [
  ['apps', 'deployments'],
  ['apps', 'replicasets'],
  ['apps', 'statefulsets'],
  ['apps', 'daemonsets'],
  ['batch', 'jobs'],
  ['batch', 'cronjobs'],
  ['', 'replicationcontrollers'],
];

/** Who a subject names: a ServiceAccount pattern (`*` for any namespace or name), or nobody we model. */
function subjectPattern(s: RbacSubject, bindingNs: string): { ns: string; name: string } | undefined {
  if (s.kind === 'ServiceAccount') return { ns: s.namespace || bindingNs, name: s.name };
  if (s.kind === 'User') {
    const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(s.name);
    return m ? { ns: m[1]!, name: m[2]! } : undefined;
  }
  if (s.name === 'system:serviceaccounts' || s.name === 'system:authenticated') return { ns: '*', name: '*' };
  const m = /^system:serviceaccounts:([^:]+)$/.exec(s.name);
  return m ? { ns: m[1]!, name: '*' } : undefined;
}

/** Adds what one rule grants, in `scope`, to `g`. */
function grantRule(g: IdentityGrants, rule: PolicyRule, scope: Scope, evidence: string, ref: GrantRef): void {
  if (!g.refs.has(evidence)) g.refs.set(evidence, ref);
  const restricted = (rule.resourceNames?.length ?? 0) > 0;
  const mapName = new Map<Map<string, string>, string>([[g.exec, 'exec'], [g.startPods, 'startPods'], [g.readSecrets, 'readSecrets'], [g.tokens, 'tokens']]);
  const add = (m: Map<string, string>, k: string) => {
    const had = m.get(k);
    if (had === undefined) m.set(k, evidence);
    else if (had !== evidence) g.contested.add(`${mapName.get(m)}:${k}`);
  };
  const once = (field: 'nodesProxy' | 'admin') => {
    if (g[field] === undefined) g[field] = evidence;
    else if (g[field] !== evidence) g.contested.add(field);
  };
  const full = rule.verbs.includes('*') && rule.resources.includes('*') && rule.apiGroups.includes('*');
  const escalating =
    allows(rule, ['impersonate'], '', 'users') ||
    allows(rule, ['impersonate'], '', 'groups') ||
    allows(rule, ['impersonate'], '', 'serviceaccounts') ||
    allows(rule, ['escalate', 'bind'], 'rbac.authorization.k8s.io', 'clusterroles') ||
    allows(rule, ['escalate', 'bind'], 'rbac.authorization.k8s.io', 'roles');
  if ((full || escalating) && !restricted) {
    if (scope === ALL_NAMESPACES) once('admin');
    else {
      // Within one namespace, binding or impersonating gives whatever that namespace holds.
      for (const m of [g.exec, g.startPods, g.readSecrets]) add(m, scope);
      add(g.tokens, `${scope}/*`);
    }
  }
  if (restricted) {
    // Named objects only: a token for the named ServiceAccounts is the one move that stays.
    if (allows(rule, ['create'], '', 'serviceaccounts', 'token')) for (const n of rule.resourceNames!) add(g.tokens, `${scope}/${n}`);
    return;
  }
  if (allows(rule, ['create'], '', 'pods', 'exec') || allows(rule, ['create'], '', 'pods', 'attach')) add(g.exec, scope);
  if (allows(rule, ['create'], '', 'pods') || WORKLOAD_RESOURCES.some(([grp, res]) => allows(rule, ['create', 'update', 'patch'], grp, res))) add(g.startPods, scope);
  if (allows(rule, ['get', 'list'], '', 'secrets')) add(g.readSecrets, scope);
  if (allows(rule, ['create'], '', 'serviceaccounts', 'token')) add(g.tokens, scope === ALL_NAMESPACES ? '*' : `${scope}/*`);
  if (scope === ALL_NAMESPACES && allows(rule, ['get', 'create'], '', 'nodes', 'proxy')) once('nodesProxy');
}

function describeGrant(role: Role, ruleIndex: number, binding: RoleBinding): string {
  const r = role.rules[ruleIndex]!;
  const what = `${r.verbs.join(',')} ${r.resources.join(',') || '(no resources)'}`;
  const roleName = role.kind === 'ClusterRole' ? `ClusterRole ${role.name}` : `Role ${role.namespace}/${role.name}`;
  const bindingName = binding.kind === 'ClusterRoleBinding' ? `ClusterRoleBinding ${binding.name}` : `RoleBinding ${binding.namespace}/${binding.name}`;
  return `${what} (rule ${ruleIndex} of ${roleName}, bound by ${bindingName})`;
}

/**
 * Every ServiceAccount the cluster names — objects, pods' serviceAccountName (or `default`),
 * binding subjects — with what RBAC grants it. Keys are `namespace/name`.
 */
export function identityGrants(cluster: Cluster): Map<string, IdentityGrants> {
  const roles = new Map<string, Role>();
  for (const r of cluster.roles ?? []) {
    const k = `${r.kind}/${r.namespace}/${r.name}`;
    if (!roles.has(k)) roles.set(k, r);
  }
  const accounts = new Set<string>();
  for (const sa of cluster.serviceAccounts ?? []) accounts.add(`${sa.namespace}/${sa.name}`);
  for (const p of cluster.pods) accounts.add(`${p.namespace}/${p.serviceAccountName ?? 'default'}`);
  // Every namespace has a `default` ServiceAccount (the controller creates it).
  for (const n of cluster.namespaces) accounts.add(`${n.name}/default`);
  const patterns: { ns: string; name: string; scope: Scope; rule: PolicyRule; evidence: string; ref: GrantRef }[] = [];
  for (const b of cluster.roleBindings ?? []) {
    // A binding to a role that does not exist grants nothing (RBAC resolves roleRef per request).
    const role = roles.get(`${b.roleRef.kind}/${b.roleRef.kind === 'Role' ? b.namespace : ''}/${b.roleRef.name}`);
    if (!role) continue;
    const scope = b.kind === 'ClusterRoleBinding' ? ALL_NAMESPACES : b.namespace;
    for (const s of b.subjects) {
      const p = subjectPattern(s, b.namespace);
      if (!p) continue;
      if (p.ns !== '*' && p.name !== '*') accounts.add(`${p.ns}/${p.name}`);
      role.rules.forEach((rule, i) =>
        patterns.push({
          ...p,
          scope,
          rule,
          evidence: describeGrant(role, i, b),
          ref: { role: { kind: role.kind, namespace: role.namespace, name: role.name }, rule: i, binding: { kind: b.kind, namespace: b.namespace, name: b.name } },
        }),
      );
    }
  }
  const out = new Map<string, IdentityGrants>();
  for (const key of [...accounts].sort()) {
    const [ns, name] = key.split('/') as [string, string];
    const g = emptyGrants();
    for (const p of patterns) {
      if ((p.ns === '*' || p.ns === ns) && (p.name === '*' || p.name === name)) grantRule(g, p.rule, p.scope, p.evidence, p.ref);
    }
    out.set(key, g);
  }
  return out;
}

export function hasMoves(g: IdentityGrants): boolean {
  return g.exec.size + g.startPods.size + g.readSecrets.size + g.tokens.size > 0 || g.nodesProxy !== undefined || g.admin !== undefined;
}

/**
 * Does the namespace's Pod Security admission let a pod be privileged, mount hostPath and share
 * the host's PID namespace? Only the `privileged` level does; no label means the cluster
 * default, which is `privileged` unless the admission configuration says otherwise.
 */
export function podSecurityAdmitsPrivileged(ns: Namespace | undefined): { admits: boolean; level: string } {
  const level = ns?.labels[POD_SECURITY_ENFORCE];
  if (level === undefined) return { admits: true, level: 'no pod-security.kubernetes.io/enforce label (the default level, privileged)' };
  return { admits: level === 'privileged', level: `pod-security.kubernetes.io/enforce: ${level}` };
}
