import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/common/rng.js';
import { gemm } from '../src/kernels/gemm.js';
import { Kernels } from '../src/kernels/module.js';
import * as ref from '../src/kernels/reference/gemm.js';
import { relError, tf } from './helpers/tf.js';
import { randn } from './helpers/random.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});

// Shapes around the blocking sizes (MR 4, NR 8, KC 256, MC 128) and odd sizes.
const shapes: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [4, 8, 4],
  [13, 17, 19],
  [130, 9, 300],
  [5, 130, 257],
  [129, 2055, 3],
  [257, 33, 513],
];

describe('gemm vs tfjs matMul (cpu backend)', () => {
  const rng = Rng.fromSeed(40);
  for (const [M, N, K] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`${transA ? 't' : 'n'}${transB ? 't' : 'n'} ${M}x${N}x${K}`, () => {
          const mark = k.arena.mark();
          const a = randn(M * K, rng);
          const b = randn(K * N, rng);
          const c = randn(M * N, rng);
          const C = k.arena.from(c);
          gemm(k, { M, N, K, A: k.arena.from(a), B: k.arena.from(b), C, transA, transB, alpha: 0.75, beta: 0.5 });
          const want = tf.tidy(() =>
            tf
              .matMul(tf.tensor2d(a, transA ? [K, M] : [M, K]), tf.tensor2d(b, transB ? [N, K] : [K, N]), transA, transB)
              .mul(0.75)
              .add(tf.tensor2d(c, [M, N]).mul(0.5))
              .dataSync(),
          );
          expect(relError(C.toArray(), want)).toBeLessThan(1e-4);
          // and against the f64 reference, tighter
          expect(relError(C.toArray(), ref.gemm(transA, transB, M, N, K, 0.75, a, b, 0.5, c))).toBeLessThan(1e-5);
          k.arena.release(mark);
        });
      }
    }
  }

  it('overwrites C when beta = 0, even NaN, and honours leading dimensions', () => {
    const mark = k.arena.mark();
    const M = 6,
      N = 10,
      K = 7;
    const a = randn(M * K, rng);
    const b = randn(K * N, rng);
    const C = k.arena.from(new Float32Array(M * N).fill(Number.NaN));
    gemm(k, { M, N, K, A: k.arena.from(a), B: k.arena.from(b), C });
    expect(relError(C.toArray(), ref.gemm(false, false, M, N, K, 1, a, b, 0, []))).toBeLessThan(1e-5);
    // a 3x4 block in the middle of a (6, 10) C, A and B read with strides
    const Cs = k.arena.from(new Float32Array(M * N));
    gemm(k, { M: 3, N: 4, K: 2, A: k.arena.from(a), lda: K, B: k.arena.from(b), ldb: N, C: Cs, ldc: N });
    const got = Cs.toArray();
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        const inBlock = i < 3 && j < 4;
        const want = inBlock ? a[i * K]! * b[j]! + a[i * K + 1]! * b[N + j]! : 0;
        expect(got[i * N + j]).toBeCloseTo(want, 5);
      }
    }
    k.arena.release(mark);
  });

  it('scales C by beta when K = 0, and rejects buffers too small for the shape', () => {
    const mark = k.arena.mark();
    const C = k.arena.from([1, 2, 3, 4]);
    gemm(k, { M: 2, N: 2, K: 0, A: k.arena.alloc(0), B: k.arena.alloc(0), C, beta: 3 });
    expect(Array.from(C.toArray())).toEqual([3, 6, 9, 12]);
    expect(() => gemm(k, { M: 4, N: 4, K: 4, A: k.arena.alloc(15), B: k.arena.alloc(16), C: k.arena.alloc(16) })).toThrow(/gemm A holds 15 floats, needs 16/);
    k.arena.release(mark);
  });
});
