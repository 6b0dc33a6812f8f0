import { describe, expect, it } from 'vitest';
import { SelectorIndex, selectorKey } from './selector-index.js';

describe('selector index', () => {
  it('interns selectors written in a different order', () => {
    expect(selectorKey({ matchLabels: { a: '1', b: '2' } })).toBe(selectorKey({ matchLabels: { b: '2', a: '1' } }));
    const idx = new SelectorIndex();
    const a = idx.add({ matchExpressions: [{ key: 'x', operator: 'In', values: ['1', '2'] }] });
    expect(idx.add({ matchExpressions: [{ key: 'x', operator: 'In', values: ['2', '1'] }] })).toBe(a);
    expect(idx.add({ matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['2', '1'] }] })).not.toBe(a);
  });

  it('finds every selector a label set satisfies, whatever the operators', () => {
    const idx = new SelectorIndex();
    const app = idx.add({ matchLabels: { app: 'web' } });
    const appTier = idx.add({ matchLabels: { app: 'web', tier: 'front' } });
    const inSel = idx.add({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] });
    const exists = idx.add({ matchExpressions: [{ key: 'debug', operator: 'Exists' }] });
    const notIn = idx.add({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] });
    const absent = idx.add({ matchExpressions: [{ key: 'debug', operator: 'DoesNotExist' }] });
    const all = idx.add({});
    const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
    expect(sorted(idx.matching({ app: 'web', tier: 'front' }))).toEqual(sorted([app, appTier, inSel, notIn, absent, all]));
    expect(sorted(idx.matching({ app: 'web', env: 'prod', debug: '' }))).toEqual(sorted([app, exists, all]));
    expect(sorted(idx.matching({ tier: 'back' }))).toEqual(sorted([inSel, notIn, absent, all]));
  });

  it('restricts the answer to the selectors that matter, few or many', () => {
    const idx = new SelectorIndex();
    const ids = Array.from({ length: 20 }, (_, i) => idx.add({ matchLabels: { app: `a${i}` } }));
    const any = idx.add({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] });
    const labels = { app: 'a3' };
    expect(idx.matching(labels, new Set([ids[3]!, ids[4]!]))).toEqual([ids[3]]);
    expect(idx.matching(labels, new Set([ids[4]!]))).toEqual([]);
    const many = new Set([...ids.slice(2), any]);
    expect(idx.matching(labels, many).sort((x, y) => x - y)).toEqual([ids[3], any]);
    expect(idx.matching({ app: 'a1' }, many)).toEqual([any]);
  });
});
