/**
 * Binding for assembly/gemm.ts: C = alpha·op(A)·op(B) + beta·C, row-major f32
 * (reference: reference/gemm.ts).
 *
 *   op(A) is (M, K): A is (M, K), or (K, M) when transA
 *   op(B) is (K, N): B is (K, N), or (N, K) when transB
 *   C is (M, N)
 *
 * Leading dimensions default to the packed row lengths. With helper threads,
 * large products are split into row blocks of C (or column blocks when C is
 * wide), one per thread; each element is computed exactly as on one thread.
 */
import { MisalignError } from '../common/errors.js';
import type { F32Buffer } from './arena.js';
import { checkBuffer, splitRange, type Kernels } from './module.js';
import type { Job } from './threads.js';

/** Below this many multiply-adds a product runs on one thread (dispatch would cost more than it saves). */
const PARALLEL_MIN_MACS = 1 << 20;

/** Whether a product of `macs` multiply-adds runs on the calling thread alone (no helpers, or too small to split). */
export function oneThread(k: Kernels, macs: number): boolean {
  return k.pool === null || macs < PARALLEL_MIN_MACS;
}

export interface GemmArgs {
  M: number;
  N: number;
  K: number;
  A: F32Buffer;
  B: F32Buffer;
  C: F32Buffer;
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  lda?: number;
  ldb?: number;
  ldc?: number;
}

export function gemm(k: Kernels, args: GemmArgs): void {
  const { M, N, K, A, B, C, transA = false, transB = false, alpha = 1, beta = 0 } = args;
  for (const [name, v] of [
    ['M', M],
    ['N', N],
    ['K', K],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new MisalignError('SHAPE_MISMATCH', `gemm ${name} must be a non-negative integer, got ${v}`);
  }
  const lda = args.lda ?? (transA ? M : K);
  const ldb = args.ldb ?? (transB ? K : N);
  const ldc = args.ldc ?? N;
  const [aRows, aCols] = transA ? [K, M] : [M, K];
  const [bRows, bCols] = transB ? [N, K] : [K, N];
  if (lda < aCols || ldb < bCols || ldc < N)
    throw new MisalignError('SHAPE_MISMATCH', `gemm leading dimensions (${lda}, ${ldb}, ${ldc}) are shorter than the rows`);
  if (aRows > 0) checkBuffer('gemm A', A, (aRows - 1) * lda + aCols);
  if (bRows > 0) checkBuffer('gemm B', B, (bRows - 1) * ldb + bCols);
  if (M > 0) checkBuffer('gemm C', C, (M - 1) * ldc + N);
  const tA = transA ? 1 : 0;
  const tB = transB ? 1 : 0;
  if (oneThread(k, M * N * K)) {
    k.exports.gemm(tA, tB, M, N, K, alpha, A.ptr, lda, B.ptr, ldb, beta, C.ptr, ldc, k.gemmWork[0]!.ptr);
    return;
  }
  const jobs: Job[] =
    M >= N
      ? splitRange(M, k.threads, 4).map(([m0, m1], t) => ({
          fn: 'gemm',
          args: [tA, tB, m1 - m0, N, K, alpha, A.ptr + 4 * (transA ? m0 : m0 * lda), lda, B.ptr, ldb, beta, C.ptr + 4 * m0 * ldc, ldc, k.gemmWork[t]!.ptr],
        }))
      : splitRange(N, k.threads, 8).map(([n0, n1], t) => ({
          fn: 'gemm',
          args: [tA, tB, M, n1 - n0, K, alpha, A.ptr, lda, B.ptr + 4 * (transB ? n0 * ldb : n0), ldb, beta, C.ptr + 4 * n0, ldc, k.gemmWork[t]!.ptr],
        }));
  k.run(jobs);
}
