/**
 * Heavy work off the request thread: a few worker threads (heavy-worker.ts), each with its own
 * copy of the session, and one bounded first-in-first-out queue in front of them. The request
 * thread stays free for the cheap answers (summary, endpoints, groups, explain), so a long
 * what-if never stalls the page.
 *
 * - A full queue, or a request that waits longer than `maxWaitMs` for a worker, is answered
 *   503 with `Retry-After` — an answer, never a dropped connection.
 * - A client that goes away takes its queued job with it; a job already running finishes and
 *   its answer is dropped (the worker keeps its warm session, which costs seconds to rebuild).
 * - A worker that dies fails its job with a 500 and is replaced.
 * - With `workers: 0`, or when no worker can start, jobs run on the request thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { NextFunction, Response } from 'express';
import { runJob, type Job, type JobAnswer } from './heavy-jobs.js';
import type { FromJobWorker, SessionInit, ToJobWorker } from './heavy-worker.js';
import { BadRequest, Busy } from './security.js';
import type { JobRunner, Session } from './session.js';

export interface JobPoolOptions {
  /** Worker threads (default: cores − 1, at least 1, at most 4). 0 runs jobs on the request thread. */
  readonly workers?: number;
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
  readonly resolve: (a: JobAnswer) => void;
  readonly reject: (e: Error) => void;
  readonly enqueuedAt: number;
  timer?: ReturnType<typeof setTimeout>;
  cancelled: boolean;
}

interface Slot {
  worker: Worker;
  running?: { id: number; pending: Pending };
  ready: boolean;
}

export function sessionInit(s: Session): SessionInit {
  return { label: s.label, objects: s.objects, warnings: s.load.warnings, options: s.options, flows: s.flows, targets: s.targets };
}

export class JobPool {
  private readonly queue: Pending[] = [];
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

  constructor(
    private session: Session,
    opts: JobPoolOptions = {},
    private readonly log: (line: string) => void = () => {},
  ) {
    this.init = sessionInit(session);
    this.maxQueued = opts.maxQueued ?? 256;
    this.maxWaitMs = opts.maxWaitMs ?? 60_000;
    const n = opts.workers ?? defaultJobWorkers();
    for (let i = 0; i < n; i++) this.startSlot();
  }

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.queue.length;
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

  /**
   * Runs the job (in a worker, or here without one). `onGone` registers the cancellation: call
   * it when the client has gone away.
   */
  run(job: Job, onGone?: (cancel: () => void) => void): Promise<JobAnswer> {
    if (this.slots.length === 0) return runJob(this.session, job);
    if (this.queue.length >= this.maxQueued) {
      this.refused++;
      return Promise.reject(new Busy(this.retryAfter()));
    }
    return new Promise<JobAnswer>((resolve, reject) => {
      const p: Pending = { job, resolve, reject, enqueuedAt: Date.now(), cancelled: false };
      p.timer = setTimeout(() => {
        const at = this.queue.indexOf(p);
        if (at < 0) return;
        this.queue.splice(at, 1);
        this.refused++;
        reject(new Busy(this.retryAfter()));
      }, this.maxWaitMs);
      onGone?.(() => {
        p.cancelled = true;
        const at = this.queue.indexOf(p);
        if (at >= 0) {
          this.queue.splice(at, 1);
          this.cancelled++;
          clearTimeout(p.timer);
          reject(new Gone());
        }
      });
      this.queue.push(p);
      this.dispatch();
    });
  }

  /** Seconds to suggest: the queue's length in rough job times, at least 1. */
  private retryAfter(): number {
    return Math.max(1, Math.min(60, Math.ceil(this.queue.length / Math.max(1, this.slots.length))));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.running) continue;
      const p = this.queue.shift();
      if (!p) return;
      clearTimeout(p.timer);
      const id = this.nextId++;
      slot.running = { id, pending: p };
      slot.worker.postMessage({ type: 'job', id, job: p.job } satisfies ToJobWorker);
    }
  }

  private startSlot(): void {
    const ts = import.meta.url.endsWith('.ts');
    const entry = new URL(`./heavy-worker.${ts ? 'ts' : 'js'}`, import.meta.url).href;
    // Workers do not inherit loader hooks: under tsx (the tests, the benchmarks) the worker registers it itself.
    const code = ts
      ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`
      : `import(${JSON.stringify(entry)});`;
    const slot: Slot = { worker: new Worker(code, { eval: true }), ready: false };
    this.slots.push(slot);
    slot.worker.postMessage({ type: 'session', init: this.init } satisfies ToJobWorker);
    slot.worker.on('message', (m: FromJobWorker) => {
      if (m.type === 'ready') {
        slot.ready = true;
        this.dispatch();
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
      if (slot.running && !slot.running.pending.cancelled) slot.running.pending.reject(new Error(`analysis worker stopped: ${why}`));
      if (this.closed) return;
      if (slot.ready) {
        this.log(`lateral serve: analysis worker stopped (${why}); starting another`);
        this.startSlot();
        return;
      }
      // One that never started will not start on a second try: without any, jobs run here.
      this.log(`lateral serve: analysis worker did not start (${why})${this.slots.length === 0 ? '; analyses run on the request thread' : ''}`);
      if (this.slots.length === 0) {
        for (const p of this.queue.splice(0)) {
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
    for (const p of this.queue.splice(0)) {
      clearTimeout(p.timer);
      p.reject(new Busy(1));
    }
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }
}

/**
 * An express handler's answer from a job: 200 with its text, or the error for the error
 * handler (400, 503, 500). A client that goes away cancels it.
 */
export function answerWith(pool: JobRunner | undefined, current: () => Session, job: Job, res: Response, next: NextFunction): void {
  const onGone = (cancel: () => void) => res.once('close', () => void (!res.writableFinished && cancel()));
  const answer = pool ? pool.run(job, onGone) : runJob(current(), job);
  answer.then(
    (a) => void res.type(a.type).send(a.text),
    (e: unknown) => {
      if (e instanceof Gone) return;
      next(e);
    },
  );
}
