import { type KubeConfig, Watch } from '@kubernetes/client-node';
import type { SourceObject } from '../parse-manifests.js';
import { resourcePath } from './cluster-resources.js';
import { clusterLabel, loadKubeConfig, type ClusterSource } from './kube-config.js';
import { KubeApi, oneLine } from './kube-api.js';
import { listCluster, rbacName, type ListTarget } from './list-cluster.js';
import { listResource, withKind } from './list-resource.js';

export interface ClusterWatcherOptions {
  /** Where the cluster is (kubeconfig, context); ignored when `kubeConfig` is given. */
  readonly source?: ClusterSource;
  /** An already loaded kubeconfig with its context selected. */
  readonly kubeConfig?: KubeConfig;
  /** Changes within this window are emitted together (default 500 ms). */
  readonly debounceMs?: number;
  readonly pageSize?: number;
  /** Reconnect delays after a failure: doubling from initialMs up to maxMs (default 500 ms .. 30 s). */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
}

type Listener<T> = (value: T) => void;

/** Per collection: the objects by namespace/name and the resourceVersion to resume the watch from. */
interface TargetState {
  readonly target: ListTarget;
  readonly store: Map<string, Record<string, unknown>>;
  resourceVersion: string;
}

/** How one watch connection ended. */
type WatchEnd = { kind: 'gone' } | { kind: 'closed'; sawEvents: boolean; error?: unknown };

/**
 * Keeps the cluster's objects current: lists every resource (as readCluster does), then
 * watches each collection from the list's resourceVersion, so no change between list and watch
 * is lost. A watch that ends (the API server closes them every few minutes, or the connection
 * drops) resumes from the last resourceVersion seen, after an exponential backoff when it
 * failed; 410 Gone (the version was compacted away) means events were missed and only a fresh
 * list is correct. Every change schedules one emission of the whole object set, debounced, so
 * a rollout of 50 pods recomputes once rather than 150 times.
 *
 * CRDs installed and namespaces created after start() are not picked up by the per-namespace
 * fallback or discovery until the watcher is restarted.
 */
export class ClusterWatcher {
  private readonly kc: KubeConfig;
  private readonly api: KubeApi;
  private readonly label: string;
  private readonly debounceMs: number;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly changeListeners = new Set<Listener<SourceObject[]>>();
  private readonly warningListeners = new Set<Listener<string>>();
  private states: TargetState[] = [];
  private running = false;
  private emitTimer: NodeJS.Timeout | undefined;
  private readonly aborts = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private initialWarnings: string[] = [];

  constructor(private readonly options: ClusterWatcherOptions = {}) {
    this.kc = options.kubeConfig ?? loadKubeConfig(options.source);
    this.api = new KubeApi(this.kc);
    this.label = clusterLabel(this.kc);
    this.debounceMs = options.debounceMs ?? 500;
    this.initialBackoff = options.backoff?.initialMs ?? 500;
    this.maxBackoff = options.backoff?.maxMs ?? 30_000;
  }

  /** Called with the whole current object set after each (debounced) batch of changes. */
  onChange(listener: Listener<SourceObject[]>): () => void {
    this.changeListeners.add(listener);
    return () => void this.changeListeners.delete(listener);
  }

  /** Called when a kind cannot be read or a watch keeps failing (once per failure streak). */
  onWarning(listener: Listener<string>): () => void {
    this.warningListeners.add(listener);
    return () => void this.warningListeners.delete(listener);
  }

  /** What the first list could not read (403s): the same warnings readCluster gives. */
  get warnings(): readonly string[] {
    return this.initialWarnings;
  }

  /** The objects as currently known, in the order of CLUSTER_RESOURCES, then namespace/name. */
  objects(): SourceObject[] {
    return this.states.flatMap((s) =>
      [...s.store.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, obj]) => ({ obj, file: this.label })),
    );
  }

  /**
   * Lists the cluster and starts watching. Resolves with the first object set (also emitted to
   * onChange listeners) once everything is listed; a failure of that first list (unreachable
   * server, bad credentials) rejects with the InputError readCluster would throw.
   */
  async start(): Promise<SourceObject[]> {
    if (this.running) throw new Error('ClusterWatcher already started');
    const listing = await listCluster(this.api, { ...(this.options.pageSize !== undefined ? { pageSize: this.options.pageSize } : {}) });
    this.initialWarnings = listing.warnings;
    this.states = listing.lists.map((l) => ({
      target: l.target,
      store: new Map(l.items.map((o) => [keyOf(o), o])),
      resourceVersion: l.resourceVersion,
    }));
    this.running = true;
    for (const w of listing.warnings) this.warn(w);
    const first = this.objects();
    for (const l of this.changeListeners) l(first);
    this.loops = this.states.map((s) => this.watchLoop(s));
    return first;
  }

  /** Ends every watch and pending timer; resolves when all watch loops have finished. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.emitTimer) clearTimeout(this.emitTimer);
    this.emitTimer = undefined;
    for (const abort of [...this.aborts]) abort();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private warn(message: string): void {
    for (const l of this.warningListeners) l(message);
  }

  private scheduleEmit(): void {
    // A fixed window from the first change, not one that restarts on every change: under
    // constant churn (a big rollout) a restarting window would never fire.
    if (this.emitTimer || !this.running) return;
    this.emitTimer = setTimeout(() => {
      this.emitTimer = undefined;
      if (!this.running) return;
      const objects = this.objects();
      for (const l of this.changeListeners) l(objects);
    }, this.debounceMs);
  }

  private async watchLoop(state: TargetState): Promise<void> {
    const what = rbacName(state.target.resource) + (state.target.namespace !== undefined ? ` in ${state.target.namespace}` : '');
    let delay = this.initialBackoff;
    let failing = false;
    const failed = (reason: string) => {
      if (!failing) this.warn(`watch of ${what} failed (${reason}); retrying with backoff`);
      failing = true;
    };
    while (this.running) {
      const end = await this.watchOnce(state);
      if (!this.running) return;
      if (end.kind === 'gone') {
        // Events were compacted away: only a fresh list tells what changed meanwhile.
        if (await this.relist(state)) {
          failing = false;
          delay = this.initialBackoff;
          continue;
        }
        failed('relist after 410 Gone failed');
      } else if (end.error !== undefined) {
        failed(oneLine(end.error));
      } else if (end.sawEvents) {
        failing = false;
        delay = this.initialBackoff;
        continue; // a normal server-side close of a healthy watch: resume at once
      }
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.maxBackoff);
    }
  }

  private async relist(state: TargetState): Promise<boolean> {
    try {
      const list = await listResource(this.api, state.target.resource, {
        ...(state.target.namespace !== undefined ? { namespace: state.target.namespace } : {}),
        ...(this.options.pageSize !== undefined ? { pageSize: this.options.pageSize } : {}),
      });
      state.store.clear();
      for (const o of list.items) state.store.set(keyOf(o), o);
      state.resourceVersion = list.resourceVersion;
      this.scheduleEmit();
      return true;
    } catch {
      return false;
    }
  }

  /** One watch connection, from state.resourceVersion until it ends. */
  private watchOnce(state: TargetState): Promise<WatchEnd> {
    const { resource, namespace } = state.target;
    return new Promise<WatchEnd>((resolve) => {
      let sawEvents = false;
      let gone = false;
      let statusError: unknown;
      let controller: AbortController | undefined;
      let settled = false;
      const finish = (end: WatchEnd) => {
        if (settled) return;
        settled = true;
        this.aborts.delete(abort);
        controller?.abort();
        resolve(end);
      };
      const abort = () => finish({ kind: 'closed', sawEvents });
      this.aborts.add(abort);
      const onEvent = (type: string, obj: unknown) => {
        if (settled || !obj || typeof obj !== 'object') return;
        const o = obj as Record<string, unknown>;
        const rv = (o.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
        if (type === 'ERROR') {
          // The API server reports an expired resourceVersion in-stream: a Status with code 410.
          if ((o as { code?: unknown }).code === 410) {
            gone = true;
            finish({ kind: 'gone' });
          } else statusError = new Error(String((o as { message?: unknown }).message ?? 'watch error'));
          return;
        }
        sawEvents = true;
        if (typeof rv === 'string' && rv !== '') state.resourceVersion = rv;
        if (type === 'BOOKMARK') return;
        const item = withKind(resource, o);
        if (type === 'DELETED') state.store.delete(keyOf(item));
        else if (type === 'ADDED' || type === 'MODIFIED') state.store.set(keyOf(item), item);
        else return;
        this.scheduleEmit();
      };
      const onDone = (err: unknown) => {
        const status = (err as { statusCode?: unknown } | null)?.statusCode;
        if (gone || status === 410) finish({ kind: 'gone' });
        else finish({ kind: 'closed', sawEvents, ...(err || statusError ? { error: err || statusError } : {}) });
      };
      new Watch(this.kc)
        .watch(resourcePath(resource, namespace), { resourceVersion: state.resourceVersion, allowWatchBookmarks: true }, onEvent, onDone)
        .then(
          (c) => {
            controller = c;
            if (settled) c.abort(); // stopped while connecting
          },
          (err: unknown) => onDone(err),
        );
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.aborts.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.aborts.add(done);
    });
  }
}

/** Objects are unique by namespace/name within one collection; uid would change on re-creation. */
function keyOf(obj: Record<string, unknown>): string {
  const meta = (obj.metadata ?? {}) as { namespace?: unknown; name?: unknown };
  return `${typeof meta.namespace === 'string' ? meta.namespace : ''}/${String(meta.name)}`;
}
