// f32 GEMM: C = alpha * op(A) * op(B) + beta * C, row-major, op ∈ {identity, transpose}.
//
//   op(A) is (M, K): A is stored (M, K) with row stride lda, or (K, M) if transA.
//   op(B) is (K, N): B is stored (K, N) with row stride ldb, or (N, K) if transB.
//   C is (M, N) with row stride ldc. Strides count elements, pointers are bytes.
//
// The structure is the classic blocked one (Goto / BLIS). Blocks of op(B)
// (KC × NC) and op(A) (MC × KC) are packed into contiguous panels, so the one
// register-blocked micro-kernel below sees the same memory layout whatever
// the transposes; packing is where the four forms differ. Panels are padded
// with zeros to whole MR rows / NR columns, and edge tiles of C are written
// through a small scratch tile (in the workspace), so any M, N, K is correct.
//
//   packed A panel: MR rows × kc, stored k-major: panel[k * MR + r]
//   packed B panel: kc × NR columns, stored k-major: panel[k * NR + c]
//   micro-kernel: a 4 × 8 tile of C in 8 f32x4 registers; per k, two loads
//   of B, four broadcast loads of A, eight multiply-adds (fused in the relaxed build, fma.ts).
//
// beta is applied once, on the first K block; later K blocks accumulate.

import { madd } from "./fma";

const MR = 4;
const NR = 8;
const KC = 256;
const MC = 128;
const NC = 2048;

/**
 * Floats of workspace gemm needs: one packed A block, one packed B block and
 * a scratch tile for partial (edge) tiles of C. Everything per call lives
 * here, none in static memory, so threads sharing one memory can run gemm at
 * once, each with its own workspace.
 */
export function gemmWorkspaceFloats(): i32 {
  return MC * KC + KC * NC + MR * NR;
}

// 4×4 transpose of rows r0..r3 into columns, written as 4 vectors at dst, dst+step, ...
@inline
function transpose4x4Store(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, step: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + step, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * step, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * step, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

// Packs op(A)[i0 .. i0+mc, k0 .. k0+kc] into MR-row panels at dst.
function packA(transA: bool, A: usize, lda: i32, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  const ldaB = <usize>lda << 2;
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = min(MR, mc - ip);
    const panel = dst + ((<usize>ip * <usize>kc) << 2);
    if (!transA) {
      // op(A)[i, k] = A[i * lda + k]: a panel's rows are lda apart.
      const src = A + <usize>(i0 + ip) * ldaB + (<usize>k0 << 2);
      if (rows == MR) {
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const o = <usize>k << 2;
          transpose4x4Store(
            v128.load(src + o),
            v128.load(src + ldaB + o),
            v128.load(src + 2 * ldaB + o),
            v128.load(src + 3 * ldaB + o),
            panel + (<usize>k << 4),
            16,
          );
        }
        for (; k < kc; k++) {
          const o = <usize>k << 2;
          const p = panel + (<usize>k << 4);
          store<f32>(p, load<f32>(src + o));
          store<f32>(p, load<f32>(src + ldaB + o), 4);
          store<f32>(p, load<f32>(src + 2 * ldaB + o), 8);
          store<f32>(p, load<f32>(src + 3 * ldaB + o), 12);
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let r = 0; r < MR; r++) {
            const v: f32 = r < rows ? load<f32>(src + <usize>r * ldaB + (<usize>k << 2)) : 0;
            store<f32>(panel + ((<usize>(k * MR + r)) << 2), v);
          }
        }
      }
    } else {
      // op(A)[i, k] = A[k * lda + i]: a panel's MR rows are contiguous in A's row k.
      const src = A + <usize>k0 * ldaB + (<usize>(i0 + ip) << 2);
      if (rows == MR) {
        for (let k = 0; k < kc; k++) v128.store(panel + (<usize>k << 4), v128.load(src + <usize>k * ldaB));
      } else {
        for (let k = 0; k < kc; k++) {
          for (let r = 0; r < MR; r++) {
            const v: f32 = r < rows ? load<f32>(src + <usize>k * ldaB + (<usize>r << 2)) : 0;
            store<f32>(panel + ((<usize>(k * MR + r)) << 2), v);
          }
        }
      }
    }
  }
}

// Packs op(B)[k0 .. k0+kc, j0 .. j0+nc] into NR-column panels at dst.
function packB(transB: bool, B: usize, ldb: i32, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  const ldbB = <usize>ldb << 2;
  for (let jp = 0; jp < nc; jp += NR) {
    const cols = min(NR, nc - jp);
    const panel = dst + ((<usize>jp * <usize>kc) << 2);
    if (!transB) {
      // op(B)[k, j] = B[k * ldb + j]: a panel's columns are contiguous in B's row k.
      const src = B + <usize>k0 * ldbB + (<usize>(j0 + jp) << 2);
      if (cols == NR) {
        for (let k = 0; k < kc; k++) {
          const s = src + <usize>k * ldbB;
          const p = panel + (<usize>k << 5);
          v128.store(p, v128.load(s));
          v128.store(p, v128.load(s, 16), 16);
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let c = 0; c < NR; c++) {
            const v: f32 = c < cols ? load<f32>(src + <usize>k * ldbB + (<usize>c << 2)) : 0;
            store<f32>(panel + ((<usize>(k * NR + c)) << 2), v);
          }
        }
      }
    } else {
      // op(B)[k, j] = B[j * ldb + k]: each column of a panel is a row of B.
      const src = B + <usize>(j0 + jp) * ldbB + (<usize>k0 << 2);
      if (cols == NR) {
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const o = <usize>k << 2;
          const p = panel + (<usize>k << 5);
          for (let g = 0; g < 2; g++) {
            const s = src + <usize>(4 * g) * ldbB + o;
            transpose4x4Store(
              v128.load(s),
              v128.load(s + ldbB),
              v128.load(s + 2 * ldbB),
              v128.load(s + 3 * ldbB),
              p + (<usize>g << 4),
              32,
            );
          }
        }
        for (; k < kc; k++) {
          for (let c = 0; c < NR; c++) {
            store<f32>(panel + ((<usize>(k * NR + c)) << 2), load<f32>(src + <usize>c * ldbB + (<usize>k << 2)));
          }
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let c = 0; c < NR; c++) {
            const v: f32 = c < cols ? load<f32>(src + <usize>c * ldbB + (<usize>k << 2)) : 0;
            store<f32>(panel + ((<usize>(k * NR + c)) << 2), v);
          }
        }
      }
    }
  }
}

// C tile row p (8 floats) = beta * C + alpha * (x0, x1); beta == 0 ignores old C (even NaN).
@inline
function storeRow(p: usize, x0: v128, x1: v128, va: v128, beta: f32): void {
  if (beta == 0) {
    v128.store(p, f32x4.mul(x0, va));
    v128.store(p, f32x4.mul(x1, va), 16);
  } else if (beta == 1) {
    v128.store(p, f32x4.add(v128.load(p), f32x4.mul(x0, va)));
    v128.store(p, f32x4.add(v128.load(p, 16), f32x4.mul(x1, va)), 16);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(p, f32x4.add(f32x4.mul(v128.load(p), vb), f32x4.mul(x0, va)));
    v128.store(p, f32x4.add(f32x4.mul(v128.load(p, 16), vb), f32x4.mul(x1, va)), 16);
  }
}

// The 4 × 8 micro-kernel: C[0..mr, 0..nr] = beta * C + alpha * Apanel · Bpanel over kc.
function micro(kc: i32, pa: usize, pb: usize, c: usize, ldcB: usize, alpha: f32, beta: f32, mr: i32, nr: i32, edge: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += 16;
    pb += 32;
  }
  const va = f32x4.splat(alpha);
  if (mr == MR && nr == NR) {
    storeRow(c, c00, c01, va, beta);
    storeRow(c + ldcB, c10, c11, va, beta);
    storeRow(c + 2 * ldcB, c20, c21, va, beta);
    storeRow(c + 3 * ldcB, c30, c31, va, beta);
    return;
  }
  v128.store(edge, c00);
  v128.store(edge, c01, 16);
  v128.store(edge, c10, 32);
  v128.store(edge, c11, 48);
  v128.store(edge, c20, 64);
  v128.store(edge, c21, 80);
  v128.store(edge, c30, 96);
  v128.store(edge, c31, 112);
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nr; j++) {
      const p = c + <usize>r * ldcB + (<usize>j << 2);
      const v = alpha * load<f32>(edge + ((<usize>(r * NR + j)) << 2));
      store<f32>(p, beta == 0 ? v : beta * load<f32>(p) + v);
    }
  }
}

// C = beta * C for an (M, N) matrix with row stride ldc (beta == 0 writes zeros).
function scaleMatrix(C: usize, M: i32, N: i32, ldc: i32, beta: f32): void {
  for (let i = 0; i < M; i++) {
    const row = C + ((<usize>i * <usize>ldc) << 2);
    for (let j = 0; j < N; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, beta == 0 ? 0 : beta * load<f32>(p));
    }
  }
}

/**
 * C = alpha * op(A) · op(B) + beta * C. `work` points to gemmWorkspaceFloats()
 * floats of scratch (16-byte aligned).
 */
export function gemm(
  transA: i32,
  transB: i32,
  M: i32,
  N: i32,
  K: i32,
  alpha: f32,
  A: usize,
  lda: i32,
  B: usize,
  ldb: i32,
  beta: f32,
  C: usize,
  ldc: i32,
  work: usize,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0) {
    scaleMatrix(C, M, N, ldc, beta);
    return;
  }
  const packedA = work;
  const packedB = work + (<usize>(MC * KC) << 2);
  const edge = packedB + (<usize>(KC * NC) << 2);
  const ldcB = <usize>ldc << 2;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const b = pc == 0 ? beta : <f32>1;
      packB(transB != 0, B, ldb, pc, kc, jc, nc, packedB);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packA(transA != 0, A, lda, ic, mc, pc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = packedB + ((<usize>jr * <usize>kc) << 2);
          const nr = min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            micro(
              kc,
              packedA + ((<usize>ir * <usize>kc) << 2),
              pb,
              C + <usize>(ic + ir) * ldcB + (<usize>(jc + jr) << 2),
              ldcB,
              alpha,
              b,
              min(MR, mc - ir),
              nr,
              edge,
            );
          }
        }
      }
    }
  }
}
