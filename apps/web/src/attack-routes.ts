/**
 * Lateral movement over HTTP: blast radius, attack paths and the risk report, in the JSON
 * shapes of `lateral blast|paths|risk --format json`. The attack graph is built once per
 * session.
 */
import type { Router } from 'express';
import { pathsReport, resolveFoothold, resolveJewels, riskJson } from '@lateral/analysis';
import { blastRadius } from '@lateral/core';
import { attackGraphOf, type SessionHolder } from './session.js';
import { BadRequest } from './security.js';

/** A foothold field: a workload id, pod or workload namespace/name, node:<name>, or internet. */
function foothold(v: unknown): string {
  if (typeof v !== 'string' || v === '') throw new BadRequest('"from" must be a workload id, node:<name> or internet');
  return v;
}

function selectors(v: unknown, name: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new BadRequest(`"${name}" must be a list of selectors`);
  return (v as string[]).map((x) => x.trim()).filter(Boolean);
}

function body(req: { body?: unknown }): Record<string, unknown> {
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) throw new BadRequest('expected a JSON object');
  return req.body as Record<string, unknown>;
}

function intField(b: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new BadRequest(`"${name}" must be a whole number from ${min} to ${max}`);
  return v;
}

export function attackRoutes(r: Router, holder: SessionHolder): void {
  r.post('/blast', (req, res) => {
    const b = body(req);
    const ag = attackGraphOf(holder.current());
    const from = resolveFoothold(ag, foothold(b.from), 'from');
    const jewels = resolveJewels(ag, selectors(b.targets, 'targets'), 'target');
    const hops = intField(b, 'hops', 1, 1000);
    res.json(blastRadius(ag, from, { ...(hops !== undefined ? { maxHops: hops } : {}), crownJewels: jewels }));
  });

  r.post('/paths', (req, res) => {
    const b = body(req);
    const ag = attackGraphOf(holder.current());
    const from = resolveFoothold(ag, foothold(b.from), 'from');
    const to = selectors(b.to, 'to');
    if (to.length === 0) throw new BadRequest('"to" needs at least one selector (a workload id, label selector or glob)');
    res.json(pathsReport(ag, from, to, intField(b, 'k', 1, 50) ?? 5, { from: 'from', to: 'to' }));
  });

  r.post('/risk', (req, res) => {
    const b = body(req);
    const ag = attackGraphOf(holder.current());
    const jewels = resolveJewels(ag, selectors(b.targets, 'targets'), 'target');
    res.json(riskJson(ag, { crownJewels: jewels, top: intField(b, 'top', 1, 100_000) ?? 10, cutEntry: b.cutEntry === true }));
  });
}
