/**
 * Heavy work off the request thread: worker threads (heavy-worker.ts), each with its own copy
 * of the session, and a bounded first-in-first-out queue per lane in front of them. The
 * request thread stays free for the cheap answers (summary, endpoints, groups, explain), so a
 * long what-if never stalls the page.
 *
 * - Two lanes (heavy-jobs.ts's `laneOf`). Quick jobs — a blast radius, paths, a namespace's
 *   edges, reach — read the worker's warm attack graph and compiled cluster and take
 *   milliseconds; long jobs — what-if, risk, generate — take seconds at 10,000 pods. One worker
 *   is kept for the quick lane (and a quick job also takes any idle long-lane worker), so a
 *   blast radius never waits behind the previous foothold's choke points (the warm blast click
 *   was 3.1 s at S2, queued behind `/api/risk`). In the long lane a what-if goes before queued
 *   choke points (urgencyOf).
 * - A request may name its slot (`X-Lateral-Slot`, e.g. `<tab>:risk`): a newer request in the
 *   same slot supersedes an older one — queued, it is dropped at once (409); running, its
 *   answer is dropped.
 * - A full queue, or a request that waits longer than `maxWaitMs` for a worker, is answered
 *   503 with `Retry-After` — an answer, never a dropped connection.
 * - A client that goes away takes its queued job with it. A job already running is not
 *   stopped: the engine's steps are synchronous, so stopping means terminating the worker, and
 *   its replacement rebuilds the session (compile + attack graph, seconds at S2) — longer than
 *   what is left of any one job. Its answer is dropped.
 * - A worker that dies fails its job with a 500 and is replaced.
 * - With `workers: 0`, or when no worker can start, jobs run on the request thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { NextFunction, Response } from 'express';
import { laneOf, runJob, urgencyOf, type Job, type JobAnswer, type Lane } from './heavy-jobs.js';
import type { FromJobWorker, SessionInit, ToJobWorker } from './heavy-worker.js';
import { BadRequest, Busy, Superseded } from './security.js';
import type { JobRunner, Session } from './session.js';

export interface JobPoolOptions {
  /** Worker threads for long jobs (default: cores − 1, at least 1, at most 4). 0 runs every job on the request thread. */
  readonly workers?: number;
  /** One more worker kept for quick jobs (default: true when there are workers). */
  readonly quickWorker?: boolean;
  /** Jobs waiting for a worker at most (default 256); more are answered 503 at once. */
  readonly maxQueued?: number;
  /** How long a job may wait for a worker (default 60 s) before it is answered 503. */
  readonly maxWaitMs?: number;
}

/** Cancelled by the client going away: nobody is waiting for the answer. */
class Gone extends Error {}

export function defaultJobWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

interface Pending {
  readonly job: Job;
  readonly lane: Lane;
  readonly slot: string | undefined;
  readonly resolve: (a: JobAnswer) => void;
  readonly reject: (e: Error) => void;
  readonly enqueuedAt: number;
  timer?: ReturnType<typeof setTimeout>;
  cancelled: boolean;
}

interface Slot {
  readonly lane: Lane;
  worker: Worker;
  running?: { id: number; pending: Pending };
  ready: boolean;
  /** Its start-up work (compile, attack graph) is done. */
  warm?: boolean;
}

export function sessionInit(s: Session): SessionInit {
  return { label: s.label, objects: s.objects, warnings: s.load.warnings, options: s.options, flows: s.flows, targets: s.targets };
}

/** How a request is run: its cancellation, and the slot a newer request of the same client and view replaces. */
export interface RunOptions {
  /** Registers the cancellation: call it when the client has gone away. */
  readonly onGone?: (cancel: () => void) => void;
  readonly slot?: string;
}

export class JobPool {
  private readonly queues: Record<Lane, Pending[]> = { quick: [], long: [] };
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private init: SessionInit;
  private readonly maxQueued: number;
  private readonly maxWaitMs: number;
  /** How many jobs were answered 503 (for the log and tests). */
  refused = 0;
  /** How many queued jobs were dropped because their client went away. */
  cancelled = 0;
  /** How many jobs a newer request in their slot replaced (queued ones dropped, running ones' answers dropped). */
  superseded = 0;

  constructor(
    private session: Session,
    opts: JobPoolOptions = {},
    private readonly log: (line: string) => void = () => {},
  ) {
    this.init = sessionInit(session);
    this.maxQueued = opts.maxQueued ?? 256;
    this.maxWaitMs = opts.maxWaitMs ?? 60_000;
    const n = opts.workers ?? defaultJobWorkers();
    for (let i = 0; i < n; i++) this.startSlot('long');
    if (n > 0 && opts.quickWorker !== false) this.startSlot('quick');
  }

  private readonly warmWaiters: (() => void)[] = [];

  /**
   * Resolves once every worker has finished its start-up work (the session compiled, its attack
   * graph built) or failed to start, or after `ms`. lateral serve waits for it before it listens
   * on a large cluster: on two cores that work slows the first page load by a second otherwise.
   */
  whenWarm(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        const at = this.warmWaiters.indexOf(check);
        if (at >= 0) this.warmWaiters.splice(at, 1);
        resolve();
      };
      const check = () => void (this.slots.every((s) => s.warm) && done());
      const timer = setTimeout(done, ms);
      this.warmWaiters.push(check);
      check();
    });
  }

  private checkWarm(): void {
    for (const w of [...this.warmWaiters]) w();
  }

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.queues.quick.length + this.queues.long.length;
  }

  /** Workers that have started. */
  get workers(): number {
    return this.slots.length;
  }

  setSession(s: Session): void {
    this.session = s;
    this.init = sessionInit(s);
    for (const slot of this.slots) slot.worker.postMessage({ type: 'session', init: this.init } satisfies ToJobWorker);
  }

  /** Runs the job (in a worker, or here without one), in its lane. */
  run(job: Job, opts: RunOptions = {}): Promise<JobAnswer> {
    if (this.slots.length === 0) return runJob(this.session, job);
    const lane = laneOf(job);
    if (opts.slot !== undefined) this.supersede(opts.slot);
    const queue = this.queues[lane];
    if (queue.length >= this.maxQueued) {
      this.refused++;
      return Promise.reject(new Busy(this.retryAfter()));
    }
    return new Promise<JobAnswer>((resolve, reject) => {
      const p: Pending = { job, lane, slot: opts.slot, resolve, reject, enqueuedAt: Date.now(), cancelled: false };
      p.timer = setTimeout(() => {
        if (!this.unqueue(p)) return;
        this.refused++;
        reject(new Busy(this.retryAfter()));
      }, this.maxWaitMs);
      opts.onGone?.(() => {
        p.cancelled = true;
        if (this.unqueue(p)) {
          this.cancelled++;
          clearTimeout(p.timer);
          reject(new Gone());
        }
      });
      queue.push(p);
      this.dispatch();
    });
  }

  /** Takes a job out of its queue; false when it is not queued (running, or answered). */
  private unqueue(p: Pending): boolean {
    const q = this.queues[p.lane];
    const at = q.indexOf(p);
    if (at < 0) return false;
    q.splice(at, 1);
    return true;
  }

  /** A newer request arrived in `slot`: the older one's client wants the newer answer instead. */
  private supersede(slot: string): void {
    for (const lane of ['quick', 'long'] as const) {
      for (const p of this.queues[lane].filter((x) => x.slot === slot)) {
        this.unqueue(p);
        clearTimeout(p.timer);
        p.cancelled = true;
        this.superseded++;
        p.reject(new Superseded());
      }
    }
    for (const slotted of this.slots) {
      const p = slotted.running?.pending;
      if (p && p.slot === slot && !p.cancelled) {
        p.cancelled = true;
        this.superseded++;
        p.reject(new Superseded());
      }
    }
  }

  /** Seconds to suggest: the queue's length in rough job times, at least 1. */
  private retryAfter(): number {
    return Math.max(1, Math.min(60, Math.ceil(this.queued / Math.max(1, this.slots.length))));
  }

  /** The long job to run next: the most urgent (urgencyOf), the oldest of those. */
  private nextLong(): Pending | undefined {
    const q = this.queues.long;
    let best = -1;
    for (let i = 0; i < q.length; i++) if (best < 0 || urgencyOf(q[i]!.job) < urgencyOf(q[best]!.job)) best = i;
    return best < 0 ? undefined : q.splice(best, 1)[0];
  }

  /** Quick jobs first on every idle worker; long jobs only on the long lane's workers. */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.running) continue;
      const p = this.queues.quick.shift() ?? (slot.lane === 'long' ? this.nextLong() : undefined);
      if (!p) continue;
      clearTimeout(p.timer);
      const id = this.nextId++;
      slot.running = { id, pending: p };
      slot.worker.postMessage({ type: 'job', id, job: p.job } satisfies ToJobWorker);
    }
  }

  private startSlot(lane: Lane): void {
    const ts = import.meta.url.endsWith('.ts');
    const entry = new URL(`./heavy-worker.${ts ? 'ts' : 'js'}`, import.meta.url).href;
    // Workers do not inherit loader hooks: under tsx (the tests, the benchmarks) the worker registers it itself.
    const code = ts
      ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`
      : `import(${JSON.stringify(entry)});`;
    const slot: Slot = { lane, worker: new Worker(code, { eval: true }), ready: false };
    this.slots.push(slot);
    slot.worker.postMessage({ type: 'session', init: this.init } satisfies ToJobWorker);
    slot.worker.on('message', (m: FromJobWorker) => {
      if (m.type === 'ready') {
        slot.ready = true;
        this.dispatch();
        return;
      }
      if (m.type === 'warm') {
        slot.warm = true;
        this.checkWarm();
        return;
      }
      const running = slot.running;
      if (!running || running.id !== m.id) return;
      slot.running = undefined;
      const p = running.pending;
      if (!p.cancelled) {
        if (m.type === 'answer') p.resolve(m.answer);
        else if (m.type === 'bad') p.reject(new BadRequest(m.message));
        else p.reject(new Error(m.message));
      }
      this.dispatch();
    });
    const lost = (why: string) => {
      const at = this.slots.indexOf(slot);
      if (at < 0) return;
      this.slots.splice(at, 1);
      this.checkWarm();
      if (slot.running && !slot.running.pending.cancelled) slot.running.pending.reject(new Error(`analysis worker stopped: ${why}`));
      if (this.closed) return;
      if (slot.ready) {
        this.log(`lateral serve: analysis worker stopped (${why}); starting another`);
        this.startSlot(slot.lane);
        return;
      }
      // One that never started will not start on a second try: without any, jobs run here.
      this.log(`lateral serve: analysis worker did not start (${why})${this.slots.length === 0 ? '; analyses run on the request thread' : ''}`);
      if (this.slots.length === 0) {
        for (const p of [...this.queues.quick.splice(0), ...this.queues.long.splice(0)]) {
          clearTimeout(p.timer);
          runJob(this.session, p.job).then(p.resolve, p.reject);
        }
      }
    };
    slot.worker.on('error', (e) => lost(e.message));
    slot.worker.on('exit', (code) => lost(`exit code ${code}`));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of [...this.queues.quick.splice(0), ...this.queues.long.splice(0)]) {
      clearTimeout(p.timer);
      p.reject(new Busy(1));
    }
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }
}

/** The header naming a request's slot (see JobPool): a client id and a view, e.g. `k3x9:risk`. */
export const SLOT_HEADER = 'x-lateral-slot';

/**
 * An express handler's answer from a job: 200 with its text, or the error for the error
 * handler (400, 409, 503, 500). A client that goes away cancels it; a newer request in its
 * slot supersedes it.
 */
export function answerWith(pool: JobRunner | undefined, current: () => Session, job: Job, res: Response, next: NextFunction): void {
  const onGone = (cancel: () => void) => res.once('close', () => void (!res.writableFinished && cancel()));
  const slot = res.req.get(SLOT_HEADER);
  const answer = pool ? pool.run(job, { onGone, ...(slot ? { slot: slot.slice(0, 200) } : {}) }) : runJob(current(), job);
  answer.then(
    (a) => void res.type(a.type).send(a.text),
    (e: unknown) => {
      if (e instanceof Gone) return;
      next(e);
    },
  );
}
