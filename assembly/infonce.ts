// InfoNCE with cosine similarity and in-batch negatives (docs/losses.md), with
// gradients, in the two forms the product offers:
//
//   x, y are (B, d): image and text embeddings; z = x/|x|, w = y/|y| (rows).
//
//   CLIP form (the paper's Eq. 1): S = z wᵀ / τ, (B, B)
//     L = ½·mean_i [lse_j S_ij − S_ii] + ½·mean_j [lse_i S_ij − S_jj]
//     ∂L/∂S = ½/B·(softmax_rows(S) − I) + ½/B·(softmax_cols(S) − I)
//
//   NT-Xent form (the public code): u = [z; w], (2B, d), G = u uᵀ / τ, (2B, 2B),
//     diagonal excluded; row i's target is its partner (i ± B).
//     L = mean_i [lse_{j≠i} G_ij − G_i,partner(i)]
//     ∂L/∂G = (softmax_{j≠i}(G) − onehot(partner))/(2B)
//     (the public code symmetrises over the two modalities, which gives the
//     same value: the 2B rows are the same in either order)
//
// Gradients flow back through the similarity matrix with GEMMs and through
// the normalisation with ∂x = (∂z − z·(z·∂z))/|x|. The B×B (or 2B×2B)
// similarity matrix is materialised in the workspace; nothing of size B×B×d is.
//
// Workspace layout (floats), see infonceWorkFloats:
//   u (2B, d) normalised rows | norms (2B) | sim (n, n) | du (2B, d) | gemm work
//   with n = B (CLIP) or 2B (NT-Xent).

import { gemm, gemmWorkspaceFloats } from "./gemm";
import { f, setf } from "./memory";

const NORM_EPS: f32 = 1e-8;

export function infonceWorkFloats(B: i32, d: i32, ntxent: i32): i32 {
  const n = ntxent != 0 ? 2 * B : B;
  // sim is padded to a multiple of 4 floats so the next block stays 16-byte aligned
  return 2 * B * d + 2 * B + ((n * n + 3) & ~3) + 2 * B * d + gemmWorkspaceFloats() + 8;
}

// Rows of src (rows, d) normalised into dst, norms kept.
function normaliseRows(src: usize, dst: usize, norms: usize, rows: i32, d: i32): void {
  for (let i = 0; i < rows; i++) {
    let s: f32 = 0;
    for (let k = 0; k < d; k++) s += f(src, i * d + k) * f(src, i * d + k);
    const n = max(<f32>Mathf.sqrt(s), NORM_EPS);
    setf(norms, i, n);
    const inv: f32 = 1 / n;
    for (let k = 0; k < d; k++) setf(dst, i * d + k, f(src, i * d + k) * inv);
  }
}

// g (rows, d) += weight·(du − z·(z·du))/|x| : back through the normalisation.
function normaliseBackward(z: usize, du: usize, norms: usize, rows: i32, d: i32, weight: f32, g: usize): void {
  for (let i = 0; i < rows; i++) {
    let dot: f32 = 0;
    for (let k = 0; k < d; k++) dot += f(z, i * d + k) * f(du, i * d + k);
    const inv: f32 = weight / f(norms, i);
    for (let k = 0; k < d; k++) {
      const p = i * d + k;
      setf(g, p, f(g, p) + (f(du, p) - f(z, p) * dot) * inv);
    }
  }
}

// In place: row r of sim (n, n) becomes softmax over the row (excluding the
// diagonal when maskDiagonal); returns Σ_r lse_r.
function softmaxRows(sim: usize, n: i32, maskDiagonal: bool): f64 {
  let lseSum: f64 = 0;
  for (let r = 0; r < n; r++) {
    const row = sim + ((<usize>r * <usize>n) << 2);
    let m: f32 = -Infinity;
    for (let j = 0; j < n; j++) if (!(maskDiagonal && j == r)) m = max(m, f(row, j));
    let s: f64 = 0;
    for (let j = 0; j < n; j++) {
      const e: f32 = maskDiagonal && j == r ? 0 : Mathf.exp(f(row, j) - m);
      setf(row, j, e);
      s += e;
    }
    lseSum += <f64>m + Math.log(s);
    const inv = <f32>(1 / s);
    for (let j = 0; j < n; j++) setf(row, j, f(row, j) * inv);
  }
  return lseSum;
}

/**
 * Loss and gradients: gx += weight·∂L/∂x, gy += weight·∂L/∂y (accumulated).
 * ntxent = 0 selects the CLIP form, 1 the NT-Xent form. Returns L.
 */
export function infonce(
  x: usize,
  y: usize,
  B: i32,
  d: i32,
  tau: f32,
  ntxent: i32,
  weight: f32,
  gx: usize,
  gy: usize,
  work: usize,
): f64 {
  const rowBytes = <usize>d << 2;
  const u = work; // (2B, d): z rows then w rows
  const norms = u + <usize>(2 * B) * rowBytes;
  const sim = norms + (<usize>(2 * B) << 2);
  const n = ntxent != 0 ? 2 * B : B;
  const simFloats = (n * n + 3) & ~3;
  const du = sim + (<usize>simFloats << 2);
  const gemmWork = du + <usize>(2 * B) * rowBytes;
  const z = u;
  const w = u + <usize>B * rowBytes;
  normaliseRows(x, z, norms, B, d);
  normaliseRows(y, w, norms + (<usize>B << 2), B, d);
  const invTau: f32 = 1 / tau;
  let loss: f64 = 0;

  if (ntxent == 0) {
    // S = z wᵀ/τ; keep the diagonal for the targets.
    gemm(0, 1, B, B, d, invTau, z, d, w, d, 0, sim, B, gemmWork);
    let diag: f64 = 0;
    for (let i = 0; i < B; i++) diag += f(sim, i * B + i);
    // Column statistics (max and Σexp per column) first, so the row pass can
    // overwrite S with dS in place. They borrow du, which is free until the
    // final GEMMs (2B·d >= 2B floats).
    const colMax = du;
    const colSum = du + (<usize>B << 2);
    for (let j = 0; j < B; j++) setf(colMax, j, -Infinity);
    for (let i = 0; i < B; i++) for (let j = 0; j < B; j++) setf(colMax, j, max(f(colMax, j), f(sim, i * B + j)));
    for (let j = 0; j < B; j++) setf(colSum, j, 0);
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < B; j++) setf(colSum, j, f(colSum, j) + Mathf.exp(f(sim, i * B + j) - f(colMax, j)));
    }
    let colLse: f64 = 0;
    for (let j = 0; j < B; j++) colLse += <f64>f(colMax, j) + Math.log(<f64>f(colSum, j));
    // dS = ½/B·(P_row + P_col − 2I), built in place in sim.
    const half: f32 = <f32>(0.5 / <f64>B) * weight;
    for (let i = 0; i < B; i++) {
      const row = sim + ((<usize>i * <usize>B) << 2);
      let m: f32 = -Infinity;
      for (let j = 0; j < B; j++) m = max(m, f(row, j));
      let s: f64 = 0;
      for (let j = 0; j < B; j++) s += Mathf.exp(f(row, j) - m);
      loss += <f64>m + Math.log(s);
      const invS = <f32>(1 / s);
      for (let j = 0; j < B; j++) {
        const v = f(row, j);
        const pRow = Mathf.exp(v - m) * invS;
        const pCol = Mathf.exp(v - f(colMax, j)) / f(colSum, j);
        setf(row, j, half * (pRow + pCol - (i == j ? <f32>2 : <f32>0)));
      }
    }
    loss = 0.5 * ((loss - diag) / <f64>B) + 0.5 * ((colLse - diag) / <f64>B);
    // ∂z = dS·w/τ, ∂w = dSᵀ·z/τ (weight already in dS)
    gemm(0, 0, B, d, B, invTau, sim, B, w, d, 0, du, d, gemmWork);
    gemm(1, 0, B, d, B, invTau, sim, B, z, d, 0, du + <usize>B * rowBytes, d, gemmWork);
  } else {
    const n2 = 2 * B;
    // G = u uᵀ/τ
    gemm(0, 1, n2, n2, d, invTau, u, d, u, d, 0, sim, n2, gemmWork);
    let target: f64 = 0;
    for (let i = 0; i < n2; i++) target += f(sim, i * n2 + (i < B ? i + B : i - B));
    loss = (softmaxRows(sim, n2, true) - target) / <f64>n2;
    // dG = (P − onehot)/(2B); ∂u = (dG + dGᵀ)·u/τ
    const scale: f32 = weight / <f32>n2;
    for (let i = 0; i < n2; i++) {
      const t = i < B ? i + B : i - B;
      for (let j = 0; j < n2; j++) {
        const p = i * n2 + j;
        setf(sim, p, (f(sim, p) - (j == t ? <f32>1 : <f32>0)) * scale);
      }
    }
    gemm(0, 0, n2, d, n2, invTau, sim, n2, u, d, 0, du, d, gemmWork);
    gemm(1, 0, n2, d, n2, invTau, sim, n2, u, d, 1, du, d, gemmWork);
  }
  normaliseBackward(z, du, norms, B, d, 1, gx);
  normaliseBackward(w, du + <usize>B * rowBytes, norms + (<usize>B << 2), B, d, 1, gy);
  return loss;
}
