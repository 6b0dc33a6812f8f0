import { describe, expect, it } from 'vitest';
import { parseCsvHeader, parseCsvLine, splitCsvLine } from './csv.js';
import { BadFlowLine } from './flow-record.js';

describe('CSV flows', () => {
  it('finds columns by name, in any order and case, ignoring unknown ones', () => {
    const h = parseCsvHeader('\uFEFFSource,Destination,cluster,Port,Proto,Flows,Last_Seen');
    const r = parseCsvLine('shop/checkout,203.0.113.10,prod-eu,443,tcp,2288,1741996693', h)!;
    expect(r.src).toMatchObject({ ref: 'shop/checkout' });
    expect(r.dst).toMatchObject({ ip: '203.0.113.10' });
    expect(r).toMatchObject({ port: 443, protocol: 'TCP', count: 2288 });
    expect(new Date(r.lastTime!).toISOString()).toBe('2025-03-14T23:58:13.000Z');
  });

  it('defaults protocol to TCP and count to 1; reads ISO 8601 times', () => {
    const h = parseCsvHeader('src,dst,port,time');
    const r = parseCsvLine('shop/frontend,shop/cart,7070,2025-03-14T10:15:05.603Z', h)!;
    expect(r).toMatchObject({ protocol: 'TCP', count: 1, time: Date.parse('2025-03-14T10:15:05.603Z') });
  });

  it('reads quoted fields as RFC 4180 writes them', () => {
    expect(splitCsvLine('"shop/frontend","shop/cart",7070,"a ""b"", c"')).toEqual(['shop/frontend', 'shop/cart', '7070', 'a "b", c']);
    expect(() => splitCsvLine('"shop/frontend,shop/cart,7070')).toThrow(/unterminated/);
  });

  it('needs src, dst and port columns', () => {
    expect(() => parseCsvHeader('source_ip,destination_ip,count')).toThrow(/no src, dst, port column/);
  });

  it('rejects rows that name no endpoint, no port or an unknown protocol', () => {
    const h = parseCsvHeader('src,dst,port,protocol,count');
    expect(() => parseCsvLine('frontend,shop/cart,7070,TCP,1', h)).toThrow(/neither namespace\/name nor an IP/);
    expect(() => parseCsvLine('shop/frontend,shop/cart,,TCP,1', h)).toThrow(/not a port/);
    expect(() => parseCsvLine('shop/frontend,shop/cart,70700,TCP,1', h)).toThrow(BadFlowLine);
    expect(() => parseCsvLine('shop/frontend,shop/cart,7070,ICMP,1', h)).toThrow(/"ICMP" is not TCP/);
    expect(() => parseCsvLine('shop/frontend,shop/cart,7070,TCP,-3', h)).toThrow(/count/);
  });
});
