import { describe, expect, it } from 'vitest';
import { parseJsonlLine } from './jsonl.js';

describe('JSONL flows', () => {
  it('reads src, dst, port, protocol, count and time (epoch seconds)', () => {
    const r = parseJsonlLine('{"src":"shop/email","dst":"198.51.100.25","port":587,"protocol":"TCP","count":2275,"time":1741947317}')!;
    expect(r.src).toMatchObject({ ref: 'shop/email' });
    expect(r.dst).toMatchObject({ ip: '198.51.100.25' });
    expect(r).toMatchObject({ port: 587, protocol: 'TCP', count: 2275, time: 1741947317000 });
  });

  it('accepts the alternative names, UDP and a string port', () => {
    const r = parseJsonlLine('{"source":"shop/frontend-6c9f8d7b5d-4xk2p","destination":"kube-system/coredns","dst_port":"53","proto":"udp"}')!;
    expect(r).toMatchObject({ port: 53, protocol: 'UDP', count: 1 });
    expect(r.src.ref).toBe('shop/frontend-6c9f8d7b5d-4xk2p');
  });

  it('rejects a row without a destination or with a bad time', () => {
    expect(() => parseJsonlLine('{"src":"shop/frontend","port":80}')).toThrow(/dst is missing/);
    expect(() => parseJsonlLine('{"src":"shop/frontend","dst":"shop/cart","port":80,"time":"yesterday"}')).toThrow(/ISO 8601/);
  });
});
