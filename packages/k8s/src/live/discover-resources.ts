import { InputError } from '@lateral/core';
import { type ClusterResource, CLUSTER_RESOURCES, apiVersionOf } from './cluster-resources.js';
import type { KubeApi } from './kube-api.js';

/**
 * The resources to read from this cluster: the built-in ones always, the CRD-backed ones
 * (ClusterNetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy) only when discovery says the API server
 * serves them. Listing them blindly would turn "not installed" (404) into noise on every
 * cluster without the network-policy-api CRDs.
 */
export async function discoverResources(api: KubeApi): Promise<{ resources: ClusterResource[]; warnings: string[] }> {
  const warnings: string[] = [];
  const served = new Map<string, Set<string> | undefined>();
  for (const r of CLUSTER_RESOURCES) {
    if (!r.optional) continue;
    const gv = apiVersionOf(r);
    if (served.has(gv)) continue;
    const path = `/apis/${gv}`;
    const res = await api.get(path);
    if (res.status >= 200 && res.status < 300) {
      const list = (res.body ?? {}) as { resources?: { name?: unknown }[] };
      served.set(gv, new Set((list.resources ?? []).map((x) => String(x.name))));
    } else if (res.status === 404) {
      served.set(gv, undefined);
    } else {
      const err = api.statusError(path, res); // 401 is the user's credentials: stop there
      if (err instanceof InputError) throw err;
      warnings.push(`cannot discover ${gv} (${err.message}): policies of ${gv}, if any, are not read`);
      served.set(gv, undefined);
    }
  }
  const resources = CLUSTER_RESOURCES.filter((r) => !r.optional || served.get(apiVersionOf(r))?.has(r.plural));
  return { resources, warnings };
}
