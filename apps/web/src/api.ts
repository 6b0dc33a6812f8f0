/**
 * The JSON API. Shapes are the CLI's JSON where the CLI has one (`/api/reach` is
 * `lateral reach --format json`, `/api/explain` carries `lateral explain --format json`);
 * the rest are the views' own aggregates. Query parameters are names inside the loaded
 * cluster, never file system paths.
 */
import express, { type Request, type Router } from 'express';
import type { Protocol } from '@lateral/core';
import { unevaluatedWarning } from '@lateral/k8s';
import { endpointInfos, type EndpointInfo } from './endpoint-info.js';
import { explainPair } from './explain-pair.js';
import { groupGraph, type GroupGraph } from './group-graph.js';
import { BadRequest } from './security.js';
import type { Session, SessionHolder } from './session.js';
import { answerWith } from './heavy-pool.js';
import { whatIfJob } from './heavy-jobs.js';
import { cachedObservedEdges } from './flows-route.js';
import { madeLayout, prepareMapLayout } from './map-layout-cache.js';

/** The aggregates every page load asks for, computed ahead (at start, and before a swap). */
export function warmSession(s: Session): void {
  cachedText(s, 'endpoints', () => cachedInfos(s));
  cachedText(s, 'groups', () => cachedGroups(s));
}

/** A large cluster's first map picture, laid out from the same JSON the page is sent (map-layout-cache.ts). */
export function layOutFirstMap(s: Session): Promise<void> {
  return prepareMapLayout(s, {
    endpoints: cachedText(s, 'endpoints', () => cachedInfos(s)),
    groups: cachedText(s, 'groups', () => cachedGroups(s)),
    // The page lays both edge views out as one when there is a capture (map-view.ts).
    observed: () => (s.flows.length > 0 ? JSON.stringify(cachedObservedEdges(s)) : undefined),
  });
}

/** Per-session caches: a session never changes, so its aggregates are computed once. */
const infoCache = new WeakMap<Session, EndpointInfo[]>();
const groupCache = new WeakMap<Session, GroupGraph>();

export function cachedInfos(s: Session): EndpointInfo[] {
  let v = infoCache.get(s);
  if (!v) infoCache.set(s, (v = endpointInfos(s)));
  return v;
}

/** The same aggregates as JSON text: at S2 the namespace graph is ~1 MB, and every page load asks for it. */
const textCache = new WeakMap<Session, Map<string, string>>();

function cachedText(s: Session, name: string, value: () => unknown): string {
  let m = textCache.get(s);
  if (!m) textCache.set(s, (m = new Map()));
  let t = m.get(name);
  if (t === undefined) m.set(name, (t = JSON.stringify(value())));
  return t;
}

export function cachedGroups(s: Session): GroupGraph {
  let v = groupCache.get(s);
  if (!v) groupCache.set(s, (v = groupGraph(s)));
  return v;
}

function query(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadRequest(`query parameter "${name}" must be given once`);
  return v;
}

function portParam(req: Request): number | undefined {
  const v = query(req, 'port');
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new BadRequest(`port must be a whole number from 1 to 65535 (got "${v}")`);
  return Number(v);
}

function protocolParam(req: Request): Protocol | undefined {
  const v = query(req, 'protocol')?.toUpperCase();
  if (v === undefined || v === '') return undefined;
  if (v !== 'TCP' && v !== 'UDP' && v !== 'SCTP') throw new BadRequest(`protocol must be TCP, UDP or SCTP (got "${v}")`);
  return v;
}

export function apiRouter(holder: SessionHolder, extensions: ((r: Router, holder: SessionHolder) => void)[] = []): Router {
  const r = express.Router();

  r.get('/summary', (_req, res) => {
    const s = holder.current();
    const infos = cachedInfos(s);
    res.json({
      label: s.label,
      namespaces: new Set(s.cluster.pods.map((p) => p.namespace)).size,
      workloads: infos.filter((e) => e.kind !== 'External').length,
      pods: s.cluster.pods.reduce((n, p) => n + p.replicas, 0),
      policies: s.cluster.policies.length,
      externals: infos.filter((e) => e.kind === 'External').length,
      warnings: [...(s.load.unevaluated.length ? [unevaluatedWarning(s.load.unevaluated)!] : []), ...s.load.warnings, ...s.index.warnings],
      skipped: s.load.skipped,
      flows: s.flows.map((f) => f.name),
      targets: s.targets,
      features: { blast: true, flows: s.flows.length > 0, generate: true },
      // The network plugin whose semantics every answer uses, as the CLI prints it once on stderr.
      cni: { name: s.options.cni ?? 'kubernetes', ...(s.cniDetectedFrom ? { detectedFrom: s.cniDetectedFrom } : {}) },
      live: holder.live === true,
      generation: holder.generation?.() ?? 0,
      changedAt: holder.changedAt?.() ?? null,
    });
  });

  r.get('/endpoints', (_req, res) => {
    const s = holder.current();
    res.type('application/json').send(cachedText(s, 'endpoints', () => cachedInfos(s)));
  });
  r.get('/groups', (_req, res) => {
    const s = holder.current();
    res.type('application/json').send(cachedText(s, 'groups', () => cachedGroups(s)));
  });
  // The first map picture's layout when the server made one (large clusters), else {}.
  r.get('/map-layout', (_req, res) => void res.json(madeLayout(holder.current()) ?? {}));
  r.get('/policies', (_req, res) => {
    const s = holder.current();
    res.json(s.cluster.policies.map((p) => ({ id: `${p.namespace}/${p.name}`, namespace: p.namespace, name: p.name })));
  });

  // A namespace opened on the map: its connections summarised (namespace-edges.ts). Both walk
  // every allowed workload pair of the cluster (~0.4 s at S2): in an analysis worker's quick lane.
  r.get('/namespace-edges', (req, res, next) => {
    const namespace = query(req, 'namespace');
    if (!namespace) throw new BadRequest('namespace-edges needs namespace');
    const detail = (query(req, 'detail') ?? '').split(',').filter(Boolean);
    answerWith(holder.jobs, holder.current, { kind: 'namespace-edges', namespace, detail }, res, next);
  });

  r.get('/reach', (req, res, next) => {
    const namespace = query(req, 'namespace');
    const from = query(req, 'from');
    const to = query(req, 'to');
    answerWith(holder.jobs, holder.current, { kind: 'reach', ...(namespace !== undefined ? { namespace } : {}), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) }, res, next);
  });

  r.get('/explain', (req, res) => {
    const from = query(req, 'from');
    const to = query(req, 'to');
    if (!from || !to) throw new BadRequest('explain needs from and to (endpoint ids)');
    res.json(explainPair(holder.current(), from, to, portParam(req), protocolParam(req)));
  });

  // `lateral whatif --format json` (or txt, csv, md with "format"), computed by the same builder
  // in an analysis worker; the JSON's rows come a page at a time (heavy-jobs.ts).
  r.post('/what-if', (req, res, next) => answerWith(holder.jobs, holder.current, whatIfJob(req.body), res, next));

  for (const ext of extensions) ext(r, holder);
  r.use((_req, res) => void res.status(404).json({ error: 'no such API route' }));
  return r;
}
