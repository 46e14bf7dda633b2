// LpSimCLR (one direction, fresh negatives) as matrix products: the elementwise
// kernels of the "GEMM form" measured by bench/loss-forms.ts (issue 33). Not
// used by training; the fused streaming kernel is lpsimclr.ts.
//
// With squared distances ‖a_i − c_j‖² = ‖a_i‖² + ‖c_j‖² − 2 a_i·c_j, the caller
// computes S = (2/τ)·a·cᵀ by gemm; then, per row i (docs/losses.md):
//
//   v_ij = S_ij − ‖c_j‖²/τ            (u_ij = v_ij − ‖a_i‖²/τ; the row constant
//                                      cancels in the softmax)
//   e_ij = exp(v_ij − m_i), stored over S, and the row's loss and scalars;
//   γ_ij = cn_i·e_ij (cn_i carries the weight w).
//
// The gradient couplings are then two more products by gemm, over the stored e:
//   P = E·c   (Σ_j e_ij c_j),   Q = Eᵀ·aw  with aw_i = (−2 cn_i a_i, 2 cn_i),
// and lossGemmFinish adds ga_i += −2 cn_i P_i, gc_j += Q_j[0..d) + c_j·Q_j[d].

import { expNonPositive4, hmax, hsum, max4 } from "./vecmath";
import { f, setf } from "./memory";

/** ncs[j] = ‖c_j‖²/τ for j < M and +∞ for the padding M ≤ j < Mp (so those columns get e = 0). */
export function lossGemmColNorms(c: usize, M: i32, Mp: i32, d: i32, tau: f32, ncs: usize): void {
  const invTau: f32 = 1 / tau;
  for (let j = 0; j < Mp; j++) {
    let s: f32 = 0;
    if (j < M) {
      for (let k = 0; k < d; k++) {
        const v = f(c, j * d + k);
        s += v * v;
      }
    }
    setf(ncs, j, j < M ? s * invTau : Infinity);
  }
}

/**
 * The elementwise pass for rows [rowStart, rowEnd): S points at row rowStart's
 * (2/τ)·a_i·cᵀ, rows ldS floats apart, Mp (a multiple of 8, ≤ ldS) columns of
 * which M are negatives. Overwrites S with e_ij; accumulates the row-local
 * gradient terms into ga, gb; writes aw rows (stride d + 1) and
 * rowScale[i] = −2 cn_i. Returns Σ loss_i over the rows.
 */
export function lossGemmSoftmax(
  S: usize,
  ldS: i32,
  Mp: i32,
  ncs: usize,
  a: usize,
  b: usize,
  N: i32,
  M: i32,
  d: i32,
  tau: f32,
  alpha: f32,
  weight: f32,
  rowStart: i32,
  rowEnd: i32,
  ga: usize,
  gb: usize,
  aw: usize,
  rowScale: usize,
): f64 {
  const invTau: f32 = 1 / tau;
  const logCount = Math.log(<f64>(M + 1));
  const negScale: f64 = <f64>((-2 * (1 - alpha)) * invTau / <f32>N);
  let lossSum: f64 = 0;
  for (let i = rowStart; i < rowEnd; i++) {
    const row = S + <usize>(i - rowStart) * (<usize>ldS << 2);
    const ar = a + <usize>i * <usize>d * 4;
    const br = b + <usize>i * <usize>d * 4;
    let na: f32 = 0;
    let pos: f32 = 0;
    for (let k = 0; k < d; k++) {
      const x = f(ar, k);
      const diff = x - f(br, k);
      na += x * x;
      pos += diff * diff;
    }
    // Sweep 1: the row maximum of v = S − ncs.
    let mx0 = f32x4.splat(-Infinity);
    let mx1 = mx0;
    for (let j = 0; j < Mp; j += 8) {
      const o = <usize>j << 2;
      mx0 = max4(mx0, f32x4.sub(v128.load(row + o), v128.load(ncs + o)));
      mx1 = max4(mx1, f32x4.sub(v128.load(row + o, 16), v128.load(ncs + o, 16)));
    }
    const vPos: f32 = (na - pos) * invTau; // the positive's score in v units: u_pos + ‖a_i‖²/τ
    const m: f32 = max(hmax(max4(mx0, mx1)), vPos);
    // Sweep 2: e = exp(v − m), stored over S, and its sum.
    const vm = f32x4.splat(m);
    let s0 = f32x4.splat(0);
    let s1 = s0;
    for (let j = 0; j < Mp; j += 8) {
      const o = <usize>j << 2;
      const e0 = expNonPositive4(f32x4.sub(f32x4.sub(v128.load(row + o), v128.load(ncs + o)), vm));
      const e1 = expNonPositive4(f32x4.sub(f32x4.sub(v128.load(row + o, 16), v128.load(ncs + o, 16)), vm));
      v128.store(row + o, e0);
      v128.store(row + o, e1, 16);
      s0 = f32x4.add(s0, e0);
      s1 = f32x4.add(s1, e1);
    }
    const ePos: f64 = Math.exp(<f64>(vPos - m));
    const sum: f64 = <f64>hsum(f32x4.add(s0, s1)) + ePos;
    const lme: f64 = <f64>m - <f64>na * <f64>invTau + Math.log(sum) - logCount;
    lossSum += 2 * (<f64>alpha * <f64>pos * <f64>invTau + (1 - <f64>alpha) * lme);
    const cn: f32 = <f32>((negScale * <f64>weight) / sum);
    const gPos: f32 = <f32>((2 * <f64>alpha * <f64>invTau - 2 * (1 - <f64>alpha) * <f64>invTau * (ePos / sum)) / <f64>N) * weight;
    const gammaSum: f32 = <f32>(<f64>cn * (sum - ePos));
    const gar = ga + <usize>i * <usize>d * 4;
    const gbr = gb + <usize>i * <usize>d * 4;
    const awr = aw + <usize>i * <usize>(d + 1) * 4;
    for (let k = 0; k < d; k++) {
      const x = f(ar, k);
      const diff = x - f(br, k);
      setf(gar, k, f(gar, k) + 2 * x * gammaSum + 2 * gPos * diff);
      setf(gbr, k, f(gbr, k) - 2 * gPos * diff);
      setf(awr, k, -2 * cn * x);
    }
    setf(awr, d, 2 * cn);
    setf(rowScale, i, -2 * cn);
  }
  return lossSum;
}

/**
 * The coupling terms after the two products: ga_i[k] += rowScale[i]·P(i, k) for
 * i < N, gc_j[k] += Q(j, k) + c_jk·Q(j, d) for j < M. P(i, k) is at
 * P + 4·(i·pRow + k·pCol), Q(j, k) at Q + 4·(j·qRow + k·qCol), so either
 * product may have been computed transposed.
 */
export function lossGemmFinish(
  N: i32,
  M: i32,
  d: i32,
  rowScale: usize,
  P: usize,
  pRow: i32,
  pCol: i32,
  ga: usize,
  c: usize,
  Q: usize,
  qRow: i32,
  qCol: i32,
  gc: usize,
): void {
  for (let i = 0; i < N; i++) {
    const s = f(rowScale, i);
    for (let k = 0; k < d; k++) setf(ga, i * d + k, f(ga, i * d + k) + s * f(P, i * pRow + k * pCol));
  }
  for (let j = 0; j < M; j++) {
    const g = f(Q, j * qRow + d * qCol);
    for (let k = 0; k < d; k++) setf(gc, j * d + k, f(gc, j * d + k) + f(Q, j * qRow + k * qCol) + f(c, j * d + k) * g);
  }
}
