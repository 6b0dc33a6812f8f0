import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from './url-state.js';

describe('view state in the URL', () => {
  it('round-trips view, namespace, edges, foothold and a what-if change (any text)', () => {
    const s = { view: 'whatif' as const, ns: 'shop', edges: 'observed', from: 'shop/frontend', change: { yaml: 'kind: NetworkPolicy\nmetadata: {name: "é ✓ +/="}\n', delete: ['networkpolicy/shop/allow-web', 'clusternetworkpolicy/tenants'] } };
    const hash = encodeState(s);
    expect(hash).toMatch(/^#whatif\?/);
    expect(new URLSearchParams(hash.slice(hash.indexOf('?') + 1)).get('change')).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeState(hash)).toEqual(s);
  });

  it('leaves defaults out and opens the map for anything it cannot read', () => {
    expect(encodeState({ view: 'map', edges: 'allowed' })).toBe('#map');
    expect(decodeState('#nonsense?change=%%%')).toEqual({ view: 'map' });
    expect(decodeState('')).toEqual({ view: 'map' });
  });
});
