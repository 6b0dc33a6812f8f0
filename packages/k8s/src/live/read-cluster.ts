import type { SourceObject } from '../parse-manifests.js';
import { clusterLabel, loadKubeConfig, type ClusterSource } from './kube-config.js';
import { KubeApi } from './kube-api.js';
import { listCluster, type TargetList } from './list-cluster.js';

/** Everything read from a live cluster, as manifests the loader reads like files. */
export interface ClusterRead {
  readonly objects: SourceObject[];
  /** What could not be read (403s), and what the analysis lacks because of it. */
  readonly warnings: string[];
  /** `<cluster CONTEXT>`: the `file` of every object, so errors name where an object came from. */
  readonly label: string;
}

/** Reads the cluster a kubeconfig points at: get/list only, never Secrets. */
export async function readCluster(source: ClusterSource = {}, opts: { pageSize?: number } = {}): Promise<ClusterRead> {
  const kc = loadKubeConfig(source);
  const label = clusterLabel(kc);
  const listing = await listCluster(new KubeApi(kc), opts);
  return { objects: sourceObjects(listing.lists, label), warnings: listing.warnings, label };
}

export function sourceObjects(lists: readonly TargetList[], label: string): SourceObject[] {
  return lists.flatMap((l) => l.items.map((obj) => ({ obj, file: label })));
}
