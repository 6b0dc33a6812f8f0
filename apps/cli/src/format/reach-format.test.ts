/**
 * `reach --format json` is the README's contract: one endpoint or connection per line, each line
 * the connection's JSON. Connections of one class pair share their port objects, and their text
 * is made once per set: the lines must still be exactly each connection's own JSON.
 */
import { describe, expect, it } from 'vitest';
import type { Connection, WorkloadReachability } from '@lateral/core';
import { reachJson } from './reach-format.js';

const web = { TCP: [[80, 80], [8080, 8090]] as const, UDP: [] as const, SCTP: [] as const };
const all = { TCP: [[1, 65535]] as const, UDP: [[1, 65535]] as const, SCTP: [[1, 65535]] as const };
const dns = { TCP: [] as const, UDP: [[53, 53]] as const, SCTP: [] as const };

const connections: Connection[] = [
  { from: 'a/x', to: 'b/y', all: false, ports: web },
  { from: 'a/x', to: 'b/z', all: false, ports: web },
  { from: 'a/"quoted"\\name', to: 'b/y', all: true, ports: all },
  { from: 'a/x', to: '0.0.0.0/0 except 10.0.0.0/8', all: false, ports: dns, unknown: web },
  // Not a shape workloadReachability makes today: the whole object goes to JSON.stringify.
  { to: 'b/y', from: 'c/w', all: false, ports: web } as Connection,
  { from: 'c/w', to: 'b/y', all: false, ports: web, note: 'extra' } as Connection,
];
const result: WorkloadReachability = { endpoints: [{ id: 'a/x', kind: 'Deployment', namespace: 'a', name: 'x', pods: 2 }], connections, warnings: [] };

describe('reach JSON', () => {
  it('writes each connection on its own line as exactly its JSON', () => {
    const text = reachJson(result);
    const lines = text.split('\n').map((l) => l.trim().replace(/,$/, ''));
    for (const c of connections) expect(lines).toContain(JSON.stringify(c));
    expect(JSON.parse(text)).toEqual({ endpoints: result.endpoints, connections: JSON.parse(JSON.stringify(connections)), warnings: [] });
  });
});
