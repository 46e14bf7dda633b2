import { describe, expect, it } from 'vitest';
import fixtures from './fixtures/reference-values.json' with { type: 'json' };
import { binomial, MAX_FACTORS, nonEmptySubsetCount, rankSubset, unrankSubset } from '../src/latent/subsets.js';
import { MisalignError } from '../src/common/errors.js';

describe('graded-lexicographic subset numbering', () => {
  it.each([
    ['subsetsNs4', 4],
    ['subsetsNs10', 10],
  ] as const)('matches the public code on %s in both directions', (key, n) => {
    const rows = fixtures[key];
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      expect(unrankSubset(row.codeTheta, n)).toEqual(row.subset1Based);
      expect(rankSubset(row.subset1Based, n)).toBe(row.codeTheta);
      expect(row.paperTheta).toBe(row.codeTheta + 1);
    }
  });

  it('numbers the prefix sets {1}, [2], ..., [10] as in docs/numbering.md', () => {
    const paper = [1, 11, 56, 176, 386, 638, 848, 968, 1013, 1023];
    paper.forEach((theta, k) => {
      const prefix = Array.from({ length: k + 1 }, (_, i) => i + 1);
      expect(rankSubset(prefix, 10) + 1).toBe(theta);
      expect(unrankSubset(theta - 1, 10)).toEqual(prefix);
    });
  });

  it('orders by size, then lexicographically, and round-trips every subset for n <= 12', () => {
    for (let n = 1; n <= 12; n++) {
      let previous: number[] = [];
      for (let r = 0; r < nonEmptySubsetCount(n); r++) {
        const s = unrankSubset(r, n);
        expect(rankSubset(s, n)).toBe(r);
        if (r > 0) {
          // graded order: size never decreases; within a size, strictly lexicographic
          expect(s.length).toBeGreaterThanOrEqual(previous.length);
          if (s.length === previous.length) {
            const firstDiff = s.findIndex((v, i) => v !== previous[i]);
            expect(s[firstDiff]!).toBeGreaterThan(previous[firstDiff]!);
          }
        }
        previous = s;
      }
    }
  });

  it('handles n = 30 without building the power set', () => {
    const n = MAX_FACTORS;
    const all = Array.from({ length: n }, (_, i) => i + 1);
    expect(rankSubset(all, n)).toBe(2 ** 30 - 2);
    expect(unrankSubset(2 ** 30 - 2, n)).toEqual(all);
    expect(unrankSubset(0, n)).toEqual([1]);
    expect(unrankSubset(n, n)).toEqual([1, 2]);
    // first subset of size 15 sits after all smaller ones
    let offset = 0;
    for (let k = 1; k < 15; k++) offset += binomial(n, k);
    expect(unrankSubset(offset, n)).toEqual(all.slice(0, 15));
    expect(unrankSubset(offset + binomial(n, 15) - 1, n)).toEqual(all.slice(15));
    // pseudo-random round trips over the whole range
    for (let i = 1; i < 2000; i++) {
      const r = Math.floor((((i * 2654435761) % 4294967296) / 4294967296) * (2 ** 30 - 1));
      expect(rankSubset(unrankSubset(r, n), n)).toBe(r);
    }
  });

  it('rejects ranks and subsets that do not exist', () => {
    expect(() => unrankSubset(1023, 10)).toThrow(MisalignError);
    expect(() => unrankSubset(-1, 10)).toThrow(/outside 0..1022/);
    expect(() => rankSubset([0, 1], 10)).toThrow(/outside 1..10/);
    expect(() => rankSubset([2, 1], 10)).toThrow(/strictly increasing/);
    expect(() => rankSubset([], 10)).toThrow(/empty set/);
    expect(() => rankSubset([1], 31)).toThrow(expect.objectContaining({ code: 'TOO_MANY_FACTORS' }));
  });
});
