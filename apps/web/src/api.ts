/**
 * The JSON API. Shapes are the CLI's JSON where the CLI has one (`/api/reach` is
 * `lateral reach --format json`, `/api/explain` carries `lateral explain --format json`);
 * the rest are the views' own aggregates. Query parameters are names inside the loaded
 * cluster, never file system paths.
 */
import express, { type Request, type Router } from 'express';
import { formatWhatIf, WHAT_IF_FORMATS, whatIfJson, type WhatIfFormat } from '@lateral/analysis';
import { workloadReachability, type Protocol } from '@lateral/core';
import { unevaluatedWarning } from '@lateral/k8s';
import { endpointInfos, type EndpointInfo } from './endpoint-info.js';
import { explainPair } from './explain-pair.js';
import { groupGraph, type GroupGraph } from './group-graph.js';
import { BadRequest } from './security.js';
import type { Session, SessionHolder } from './session.js';
import { whatIf, type WhatIfRequest } from './what-if.js';

/** The aggregates every page load asks for, computed ahead (at start, and before a swap). */
export function warmSession(s: Session): void {
  cachedInfos(s);
  cachedGroups(s);
}

/** Per-session caches: a session never changes, so its aggregates are computed once. */
const infoCache = new WeakMap<Session, EndpointInfo[]>();
const groupCache = new WeakMap<Session, GroupGraph>();

export function cachedInfos(s: Session): EndpointInfo[] {
  let v = infoCache.get(s);
  if (!v) infoCache.set(s, (v = endpointInfos(s)));
  return v;
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

function stringList(v: unknown, name: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new BadRequest(`"${name}" must be a list of strings`);
  return v as string[];
}

function whatIfBody(body: unknown): WhatIfRequest {
  if (typeof body !== 'object' || body === null) throw new BadRequest('expected a JSON object {"yaml": "...", "disable": ["ns/name"], "delete": ["kind/ns/name"]}');
  const b = body as Record<string, unknown>;
  if (b.yaml !== undefined && typeof b.yaml !== 'string') throw new BadRequest('"yaml" must be a string');
  if (b.format !== undefined && !(WHAT_IF_FORMATS as readonly unknown[]).includes(b.format)) throw new BadRequest(`"format" must be one of ${WHAT_IF_FORMATS.join(', ')}`);
  if (b.from !== undefined && (typeof b.from !== 'string' || b.from === '')) throw new BadRequest('"from" must be a workload id, node:<name> or internet');
  return { yaml: (b.yaml as string | undefined) ?? '', disable: stringList(b.disable, 'disable'), delete: stringList(b.delete, 'delete'), format: (b.format as WhatIfFormat | undefined) ?? 'json', ...(b.from ? { from: b.from as string } : {}) };
}

const MEDIA_TYPE: Record<WhatIfFormat, string> = { json: 'application/json', txt: 'text/plain', csv: 'text/csv', md: 'text/markdown' };

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
      live: holder.live === true,
      generation: holder.generation?.() ?? 0,
      changedAt: holder.changedAt?.() ?? null,
    });
  });

  r.get('/endpoints', (_req, res) => void res.json(cachedInfos(holder.current())));
  r.get('/groups', (_req, res) => void res.json(cachedGroups(holder.current())));
  r.get('/policies', (_req, res) => {
    const s = holder.current();
    res.json(s.cluster.policies.map((p) => ({ id: `${p.namespace}/${p.name}`, namespace: p.namespace, name: p.name })));
  });

  r.get('/reach', (req, res) => {
    const s = holder.current();
    const namespace = query(req, 'namespace');
    const from = query(req, 'from');
    const to = query(req, 'to');
    const w = workloadReachability(s.compiled, { namespace, from, to }, s.index);
    // The CLI's JSON contract: endpoints and connections (warnings go to /summary, as the CLI puts them on stderr).
    res.json({ endpoints: w.endpoints, connections: w.connections });
  });

  r.get('/explain', (req, res) => {
    const from = query(req, 'from');
    const to = query(req, 'to');
    if (!from || !to) throw new BadRequest('explain needs from and to (endpoint ids)');
    res.json(explainPair(holder.current(), from, to, portParam(req), protocolParam(req)));
  });

  // `lateral whatif --format json` (or txt, csv, md with "format"), computed by the same builder.
  r.post('/what-if', (req, res) => {
    const body = whatIfBody(req.body);
    const { report, foothold } = whatIf(holder.current(), body);
    const format = body.format ?? 'json';
    // With a foothold ("from"), the CLI's JSON plus `foothold`: its blast radius and paths before and after.
    if (format === 'json') res.json(foothold ? { ...whatIfJson(report), foothold } : whatIfJson(report));
    else res.type(MEDIA_TYPE[format]).send(formatWhatIf(report, format));
  });

  for (const ext of extensions) ext(r, holder);
  r.use((_req, res) => void res.status(404).json({ error: 'no such API route' }));
  return r;
}
