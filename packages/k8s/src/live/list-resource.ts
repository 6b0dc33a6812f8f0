import { type ClusterResource, apiVersionOf, resourcePath } from './cluster-resources.js';
import type { KubeApi } from './kube-api.js';

/** One collection read to the end: its objects and the resourceVersion to watch from. */
export interface ListedResource {
  readonly items: Record<string, unknown>[];
  readonly resourceVersion: string;
}

/** What kubectl asks for per page: small enough to keep each response bounded on big clusters. */
export const DEFAULT_PAGE_SIZE = 500;

/** A continue token outlives its snapshot after ~5 minutes (etcd compaction); start over this often at most. */
const MAX_LIST_RESTARTS = 3;

/**
 * Lists a collection page by page (limit/continue). The pages of one list are a consistent
 * snapshot at the first page's resourceVersion; when the token expires in between (410 Gone,
 * "The provided continue parameter is too old") the only consistent answer is a fresh list.
 * Items get the `kind` and `apiVersion` that list responses leave out, so each stands alone as
 * a manifest. A non-2xx answer throws (ApiStatusError, or InputError for 401).
 */
export async function listResource(
  api: KubeApi,
  resource: ClusterResource,
  opts: { namespace?: string; pageSize?: number } = {},
): Promise<ListedResource> {
  const path = resourcePath(resource, opts.namespace);
  const limit = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  for (let attempt = 0; ; attempt++) {
    const items: Record<string, unknown>[] = [];
    let resourceVersion = '';
    let cont: string | undefined;
    let expired = false;
    do {
      const res = await api.get(path, { limit, continue: cont });
      if (res.status === 410 && cont !== undefined && attempt < MAX_LIST_RESTARTS) {
        expired = true;
        break;
      }
      if (res.status < 200 || res.status >= 300) throw api.statusError(path, res);
      const list = (res.body ?? {}) as { metadata?: { resourceVersion?: string; continue?: string }; items?: unknown[] };
      if (cont === undefined) resourceVersion = list.metadata?.resourceVersion ?? '';
      for (const item of list.items ?? []) {
        if (item && typeof item === 'object') items.push(withKind(resource, item as Record<string, unknown>));
      }
      cont = list.metadata?.continue || undefined;
    } while (cont !== undefined);
    if (!expired) return { items, resourceVersion };
  }
}

/** The object with kind and apiVersion first, as kubectl prints it. */
export function withKind(resource: ClusterResource, obj: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return { apiVersion: apiVersionOf(resource), kind: resource.kind, ...rest };
}
