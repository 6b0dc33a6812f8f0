/**
 * Lateral movement over HTTP: blast radius, attack paths and the risk report, in the JSON
 * shapes of `lateral blast|paths|risk --format json`, computed in an analysis worker
 * (heavy-jobs.ts), whose attack graph is built once per session. `/api/risk` takes the
 * foothold (`from`) the choke points start from.
 */
import type { Router } from 'express';
import { blastJob, pathsJob, riskJob } from './heavy-jobs.js';
import { answerWith } from './heavy-pool.js';
import type { SessionHolder } from './session.js';

export function attackRoutes(r: Router, holder: SessionHolder): void {
  r.post('/blast', (req, res, next) => answerWith(holder.jobs, holder.current, blastJob(req.body), res, next));
  r.post('/paths', (req, res, next) => answerWith(holder.jobs, holder.current, pathsJob(req.body), res, next));
  r.post('/risk', (req, res, next) => answerWith(holder.jobs, holder.current, riskJob(req.body), res, next));
}
