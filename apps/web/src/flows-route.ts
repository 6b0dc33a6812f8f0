/** Observed traffic for the map's "observed" edges. */
import type { Router } from 'express';
import type { SessionHolder } from './session.js';
import { observedEdges, type ObservedEdge } from './observed.js';
import type { Session } from './session.js';

const cache = new WeakMap<Session, ObservedEdge[]>();

export function flowRoutes(r: Router, holder: SessionHolder): void {
  r.get('/flows/edges', (_req, res) => {
    const s = holder.current();
    let v = cache.get(s);
    if (!v) cache.set(s, (v = observedEdges(s, s.flows.map((f) => f.flows))));
    res.json(v);
  });
}
