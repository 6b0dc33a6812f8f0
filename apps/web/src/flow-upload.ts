/**
 * Flow captures for generation: an uploaded one read from its text (never from a path), and
 * several loaded ones taken as one.
 */
import { Readable } from 'node:stream';
import { readFlows, type FlowSet } from '@lateral/flows';
import type { Session } from './session.js';

export async function flowsFromText(s: Session, text: string): Promise<FlowSet> {
  // The flows reader takes `-` as a stream; the upload never touches the file system.
  return readFlows(['-'], s.cluster, { stdin: Readable.from([text]), compiled: s.compiled });
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
