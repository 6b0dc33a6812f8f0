import { describe, expect, it } from 'vitest';
import { csvField, matrixCsv } from './export.js';

describe('matrix CSV', () => {
  it('names sources down the first column and destinations across the first row', () => {
    const csv = matrixCsv(['shop/frontend', 'shop/cart'], ['shop/cart', 'data/postgres'], (i, j) => (i === 0 && j === 0 ? 'TCP 7070' : i === 1 && j === 1 ? 'TCP 5432; UDP 53' : undefined));
    expect(csv.split('\r\n')).toEqual(['source \\ destination,shop/cart,data/postgres', 'shop/frontend,TCP 7070,', 'shop/cart,,TCP 5432; UDP 53', '']);
  });

  it('quotes fields with commas, quotes or line breaks', () => {
    expect(csvField('TCP 80,443')).toBe('"TCP 80,443"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('plain')).toBe('plain');
  });
});
