/**
 * The HTTP server: the API under /api and the built UI as static files. Binds 127.0.0.1 unless
 * told otherwise — the API explains a cluster's security posture, which is not for the LAN.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { apiRouter, layOutFirstMap, warmSession } from './api.js';
import { apiExtensions } from './extensions.js';
import { networkInterfaces } from 'node:os';
import { JobPool, type JobPoolOptions } from './heavy-pool.js';
import { allowedHosts, errorHandler, hostCheck, noStore, securityHeaders } from './security.js';
import type { Session, SessionHolder } from './session.js';
import { UI_DIST } from './ui-build.js';

export interface ServeOptions {
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Where server-side errors are logged; stderr by default. */
  readonly log?: (line: string) => void;
  /**
   * The session follows a live cluster (`serve --cluster --watch`): /api/summary says so, and
   * the UI polls its generation to notice a change.
   */
  readonly live?: boolean;
  /** Host names to answer to besides localhost and the bound address (`--allow-host`). */
  readonly allowHosts?: readonly string[];
  /** The analysis workers and their queue (what-if, blast, paths, risk, generate). */
  readonly jobs?: JobPoolOptions;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /**
   * Swap the cluster the API answers for (live watching). The swap is one assignment: a request
   * answers wholly from the session it started with, and the next one from the new session.
   * The new session's aggregates are computed before the swap, so no request pays for them.
   */
  setSession(s: Session): void;
  /** How many sessions have been swapped in (0 for the first). */
  readonly generation: number;
  /**
   * The analysis workers: how many run (both lanes), jobs waiting, jobs answered 503, queued jobs
   * dropped as their client went away, jobs a newer request in their slot replaced.
   */
  readonly analysis?: { readonly workers: number; readonly queued: number; readonly refused: number; readonly cancelled: number; readonly superseded: number };
  close(): Promise<void>;
}

/** Request bodies are policy YAML or flow captures: generous for those, bounded for safety. */
export const BODY_LIMIT = '8mb';

export function createApp(
  holder: SessionHolder,
  log: (line: string) => void = (l) => process.stderr.write(l + '\n'),
  hosts: ReadonlySet<string> = allowedHosts('127.0.0.1'),
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(hostCheck(hosts));
  app.use(securityHeaders);
  app.use('/api', noStore, express.json({ limit: BODY_LIMIT, strict: false }), apiRouter(holder, apiExtensions));
  if (existsSync(join(UI_DIST, 'index.html'))) {
    // The directory is fixed at start; express.static refuses paths that climb out of it.
    app.use(express.static(UI_DIST, { index: 'index.html', dotfiles: 'deny', fallthrough: true }));
  }
  app.use((_req, res) => void res.status(404).type('text/plain').send('not found'));
  app.use(errorHandler(log));
  return app;
}

/** Pods from which startServer lets the analysis workers warm up before it listens. */
const WAIT_FOR_WORKERS_PODS = 2_000;

export async function startServer(session: Session, opts: ServeOptions = {}): Promise<RunningServer> {
  let current = session;
  let generation = 0;
  let changedAt = new Date().toISOString();
  warmSession(current);
  const log = opts.log ?? ((l: string) => void process.stderr.write(l + '\n'));
  // Before the first request, so no page load waits behind it (~0.4 s at S2, once per session).
  // Without it a page lays the map out itself, as it does for every other picture.
  await layOutFirstMap(current).catch((e: unknown) => log(`map layout: ${e instanceof Error ? e.message : String(e)}`));
  const jobs = new JobPool(current, opts.jobs, opts.log);
  // A large cluster: the analysis workers' start-up (compile, attack graph; ~1 s of both cores at
  // S2) is let finish before the first request, so the first page load does not share the CPU
  // with it (measured: 2.5-2.8 s against 1.5 s right after the URL is printed). Capped, so a slow
  // worker never holds the server back for long.
  if (current.cluster.pods.length >= WAIT_FOR_WORKERS_PODS) await jobs.whenWarm(15_000);
  const host = opts.host ?? '127.0.0.1';
  const addresses = Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((a) => a.address));
  const app = createApp({ current: () => current, generation: () => generation, changedAt: () => changedAt, live: opts.live === true, jobs }, opts.log, allowedHosts(host, opts.allowHosts, addresses));
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const s = app.listen(opts.port ?? 0, host, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    setSession: (s) => {
      warmSession(s);
      // The new cluster's first picture is laid out after the swap; until then a page lays it out itself.
      void layOutFirstMap(s).catch((e: unknown) => log(`map layout: ${e instanceof Error ? e.message : String(e)}`));
      jobs.setSession(s);
      current = s;
      generation++;
      changedAt = new Date().toISOString();
    },
    get generation() {
      return generation;
    },
    get analysis() {
      return { workers: jobs.workers, queued: jobs.queued, refused: jobs.refused, cancelled: jobs.cancelled, superseded: jobs.superseded };
    },
    close: async () => {
      await jobs.close();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((e) => (e ? reject(e) : resolve()));
      });
    },
  };
}
