/**
 * The random choices of a synthetic cluster, drawn from core's seeded PRNG (mulberry32), so
 * the same seed gives the same cluster, byte for byte.
 */
import { SeededRandom } from '@lateral/core/testing';

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class Rng extends SeededRandom {
  /** `n` distinct items (fewer if there are not that many), in their original order. */
  sample<T>(items: readonly T[], n: number): T[] {
    if (n >= items.length) return [...items];
    const chosen = new Set<number>();
    while (chosen.size < n) chosen.add(Math.floor(this.next() * items.length));
    return [...chosen].sort((a, b) => a - b).map((i) => items[i]!);
  }
  chars(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += NAME_ALPHABET[Math.floor(this.next() * NAME_ALPHABET.length)];
    return s;
  }
  /** 32 random bits as 8 hex digits. */
  private hex32(): string {
    const v = (this.next() * 4294967296) >>> 0;
    return HEX_BYTE[v >>> 24]! + HEX_BYTE[(v >>> 16) & 255]! + HEX_BYTE[(v >>> 8) & 255]! + HEX_BYTE[v & 255]!;
  }
  /** A version-4 UUID, as the API server assigns metadata.uid. */
  uid(): string {
    const a = this.hex32(), b = this.hex32(), c = this.hex32(), d = this.hex32();
    return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-${'89ab'[parseInt(c[0]!, 16) & 3]}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }
}
