import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { InputError } from '@lateral/core';
import yaml from 'js-yaml';

/** Where to find the cluster: kubectl's own flags, with kubectl's defaults. */
export interface ClusterSource {
  /** A kubeconfig file; otherwise KUBECONFIG, then ~/.kube/config, then the in-cluster service account. */
  readonly kubeconfig?: string;
  /** A context of that kubeconfig; otherwise its current-context. */
  readonly context?: string;
}

/** Where the service account token is mounted in a pod (client-node reads it from here). */
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Loads a kubeconfig the way kubectl resolves one and selects the context. Every way this can
 * fail is an InputError naming the file or context, because it is the user's setup that is
 * wrong, not the cluster. We resolve the defaults ourselves rather than through
 * `KubeConfig.loadFromDefault`, which silently falls back to http://localhost:8080 when it
 * finds nothing and so turns "no kubeconfig" into a confusing connection error.
 */
export function loadKubeConfig(source: ClusterSource = {}): KubeConfig {
  const kc = new KubeConfig();
  if (source.kubeconfig !== undefined) {
    loadFile(kc, source.kubeconfig);
  } else if (process.env.KUBECONFIG) {
    // kubectl merges the files of KUBECONFIG in order, the first to name a cluster, user or
    // context winning, and ignores files that do not exist. (client-node's mergeConfig throws
    // on a name found twice instead, and two kubeconfigs that both have a user "admin" are
    // common.)
    const files = process.env.KUBECONFIG.split(delimiter).filter((f) => f !== '' && existsSync(f));
    if (files.length === 0) throw new InputError(`no kubeconfig: none of the files in KUBECONFIG exist (${process.env.KUBECONFIG})`);
    const parts = files.map((f) => {
      const one = new KubeConfig();
      // kubectl reads an empty file in KUBECONFIG as an empty config, not as an error.
      loadFile(one, f, true);
      return one;
    });
    const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
      const seen = new Map<string, T>();
      for (const item of lists.flat()) if (!seen.has(item.name)) seen.set(item.name, item);
      return [...seen.values()];
    };
    kc.loadFromOptions({
      clusters: firstByName(parts.map((p) => p.getClusters())),
      users: firstByName(parts.map((p) => p.getUsers())),
      contexts: firstByName(parts.map((p) => p.getContexts())),
      currentContext: parts.map((p) => p.getCurrentContext()).find((c) => !!c) ?? '',
    });
  } else if (existsSync(join(homedir(), '.kube', 'config'))) {
    loadFile(kc, join(homedir(), '.kube', 'config'));
  } else if (process.env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
    kc.loadFromCluster();
  } else {
    throw new InputError('no kubeconfig: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account');
  }

  const where = source.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
  if (source.context !== undefined) {
    if (!kc.getContextObject(source.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new InputError(`no context "${source.context}" in the kubeconfig (contexts: ${known.length ? known.join(', ') : 'none'})`, { file: where });
    }
    kc.setCurrentContext(source.context);
  }
  const context = kc.getCurrentContext();
  if (!context || !kc.getContextObject(context)) {
    throw new InputError('the kubeconfig has no current context: pass --context NAME', { file: where });
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new InputError(`context "${context}" names no cluster with a server address`, { file: where });
  return kc;
}

function loadFile(kc: KubeConfig, file: string, emptyIsEmpty = false): void {
  if (!existsSync(file)) throw new InputError('no such kubeconfig file', { file });
  // What client-node reports for an empty file or a scalar is a TypeError about reading
  // "clusters" of undefined; say what is wrong with the file instead.
  let doc: unknown;
  try {
    doc = yaml.load(readFileSync(file, 'utf8'));
  } catch {
    doc = {}; // a YAML error: client-node's message below says where
  }
  if (doc === undefined || doc === null) {
    if (emptyIsEmpty) return;
    throw new InputError('not a valid kubeconfig: the file is empty', { file });
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError(`not a valid kubeconfig: expected a mapping with clusters, contexts and users, not ${Array.isArray(doc) ? 'a list' : `${typeof doc} ${JSON.stringify(doc)}`}`, { file });
  }
  try {
    kc.loadFromFile(file);
  } catch (e) {
    // js-yaml and client-node's validation ("clusters[0].name is missing") both say what is wrong.
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new InputError(`not a valid kubeconfig: ${msg}`, { file });
  }
}

/** How messages and SourceObject.file name the cluster: like `<stdin>`, not a path. */
export function clusterLabel(kc: KubeConfig): string {
  return `<cluster ${kc.getCurrentContext()}>`;
}
