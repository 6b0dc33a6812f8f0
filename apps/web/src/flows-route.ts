/** Observed traffic for the map's "observed" edges. */
import type { Router } from 'express';
import type { SessionHolder } from './session.js';
import { observedEdges, type ObservedEdge } from './observed.js';
import type { Session } from './session.js';

const cache = new WeakMap<Session, ObservedEdge[]>();

/** The session's observed edges, worked out once. */
export function cachedObservedEdges(s: Session): ObservedEdge[] {
  let v = cache.get(s);
  if (!v) cache.set(s, (v = observedEdges(s, s.flows.map((f) => f.flows))));
  return v;
}

export function flowRoutes(r: Router, holder: SessionHolder): void {
  r.get('/flows/edges', (_req, res) => void res.json(cachedObservedEdges(holder.current())));
}
