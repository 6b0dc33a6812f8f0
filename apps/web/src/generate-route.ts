/**
 * Policy generation in the browser: a flow capture (the one loaded at start, or one uploaded)
 * becomes least-privilege NetworkPolicies, verified against the model before anyone sees them:
 * every observed flow allowed, nothing unobserved opened.
 */
import { Readable } from 'node:stream';
import type { Router } from 'express';
import { readFlows, type FlowSet } from '@lateral/flows';
import { generateJob } from './heavy-jobs.js';
import { answerWith } from './heavy-pool.js';
import type { Session, SessionHolder } from './session.js';

export async function flowsFromText(s: Session, text: string): Promise<FlowSet> {
  // The flows reader takes `-` as a stream; the upload never touches the file system.
  return readFlows(['-'], s.cluster, { stdin: Readable.from([text]), compiled: s.compiled });
}

export function generateRoutes(r: Router, holder: SessionHolder): void {
  // Reading an uploaded capture and generating run in an analysis worker (heavy-jobs.ts).
  r.post('/generate', (req, res, next) => answerWith(holder.jobs, holder.current, generateJob(req.body), res, next));
}

export function mergeSets(sets: FlowSet[]): FlowSet {
  return {
    edges: sets.flatMap((x) => x.edges),
    records: sets.reduce((n, x) => n + x.records, 0),
    folded: sets.reduce((n, x) => n + x.folded, 0),
    badLines: sets.flatMap((x) => x.badLines),
    badLineCount: sets.reduce((n, x) => n + x.badLineCount, 0),
    unresolved: sets.flatMap((x) => x.unresolved),
    nodeLocal: sets.flatMap((x) => x.nodeLocal ?? []),
    // Verification reads the captures as recorded; without them in every set, it reads edges.
    ...(sets.every((x) => x.connections) ? { connections: sets.flatMap((x) => x.connections!) } : {}),
  };
}
