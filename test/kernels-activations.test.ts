import { beforeAll, describe, expect, it } from 'vitest';
import { Kernels } from '../src/kernels/module.js';
import { biasAdd, columnSums, leakyReluBackward, leakyReluForward } from '../src/kernels/activations.js';
import * as ref from '../src/kernels/reference/activations.js';
import { randn } from './helpers/random.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});

describe('activation kernels vs their TypeScript references', () => {
  // Lengths that are and are not multiples of the 4 SIMD lanes.
  it.each([1, 3, 4, 7, 64, 1023])('leaky_relu forward and backward, n = %i', (n) => {
    const mark = k.arena.mark();
    for (const slope of [0.01, 0.2, 1.5]) {
      const x = randn(n, n);
      const dy = randn(n, n + 1);
      const xb = k.arena.from(x);
      const yb = k.arena.alloc(n);
      leakyReluForward(k, xb, yb, slope);
      expect(yb.toArray()).toEqual(ref.leakyReluForward(x, slope));
      const dyb = k.arena.from(dy);
      const dxb = k.arena.alloc(n);
      leakyReluBackward(k, xb, dyb, dxb, slope);
      expect(dxb.toArray()).toEqual(ref.leakyReluBackward(x, dy, slope));
      leakyReluForward(k, xb, xb, slope); // in place
      expect(xb.toArray()).toEqual(ref.leakyReluForward(x, slope));
    }
    k.arena.release(mark);
  });

  it.each([
    [1, 1],
    [5, 3],
    [6, 8],
    [33, 13],
    [257, 150],
  ])('bias add and column sums, (%i, %i)', (rows, cols) => {
    const mark = k.arena.mark();
    const y = randn(rows * cols, rows);
    const b = randn(cols, cols);
    const yb = k.arena.from(y);
    biasAdd(k, yb, k.arena.from(b), rows, cols);
    expect(yb.toArray()).toEqual(ref.biasAdd(y, b, rows, cols));

    const prev = randn(cols, 99);
    for (const beta of [0, 1, 0.5]) {
      const out = k.arena.from(prev);
      columnSums(k, k.arena.from(y), out, rows, cols, beta);
      const expected = ref.columnSums(y, rows, cols, prev, beta);
      const got = out.toArray();
      // f32 sums in a different order: compare with a tolerance relative to the row count
      for (let c = 0; c < cols; c++) expect(Math.abs(got[c]! - expected[c]!)).toBeLessThan(1e-5 * rows + 1e-6);
    }
    k.arena.release(mark);
  });
});

describe('arena', () => {
  it('hands out aligned, zeroed buffers, grows memory, and releases to a mark', () => {
    const start = k.arena.mark();
    const a = k.arena.alloc(3);
    const b = k.arena.alloc(5);
    expect(a.ptr % 16).toBe(0);
    expect(b.ptr % 16).toBe(0);
    expect(b.ptr).toBeGreaterThanOrEqual(a.ptr + 12);
    const pagesBefore = k.memory.buffer.byteLength;
    const big = k.arena.alloc(8_000_000); // 32 MB: forces growth
    expect(k.memory.buffer.byteLength).toBeGreaterThan(pagesBefore);
    expect(big.array.every((v) => v === 0)).toBe(true);
    a.set([1, 2, 3]);
    expect(Array.from(a.array)).toEqual([1, 2, 3]); // still readable after growth
    expect(() => a.set([1, 2, 3, 4])).toThrow(/cannot write 4 values/);
    k.arena.release(start);
    expect(k.arena.mark()).toBe(start);
    expect(() => k.arena.release(start + 1_000_000_000)).toThrow(/not inside/);
  });
});
