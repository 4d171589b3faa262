import { describe, expect, it } from 'vitest';
import { packFirstFitDecreasing, packingStats } from './packing.ts';

describe('packFirstFitDecreasing', () => {
  it('places each item, longest first, in the first pack with room', () => {
    const items = [
      { id: 'a', length: 20_000 },
      { id: 'b', length: 16_000 },
      { id: 'c', length: 12_000 },
      { id: 'd', length: 10_000 },
      { id: 'e', length: 4_000 },
      { id: 'f', length: 16_000 },
    ];
    const packs = packFirstFitDecreasing(items, 32_768);
    expect(packs.map((p) => p.ids)).toEqual([
      ['a', 'c'],
      ['b', 'f'],
      ['d', 'e'],
    ]);
    expect(packingStats(packs, 32_768)).toEqual({ packs: 3, packingFactor: 2, efficiency: 78_000 / (3 * 32_768) });
  });

  it('matches a naive first-fit on random lengths and never overfills', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const items = Array.from({ length: 2000 }, (_, i) => ({ id: `s${i}`, length: 1 + Math.floor(rand() * 16_384) }));
    const packs = packFirstFitDecreasing(items, 32_768);
    const sorted = [...items].sort((a, b) => b.length - a.length || (a.id < b.id ? -1 : 1));
    const naive: number[] = [];
    for (const it of sorted) {
      const i = naive.findIndex((used) => used + it.length <= 32_768);
      if (i === -1) naive.push(it.length);
      else naive[i] = (naive[i] ?? 0) + it.length;
    }
    expect(packs.map((p) => p.tokens)).toEqual(naive);
    expect(packs.every((p) => p.tokens <= 32_768)).toBe(true);
    expect(packs.reduce((n, p) => n + p.ids.length, 0)).toBe(2000);
  });

  it('rejects an item longer than a pack', () => {
    expect(() => packFirstFitDecreasing([{ id: 'x', length: 40_000 }], 32_768)).toThrow(/item x has length 40000/);
  });
});
