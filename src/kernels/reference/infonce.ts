/**
 * Plain f64 references for assembly/infonce.ts: InfoNCE with cosine
 * similarity and in-batch negatives, in the CLIP form and the public code's
 * NT-Xent form (docs/losses.md), with hand-derived gradients. x, y are (B, d).
 */

export interface InfoNceGradients {
  loss: number;
  gx: Float64Array;
  gy: Float64Array;
}

const NORM_EPS = 1e-8;

function normalise(x: ArrayLike<number>, rows: number, d: number) {
  const z = new Float64Array(rows * d);
  const norms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[i * d + k]! ** 2;
    norms[i] = Math.max(Math.sqrt(s), NORM_EPS);
    for (let k = 0; k < d; k++) z[i * d + k] = x[i * d + k]! / norms[i]!;
  }
  return { z, norms };
}

/** ∂x from ∂z through z = x/|x|: (∂z − z·(z·∂z))/|x|. */
function normaliseBackward(z: Float64Array, dz: Float64Array, norms: Float64Array, rows: number, d: number): Float64Array {
  const g = new Float64Array(rows * d);
  for (let i = 0; i < rows; i++) {
    let dot = 0;
    for (let k = 0; k < d; k++) dot += z[i * d + k]! * dz[i * d + k]!;
    for (let k = 0; k < d; k++) g[i * d + k] = (dz[i * d + k]! - z[i * d + k]! * dot) / norms[i]!;
  }
  return g;
}

function dot(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[i * d + k]! * b[j * d + k]!;
  return s;
}

/** Softmax of `row` over the entries `keep` allows; returns the probabilities and the log-sum-exp. */
function softmax(row: Float64Array, keep: (j: number) => boolean) {
  let m = -Infinity;
  for (let j = 0; j < row.length; j++) if (keep(j)) m = Math.max(m, row[j]!);
  let s = 0;
  for (let j = 0; j < row.length; j++) if (keep(j)) s += Math.exp(row[j]! - m);
  return { p: row.map((v, j) => (keep(j) ? Math.exp(v - m) / s : 0)), lse: m + Math.log(s) };
}

/** The paper's Eq. (1): ½·(CE over rows of S + CE over columns of S), S = z wᵀ/τ. */
export function infonceClip(x: ArrayLike<number>, y: ArrayLike<number>, B: number, d: number, tau = 1): InfoNceGradients {
  const { z, norms: nx } = normalise(x, B, d);
  const { z: w, norms: ny } = normalise(y, B, d);
  const S = Array.from({ length: B }, (_, i) => Float64Array.from({ length: B }, (_, j) => dot(z, i, w, j, d) / tau));
  const dS = Array.from({ length: B }, () => new Float64Array(B));
  let loss = 0;
  for (let i = 0; i < B; i++) {
    const { p, lse } = softmax(S[i]!, () => true);
    loss += (0.5 * (lse - S[i]![i]!)) / B;
    for (let j = 0; j < B; j++) dS[i]![j]! += (0.5 * (p[j]! - (i === j ? 1 : 0))) / B;
  }
  for (let j = 0; j < B; j++) {
    const col = Float64Array.from({ length: B }, (_, i) => S[i]![j]!);
    const { p, lse } = softmax(col, () => true);
    loss += (0.5 * (lse - S[j]![j]!)) / B;
    for (let i = 0; i < B; i++) dS[i]![j]! += (0.5 * (p[i]! - (i === j ? 1 : 0))) / B;
  }
  const dz = new Float64Array(B * d);
  const dw = new Float64Array(B * d);
  for (let i = 0; i < B; i++) {
    for (let j = 0; j < B; j++) {
      for (let k = 0; k < d; k++) {
        dz[i * d + k]! += (dS[i]![j]! * w[j * d + k]!) / tau;
        dw[j * d + k]! += (dS[i]![j]! * z[i * d + k]!) / tau;
      }
    }
  }
  return { loss, gx: normaliseBackward(z, dz, nx, B, d), gy: normaliseBackward(w, dw, ny, B, d) };
}

/**
 * The public code's NT-Xent: each of the 2B embeddings u = [z; w] is
 * classified among the 2B − 1 others, its partner being the target.
 */
export function infonceNtXent(x: ArrayLike<number>, y: ArrayLike<number>, B: number, d: number, tau = 1): InfoNceGradients {
  const { z, norms: nx } = normalise(x, B, d);
  const { z: w, norms: ny } = normalise(y, B, d);
  const n = 2 * B;
  const u = new Float64Array(n * d);
  u.set(z);
  u.set(w, B * d);
  const partner = (i: number) => (i < B ? i + B : i - B);
  const du = new Float64Array(n * d);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = Float64Array.from({ length: n }, (_, j) => dot(u, i, u, j, d) / tau);
    const { p, lse } = softmax(row, (j) => j !== i);
    loss += (lse - row[partner(i)]!) / n;
    for (let j = 0; j < n; j++) {
      const g = (p[j]! - (j === partner(i) ? 1 : 0)) / n; // ∂L/∂G_ij; G_ij = u_i·u_j/τ
      for (let k = 0; k < d; k++) {
        du[i * d + k]! += (g * u[j * d + k]!) / tau;
        du[j * d + k]! += (g * u[i * d + k]!) / tau;
      }
    }
  }
  return {
    loss,
    gx: normaliseBackward(z, du.subarray(0, B * d), nx, B, d),
    gy: normaliseBackward(w, du.subarray(B * d), ny, B, d),
  };
}
