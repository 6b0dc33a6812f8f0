/**
 * A live cluster as sessions: read once (`serve --cluster`), or followed (`--watch`): the
 * ClusterWatcher emits the whole object set after each burst of changes, and each set becomes a
 * new session — recompiled from the previous one (recompile reuses its selector answers; the
 * result is compile's) with the flow captures resolved against the new pods — which is then
 * swapped in whole. Recomputing is synchronous and can take seconds on a large cluster, so
 * changes that arrive meanwhile collapse into one more recompute of the latest set, never a
 * queue of stale ones.
 */
import { DEFAULT_EVAL_OPTIONS, type EvalOptions } from '@lateral/core';
import { clusterFromObjects, type ClusterSource, type SourceObject } from '@lateral/k8s';
import { ClusterWatcher, readCluster } from '@lateral/k8s/live';
import { sessionFromCluster, withFlows, type Session } from './session.js';

export interface LiveSessionOptions {
  readonly source: ClusterSource;
  /** What the UI shows as the cluster's name; by default `cluster CONTEXT`, as the objects' origin reads. */
  readonly label?: string;
  readonly options?: EvalOptions;
  readonly flowFiles?: readonly string[];
  readonly targets?: readonly string[];
  /** Where relative flow files are (default: the process's directory); messages name them as given. */
  readonly cwd?: string;
  /** Watcher timing (tests shorten it). */
  readonly debounceMs?: number;
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
}

/** Objects to a session; `warnings` (what could not be read) go first among the load warnings. */
async function sessionOf(o: LiveSessionOptions, objects: readonly SourceObject[], warnings: readonly string[], previous?: Session): Promise<Session> {
  const load = clusterFromObjects([...objects]);
  const withWarnings = { ...load, warnings: [...warnings, ...load.warnings] };
  const label = o.label ?? (objects[0]?.file ?? '<cluster>').replace(/^<(.*)>$/, '$1');
  const base = sessionFromCluster(label, objects, withWarnings, o.options ?? DEFAULT_EVAL_OPTIONS, [], o.targets ?? [], previous?.compiled);
  return withFlows(base, o.flowFiles ?? [], o.cwd);
}

/** `serve --cluster` without --watch: one read. Rejects with the InputError readCluster throws. */
export async function readClusterSession(o: LiveSessionOptions): Promise<Session> {
  const read = await readCluster(o.source);
  return sessionOf(o, read.objects, read.warnings);
}

export interface LiveCluster {
  /** The session of the first complete list. */
  readonly session: Session;
  /** Every later session, after each recompute. */
  onSession(listener: (s: Session) => void): void;
  /** A change whose recompute failed (e.g. an object the engine rejects): the previous session stays. */
  onError(listener: (message: string) => void): void;
  stop(): Promise<void>;
}

/** `serve --cluster --watch`: lists, then follows. Rejects if the first list fails. */
export async function watchClusterSessions(o: LiveSessionOptions): Promise<LiveCluster> {
  const watcher = new ClusterWatcher({
    source: o.source,
    ...(o.debounceMs !== undefined ? { debounceMs: o.debounceMs } : {}),
    ...(o.backoff ? { backoff: o.backoff } : {}),
  });
  const first = await watcher.start();
  let current = await sessionOf(o, first, watcher.warnings);
  const sessionListeners: ((s: Session) => void)[] = [];
  const errorListeners: ((m: string) => void)[] = [];
  let pending: SourceObject[] | undefined;
  let running = false;
  let stopped = false;

  const drain = async () => {
    try {
      while (pending && !stopped) {
        const objects = pending;
        pending = undefined;
        try {
          current = await sessionOf(o, objects, watcher.warnings, current);
        } catch (e) {
          for (const l of errorListeners) l(`cluster changed, but the new state could not be analysed (keeping the previous one): ${e instanceof Error ? e.message : String(e)}`);
          continue;
        }
        if (!stopped) for (const l of sessionListeners) l(current);
      }
    } finally {
      running = false;
    }
  };

  watcher.onChange((objects) => {
    pending = objects;
    if (running) return; // the running drain picks the latest set up when it is done
    running = true;
    // Let the watcher's own callbacks finish first; the recompute is synchronous work.
    setImmediate(() => void drain());
  });
  watcher.onWarning((m) => errorListeners.forEach((l) => l(m)));

  return {
    session: current,
    onSession: (l) => void sessionListeners.push(l),
    onError: (l) => void errorListeners.push(l),
    stop: async () => {
      stopped = true;
      await watcher.stop();
    },
  };
}
