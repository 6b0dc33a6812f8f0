/**
 * The API's heavy answers — what-if, blast radius, attack paths, risk, generate — as jobs: the
 * route checks the request on the request thread (a bad one is a 400 at once) and hands a job,
 * plain data, to a worker thread (heavy-pool.ts), which runs it against its own copy of the
 * session and answers with the response text. The same functions run inline when a server has
 * no workers. Shapes are the CLI's JSON (`lateral whatif|blast|paths|risk --format json`); the
 * what-if adds a page of its rows and per-namespace-pair counts (documented in docs/web.md).
 */
import { footholdChange, formatWhatIf, pathsReport, resolveFoothold, resolveJewels, riskJson, WHAT_IF_FORMATS, whatIfJson, type FootholdChange, type WhatIfFormat, type WhatIfJson, type WhatIfReport } from '@lateral/analysis';
import { blastRadius, workloadReachability, type AttackGraph, type PairChange } from '@lateral/core';
import type { FlowSet } from '@lateral/flows';
import { generatePolicies, policiesYaml, verifyPolicies } from '@lateral/generator';
import { flowsFromText, mergeSets } from './flow-upload.js';
import { namespaceEdges } from './namespace-edges.js';
import { boolField, intField, objectBody, stringField, stringListField } from './request-body.js';
import { BadRequest } from './security.js';
import { attackGraphOf, type Session } from './session.js';
import { changedSide, reportOf, type ChangedSide, type WhatIfRequest } from './what-if.js';

/** Rows of a what-if answer per page unless the request says otherwise. */
export const WHAT_IF_PAGE = 500;
/** The most rows one page may ask for. */
export const WHAT_IF_MAX_PAGE = 10_000;

export type Job =
  | { readonly kind: 'what-if'; readonly req: WhatIfRequest; readonly offset: number; readonly limit: number; readonly lateral?: LateralPart }
  | { readonly kind: 'blast'; readonly from: string; readonly targets: readonly string[]; readonly hops?: number }
  | { readonly kind: 'paths'; readonly from: string; readonly to: readonly string[]; readonly k: number }
  | { readonly kind: 'risk'; readonly targets: readonly string[]; readonly top: number; readonly cutEntry: boolean; readonly from?: string }
  | { readonly kind: 'generate'; readonly flows?: string; readonly name: string; readonly defaultDeny: boolean }
  | { readonly kind: 'namespace-edges'; readonly namespace: string; readonly detail: readonly string[] }
  | { readonly kind: 'reach'; readonly namespace?: string; readonly from?: string; readonly to?: string };

/**
 * Which queue a job waits in (heavy-pool.ts). Quick: answered from the worker's warm compiled
 * cluster and attack graph, in milliseconds to a few hundred at S2. Long: a recompile, a
 * minimum cut or a generation, seconds at S2.
 */
export type Lane = 'quick' | 'long';

/**
 * Within the long lane, what a person waits for goes first: a what-if (the view is empty until
 * it answers), then a generation, then the choke points (a side column of the blast view, filled
 * in when it comes, and asked again on every new foothold). First in, first out within each.
 */
export function urgencyOf(job: Job): number {
  return job.kind === 'what-if' ? 0 : job.kind === 'generate' ? 1 : 2;
}

export function laneOf(job: Job): Lane {
  switch (job.kind) {
    case 'blast':
    case 'paths':
    case 'namespace-edges':
    case 'reach':
      return 'quick';
    case 'what-if':
    case 'risk':
    case 'generate':
      return 'long';
  }
}

/** What a job answers: the response's media type and body. */
export interface JobAnswer {
  readonly type: string;
  readonly text: string;
}

/**
 * A what-if's lateral-movement part (blast radii, routes to crown jewels, the foothold's view)
 * needs the changed side's attack graph, most of a what-if's time at 10,000 pods. `later`: the
 * answer leaves it out where that is possible (a policy-only change) and says so with
 * `"lateral": "later"`; `only`: the answer is that part alone, from the kept changed side. Absent:
 * the whole report, as the CLI prints it.
 */
export const LATERAL_PARTS = ['later', 'only'] as const;
export type LateralPart = (typeof LATERAL_PARTS)[number];

// ---- requests to jobs (on the request thread) -------------------------------------------

/** A foothold: a workload id, a pod or workload namespace/name, node:<name>, or internet. */
function foothold(v: string | undefined, name: string): string {
  if (v === undefined || v === '') throw new BadRequest(`"${name}" must be a workload id, node:<name> or internet`);
  return v;
}

function selectors(b: Record<string, unknown>, name: string): string[] {
  return stringListField(b, name, 'a list of selectors')
    .map((x) => x.trim())
    .filter(Boolean);
}

export function whatIfJob(body: unknown): Job {
  const b = objectBody(body, '{"yaml": "...", "disable": ["ns/name"], "delete": ["kind/ns/name"]}');
  const format = stringField(b, 'format', `one of ${WHAT_IF_FORMATS.join(', ')}`) ?? 'json';
  if (!(WHAT_IF_FORMATS as readonly string[]).includes(format)) throw new BadRequest(`"format" must be one of ${WHAT_IF_FORMATS.join(', ')}`);
  // The foothold: absent or null for none; an empty string, a number or a list is a 400 naming "from".
  const from = b.from === undefined || b.from === null ? undefined : foothold(stringField(b, 'from', 'a workload id, node:<name> or internet'), 'from');
  const lateral = stringField(b, 'lateral', `one of ${LATERAL_PARTS.join(', ')}`);
  if (lateral !== undefined && !(LATERAL_PARTS as readonly string[]).includes(lateral)) throw new BadRequest(`"lateral" must be one of ${LATERAL_PARTS.join(', ')}`);
  return {
    kind: 'what-if',
    req: { yaml: stringField(b, 'yaml') ?? '', disable: stringListField(b, 'disable'), delete: stringListField(b, 'delete'), format: format as WhatIfFormat, ...(from !== undefined ? { from } : {}) },
    offset: intField(b, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0,
    limit: intField(b, 'limit', 1, WHAT_IF_MAX_PAGE) ?? WHAT_IF_PAGE,
    ...(lateral !== undefined ? { lateral: lateral as LateralPart } : {}),
  };
}

export function blastJob(body: unknown): Job {
  const b = objectBody(body, '{"from": "namespace/workload"}');
  const hops = intField(b, 'hops', 1, 1000);
  return { kind: 'blast', from: foothold(stringField(b, 'from', 'a workload id, node:<name> or internet'), 'from'), targets: selectors(b, 'targets'), ...(hops !== undefined ? { hops } : {}) };
}

export function pathsJob(body: unknown): Job {
  const b = objectBody(body, '{"from": "namespace/workload", "to": ["selector"]}');
  const from = foothold(stringField(b, 'from', 'a workload id, node:<name> or internet'), 'from');
  const to = selectors(b, 'to');
  if (to.length === 0) throw new BadRequest('"to" needs at least one selector (a workload id, label selector or glob)');
  return { kind: 'paths', from, to, k: intField(b, 'k', 1, 50) ?? 5 };
}

export function riskJob(body: unknown): Job {
  const b = objectBody(body, '{"targets": ["selector"]}');
  const from = stringField(b, 'from', 'a workload id, node:<name> or internet');
  return { kind: 'risk', targets: selectors(b, 'targets'), top: intField(b, 'top', 1, 100_000) ?? 10, cutEntry: boolField(b, 'cutEntry') ?? false, ...(from ? { from } : {}) };
}

export function generateJob(body: unknown): Job {
  const b = objectBody(body ?? {}, '{"flows": "capture text"}');
  const flows = stringField(b, 'flows', 'the text of a flow capture');
  const name = stringField(b, 'name');
  return { kind: 'generate', ...(flows !== undefined && flows.trim() ? { flows } : {}), name: name ? name.slice(0, 200) : 'upload', defaultDeny: boolField(b, 'defaultDeny') ?? false };
}

// ---- jobs to answers (in a worker, or inline) -------------------------------------------

const MEDIA_TYPE: Record<WhatIfFormat, string> = { json: 'application/json', txt: 'text/plain', csv: 'text/csv', md: 'text/markdown' };

/** One namespace pair's share of a what-if's changed pairs (externals count as their own group). */
export interface NamespacePairCount {
  readonly from: string;
  readonly to: string;
  readonly allowed: number;
  readonly denied: number;
  readonly changed: number;
}

/** The what-if JSON over HTTP: the CLI's, with `changes` one page long, the page, and counts per namespace pair. */
export type WhatIfPageJson = WhatIfJson & {
  readonly page: { readonly offset: number; readonly limit: number; readonly total: number };
  readonly namespacePairs: readonly NamespacePairCount[];
  /** The request's foothold (`from`): its blast radius and shortest path to each crown jewel, before and after. */
  readonly foothold?: FootholdChange;
};

function groupOf(id: string, external: boolean): string {
  const slash = id.indexOf('/');
  return external || slash < 0 ? id : id.slice(0, slash);
}

export function namespacePairCounts(changes: readonly PairChange[]): NamespacePairCount[] {
  const m = new Map<string, { from: string; to: string; allowed: number; denied: number; changed: number }>();
  for (const c of changes) {
    const from = groupOf(c.from, c.fromExternal);
    const to = groupOf(c.to, c.toExternal);
    const k = `${from}\u0000${to}`;
    let e = m.get(k);
    if (!e) m.set(k, (e = { from, to, allowed: 0, denied: 0, changed: 0 }));
    e[c.change]++;
  }
  return [...m.values()].sort((x, y) => y.allowed + y.denied + y.changed - (x.allowed + x.denied + x.changed) || (x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : 1));
}

/**
 * Reports of recent changes per session, so the next page of a large answer is a slice, not a
 * recompute. Keyed by the change (YAML, policies off, deletes); a few kept, the oldest dropped.
 * Only the newest keeps its changed side (the recompiled cluster) and attack graph (memory): its
 * deferred lateral-movement part, or a foothold, reuses them; an older one recomputes. This is
 * the one what-if cache: the UI asks the server again, never keeps its own.
 */
const REPORTS_KEPT = 4;
interface Kept {
  readonly report: WhatIfReport;
  readonly lateralDone: boolean;
  side?: ChangedSide;
  afterGraph?: AttackGraph;
}
const recentReports = new WeakMap<Session, Map<string, Kept>>();

function reportFor(s: Session, req: WhatIfRequest, need: { lateral: boolean; afterGraph: boolean }): Kept {
  const key = JSON.stringify([req.yaml ?? '', req.disable ?? [], req.delete ?? []]);
  let recent = recentReports.get(s);
  if (!recent) recentReports.set(s, (recent = new Map()));
  const had = recent.get(key);
  recent.delete(key);
  if (had && (had.lateralDone || !need.lateral) && (had.afterGraph || !need.afterGraph)) {
    recent.set(key, had);
    return had;
  }
  const side = had?.side ?? changedSide(s, req);
  const r = reportOf(s, side, need.lateral || need.afterGraph);
  for (const k of recent.values()) {
    delete k.side;
    delete k.afterGraph;
  }
  const kept: Kept = { report: r.report, lateralDone: r.lateralDone, side, ...(r.afterGraph ? { afterGraph: r.afterGraph } : {}) };
  recent.set(key, kept);
  if (recent.size > REPORTS_KEPT) recent.delete(recent.keys().next().value!);
  return kept;
}

/**
 * The lateral-movement part of a what-if, asked apart (`"lateral": "only"`) after a first answer
 * that left it for later: blast radii and routes to crown jewels, and the foothold's view.
 */
export interface WhatIfLateralJson {
  readonly change: string;
  readonly summary: WhatIfJson['summary'];
  readonly blastRadius: WhatIfJson['blastRadius'];
  readonly paths: WhatIfJson['paths'];
  readonly crownJewels: WhatIfJson['crownJewels'];
  readonly failed: WhatIfJson['failed'];
  readonly foothold?: FootholdChange;
}

function whatIfAnswer(s: Session, job: Extract<Job, { kind: 'what-if' }>): JobAnswer {
  const format = job.req.format ?? 'json';
  const later = job.lateral === 'later' && format === 'json';
  const kept = reportFor(s, job.req, { lateral: !later, afterGraph: job.req.from !== undefined && !later });
  const { report, afterGraph } = kept;
  if (format !== 'json') return { type: MEDIA_TYPE[format], text: formatWhatIf(report, format) };
  const full = whatIfJson(report);
  // The foothold's view of the same change (@lateral/analysis's footholdChange), here in the worker.
  const foothold = job.req.from !== undefined && afterGraph ? footholdChange(attackGraphOf(s), afterGraph, job.req.from, report.lateral.crownJewels) : undefined;
  if (job.lateral === 'only') {
    const part: WhatIfLateralJson = { change: full.change, summary: full.summary, blastRadius: full.blastRadius, paths: full.paths, crownJewels: full.crownJewels, failed: full.failed, ...(foothold ? { foothold } : {}) };
    return json(part);
  }
  const page: WhatIfPageJson = {
    ...full,
    changes: full.changes.slice(job.offset, job.offset + job.limit),
    page: { offset: job.offset, limit: job.limit, total: full.changes.length },
    namespacePairs: namespacePairCounts(full.changes),
    ...(foothold ? { foothold } : {}),
  };
  if (!kept.lateralDone) {
    // Left for later: no lists (and no counts) that would read as "nothing changed".
    const { blastRadius: _b, paths: _p, ...rest } = page;
    const { blastRadiusChanged: _c, pathsOpened: _o, pathsShortened: _s, pathsClosed: _x, ...counts } = page.summary;
    return json({ ...rest, summary: counts, lateral: 'later' });
  }
  return { type: 'application/json', text: JSON.stringify(page) };
}

function json(v: unknown): JobAnswer {
  return { type: 'application/json', text: JSON.stringify(v) };
}

async function generateAnswer(s: Session, job: Extract<Job, { kind: 'generate' }>): Promise<JobAnswer> {
  let sets: FlowSet[];
  let source: string;
  if (job.flows !== undefined) {
    sets = [await flowsFromText(s, job.flows)];
    source = job.name;
  } else {
    if (s.flows.length === 0) throw new BadRequest('no flow capture loaded: upload one (Hubble JSON, Inspektor Gadget, CSV or JSONL)');
    sets = s.flows.map((f) => f.flows);
    source = s.flows.map((f) => f.name).join(', ');
  }
  const set = sets.length === 1 ? sets[0]! : mergeSets(sets);
  if (set.edges.length === 0) {
    const bad = set.badLines[0];
    throw new BadRequest(bad ? `${source}:${bad.line}: ${bad.message}` : `${source}: no flows in the capture`);
  }
  const generated = generatePolicies(s.cluster, set, { defaultDeny: job.defaultDeny, evalOptions: s.options });
  const verification = verifyPolicies(s.cluster, generated.policies.map((p) => p.policy), set, { compiled: s.compiled, aggregates: generated.aggregates, dns: generated.dns ?? false, evalOptions: s.options });
  return json({
    source,
    flows: { records: set.records, edges: set.edges.length, badLines: set.badLineCount, unresolved: set.unresolved },
    policies: generated.policies.map((p) => ({ name: `${p.policy.namespace}/${p.policy.name}`, subject: p.subject })),
    warnings: generated.warnings,
    verification,
    yaml: policiesYaml(generated.policies),
  });
}

/** Runs a job against a session. Bad input throws BadRequest or InputError (a 400). */
export async function runJob(s: Session, job: Job): Promise<JobAnswer> {
  switch (job.kind) {
    case 'what-if':
      return whatIfAnswer(s, job);
    case 'blast': {
      const ag = attackGraphOf(s);
      const from = resolveFoothold(ag, job.from, 'from');
      const jewels = resolveJewels(ag, job.targets, 'target');
      return json(blastRadius(ag, from, { ...(job.hops !== undefined ? { maxHops: job.hops } : {}), crownJewels: jewels }));
    }
    case 'paths': {
      const ag = attackGraphOf(s);
      return json(pathsReport(ag, resolveFoothold(ag, job.from, 'from'), job.to, job.k, { from: 'from', to: 'to' }));
    }
    case 'risk': {
      const ag = attackGraphOf(s);
      const jewels = resolveJewels(ag, job.targets, 'target');
      const from = job.from !== undefined ? resolveFoothold(ag, job.from, 'from') : undefined;
      return json(riskJson(ag, { crownJewels: jewels, top: job.top, cutEntry: job.cutEntry, ...(from !== undefined ? { from } : {}) }));
    }
    case 'generate':
      return generateAnswer(s, job);
    case 'namespace-edges':
      return json(namespaceEdges(s, job.namespace, new Set(job.detail)));
    case 'reach': {
      const w = workloadReachability(s.compiled, { namespace: job.namespace, from: job.from, to: job.to }, s.index);
      // The CLI's JSON contract: endpoints and connections (warnings go to /summary, as the CLI puts them on stderr).
      return json({ endpoints: w.endpoints, connections: w.connections });
    }
  }
}
