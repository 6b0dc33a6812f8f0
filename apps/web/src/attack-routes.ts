/**
 * Lateral movement over HTTP: blast radius, attack paths and the risk report, in the JSON
 * shapes of `lateral blast|paths|risk --format json`. The attack graph is built once per
 * session.
 */
import type { Router } from 'express';
import {
  blastRadius,
  buildAttackGraph,
  crownJewels,
  describePath,
  InputError,
  INTERNET,
  kShortestAttackPaths,
  riskReport,
  type AttackGraph,
} from '@lateral/core';
import { networkPolicyYaml } from '@lateral/k8s';
import type { SessionHolder } from './api.js';
import { BadRequest } from './security.js';
import type { Session } from './session.js';

const graphs = new WeakMap<Session, AttackGraph>();

export function attackGraphOf(s: Session): AttackGraph {
  let ag = graphs.get(s);
  if (!ag) graphs.set(s, (ag = buildAttackGraph(s.compiled, {}, s.index)));
  return ag;
}

/** A foothold: a node of the attack graph (workload id, node:<name>, internet). */
export function resolveFoothold(ag: AttackGraph, from: unknown): string {
  if (typeof from !== 'string' || from === '') throw new BadRequest('"from" must be a workload id, node:<name> or internet');
  if (ag.graph.hasNode(from)) return from;
  if (from === INTERNET) throw new InputError('from internet: nothing in the input is exposed to the internet (no LoadBalancer/NodePort Service, Ingress, hostPort or hostNetwork admits outside addresses)');
  throw new InputError(`from "${from}" matches no workload, node or "internet"`);
}

function selectors(v: unknown, name: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new BadRequest(`"${name}" must be a list of selectors`);
  return (v as string[]).map((x) => x.trim()).filter(Boolean);
}

export function resolveJewels(ag: AttackGraph, sel: readonly string[], what = 'target', withAnnotated = true): string[] {
  const { jewels, unmatched } = crownJewels(ag, sel, withAnnotated);
  if (unmatched.length > 0) throw new InputError(`${what} "${unmatched[0]}" matches no workload`);
  return jewels;
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
    const from = resolveFoothold(ag, b.from);
    const jewels = resolveJewels(ag, selectors(b.targets, 'targets'));
    const hops = intField(b, 'hops', 1, 1000);
    res.json(blastRadius(ag, from, { ...(hops !== undefined ? { maxHops: hops } : {}), crownJewels: jewels }));
  });

  r.post('/paths', (req, res) => {
    const b = body(req);
    const ag = attackGraphOf(holder.current());
    const from = resolveFoothold(ag, b.from);
    const to = selectors(b.to, 'to');
    if (to.length === 0) throw new BadRequest('"to" needs at least one selector (a workload id, label selector or glob)');
    const chosen = new Set(resolveJewels(ag, to, 'to', false).filter((t) => t !== from));
    const k = intField(b, 'k', 1, 50) ?? 5;
    const paths = kShortestAttackPaths(ag, from, chosen, k).map((nodes) => describePath(ag, nodes));
    const metrics = blastRadius(ag, from, { crownJewels: [...chosen] }).metrics;
    res.json({ from, to: [...chosen], k, paths, metrics });
  });

  r.post('/risk', (req, res) => {
    const b = body(req);
    const ag = attackGraphOf(holder.current());
    const jewels = resolveJewels(ag, selectors(b.targets, 'targets'));
    const top = intField(b, 'top', 1, 100_000) ?? 10;
    const report = riskReport(ag, { crownJewels: jewels, top, cuttableEntry: b.cutEntry === true });
    const removals = report.chokePoints.removals.map((x) => ({ ...x, yaml: networkPolicyYaml(x.policies) }));
    res.json({ ...report, chokePoints: { ...report.chokePoints, removals } });
  });
}
