/**
 * Policy generation in the browser: a flow capture (the one loaded at start, or one uploaded)
 * becomes least-privilege NetworkPolicies, verified against the model before anyone sees them:
 * every observed flow allowed, nothing unobserved opened.
 */
import type { Router } from 'express';
import { generateJob } from './heavy-jobs.js';
import { answerWith } from './heavy-pool.js';
import type { SessionHolder } from './session.js';

export function generateRoutes(r: Router, holder: SessionHolder): void {
  // Reading an uploaded capture and generating run in an analysis worker (heavy-jobs.ts).
  r.post('/generate', (req, res, next) => answerWith(holder.jobs, holder.current, generateJob(req.body), res, next));
}
