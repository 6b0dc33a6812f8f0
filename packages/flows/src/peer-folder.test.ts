import { describe, expect, it } from 'vitest';
import { EdgeFolder } from './edge-folder.js';
import type { FlowRecord } from './flow-record.js';
import { ConnectionResolver } from './connection-resolver.js';
import { parseCsvHeader, parseCsvLine } from './csv.js';
import { PeerFolder } from './peer-folder.js';
import { testCluster } from './test-cluster.js';

// Two frontend pods (the first named is the edge's representative), a template-only cart by
// owner name, duplicates, an outside address, an unresolvable end, times out of order.
const header = parseCsvHeader('src,dst,port,protocol,count,time');
const ROWS = [
  'shop/frontend-6c9f8d7b5d-9tqzm,shop/cart,7070,TCP,2,1741910500',
  'shop/frontend-6c9f8d7b5d-4xk2p,shop/cart,7070,TCP,1,1741910400',
  'shop/frontend-6c9f8d7b5d-4xk2p,shop/cart,7070,TCP,5,1741910900',
  'shop/ghost-1,shop/cart,7070,TCP,7,1741910401',
  'shop/frontend-6c9f8d7b5d-9tqzm,203.0.113.10,443,TCP,1,1741910450',
  'shop/frontend-6c9f8d7b5d-9tqzm,shop/cart,7070,TCP,3,1741910300',
  'shop/ghost-1,shop/cart,7070,TCP,1,1741910402',
  'shop/frontend-6c9f8d7b5d-4xk2p,shop/cart,9090,UDP,1,',
];

describe('PeerFolder + EdgeFolder.addRecords', () => {
  it('folds records per pair of flow ends into the FlowSet that adding them one by one gives', () => {
    const cluster = testCluster();
    const records = ROWS.map((r) => parseCsvLine(r, header) as FlowRecord);
    const one = new EdgeFolder(new ConnectionResolver(cluster));
    for (const r of records) one.add(r);

    const peers = new PeerFolder();
    records.forEach((r, i) => peers.add(r, 0, i + 1));
    expect(peers.aggregates.length).toBeLessThan(records.length);
    const folded = new EdgeFolder(new ConnectionResolver(cluster));
    for (const a of peers.aggregates) folded.addRecords(a.src, a.dst, a.port, a.protocol, a.records, a.count, a.dropped, a.first, a.last);

    const expected = one.result([], 0);
    expect(folded.result([], 0)).toEqual(expected);
    expect(expected).toMatchObject({ records: 8, folded: 3 });
    expect(expected.unresolved).toEqual([{ reason: 'shop/ghost-1 matches no pod or workload in the cluster', count: 8 }]);
    const cart = expected.edges.find((e) => e.dst.kind === 'pod' && e.port === 7070)!;
    expect(cart).toMatchObject({ count: 11, firstSeen: '2025-03-13T23:58:20.000Z', lastSeen: '2025-03-14T00:08:20.000Z' });
  });

  it('gives each folder its own peer ids when two folders see the same FlowPeer objects', () => {
    const records = ROWS.map((r) => parseCsvLine(r, header) as FlowRecord);
    // The same peer objects in both folders; the first one meets some of them, in another order.
    const shared = records.map((r, i) => ({ ...r, src: records[(i + 3) % records.length]!.dst, dst: records[(i + 5) % records.length]!.src }));
    const first = new PeerFolder();
    shared.slice(4).reverse().forEach((r, i) => first.add(r, 0, i + 1));
    const second = new PeerFolder();
    shared.forEach((r, i) => second.add(r, 0, i + 1));
    // Against a folder given copies: new objects, so no id of another folder can leak in.
    const fresh = new PeerFolder();
    structuredClone(shared).forEach((r, i) => fresh.add(r, 0, i + 1));
    expect(second.aggregates).toEqual(fresh.aggregates);
    expect(fresh.aggregates.length).toBeGreaterThan(1);
  });
});
