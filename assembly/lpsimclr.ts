// Fused LpSimCLR loss with its gradients (docs/losses.md), one direction:
//
//   pos_i  = ||a_i − b_i||²                       a, b are (N, d)
//   neg_ij = ||a_i − c_j||²                       c is (M, d): the fresh negatives
//   u_ij   = −neg_ij / τ  (j = 1..M),  u_i,M+1 = −pos_i / τ
//   loss_i = 2·(α·pos_i/τ + (1 − α)·logmeanexp_j u_ij)      (mean over M + 1 terms)
//   L      = mean_i loss_i
//
// and, accumulated with a weight w (so the symmetrised form is two calls with
// w = 0.5), ga += w·∂L/∂a, gb += w·∂L/∂b, gc += w·∂L/∂c.
//
// With excludeSelf (in-batch negatives: c is a, M = N), the pair j = i is left
// out of row i's negatives.
//
// One call handles the rows [rowStart, rowEnd) and returns Σ loss_i over them
// (unweighted; L is the sum over all rows divided by N). Threads split the
// rows: their ga, gb rows are disjoint, and each accumulates its share of
// ∂L/∂c into its own gc buffer, which the caller adds up.
//
// Nothing of size N×M×d is ever formed, nor N×M: rows are processed four at a
// time against all M negatives, with the row's M scores in a buffer (4 × M).
//
//   pass 1  u_rj = (2·a_r·c_j − |a_r|² − |c_j|²)/τ, running row max
//   pass 2  e_rj = exp(u_rj − m_r), S_r = Σ_j e_rj + exp(u_r,pos − m_r)
//   pass 3  γ_rj = ∂L/∂neg_rj = −2(1 − α)/(τN) · e_rj / S_r and
//           ∂L/∂a_r = 2·a_r·Σ_j γ_rj − 2·Σ_j γ_rj c_j + 2·g_pos,r·(a_r − b_r)
//           ∂L/∂c_j = −2·Σ_r γ_rj a_r + 2·c_j·Σ_r γ_rj
//           ∂L/∂b_r = −2·g_pos,r·(a_r − b_r)
//
// Late in training most e_rj are exact zeros (exp flushes below e^EXP_ZERO,
// vecmath.ts): a block whose groups of 4 negatives are mostly zero takes
// pass3Sparse, which skips them, and after a block with nearly all zero the
// next block's pass 2 tests a group before its exp
// (docs/performance.md#the-loss-late-in-training).
//
// Negatives are kept transposed (ct is d × Mp, Mp = M rounded up to 8) so the
// loops run 4 or 8 negatives per f32x4 step; padding columns get |c|² = +inf,
// hence u = −inf, e = 0 and no gradient.
//
// Workspace (floats, 16-byte aligned), see lpsimclrWorkFloats:
//   ct (d, Mp) | gct (d, Mp) | nc (Mp) | colG (Mp) | rows (4, Mp) | accA (4·d f32x4) | rowScale (4)
//   | apack (d, 4): the block's rows interleaved, apack[k·4 + r] = a_r[k] | live (Mp/4 i32): pass3Sparse's list

import { madd } from "./fma";
import { EXP_ZERO, expNonPositive4, hmax, hsum, max4 } from "./vecmath";
import { f, setf } from "./memory";

const R = 4; // rows per block
const JT = 512; // negatives per pass-3 tile (keeps the tile's scores in L1)
// A block takes the sparse pass 3 when fewer than 1/SPARSE_DIV of its groups of
// 4 negatives hold a nonzero e_rj (docs/performance.md#the-loss-late-in-training).
const SPARSE_DIV = 3;
// Pass 2 tests each group before its exp only when fewer than 1/SKIP_DIV of the
// last block's groups were alive: nearer a third, the test's branch goes either way
// unpredictably and costs more than the exps it saves. Both forms of pass 2 store
// the same values (exp gives exact zeros where the test skips), so this choice,
// unlike pass 3's, changes no result.
const SKIP_DIV = 8;

@inline
function padded(M: i32): i32 {
  return (M + 7) & ~7;
}

/** Floats of workspace lpsimclrRows needs for M negatives of dimension d. */
export function lpsimclrWorkFloats(M: i32, d: i32): i32 {
  const Mp = padded(M);
  return 2 * d * Mp + 2 * Mp + R * Mp + R * d * 4 + R + R * d + (Mp >> 2);
}

export function lpsimclrRows(
  a: usize,
  b: usize,
  c: usize,
  N: i32,
  M: i32,
  d: i32,
  tau: f32,
  alpha: f32,
  weight: f32,
  rowStart: i32,
  rowEnd: i32,
  excludeSelf: i32,
  ga: usize,
  gb: usize,
  gc: usize,
  work: usize,
): f64 {
  const Mp = padded(M);
  const MpB = <usize>Mp << 2;
  const ct = work;
  const gct = ct + <usize>d * MpB;
  const nc = gct + <usize>d * MpB;
  const colG = nc + MpB;
  const rows = colG + MpB;
  const accA = rows + <usize>R * MpB;
  const rowScale = accA + (<usize>(R * d) << 4);
  const apack = rowScale + (<usize>R << 2);
  const live = apack + (<usize>(R * d) << 2);
  const invTau: f32 = 1 / tau;

  // Prepare the negatives: transpose, squared norms, zero the gradient accumulators.
  for (let j = 0; j < Mp; j++) {
    let norm: f32 = 0;
    for (let k = 0; k < d; k++) {
      const v: f32 = j < M ? f(c, j * d + k) : 0;
      setf(ct, k * Mp + j, v);
      setf(gct, k * Mp + j, 0);
      norm += v * v;
    }
    setf(nc, j, j < M ? norm : Infinity);
    setf(colG, j, 0);
  }

  // Per-row scalars of the current block.
  let lossSum: f64 = 0;
  // Whether the last block was nearly all far negatives; the next block's pass 2 then tests before exp.
  let skipDead = false;
  // In-batch negatives (c is a itself): row i's own score is excluded, leaving M − 1 negatives.
  const logCount = Math.log(<f64>(excludeSelf != 0 ? M : M + 1));
  const negScale: f32 = (-2 * (1 - alpha)) * invTau / <f32>N; // ∂L/∂neg before the softmax weight

  for (let i0 = rowStart; i0 < rowEnd; i0 += R) {
    const valid = min(R, rowEnd - i0);
    let liveGroups = 0; // groups of 4 negatives with some e_rj > 0, over the block's valid rows
    // Rows past the end reuse the last valid row and get zero weight.
    const a0 = a + <usize>(i0) * <usize>d * 4;
    const a1 = a + <usize>(i0 + min(1, valid - 1)) * <usize>d * 4;
    const a2 = a + <usize>(i0 + min(2, valid - 1)) * <usize>d * 4;
    const a3 = a + <usize>(i0 + min(3, valid - 1)) * <usize>d * 4;
    let na0: f32 = 0, na1: f32 = 0, na2: f32 = 0, na3: f32 = 0;
    for (let k = 0; k < d; k++) {
      const x0 = f(a0, k), x1 = f(a1, k), x2 = f(a2, k), x3 = f(a3, k);
      na0 += x0 * x0;
      na1 += x1 * x1;
      na2 += x2 * x2;
      na3 += x3 * x3;
      setf(apack, 4 * k, x0);
      setf(apack, 4 * k + 1, x1);
      setf(apack, 4 * k + 2, x2);
      setf(apack, 4 * k + 3, x3);
    }

    // Pass 1: scores for 4 rows × 8 negatives per step.
    const vTwo = f32x4.splat(2);
    const vInvTau = f32x4.splat(invTau);
    const vna0 = f32x4.splat(na0), vna1 = f32x4.splat(na1), vna2 = f32x4.splat(na2), vna3 = f32x4.splat(na3);
    let mx0 = f32x4.splat(-Infinity), mx1 = mx0, mx2 = mx0, mx3 = mx0;
    for (let j = 0; j < Mp; j += 8) {
      const jo = <usize>j << 2;
      let s00 = f32x4.splat(0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
      let cp = ct + jo;
      let ap = apack;
      for (let k = 0; k < d; k++) {
        const c0 = v128.load(cp);
        const c1 = v128.load(cp, 16);
        let s = v128.load32_splat(ap);
        s00 = madd(s, c0, s00);
        s01 = madd(s, c1, s01);
        s = v128.load32_splat(ap, 4);
        s10 = madd(s, c0, s10);
        s11 = madd(s, c1, s11);
        s = v128.load32_splat(ap, 8);
        s20 = madd(s, c0, s20);
        s21 = madd(s, c1, s21);
        s = v128.load32_splat(ap, 12);
        s30 = madd(s, c0, s30);
        s31 = madd(s, c1, s31);
        cp += MpB;
        ap += 16;
      }
      const n0 = v128.load(nc + jo);
      const n1 = v128.load(nc + jo, 16);
      // u = (2·dot − |a|² − |c|²)/τ
      let u = f32x4.mul(f32x4.sub(f32x4.sub(f32x4.mul(vTwo, s00), vna0), n0), vInvTau);
      v128.store(rows + jo, u);
      mx0 = max4(mx0, u);
      u = f32x4.mul(f32x4.sub(f32x4.sub(f32x4.mul(vTwo, s01), vna0), n1), vInvTau);
      v128.store(rows + jo, u, 16);
      mx0 = max4(mx0, u);
      u = f32x4.mul(f32x4.sub(f32x4.sub(f32x4.mul(vTwo, s10), vna1), n0), vInvTau);
      v128.store(rows + MpB + jo, u);
      mx1 = max4(mx1, u);
      u = f32x4.mul(f32x4.sub(f32x4.sub(f32x4.mul(vTwo, s11), vna1), n1), vInvTau);
      v128.store(rows + MpB + jo, u, 16);
      mx1 = max4(mx1, u);
      u = f32x4.mul(f32x4.sub(f32x4.sub(f32x4.mul(vTwo, s20), vna2), n0), vInvTau);
      v128.store(rows + 2 * MpB + jo, u);
      mx2 = max4(mx2, u);
      u = f32x4.mul(f32x4.sub(f32x4.sub(f32x4.mul(vTwo, s21), vna2), n1), vInvTau);
      v128.store(rows + 2 * MpB + jo, u, 16);
      mx2 = max4(mx2, u);
      u = f32x4.mul(f32x4.sub(f32x4.sub(f32x4.mul(vTwo, s30), vna3), n0), vInvTau);
      v128.store(rows + 3 * MpB + jo, u);
      mx3 = max4(mx3, u);
      u = f32x4.mul(f32x4.sub(f32x4.sub(f32x4.mul(vTwo, s31), vna3), n1), vInvTau);
      v128.store(rows + 3 * MpB + jo, u, 16);
      mx3 = max4(mx3, u);
    }

    if (excludeSelf != 0) {
      for (let r = 0; r < valid; r++) setf(rows + <usize>r * MpB, i0 + r, -Infinity);
    }

    // Pass 2, per row: positive term, stable exp-sum, loss, and the row's gradient scalars.
    for (let r = 0; r < R; r++) {
      const ar = r == 0 ? a0 : r == 1 ? a1 : r == 2 ? a2 : a3;
      const br = b + <usize>(i0 + min(r, valid - 1)) * <usize>d * 4;
      let pos: f32 = 0;
      for (let k = 0; k < d; k++) {
        const diff = f(ar, k) - f(br, k);
        pos += diff * diff;
      }
      const uPos: f32 = -pos * invTau;
      let mxv = r == 0 ? mx0 : r == 1 ? mx1 : r == 2 ? mx2 : mx3;
      const rowp = rows + <usize>r * MpB;
      if (excludeSelf != 0) {
        // pass 1's maximum saw the excluded self score (0); take it again without
        mxv = f32x4.splat(-Infinity);
        for (let j = 0; j < Mp; j += 4) mxv = max4(mxv, v128.load(rowp + (<usize>j << 2)));
      }
      const m: f32 = max(hmax(mxv), uPos);
      const countLive: i32 = r < valid ? 1 : 0;
      const vm = f32x4.splat(m);
      let sum = f32x4.splat(0);
      if (skipDead) {
        // Nearly every group is far below the row's maximum: test before paying for exp.
        const vCut = f32x4.splat(EXP_ZERO);
        const vZero = f32x4.splat(0);
        for (let j = 0; j < Mp; j += 4) {
          const p = rowp + (<usize>j << 2);
          const x = f32x4.sub(v128.load(p), vm);
          if (v128.any_true(f32x4.ge(x, vCut))) {
            const e = expNonPositive4(x);
            v128.store(p, e);
            sum = f32x4.add(sum, e);
            liveGroups += countLive;
          } else {
            v128.store(p, vZero);
          }
        }
      } else {
        for (let j = 0; j < Mp; j += 4) {
          const p = rowp + (<usize>j << 2);
          const e = expNonPositive4(f32x4.sub(v128.load(p), vm));
          v128.store(p, e);
          sum = f32x4.add(sum, e);
          liveGroups += countLive & <i32>v128.any_true(e);
        }
      }
      const ePos: f64 = Math.exp(<f64>(uPos - m));
      const S: f64 = <f64>hsum(sum) + ePos;
      const isValid = r < valid;
      if (isValid) {
        const lme: f64 = <f64>m + Math.log(S) - logCount;
        lossSum += 2 * (<f64>alpha * <f64>pos * <f64>invTau + (1 - <f64>alpha) * lme);
      }
      // γ_rj = cn·e_rj; gPos = ∂L/∂pos_r. Both already carry the weight w. Invalid rows get 0.
      const cn: f32 = isValid ? <f32>(<f64>(negScale * weight) / S) : 0;
      const gPos: f32 = isValid
        ? <f32>((2 * <f64>alpha * <f64>invTau - 2 * (1 - <f64>alpha) * <f64>invTau * (ePos / S)) / <f64>N) * weight
        : 0;
      const gammaSum: f32 = <f32>(<f64>cn * (S - ePos)); // Σ_j γ_rj over the negatives
      setf(rowScale, r, cn);
      // Row-local gradient terms that need no pass over the negatives.
      if (isValid) {
        const gar = ga + <usize>(i0 + r) * <usize>d * 4;
        const gbr = gb + <usize>(i0 + r) * <usize>d * 4;
        for (let k = 0; k < d; k++) {
          const diff = f(ar, k) - f(br, k);
          setf(gar, k, f(gar, k) + 2 * f(ar, k) * gammaSum + 2 * gPos * diff);
          setf(gbr, k, f(gbr, k) - 2 * gPos * diff);
        }
      }
    }

    // Pass 3: the terms coupling rows and negatives.
    for (let k = 0; k < R * d; k++) v128.store(accA + (<usize>k << 4), f32x4.splat(0));
    const groups = valid * (Mp >> 2); // the block's groups of 4 negatives over its valid rows
    skipDead = liveGroups * SKIP_DIV < groups;
    if (liveGroups * SPARSE_DIV < groups) {
      pass3Sparse(rows, MpB, Mp, valid, d, rowScale, apack, ct, gct, colG, accA, live);
    } else {
      pass3Dense(rows, MpB, Mp, d, rowScale, a0, a1, a2, a3, ct, gct, colG, accA);
    }
    // ∂L/∂a_rk −= 2·Σ_j γ_rj c_jk = 2·cn_r·Σ_j e_rj c_jk
    for (let r = 0; r < valid; r++) {
      const gar = ga + <usize>(i0 + r) * <usize>d * 4;
      const cn = f(rowScale, r);
      for (let k = 0; k < d; k++) {
        setf(gar, k, f(gar, k) - 2 * cn * hsum(v128.load(accA + (<usize>(r * d + k) << 4))));
      }
    }
  }

  // ∂L/∂c_jk = gct[k, j] + 2·c_jk·colG[j]
  for (let j = 0; j < M; j++) {
    const gcj = gc + <usize>j * <usize>d * 4;
    const g = f(colG, j);
    for (let k = 0; k < d; k++) {
      setf(gcj, k, f(gcj, k) + f(gct, k * Mp + j) + 2 * f(c, j * d + k) * g);
    }
  }
  return lossSum;
}

/**
 * Pass 3 for a block whose scores are mostly alive: all R rows against every
 * negative, tile by tile (rows holds e_rj, rowScale cn_r).
 *   colG[j] += Σ_r γ_rj;  gct[k, j] += Σ_r e_rj·(−2·cn_r·a_rk);  accA[r, k] += Σ_j e_rj·c_jk
 */
@inline
function pass3Dense(rows: usize, MpB: usize, Mp: i32, d: i32, rowScale: usize, a0: usize, a1: usize, a2: usize, a3: usize, ct: usize, gct: usize, colG: usize, accA: usize): void {
  const cn0 = v128.load32_splat(rowScale);
  const cn1 = v128.load32_splat(rowScale, 4);
  const cn2 = v128.load32_splat(rowScale, 8);
  const cn3 = v128.load32_splat(rowScale, 12);
  for (let jt = 0; jt < Mp; jt += JT) {
    const jEnd = min(Mp, jt + JT);
    // colG[j] += Σ_r γ_rj, γ_rj = cn_r·e_rj
    for (let j = jt; j < jEnd; j += 4) {
      const jo = <usize>j << 2;
      const g = f32x4.add(
        madd(v128.load(rows + MpB + jo), cn1, f32x4.mul(v128.load(rows + jo), cn0)),
        madd(v128.load(rows + 3 * MpB + jo), cn3, f32x4.mul(v128.load(rows + 2 * MpB + jo), cn2)),
      );
      v128.store(colG + jo, f32x4.add(v128.load(colG + jo), g));
    }
    for (let k = 0; k < d; k++) {
      const ko = <usize>k << 2;
      // gct[k, j] += Σ_r e_rj·(−2·cn_r·a_rk);  accA[r, k] += Σ_j e_rj·c_jk (times cn_r later)
      const m0 = f32x4.splat(-2 * f(rowScale, 0) * f(a0, k));
      const m1 = f32x4.splat(-2 * f(rowScale, 1) * f(a1, k));
      const m2 = f32x4.splat(-2 * f(rowScale, 2) * f(a2, k));
      const m3 = f32x4.splat(-2 * f(rowScale, 3) * f(a3, k));
      const accP = accA + (<usize>k << 4);
      const dStride = <usize>d << 4;
      let s0 = v128.load(accP);
      let s1 = v128.load(accP + dStride);
      let s2 = v128.load(accP + 2 * dStride);
      let s3 = v128.load(accP + 3 * dStride);
      const ctRow = ct + <usize>k * MpB;
      const gctRow = gct + <usize>k * MpB;
      for (let j = jt; j < jEnd; j += 4) {
        const jo = <usize>j << 2;
        const g0 = v128.load(rows + jo);
        const g1 = v128.load(rows + MpB + jo);
        const g2 = v128.load(rows + 2 * MpB + jo);
        const g3 = v128.load(rows + 3 * MpB + jo);
        const cv = v128.load(ctRow + jo);
        let acc = v128.load(gctRow + jo);
        acc = madd(g0, m0, acc);
        acc = madd(g1, m1, acc);
        acc = madd(g2, m2, acc);
        acc = madd(g3, m3, acc);
        v128.store(gctRow + jo, acc);
        s0 = madd(g0, cv, s0);
        s1 = madd(g1, cv, s1);
        s2 = madd(g2, cv, s2);
        s3 = madd(g3, cv, s3);
      }
      v128.store(accP, s0);
      v128.store(accP + dStride, s1);
      v128.store(accP + 2 * dStride, s2);
      v128.store(accP + 3 * dStride, s3);
    }
  }
}

/**
 * Pass 3 for a block whose scores are mostly exact zeros (late in training,
 * when most negatives are far: e_rj = 0 below e^EXP_ZERO): the same sums, row
 * by row, over only the groups of 4 negatives with some e_rj > 0. Only the
 * order of the additions differs from pass3Dense.
 *
 * Each row first lists its live groups (live: byte offsets, written without a
 * branch), then runs the sums over the list. Testing each group inside the sums
 * instead took a branch per group and dimension that went either way
 * unpredictably when a third of the groups were alive. Every element still gets
 * its terms in the same order (rows in turn; accA over the negatives in turn).
 */
function pass3Sparse(rows: usize, MpB: usize, Mp: i32, valid: i32, d: i32, rowScale: usize, apack: usize, ct: usize, gct: usize, colG: usize, accA: usize, live: usize): void {
  for (let r = 0; r < valid; r++) {
    const rowp = rows + <usize>r * MpB;
    let n = 0;
    for (let j = 0; j < Mp; j += 4) {
      const jo = <usize>j << 2;
      store<i32>(live + (<usize>n << 2), <i32>jo);
      n += <i32>v128.any_true(v128.load(rowp + jo));
    }
    const cn = f(rowScale, r);
    const vcn = f32x4.splat(cn);
    // colG[j] += γ_rj
    for (let q = 0; q < n; q++) {
      const jo = <usize>load<i32>(live + (<usize>q << 2));
      v128.store(colG + jo, madd(v128.load(rowp + jo), vcn, v128.load(colG + jo)));
    }
    const accR = accA + (<usize>(r * d) << 4);
    for (let k = 0; k < d; k++) {
      // gct[k, j] += e_rj·(−2·cn_r·a_rk);  accA[r, k] += Σ_j e_rj·c_jk
      const m = f32x4.splat(-2 * cn * f(apack, 4 * k + r));
      const ctRow = ct + <usize>k * MpB;
      const gctRow = gct + <usize>k * MpB;
      const accP = accR + (<usize>k << 4);
      let acc = v128.load(accP);
      for (let q = 0; q < n; q++) {
        const jo = <usize>load<i32>(live + (<usize>q << 2));
        const e = v128.load(rowp + jo);
        v128.store(gctRow + jo, madd(e, m, v128.load(gctRow + jo)));
        acc = madd(e, v128.load(ctRow + jo), acc);
      }
      v128.store(accP, acc);
    }
  }
}
