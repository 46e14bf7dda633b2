/**
 * Plain f64 reference for assembly/lpsimclr.ts: the LpSimCLR loss of docs/losses.md
 * written the direct way (every distance, then a stable logmeanexp), with
 * its gradient derived by hand. Used to check the kernel, and by the tests'
 * finite differences. Arrays are row-major; a, b are (N, d), c is (M, d).
 */

export interface LpSimclrGradients {
  loss: number;
  /** ∂L/∂a, (N, d) */
  ga: Float64Array;
  /** ∂L/∂b, (N, d) */
  gb: Float64Array;
  /** ∂L/∂c, (M, d) */
  gc: Float64Array;
}

function sqdist(x: ArrayLike<number>, i: number, y: ArrayLike<number>, j: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += (x[i * d + k]! - y[j * d + k]!) ** 2;
  return s;
}

/** L(a, b, c) = mean_i 2·(α·pos_i/τ + (1−α)·logmeanexp(−[neg_i1..neg_iM, pos_i]/τ)), with gradients. */
export function lpsimclrDirectional(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c: ArrayLike<number>,
  N: number,
  M: number,
  d: number,
  tau = 1,
  alpha = 0.5,
  excludeSelf = false,
): LpSimclrGradients {
  const ga = new Float64Array(N * d);
  const gb = new Float64Array(N * d);
  const gc = new Float64Array(M * d);
  let loss = 0;
  for (let i = 0; i < N; i++) {
    const pos = sqdist(a, i, b, i, d);
    const u = new Float64Array(M + 1); // scores: M negatives, then the positive
    for (let j = 0; j < M; j++) u[j] = excludeSelf && j === i ? -Infinity : -sqdist(a, i, c, j, d) / tau;
    u[M] = -pos / tau;
    const m = Math.max(...u);
    let sum = 0;
    for (const v of u) sum += Math.exp(v - m);
    const logmeanexp = m + Math.log(sum) - Math.log(excludeSelf ? M : M + 1);
    loss += (2 * ((alpha * pos) / tau + (1 - alpha) * logmeanexp)) / N;

    // ∂L/∂u_ij = 2(1−α)/N · softmax_j(u_i); ∂u/∂dist = −1/τ
    const dNeg = (j: number) => ((-2 * (1 - alpha)) / (tau * N)) * (Math.exp(u[j]! - m) / sum);
    const dPos = (2 * alpha) / (tau * N) + dNeg(M);
    for (let k = 0; k < d; k++) {
      const diff = a[i * d + k]! - b[i * d + k]!;
      ga[i * d + k]! += 2 * dPos * diff;
      gb[i * d + k]! -= 2 * dPos * diff;
    }
    for (let j = 0; j < M; j++) {
      const g = dNeg(j); // 0 for an excluded self pair
      if (g === 0) continue;
      for (let k = 0; k < d; k++) {
        const diff = a[i * d + k]! - c[j * d + k]!;
        ga[i * d + k]! += 2 * g * diff;
        gc[j * d + k]! -= 2 * g * diff;
      }
    }
  }
  return { loss, ga, gb, gc };
}

/** L(a, b, a) with in-batch negatives (row i's own pair excluded); ∂L/∂a includes its role as a negative. */
export function lpsimclrInBatch(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  N: number,
  d: number,
  tau = 1,
  alpha = 0.5,
): { loss: number; ga: Float64Array; gb: Float64Array } {
  const r = lpsimclrDirectional(a, b, a, N, N, d, tau, alpha, true);
  return { loss: r.loss, ga: r.ga.map((v, i) => v + r.gc[i]!), gb: r.gb };
}

export interface LpSimclrSymmetricGradients {
  loss: number;
  lossXT: number;
  lossTX: number;
  gHx: Float64Array;
  gHt: Float64Array;
  gHxNeg: Float64Array;
  gHtNeg: Float64Array;
}

/** 0.5·(L(hx, ht, hxNeg) + L(ht, hx, htNeg)), all (N, d), with gradients. */
export function lpsimclrSymmetric(
  hx: ArrayLike<number>,
  ht: ArrayLike<number>,
  hxNeg: ArrayLike<number>,
  htNeg: ArrayLike<number>,
  N: number,
  d: number,
  tau = 1,
  alpha = 0.5,
): LpSimclrSymmetricGradients {
  const xt = lpsimclrDirectional(hx, ht, hxNeg, N, N, d, tau, alpha);
  const tx = lpsimclrDirectional(ht, hx, htNeg, N, N, d, tau, alpha);
  const half = (p: Float64Array, q?: Float64Array) => p.map((v, i) => 0.5 * (v + (q ? q[i]! : 0)));
  return {
    loss: 0.5 * (xt.loss + tx.loss),
    lossXT: xt.loss,
    lossTX: tx.loss,
    gHx: half(xt.ga, tx.gb),
    gHt: half(xt.gb, tx.ga),
    gHxNeg: half(xt.gc),
    gHtNeg: half(tx.gc),
  };
}
