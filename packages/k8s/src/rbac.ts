/**
 * ServiceAccounts, RBAC and the API server's address: what the attack graph's identity edges
 * are made of. Validated as the API server would (a rule needs verbs; a binding needs a
 * roleRef; a RoleBinding may not name a ClusterRoleBinding), each error naming the field.
 */
import { InputError, tryParseIp, type ApiServerAddress, type PolicyRule, type RbacSubject, type Role, type RoleBinding, type ServiceAccount } from '@lateral/core';
import { list, optBool, optInt, optMapping, optString, portNumber } from './raw-fields.js';

export function serviceAccountFromObject(raw: unknown, namespace: string, name: string): ServiceAccount {
  const automount = optBool((raw as { automountServiceAccountToken?: unknown }).automountServiceAccountToken, 'automountServiceAccountToken');
  return { namespace, name, ...(automount !== undefined ? { automountServiceAccountToken: automount } : {}) };
}

function strings(v: unknown, field: string, required: boolean): string[] {
  const l = list(v as readonly unknown[] | undefined, field);
  if (required && l.length === 0) throw new InputError('must list at least one entry', { field });
  return l.map((x, i) => {
    const s = optString(x, `${field}[${i}]`);
    if (s === undefined) throw new InputError('must be a string', { field: `${field}[${i}]` });
    return s;
  });
}

export function roleFromObject(raw: unknown, kind: 'Role' | 'ClusterRole' | string, namespace: string, name: string): Role {
  const rules = list((raw as { rules?: readonly unknown[] }).rules, 'rules').map((r, i): PolicyRule => {
    const f = `rules[${i}]`;
    const m = optMapping(r as object, f) as Record<string, unknown> | undefined;
    const verbs = strings(m?.verbs, `${f}.verbs`, true);
    const resourceNames = strings(m?.resourceNames, `${f}.resourceNames`, false);
    return {
      apiGroups: strings(m?.apiGroups, `${f}.apiGroups`, false),
      resources: strings(m?.resources, `${f}.resources`, false),
      verbs,
      ...(resourceNames.length > 0 ? { resourceNames } : {}),
    };
  });
  return { kind: kind === 'ClusterRole' ? 'ClusterRole' : 'Role', namespace: kind === 'ClusterRole' ? '' : namespace, name, rules };
}

const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group'] as const;

export function roleBindingFromObject(raw: unknown, kind: 'RoleBinding' | 'ClusterRoleBinding' | string, namespace: string, name: string): RoleBinding {
  const o = raw as { roleRef?: unknown; subjects?: readonly unknown[] };
  const ref = optMapping(o.roleRef as object | undefined, 'roleRef') as Record<string, unknown> | undefined;
  if (!ref) throw new InputError('a binding needs a roleRef', { field: 'roleRef' });
  const refKind = optString(ref.kind, 'roleRef.kind');
  const refName = optString(ref.name, 'roleRef.name');
  if (refKind !== 'Role' && refKind !== 'ClusterRole') throw new InputError(`must be Role or ClusterRole, not ${JSON.stringify(refKind ?? null)}`, { field: 'roleRef.kind' });
  if (kind === 'ClusterRoleBinding' && refKind === 'Role') throw new InputError('a ClusterRoleBinding can only refer to a ClusterRole', { field: 'roleRef.kind' });
  if (!refName) throw new InputError('must name the role', { field: 'roleRef.name' });
  const clusterScoped = kind === 'ClusterRoleBinding';
  const subjects = list(o.subjects, 'subjects').map((s, i): RbacSubject => {
    const f = `subjects[${i}]`;
    const m = optMapping(s as object, f) as Record<string, unknown> | undefined;
    const sk = optString(m?.kind, `${f}.kind`);
    const sn = optString(m?.name, `${f}.name`);
    if (!(SUBJECT_KINDS as readonly (string | undefined)[]).includes(sk)) {
      throw new InputError(`must be one of ${SUBJECT_KINDS.join(', ')}, not ${JSON.stringify(sk ?? null)}`, { field: `${f}.kind` });
    }
    if (!sn) throw new InputError('must name the subject', { field: `${f}.name` });
    const sns = optString(m?.namespace, `${f}.namespace`);
    if (sk === 'ServiceAccount') {
      // The API server requires the namespace of a ServiceAccount subject in a ClusterRoleBinding.
      if (!sns && clusterScoped) throw new InputError('a ServiceAccount subject of a ClusterRoleBinding needs its namespace', { field: `${f}.namespace` });
      return { kind: 'ServiceAccount', name: sn, namespace: sns || namespace };
    }
    return { kind: sk as 'User' | 'Group', name: sn };
  });
  return { kind: clusterScoped ? 'ClusterRoleBinding' : 'RoleBinding', namespace: clusterScoped ? '' : namespace, name, roleRef: { kind: refKind, name: refName }, subjects };
}

/** EndpointSlice default/kubernetes*: the API server's own addresses and port. */
export function apiServerFromEndpointSlice(raw: unknown, name: string): ApiServerAddress | undefined {
  const o = raw as { metadata?: { labels?: Record<string, unknown> }; endpoints?: readonly unknown[]; ports?: readonly unknown[] };
  const service = o.metadata?.labels?.['kubernetes.io/service-name'];
  if (service !== 'kubernetes' && name !== 'kubernetes') return undefined;
  const addresses: string[] = [];
  list(o.endpoints, 'endpoints').forEach((e, i) => {
    const m = optMapping(e as object, `endpoints[${i}]`) as Record<string, unknown> | undefined;
    strings(m?.addresses, `endpoints[${i}].addresses`, false).forEach((a, j) => {
      if (!tryParseIp(a)) throw new InputError(`invalid IP address "${a}"`, { field: `endpoints[${i}].addresses[${j}]` });
      if (!addresses.includes(a)) addresses.push(a);
    });
  });
  const first = optMapping(list(o.ports, 'ports')[0] as object | undefined, 'ports[0]') as Record<string, unknown> | undefined;
  const port = first?.port === undefined ? 443 : portNumber(optInt(first.port, 'ports[0].port'), 'ports[0].port');
  if (addresses.length === 0) return undefined;
  return { addresses, port, via: `EndpointSlice default/${name}` };
}

/** Service default/kubernetes: its ClusterIP, when the input has no EndpointSlice for it. */
export function apiServerFromService(raw: unknown): ApiServerAddress | undefined {
  const spec = (raw as { spec?: { clusterIP?: unknown; ports?: readonly { port?: unknown }[] } }).spec;
  const ip = optString(spec?.clusterIP, 'spec.clusterIP');
  if (!ip || ip === 'None') return undefined;
  if (!tryParseIp(ip)) throw new InputError(`invalid IP address "${ip}"`, { field: 'spec.clusterIP' });
  const port = spec?.ports?.[0]?.port;
  return { addresses: [ip], port: typeof port === 'number' ? port : 443, via: 'Service default/kubernetes (ClusterIP)' };
}
