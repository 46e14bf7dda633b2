/**
 * Binding for assembly/gemm.ts: C = alpha·op(A)·op(B) + beta·C, row-major f32
 * (reference: reference/gemm.ts).
 *
 *   op(A) is (M, K): A is (M, K), or (K, M) when transA
 *   op(B) is (K, N): B is (K, N), or (N, K) when transB
 *   C is (M, N)
 *
 * Leading dimensions default to the packed row lengths.
 */
import { MisalignError } from '../common/errors.js';
import type { F32Buffer } from './arena.js';
import { checkBuffer, type Kernels } from './module.js';

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
  for (const [name, v] of [['M', M], ['N', N], ['K', K]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new MisalignError('SHAPE_MISMATCH', `gemm ${name} must be a non-negative integer, got ${v}`);
  }
  const lda = args.lda ?? (transA ? M : K);
  const ldb = args.ldb ?? (transB ? K : N);
  const ldc = args.ldc ?? N;
  const [aRows, aCols] = transA ? [K, M] : [M, K];
  const [bRows, bCols] = transB ? [N, K] : [K, N];
  if (lda < aCols || ldb < bCols || ldc < N) throw new MisalignError('SHAPE_MISMATCH', `gemm leading dimensions (${lda}, ${ldb}, ${ldc}) are shorter than the rows`);
  if (aRows > 0) checkBuffer('gemm A', A, (aRows - 1) * lda + aCols);
  if (bRows > 0) checkBuffer('gemm B', B, (bRows - 1) * ldb + bCols);
  if (M > 0) checkBuffer('gemm C', C, (M - 1) * ldc + N);
  k.exports.gemm(transA ? 1 : 0, transB ? 1 : 0, M, N, K, alpha, A.ptr, lda, B.ptr, ldb, beta, C.ptr, ldc, k.gemmWork.ptr);
}
