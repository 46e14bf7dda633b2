// The two builds of the core (assembly/fma.ts, src/kernels/module.ts): the relaxed-SIMD one with
// fused multiply-adds, chosen where the engine runs it, and the SIMD128 fallback. Every kernel
// suite runs on both (vitest.config.ts, project 'simd128'); here: the choice itself, and that
// the two agree with the f64 references and with each other to float rounding, not bit for bit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gemm } from '../src/kernels/gemm.js';
import { relaxedSimdAvailable } from '../src/kernels/features.js';
import { Kernels, loadedBuild } from '../src/kernels/module.js';
import * as ref from '../src/kernels/reference/gemm.js';
import { randn } from './helpers/random.js';
import { relError } from './helpers/tf.js';

let fused: Kernels;
let plain: Kernels;
beforeAll(async () => {
  plain = await Kernels.load({ fma: false });
  fused = await Kernels.load({ fma: true });
});
afterAll(() => {
  plain.close();
  fused.close();
});

/** op(A)·op(B) of one shape on one build. */
function product(k: Kernels, M: number, N: number, K: number, a: Float32Array, b: Float32Array): Float32Array {
  const mark = k.arena.mark();
  const C = k.arena.alloc(M * N);
  gemm(k, { M, N, K, A: k.arena.from(a), B: k.arena.from(b), C });
  const out = C.toArray();
  k.arena.release(mark);
  return out;
}

describe('the core builds', () => {
  it('Node 20 runs relaxed SIMD once its flag is set, and each build says which it is', async () => {
    expect(await relaxedSimdAvailable()).toBe(true);
    expect(plain.fma).toBe(false);
    expect(plain.exports.fusedMultiplyAdd()).toBe(0);
    expect(fused.fma).toBe(true);
    expect(fused.exports.fusedMultiplyAdd()).toBe(1);
    expect(loadedBuild()).toBe('relaxed-simd');
  });

  it('the two agree with the reference GEMM to float rounding, and differ in the last bits (the fused one rounds once)', () => {
    const [M, N, K] = [37, 29, 301];
    const a = randn(M * K, 1);
    const b = randn(K * N, 2);
    const want = ref.gemm(false, false, M, N, K, 1, a, b, 0, []);
    const p = product(plain, M, N, K, a, b);
    const f = product(fused, M, N, K, a, b);
    expect(relError(p, want)).toBeLessThan(1e-5);
    expect(relError(f, want)).toBeLessThan(1e-5);
    expect(relError(f, p)).toBeLessThan(1e-5);
    // x86 CPUs since 2013 (FMA3) and every ARM64 fuse relaxed_madd; the sums then differ somewhere.
    expect(f.some((v, i) => v !== p[i])).toBe(true);
  });

  it('a bad MISALIGN_FMA is a one-line error', async () => {
    const saved = process.env.MISALIGN_FMA;
    process.env.MISALIGN_FMA = 'yes';
    try {
      await expect(Kernels.load()).rejects.toThrow(/^MISALIGN_FMA must be 0, 1 or auto, got 'yes'$/);
    } finally {
      if (saved === undefined) delete process.env.MISALIGN_FMA;
      else process.env.MISALIGN_FMA = saved;
    }
  });
});
