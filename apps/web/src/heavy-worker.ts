/**
 * A worker thread of the server's job pool (heavy-pool.ts). It holds its own copy of the
 * session — compiled here from the loaded objects the server sends, recompiled from the
 * previous one when a watched cluster changes — and answers one job at a time with the response
 * text, so the request thread only parses requests and writes answers.
 */
import { parentPort } from 'node:worker_threads';
import { InputError, prepareWhatIf } from '@lateral/core';
import { clusterFromObjects } from '@lateral/k8s';
import { runJob, type Job, type JobAnswer } from './heavy-jobs.js';
import { BadRequest } from './security.js';
import { attackGraphOf, sessionFromCluster, type FlowInput, type Session } from './session.js';
import type { EvalOptions } from '@lateral/core';
import type { SourceObject } from '@lateral/k8s';

/** What a worker needs to rebuild the server's session: plain data, copied once per session. */
export interface SessionInit {
  readonly label: string;
  readonly objects: readonly SourceObject[];
  /** The load's warnings as the server has them (a live read adds its own). */
  readonly warnings: readonly string[];
  readonly options: EvalOptions;
  readonly flows: readonly FlowInput[];
  readonly targets: readonly string[];
}

export type ToJobWorker = { readonly type: 'session'; readonly init: SessionInit } | { readonly type: 'job'; readonly id: number; readonly job: Job };

export type FromJobWorker =
  | { readonly type: 'ready' }
  /** The session sent last is compiled and its attack graph built: the worker's start-up work is done. */
  | { readonly type: 'warm' }
  | { readonly type: 'answer'; readonly id: number; readonly answer: JobAnswer }
  /** The request's fault: a 400 with this message. */
  | { readonly type: 'bad'; readonly id: number; readonly message: string }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };

export function sessionOfInit(init: SessionInit, previous?: Session): Session {
  const load = clusterFromObjects([...init.objects]);
  return sessionFromCluster(init.label, init.objects, { ...load, warnings: [...init.warnings] }, init.options, init.flows, init.targets, previous?.compiled);
}

const port = parentPort!;
let session: Session | undefined;

port.on('message', (m: ToJobWorker) => {
  if (m.type === 'session') {
    session = sessionOfInit(m.init, session);
    // Built now rather than by the first blast radius: its answer should not pay for it.
    const s = session;
    setImmediate(() => {
      if (session !== s) return;
      attackGraphOf(s);
      // The endpoint refinement every policy-only what-if from this cluster reads first: made
      // now, the first "try a change" does not pay for it (~0.1 s at 10,000 pods).
      prepareWhatIf(s.compiled);
      port.postMessage({ type: 'warm' } satisfies FromJobWorker);
    });
    return;
  }
  void answer(m.id, m.job);
});

async function answer(id: number, job: Job): Promise<void> {
  let reply: FromJobWorker;
  try {
    if (!session) throw new Error('job before session');
    reply = { type: 'answer', id, answer: await runJob(session, job) };
  } catch (e) {
    reply =
      e instanceof InputError || e instanceof BadRequest
        ? { type: 'bad', id, message: e.message }
        : { type: 'failed', id, message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
}

port.postMessage({ type: 'ready' } satisfies FromJobWorker);
