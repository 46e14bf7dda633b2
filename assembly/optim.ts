// Optimiser kernels over one flat f32 parameter buffer (all layers of both
// encoders back to back), so a step is a single call whatever the model.
//
//   sumSquares  Σ g_i², accumulated in f64 per block of 1024: the global
//               gradient norm for clipping is its square root (TypeScript).
//   scale       g *= s (clipping: s = max_norm / (norm + 1e-6) when below 1).
//   addInto     dst += src.
//   adamStep    PyTorch's Adam without weight decay, bias corrections
//               precomputed by the caller:
//                 m = β1·m + (1 − β1)·g
//                 v = β2·v + (1 − β2)·g²
//                 p −= stepSize · m / (sqrt(v)·invSqrtBc2 + eps)
//               with stepSize = lr / (1 − β1^t) and invSqrtBc2 = 1/sqrt(1 − β2^t).

import { madd } from "./fma";

const BLOCK = 1024;

export function sumSquares(g: usize, n: i32): f64 {
  let total: f64 = 0;
  let i = 0;
  while (i < n) {
    const end = min(n, i + BLOCK);
    let acc = f32x4.splat(0);
    for (; i + 4 <= end; i += 4) {
      const v = v128.load(g + (<usize>i << 2));
      acc = madd(v, v, acc);
    }
    let s: f64 =
      <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
    for (; i < end; i++) {
      const v = <f64>load<f32>(g + (<usize>i << 2));
      s += v * v;
    }
    total += s;
  }
  return total;
}

export function scale(g: usize, n: i32, s: f32): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = g + (<usize>i << 2);
    v128.store(p, f32x4.mul(v128.load(p), vs));
  }
  for (; i < n; i++) {
    const p = g + (<usize>i << 2);
    store<f32>(p, load<f32>(p) * s);
  }
}

// dst += src over n floats (adds up the per-thread partial gradients).
export function addInto(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

export function adamStep(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  stepSize: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  invSqrtBc2: f32,
): void {
  const b1 = f32x4.splat(beta1);
  const c1 = f32x4.splat(1 - beta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(1 - beta2);
  const ve = f32x4.splat(eps);
  const vbc = f32x4.splat(invSqrtBc2);
  const vstep = f32x4.splat(stepSize);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = madd(c1, gi, f32x4.mul(b1, v128.load(m + o)));
    const vi = madd(c2, f32x4.mul(gi, gi), f32x4.mul(b2, v128.load(v + o)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const denom = madd(f32x4.sqrt(vi), vbc, ve);
    v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.div(f32x4.mul(vstep, mi), denom)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = beta1 * load<f32>(m + o) + (1 - beta1) * gi;
    const vi = beta2 * load<f32>(v + o) + (1 - beta2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, load<f32>(p + o) - (stepSize * mi) / (Mathf.sqrt(vi) * invSqrtBc2 + eps));
  }
}
