import { InputError } from '@lateral/core';
import { type ClusterResource, missingWarning } from './cluster-resources.js';
import { discoverResources } from './discover-resources.js';
import { ApiStatusError, type KubeApi } from './kube-api.js';
import { type ListedResource, listResource } from './list-resource.js';

/** One collection to list and watch: cluster-wide, or one namespace when that is all RBAC allows. */
export interface ListTarget {
  readonly resource: ClusterResource;
  readonly namespace?: string;
}

export interface TargetList extends ListedResource {
  readonly target: ListTarget;
}

export interface ClusterListing {
  /** In the order of CLUSTER_RESOURCES, so a snapshot of an unchanged cluster is byte-identical. */
  readonly lists: TargetList[];
  /** What could not be read and what the analysis lacks because of it. */
  readonly warnings: string[];
}

/**
 * Lists every resource Lateral reads. A refusal (403) is not a failure: users often may read
 * some kinds and not others, or only some namespaces (a tenant with RoleBindings). A namespaced
 * kind refused cluster-wide is tried namespace by namespace, and each warning names the kind,
 * where it is missing and what the analysis then assumes. Anything else the server refuses
 * (5xx, 401) fails the read: an analysis that silently lacks a kind would look trustworthy.
 */
export async function listCluster(api: KubeApi, opts: { pageSize?: number } = {}): Promise<ClusterListing> {
  const discovered = await discoverResources(api);
  const warnings = [...discovered.warnings];
  const resources = discovered.resources;
  const results: TargetList[][] = resources.map(() => []);

  // Namespaces first: the per-namespace fallback needs their names.
  let namespaces: string[] | undefined;
  const nsIndex = resources.findIndex((r) => r.kind === 'Namespace');
  if (nsIndex >= 0) {
    const r = resources[nsIndex]!;
    const list = await tryList(api, r, undefined, opts.pageSize);
    if ('refused' in list) warnings.push(missingWarning(r, list.refused));
    else {
      results[nsIndex] = [{ target: { resource: r }, ...list }];
      namespaces = list.items.map((o) => String((o.metadata as { name?: unknown } | undefined)?.name));
    }
  }

  await Promise.all(
    resources.map(async (r, i) => {
      if (i === nsIndex) return;
      const all = await tryList(api, r, undefined, opts.pageSize);
      if (!('refused' in all)) {
        results[i] = [{ target: { resource: r }, ...all }];
        return;
      }
      if (!r.namespaced || !namespaces || all.status !== 403) {
        warnings.push(missingWarning(r, all.refused));
        return;
      }
      const refusedIn: string[] = [];
      let reason = all.refused;
      for (const ns of namespaces) {
        const one = await tryList(api, r, ns, opts.pageSize);
        if ('refused' in one) {
          refusedIn.push(ns);
          reason = one.refused;
        } else results[i]!.push({ target: { resource: r, namespace: ns }, ...one });
      }
      if (refusedIn.length > 0) warnings.push(missingWarning(r, reason, refusedIn.length === namespaces.length ? undefined : refusedIn));
    }),
  );
  return { lists: results.flat(), warnings: warnings.sort() };
}

type Attempt = ListedResource | { refused: string; status: number };

/** A list, or why RBAC or the server's API surface leave it out (403, 404). */
export async function tryList(api: KubeApi, r: ClusterResource, namespace: string | undefined, pageSize?: number): Promise<Attempt> {
  try {
    return await listResource(api, r, { ...(namespace !== undefined ? { namespace } : {}), ...(pageSize !== undefined ? { pageSize } : {}) });
  } catch (e) {
    if (e instanceof ApiStatusError && e.status === 403) return { refused: 'forbidden: grant list on ' + rbacName(r), status: 403 };
    if (e instanceof ApiStatusError && e.status === 404) return { refused: `this API server does not serve ${rbacName(r)}`, status: 404 };
    if (e instanceof ApiStatusError) throw new InputError(`the API server failed to list ${rbacName(r)}: ${e.message}`);
    throw e;
  }
}

/** How RBAC rules name a resource: `deployments.apps`, `pods`. */
export function rbacName(r: ClusterResource): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}
