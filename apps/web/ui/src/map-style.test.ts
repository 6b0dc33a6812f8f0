import { describe, expect, it } from 'vitest';
import { mapStyle } from './map-style.js';
import { ROLE } from './palette.js';

const theme = { fg: '#111', muted: '#777', bg: '#fff', nsBg: '#eee' };
const rule = (dense: boolean, selector: string) => (mapStyle(theme, dense) as { selector: string; style: Record<string, unknown> }[]).filter((r) => r.selector === selector);

describe('the map’s style', () => {
  it('carries meaning by shape and line style as well as colour', () => {
    expect(rule(false, 'edge.wi-removed')[0]!.style).toMatchObject({ 'line-color': ROLE.removed, 'line-style': 'dotted' });
    expect(rule(false, 'edge.observed-denied')[0]!.style).toMatchObject({ 'line-style': 'dashed' });
    expect(rule(false, 'node.open-in')[0]!.style).toMatchObject({ 'border-color': theme.fg, 'border-style': 'solid' });
    expect(rule(false, 'node.open-out')[0]!.style).toMatchObject({ 'outline-color': theme.fg, 'outline-style': 'dashed' });
    expect(rule(false, 'node.crown')[0]!.style).toMatchObject({ shape: 'star' });
    expect(rule(false, 'node')[0]!.style).toMatchObject({ color: theme.fg, 'text-outline-color': theme.bg });
  });

  it('draws dense maps with straight, arrowless edges', () => {
    expect(rule(false, 'edge').map((r) => r.style['curve-style'])).toEqual(['bezier']);
    expect(rule(true, 'edge').map((r) => r.style['curve-style'])).toEqual(['bezier', 'haystack']);
    expect(rule(true, 'edge')[1]!.style['target-arrow-shape']).toBe('none');
  });
});
