import { describe, expect, it } from 'vitest';
import type { FlowPeer, ParsedLine } from './flow-record.js';
import { parseHubbleLine } from './hubble.js';
import { EndpointTexts } from './hubble-endpoints.js';

const FRONTEND =
  '{"ID":1123,"identity":40312,"namespace":"shop","labels":["k8s:app=frontend","k8s:io.kubernetes.pod.namespace=shop","k8s:tier=frontend"],"pod_name":"frontend-6c9f8d7b5d-4xk2p","workloads":[{"name":"frontend","kind":"Deployment"}]}';
const CART =
  '{"ID":2210,"identity":21877,"namespace":"shop","labels":["k8s:app=cart","k8s:io.kubernetes.pod.namespace=shop","k8s:tier=backend"],"pod_name":"cart-7b9c6d5f4-x2k8p","workloads":[{"name":"cart","kind":"Deployment"}]}';
const WORLD = '{"identity":2,"labels":["reserved:world"]}';

/** A `hubble observe -o json` line with these endpoint texts and fields. */
function line(src: string, dst: string, o: { ip?: [string, string]; port?: number; reply?: boolean; time?: string; tail?: string } = {}): string {
  const [sip, dip] = o.ip ?? ['10.244.1.17', '10.244.2.31'];
  const time = o.time ?? '2025-03-14T10:15:05.603118410Z';
  return (
    `{"flow":{"time":"${time}","verdict":"FORWARDED","IP":{"source":"${sip}","destination":"${dip}","ipVersion":"IPv4"},` +
    `"l4":{"TCP":{"source_port":48212,"destination_port":${o.port ?? 7070}}},"source":${src},"destination":${dst},"Type":"L3_L4"${o.tail ?? ''},` +
    `"is_reply":${o.reply ?? false}},"node_name":"worker-1","time":"${time}"}`
  );
}

/** Each line read the ordinary way (JSON.parse of the whole line) and through the memo, in order. */
function both(lines: readonly string[]): { plain: unknown[]; memo: unknown[]; texts: EndpointTexts<FlowPeer> } {
  const read = (texts?: EndpointTexts<FlowPeer>) => {
    const peers = new Map<string, FlowPeer>();
    return lines.map((l) => {
      let r: ParsedLine;
      try {
        r = parseHubbleLine(l, peers, texts);
      } catch (e) {
        return { error: (e as Error).message };
      }
      return r;
    });
  };
  const texts = new EndpointTexts<FlowPeer>();
  return { plain: read(), memo: read(texts), texts };
}

describe('EndpointTexts: each endpoint object read once, the line as JSON.parse reads it', () => {
  it('gives the records of the whole-line parse for repeated endpoints, replies and other addresses', () => {
    const lines = [
      line(FRONTEND, CART),
      line(FRONTEND, CART, { time: '2025-03-14T10:15:06.1Z' }),
      line(CART, FRONTEND, { reply: true, port: 48212 }),
      line(FRONTEND, WORLD, { ip: ['10.244.1.17', '198.51.100.80'], port: 443 }),
      line(FRONTEND, WORLD, { ip: ['10.244.1.17', '198.51.100.81'], port: 443 }),
      line(FRONTEND, CART, { ip: ['10.244.1.99', '10.244.2.31'] }),
    ];
    const { plain, memo, texts } = both(lines);
    expect(memo).toEqual(plain);
    // The world peer is its address: two addresses, two peers, from one endpoint text.
    expect((memo[3] as { dst: FlowPeer }).dst.ip).toBe('198.51.100.80');
    expect((memo[4] as { dst: FlowPeer }).dst.ip).toBe('198.51.100.81');
    expect(texts.cut(lines[1]!, (o) => o['flow'] as Record<string, unknown>)).toBeDefined();
  });

  it('reads a later duplicate "source" key as JSON.parse does (the last one wins)', () => {
    const lines = [line(FRONTEND, CART), line(FRONTEND, CART, { tail: `,"source":${CART}` }), line(FRONTEND, CART, { tail: ',"source":"\\u0001"' })];
    const { plain, memo } = both(lines);
    expect(memo).toEqual(plain);
    expect((memo[1] as { src: FlowPeer }).src.pod).toBe('cart-7b9c6d5f4-x2k8p');
  });

  it('keeps the errors of the whole line: broken JSON after the endpoints, a broken endpoint, markers in the text', () => {
    const lines = [
      line(FRONTEND, CART),
      line(FRONTEND, CART).replace('"Type":"L3_L4"', '"Type":L3_L4'),
      line(FRONTEND, CART).replace('"ID":2210,', '"ID":2210,,'),
      line(FRONTEND.replace('frontend-6c9f8d7b5d-4xk2p', 'frontend-\\u0001'), CART),
      line(FRONTEND, CART).replace('"destination_port":7070', '"destination_port":0'),
      line(FRONTEND, CART).slice(0, -1),
    ];
    const { plain, memo } = both(lines);
    expect(memo).toEqual(plain);
    expect(memo.slice(1, 3)).toEqual([{ error: expect.stringMatching(/^not JSON/) }, { error: expect.stringMatching(/^not JSON/) }]);
  });

  it('reads an endpoint whose label holds `},"` and one whose object ends in a nested object', () => {
    const odd = FRONTEND.replace('k8s:tier=frontend', 'k8s:tier=a},\\"b');
    const nested = CART.replace(',"workloads"', ',"extra":{"a":{"b":1}},"workloads"').replace('}]}', '}],"x":{"y":2}}');
    const lines = [line(odd, CART), line(odd, CART), line(CART, nested), line(CART, nested)];
    const { plain, memo } = both(lines);
    expect(memo).toEqual(plain);
  });

  it('reads the legacy form (the flow at the top level) and other field orders', () => {
    const legacy = line(FRONTEND, CART).replace('{"flow":', '').replace(/,"node_name":"worker-1","time":"[^"]*"}$/, '');
    const reordered = `{"flow":{"destination":${CART},"source":${FRONTEND},"IP":{"source":"10.244.1.17","destination":"10.244.2.31"},"l4":{"UDP":{"source_port":1,"destination_port":53}}}}`;
    const { plain, memo } = both([legacy, legacy, reordered, reordered]);
    expect(memo).toEqual(plain);
  });
});
