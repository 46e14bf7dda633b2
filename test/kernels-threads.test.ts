import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gemm } from '../src/kernels/gemm.js';
import { LpSimclr } from '../src/kernels/lpsimclr.js';
import { Kernels, splitRange } from '../src/kernels/module.js';
import { relError } from './helpers/tf.js';
import { randn } from './helpers/random.js';

let one: Kernels;
let two: Kernels;
beforeAll(async () => {
  one = await Kernels.load();
  two = await Kernels.load({ threads: 2 });
});
afterAll(() => {
  two.close();
});

describe('helper threads', () => {
  it('start on the threads build with a shared memory', () => {
    expect(two.threads).toBe(2);
    expect(two.pool).not.toBeNull();
    expect(two.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(one.threads).toBe(1);
    expect(one.pool).toBeNull();
  });

  // Row splits (M >= N) and column splits (N > M), all transposes, odd sizes.
  it.each([
    [300, 130, 70, false, false],
    [301, 129, 71, true, false],
    [299, 131, 69, false, true],
    [90, 700, 33, true, true],
    [75, 1201, 17, false, false],
  ])('split gemm %ix%ix%i (transA %s, transB %s) equals the one-thread result bit for bit', (M, N, K, transA, transB) => {
    const a = randn(M * K, M);
    const b = randn(K * N, N);
    const c = randn(M * N, K);
    const results = [one, two].map((k) => {
      const mark = k.arena.mark();
      const C = k.arena.from(c);
      gemm(k, { M, N, K, A: k.arena.from(a), B: k.arena.from(b), C, transA, transB, alpha: 1.5, beta: -0.5 });
      const out = C.toArray();
      k.arena.release(mark);
      return out;
    });
    expect(results[1]).toEqual(results[0]);
  });

  it('split LpSimCLR rows give the one-thread loss and gradients', () => {
    const B = 517;
    const d = 6;
    const inputs = [0, 1, 2, 3].map((i) => randn(B * d, 50 + i));
    const results = [one, two].map((k) => {
      const mark = k.arena.mark();
      const loss = new LpSimclr(k, B, d, { tau: 0.9, alpha: 0.4 });
      const [hx, ht, hxNeg, htNeg] = inputs.map((v) => k.arena.from(v));
      const grads = { hx: k.arena.alloc(B * d), ht: k.arena.alloc(B * d), hxNeg: k.arena.alloc(B * d), htNeg: k.arena.alloc(B * d) };
      const losses = loss.symmetric(hx!, ht!, hxNeg!, htNeg!, grads);
      const out = { losses, grads: [grads.hx, grads.ht, grads.hxNeg, grads.htNeg].map((g) => g.toArray()) };
      k.arena.release(mark);
      return out;
    });
    expect(results[1]!.losses.loss).toBeCloseTo(results[0]!.losses.loss, 10);
    // ∂L/∂c is summed over rows in another grouping: f32 rounding differs slightly
    results[0]!.grads.forEach((g, i) => expect(relError(results[1]!.grads[i]!, g)).toBeLessThan(1e-5));
  });

  it('split in-batch LpSimCLR gives the one-thread result', () => {
    const B = 203;
    const d = 5;
    const inputs = [0, 1].map((i) => randn(B * d, 70 + i));
    const results = [one, two].map((k) => {
      const mark = k.arena.mark();
      const loss = new LpSimclr(k, B, d);
      const [hx, ht] = inputs.map((v) => k.arena.from(v));
      const grads = { hx: k.arena.alloc(B * d), ht: k.arena.alloc(B * d) };
      const losses = loss.symmetricInBatch(hx!, ht!, grads);
      const out = { losses, grads: [grads.hx.toArray(), grads.ht.toArray()] };
      k.arena.release(mark);
      return out;
    });
    expect(results[1]!.losses.loss).toBeCloseTo(results[0]!.losses.loss, 10);
    results[0]!.grads.forEach((g, i) => expect(relError(results[1]!.grads[i]!, g)).toBeLessThan(1e-5));
  });

  it('fall back to one thread where memory cannot be shared', async () => {
    const saved = globalThis.SharedArrayBuffer;
    // @ts-expect-error simulating a browser without cross-origin isolation
    delete globalThis.SharedArrayBuffer;
    try {
      const k = await Kernels.load({ threads: 4 });
      expect(k.threads).toBe(1);
      expect(k.pool).toBeNull();
    } finally {
      globalThis.SharedArrayBuffer = saved;
    }
  });

  it("accept 'auto' and reject nonsense", async () => {
    const auto = await Kernels.load({ threads: 'auto' });
    expect(auto.threads).toBeGreaterThanOrEqual(1);
    auto.close();
    await expect(Kernels.load({ threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
  });

  it('split ranges on aligned boundaries', () => {
    expect(splitRange(10, 2, 4)).toEqual([
      [0, 8],
      [8, 10],
    ]);
    expect(splitRange(3, 4, 4)).toEqual([[0, 3]]);
    expect(splitRange(750, 2, 4)).toEqual([
      [0, 376],
      [376, 750],
    ]);
  });
});
