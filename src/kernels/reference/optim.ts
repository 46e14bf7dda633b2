/** Plain references for assembly/optim.ts: PyTorch's clip_grad_norm_ and Adam, in f64. */

/** Returns the clipped copy of g and its norm before clipping. */
export function clipGradNorm(g: ArrayLike<number>, maxNorm: number): { g: Float64Array; norm: number } {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i]! ** 2;
  const norm = Math.sqrt(s);
  const coef = maxNorm / (norm + 1e-6);
  return { g: Float64Array.from(g, (v) => (coef < 1 ? v * coef : v)), norm };
}

/** One Adam step at step number t (1-based); returns the new p, m, v. */
export function adamStep(
  p: ArrayLike<number>,
  g: ArrayLike<number>,
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  t: number,
  lr: number,
  beta1 = 0.9,
  beta2 = 0.999,
  eps = 1e-8,
): { p: Float64Array; m: Float64Array; v: Float64Array } {
  const m2 = Float64Array.from(m, (mi, i) => beta1 * mi + (1 - beta1) * g[i]!);
  const v2 = Float64Array.from(v, (vi, i) => beta2 * vi + (1 - beta2) * g[i]! ** 2);
  const bc1 = 1 - beta1 ** t;
  const bc2 = 1 - beta2 ** t;
  const p2 = Float64Array.from(p, (pi, i) => pi - ((lr / bc1) * m2[i]!) / (Math.sqrt(v2[i]!) / Math.sqrt(bc2) + eps));
  return { p: p2, m: m2, v: v2 };
}
