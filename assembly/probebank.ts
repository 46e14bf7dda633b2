// A probe bank's whole minibatch, row by row (src/probes/probe-bank.ts):
//
//   forward:  h = relu(x·W1 + b1) (width = G·Hd), ŷ[c] = h[group[c]·Hd ..]·Wt[c] + b2[c]
//   loss:     e = ŷ − y, dY = e·scale[c], colLoss[c] = Σ_r e²
//   backward: gb2 = Σ_r dY, gWt[c] = Σ_r dY[r, c]·h_r[group[c]·Hd ..],
//             dh = Σ_c dY[r, c]·Wt[c] (per group), dh = h > 0 ? dh : 0·dh,
//             gW1 = Σ_r x_rᵀ·dh_r, gb1 = Σ_r dh_r
//
// It does what the chain gemm → biasAdd → leakyReluForward(0) →
// groupedForward → biasAdd → squaredErrorGrad → groupedBackward →
// columnSums → leakyReluBackward(0) → gemm(transA) → columnSums does, with
// every float operation in the same order (each sum runs over k or over the
// rows in ascending order from +0, as the GEMM micro-kernel and columnSums
// accumulate), so the results are bit-identical to that chain
// (test/probe-bank.test.ts), but one row stays in cache from the forward pass
// to the gradients instead of ten passes over (rows, width) buffers, and the
// GEMMs with k ≈ 5 skip their packing.
//
// X (rows, k), Y, dY (rows, O); W1, gW1 (k, width); b1, gb1 (width,);
// Wt, gWt (O, Hd); b2, gb2, scale, colLoss (O,); group (O,) i32;
// h, dh: scratch (width,), yhat: scratch (O,). Gradients and colLoss are overwritten.

@inline
function f(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

// The same dot product as assembly/grouped.ts: f32x4 lanes, summed 0+1+2+3, then a scalar tail.
@inline
function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + off), v128.load(b + off)));
  }
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; i < n; i++) s += f(a, i) * f(b, i);
  return s;
}

// y[0..n) = y + x·s
@inline
function axpy(y: usize, x: usize, s: f32, n: i32): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    v128.store(y + off, f32x4.add(v128.load(y + off), f32x4.mul(v128.load(x + off), vs)));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(y + off, load<f32>(y + off) + load<f32>(x + off) * s);
  }
}

// y[0..n) = y + x
@inline
function add(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    v128.store(y + off, f32x4.add(v128.load(y + off), v128.load(x + off)));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(y + off, load<f32>(y + off) + load<f32>(x + off));
  }
}

// h = relu(x·W1 + b1) for one row x (k,): sums over k from +0, as the GEMM does.
@inline
function hiddenRow(x: usize, k: i32, W1: usize, b1: usize, width: i32, h: usize): void {
  const vzero = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= width; j += 4) {
    const off = <usize>j << 2;
    let acc = f32x4.splat(0);
    for (let kk = 0; kk < k; kk++) {
      acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(x + (<usize>kk << 2)), v128.load(W1 + <usize>kk * <usize>width * 4 + off)));
    }
    const v = f32x4.add(acc, v128.load(b1 + off));
    v128.store(h + off, v128.bitselect(v, f32x4.mul(v, vzero), f32x4.gt(v, vzero)));
  }
  for (; j < width; j++) {
    const off = <usize>j << 2;
    let acc: f32 = 0;
    for (let kk = 0; kk < k; kk++) acc = acc + f(x, kk) * load<f32>(W1 + <usize>kk * <usize>width * 4 + off);
    const v: f32 = acc + load<f32>(b1 + off);
    store<f32>(h + off, v > 0 ? v : v * <f32>0);
  }
}

// yhat[c] = h[group[c]·Hd ..]·Wt[c] + b2[c]
@inline
function outputRow(h: usize, Wt: usize, b2: usize, group: usize, O: i32, Hd: i32, yhat: usize): void {
  for (let c = 0; c < O; c++) {
    const g = load<i32>(group + (<usize>c << 2));
    const off = <usize>c << 2;
    store<f32>(yhat + off, dot(h + <usize>g * <usize>Hd * 4, Wt + <usize>c * <usize>Hd * 4, Hd) + load<f32>(b2 + off));
  }
}

/** Yhat (rows, O) of the bank for X (rows, k); h is scratch (width,). */
export function probeBankForward(X: usize, rows: i32, k: i32, W1: usize, b1: usize, Wt: usize, b2: usize, group: usize, width: i32, O: i32, Hd: i32, h: usize, Yhat: usize): void {
  for (let r = 0; r < rows; r++) {
    hiddenRow(X + <usize>r * <usize>k * 4, k, W1, b1, width, h);
    outputRow(h, Wt, b2, group, O, Hd, Yhat + <usize>r * <usize>O * 4);
  }
}

/** The squared-error loss's column sums and every parameter's gradient over the rows of X, Y (see above). */
export function probeBankGrad(
  X: usize, rows: i32, k: i32, W1: usize, b1: usize, Wt: usize, b2: usize, group: usize, width: i32, O: i32, Hd: i32,
  Y: usize, scale: usize, colLoss: usize, gW1: usize, gb1: usize, gWt: usize, gb2: usize, h: usize, dh: usize, yhat: usize,
): void {
  const widthB = <usize>width << 2;
  memory.fill(gW1, 0, <usize>k * widthB);
  memory.fill(gb1, 0, widthB);
  memory.fill(gWt, 0, <usize>O * <usize>Hd * 4);
  memory.fill(gb2, 0, <usize>O << 2);
  memory.fill(colLoss, 0, <usize>O << 2);
  const vzero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const x = X + <usize>r * <usize>k * 4;
    hiddenRow(x, k, W1, b1, width, h);
    outputRow(h, Wt, b2, group, O, Hd, yhat);
    // squared error: yhat becomes dY's row; colLoss and gb2 accumulate
    const yr = Y + <usize>r * <usize>O * 4;
    for (let c = 0; c < O; c++) {
      const off = <usize>c << 2;
      const e: f32 = load<f32>(yhat + off) - load<f32>(yr + off);
      const d: f32 = e * load<f32>(scale + off);
      store<f32>(yhat + off, d);
      store<f32>(colLoss + off, load<f32>(colLoss + off) + e * e);
      store<f32>(gb2 + off, load<f32>(gb2 + off) + d);
    }
    // output heads: gWt and dh
    memory.fill(dh, 0, widthB);
    for (let c = 0; c < O; c++) {
      const g = load<i32>(group + (<usize>c << 2));
      const d = f(yhat, c);
      const seg = <usize>g * <usize>Hd * 4;
      axpy(gWt + <usize>c * <usize>Hd * 4, h + seg, d, Hd);
      axpy(dh + seg, Wt + <usize>c * <usize>Hd * 4, d, Hd);
    }
    // ReLU backward on the post-activation, then gW1 and gb1
    let j = 0;
    for (; j + 4 <= width; j += 4) {
      const off = <usize>j << 2;
      const g = v128.load(dh + off);
      v128.store(dh + off, v128.bitselect(g, f32x4.mul(g, vzero), f32x4.gt(v128.load(h + off), vzero)));
    }
    for (; j < width; j++) {
      const off = <usize>j << 2;
      const g = load<f32>(dh + off);
      store<f32>(dh + off, load<f32>(h + off) > 0 ? g : g * <f32>0);
    }
    for (let kk = 0; kk < k; kk++) axpy(gW1 + <usize>kk * widthB, dh, f(x, kk), width);
    add(gb1, dh, width);
  }
}
