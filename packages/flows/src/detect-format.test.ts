import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect-format.js';

const HUBBLE = '{"flow":{"time":"2025-03-14T10:15:05.603Z","verdict":"FORWARDED","IP":{"source":"10.244.1.17","destination":"10.244.2.31"}},"node_name":"worker-1"}';
const GADGET = '{"node":"worker-1","namespace":"shop","pod":"cart-7b9c6d5f4-x2k8p","type":"normal","pktType":"HOST","proto":"tcp","port":7070}';

describe('detectFormat', () => {
  it('tells each format from its first line', () => {
    expect(detectFormat([HUBBLE])).toBe('hubble');
    expect(detectFormat(['{"lost_events":{"num_events_lost":"3"},"node_name":"worker-2"}'])).toBe('hubble');
    expect(detectFormat([GADGET])).toBe('gadget');
    expect(detectFormat(['{"src":"shop/frontend","dst":"shop/cart","port":7070}'])).toBe('jsonl');
    expect(detectFormat(['src,dst,port,protocol,count', 'shop/frontend,shop/cart,7070,TCP,3'])).toBe('csv');
    expect(detectFormat(['"SOURCE","DESTINATION","PORT"'])).toBe('csv');
  });

  it('looks past blank and damaged first lines', () => {
    expect(detectFormat(['', '{"flow":{"time":"2025-03', HUBBLE])).toBe('hubble');
  });

  it('says nothing when no line tells, or when a CSV header is not the first line', () => {
    expect(detectFormat(['hello', 'world'])).toBeUndefined();
    expect(detectFormat(['{"kind":"Pod"}'])).toBeUndefined();
    expect(detectFormat(['shop/frontend,shop/cart,7070', 'src,dst,port'])).toBeUndefined();
  });
});
