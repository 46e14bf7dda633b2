// A probe bank's minibatch (src/probes/probe-bank.ts), four rows at a time:
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
// every float operation in the same order (each row's sums over k or over the
// heads from +0 in ascending order, as the GEMM micro-kernel and
// groupedBackward accumulate; every sum over rows in ascending row order from
// +0, as the GEMM with K = rows and columnSums do; the f32x4 dot products of
// groupedForward), so the results are bit-identical to that chain
// (test/probe-bank.test.ts). But each weight and gradient vector is loaded
// once per four rows instead of once per row, the hidden gradient of four rows
// stays in registers from the heads' backward pass to gW1 and gb1, there are
// no passes over (rows, width) buffers between the steps, and the GEMMs with
// k ≈ 5 skip their packing.
//
// A group of fewer than four rows is filled up with rows of zeros (x, h and dY
// of +0), whose contributions to the sums are exact zeros: x·0 = ±0, and
// g + (±0) = g for every g a sum that starts from +0 can reach (never −0), as
// long as the weights are finite.
//
// The heads' backward pass walks the outputs group by group: the outputs of a
// hidden group must be next to each other in `group` (GroupedLayout makes them so).
//
// X (rows, k), Y, dY (rows, O); W1, gW1 (k, width); b1, gb1 (width,);
// Wt, gWt (O, Hd); b2, gb2, scale, colLoss (O,); group (O,) i32.
// Gradients and colLoss are overwritten.

import { fmaf, madd } from "./fma";
import { addInto } from "./optim";
import { f } from "./memory";

// h_r = relu(x_r·W1 + b1) for four rows; x_r (k,), h_r (width,)
@inline
function hidden4(x0: usize, x1: usize, x2: usize, x3: usize, k: i32, W1: usize, b1: usize, width: i32, h0: usize, h1: usize, h2: usize, h3: usize): void {
  const vzero = f32x4.splat(0);
  const widthB = <usize>width << 2;
  let j = 0;
  for (; j + 4 <= width; j += 4) {
    const off = <usize>j << 2;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let w = W1 + off;
    for (let kk = 0; kk < k; kk++) {
      const xo = <usize>kk << 2;
      const wv = v128.load(w);
      a0 = madd(v128.load32_splat(x0 + xo), wv, a0);
      a1 = madd(v128.load32_splat(x1 + xo), wv, a1);
      a2 = madd(v128.load32_splat(x2 + xo), wv, a2);
      a3 = madd(v128.load32_splat(x3 + xo), wv, a3);
      w += widthB;
    }
    const b = v128.load(b1 + off);
    const v0 = f32x4.add(a0, b);
    const v1 = f32x4.add(a1, b);
    const v2 = f32x4.add(a2, b);
    const v3 = f32x4.add(a3, b);
    v128.store(h0 + off, v128.bitselect(v0, f32x4.mul(v0, vzero), f32x4.gt(v0, vzero)));
    v128.store(h1 + off, v128.bitselect(v1, f32x4.mul(v1, vzero), f32x4.gt(v1, vzero)));
    v128.store(h2 + off, v128.bitselect(v2, f32x4.mul(v2, vzero), f32x4.gt(v2, vzero)));
    v128.store(h3 + off, v128.bitselect(v3, f32x4.mul(v3, vzero), f32x4.gt(v3, vzero)));
  }
  for (; j < width; j++) {
    const off = <usize>j << 2;
    let a0: f32 = 0, a1: f32 = 0, a2: f32 = 0, a3: f32 = 0;
    for (let kk = 0; kk < k; kk++) {
      const w = load<f32>(W1 + <usize>kk * widthB + off);
      a0 = fmaf(f(x0, kk), w, a0);
      a1 = fmaf(f(x1, kk), w, a1);
      a2 = fmaf(f(x2, kk), w, a2);
      a3 = fmaf(f(x3, kk), w, a3);
    }
    const b = load<f32>(b1 + off);
    const v0: f32 = a0 + b, v1: f32 = a1 + b, v2: f32 = a2 + b, v3: f32 = a3 + b;
    store<f32>(h0 + off, v0 > 0 ? v0 : v0 * <f32>0);
    store<f32>(h1 + off, v1 > 0 ? v1 : v1 * <f32>0);
    store<f32>(h2 + off, v2 > 0 ? v2 : v2 * <f32>0);
    store<f32>(h3 + off, v3 > 0 ? v3 : v3 * <f32>0);
  }
}

@inline
function laneSum(a: v128): f32 {
  return f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3);
}

// y_r[c] = h_r[group[c]·Hd ..]·Wt[c] + b2[c] for four rows (the dot product of `dot`)
@inline
function output4(h0: usize, h1: usize, h2: usize, h3: usize, Wt: usize, b2: usize, group: usize, O: i32, Hd: i32, y0: usize, y1: usize, y2: usize, y3: usize): void {
  for (let c = 0; c < O; c++) {
    const seg = <usize>load<i32>(group + (<usize>c << 2)) * <usize>Hd * 4;
    const w = Wt + <usize>c * <usize>Hd * 4;
    const p0 = h0 + seg, p1 = h1 + seg, p2 = h2 + seg, p3 = h3 + seg;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= Hd; i += 4) {
      const off = <usize>i << 2;
      const wv = v128.load(w + off);
      a0 = madd(v128.load(p0 + off), wv, a0);
      a1 = madd(v128.load(p1 + off), wv, a1);
      a2 = madd(v128.load(p2 + off), wv, a2);
      a3 = madd(v128.load(p3 + off), wv, a3);
    }
    let s0 = laneSum(a0), s1 = laneSum(a1), s2 = laneSum(a2), s3 = laneSum(a3);
    for (; i < Hd; i++) {
      const wi = f(w, i);
      s0 = fmaf(f(p0, i), wi, s0);
      s1 = fmaf(f(p1, i), wi, s1);
      s2 = fmaf(f(p2, i), wi, s2);
      s3 = fmaf(f(p3, i), wi, s3);
    }
    const off = <usize>c << 2;
    const b = load<f32>(b2 + off);
    store<f32>(y0 + off, s0 + b);
    store<f32>(y1 + off, s1 + b);
    store<f32>(y2 + off, s2 + b);
    store<f32>(y3 + off, s3 + b);
  }
}

// The backward pass of four rows, given their x_r (k,), h_r (width,) and dY rows d_r (O,),
// added to gW1, gb1, gWt (gb2 is the caller's): gWt[c] += d_r[c]·h_r[seg], then per hidden
// group dh_r = Σ_c d_r[c]·Wt[c] from +0, ReLU-masked, gW1[kk] += x_r[kk]·dh_r, gb1 += dh_r.
@inline
function backward4(
  x0: usize, x1: usize, x2: usize, x3: usize, h0: usize, h1: usize, h2: usize, h3: usize, d0: usize, d1: usize, d2: usize, d3: usize,
  k: i32, Wt: usize, group: usize, width: i32, O: i32, Hd: i32, gW1: usize, gb1: usize, gWt: usize,
): void {
  const vzero = f32x4.splat(0);
  const widthB = <usize>width << 2;
  // output heads' weights
  for (let c = 0; c < O; c++) {
    const seg = <usize>load<i32>(group + (<usize>c << 2)) * <usize>Hd * 4;
    const g = gWt + <usize>c * <usize>Hd * 4;
    const p0 = h0 + seg, p1 = h1 + seg, p2 = h2 + seg, p3 = h3 + seg;
    const co = <usize>c << 2;
    const e0 = f(d0 + co, 0), e1 = f(d1 + co, 0), e2 = f(d2 + co, 0), e3 = f(d3 + co, 0);
    const v0 = f32x4.splat(e0), v1 = f32x4.splat(e1), v2 = f32x4.splat(e2), v3 = f32x4.splat(e3);
    let i = 0;
    for (; i + 4 <= Hd; i += 4) {
      const off = <usize>i << 2;
      let a = v128.load(g + off);
      a = madd(v128.load(p0 + off), v0, a);
      a = madd(v128.load(p1 + off), v1, a);
      a = madd(v128.load(p2 + off), v2, a);
      a = madd(v128.load(p3 + off), v3, a);
      v128.store(g + off, a);
    }
    for (; i < Hd; i++) {
      const off = <usize>i << 2;
      let a = load<f32>(g + off);
      a = fmaf(load<f32>(p0 + off), e0, a);
      a = fmaf(load<f32>(p1 + off), e1, a);
      a = fmaf(load<f32>(p2 + off), e2, a);
      a = fmaf(load<f32>(p3 + off), e3, a);
      store<f32>(g + off, a);
    }
  }
  // hidden groups, each from its run of outputs [c0, c1)
  let c0 = 0;
  while (c0 < O) {
    const grp = load<i32>(group + (<usize>c0 << 2));
    let c1 = c0 + 1;
    while (c1 < O && load<i32>(group + (<usize>c1 << 2)) == grp) c1++;
    const seg = <usize>grp * <usize>Hd * 4;
    let i = 0;
    for (; i + 4 <= Hd; i += 4) {
      const off = seg + (<usize>i << 2);
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      for (let c = c0; c < c1; c++) {
        const co = <usize>c << 2;
        const wv = v128.load(Wt + <usize>c * <usize>Hd * 4 + (<usize>i << 2));
        a0 = madd(wv, v128.load32_splat(d0 + co), a0);
        a1 = madd(wv, v128.load32_splat(d1 + co), a1);
        a2 = madd(wv, v128.load32_splat(d2 + co), a2);
        a3 = madd(wv, v128.load32_splat(d3 + co), a3);
      }
      a0 = v128.bitselect(a0, f32x4.mul(a0, vzero), f32x4.gt(v128.load(h0 + off), vzero));
      a1 = v128.bitselect(a1, f32x4.mul(a1, vzero), f32x4.gt(v128.load(h1 + off), vzero));
      a2 = v128.bitselect(a2, f32x4.mul(a2, vzero), f32x4.gt(v128.load(h2 + off), vzero));
      a3 = v128.bitselect(a3, f32x4.mul(a3, vzero), f32x4.gt(v128.load(h3 + off), vzero));
      let gp = gW1 + off;
      for (let kk = 0; kk < k; kk++) {
        const xo = <usize>kk << 2;
        let v = v128.load(gp);
        v = madd(a0, v128.load32_splat(x0 + xo), v);
        v = madd(a1, v128.load32_splat(x1 + xo), v);
        v = madd(a2, v128.load32_splat(x2 + xo), v);
        v = madd(a3, v128.load32_splat(x3 + xo), v);
        v128.store(gp, v);
        gp += widthB;
      }
      let v = v128.load(gb1 + off);
      v = f32x4.add(v, a0);
      v = f32x4.add(v, a1);
      v = f32x4.add(v, a2);
      v = f32x4.add(v, a3);
      v128.store(gb1 + off, v);
    }
    for (; i < Hd; i++) {
      const off = seg + (<usize>i << 2);
      let a0: f32 = 0, a1: f32 = 0, a2: f32 = 0, a3: f32 = 0;
      for (let c = c0; c < c1; c++) {
        const co = <usize>c << 2;
        const w = load<f32>(Wt + <usize>c * <usize>Hd * 4 + (<usize>i << 2));
        a0 = fmaf(w, f(d0 + co, 0), a0);
        a1 = fmaf(w, f(d1 + co, 0), a1);
        a2 = fmaf(w, f(d2 + co, 0), a2);
        a3 = fmaf(w, f(d3 + co, 0), a3);
      }
      if (!(load<f32>(h0 + off) > 0)) a0 = a0 * <f32>0;
      if (!(load<f32>(h1 + off) > 0)) a1 = a1 * <f32>0;
      if (!(load<f32>(h2 + off) > 0)) a2 = a2 * <f32>0;
      if (!(load<f32>(h3 + off) > 0)) a3 = a3 * <f32>0;
      for (let kk = 0; kk < k; kk++) {
        const p = gW1 + <usize>kk * widthB + off;
        let v = load<f32>(p);
        v = fmaf(f(x0, kk), a0, v);
        v = fmaf(f(x1, kk), a1, v);
        v = fmaf(f(x2, kk), a2, v);
        v = fmaf(f(x3, kk), a3, v);
        store<f32>(p, v);
      }
      let v = load<f32>(gb1 + off);
      v = v + a0;
      v = v + a1;
      v = v + a2;
      v = v + a3;
      store<f32>(gb1 + off, v);
    }
    c0 = c1;
  }
}

// Row r of a (rows, cols) matrix, or the zero row for the rows past the end.
@inline
function rowOr(p: usize, r: i32, rows: i32, cols: i32, zero: usize): usize {
  return r < rows ? p + <usize>r * <usize>cols * 4 : zero;
}

/**
 * probeBankGrad four rows at a time (bit-identical to it). Scratch: h4 (4·width),
 * y4 (4·O), zero (max(k, width, O) floats, left zero).
 */
export function probeBankGrad4(
  X: usize, rows: i32, k: i32, W1: usize, b1: usize, Wt: usize, b2: usize, group: usize, width: i32, O: i32, Hd: i32,
  Y: usize, scale: usize, colLoss: usize, gW1: usize, gb1: usize, gWt: usize, gb2: usize, h4: usize, y4: usize, zero: usize,
): void {
  const widthB = <usize>width << 2;
  const OB = <usize>O << 2;
  memory.fill(gW1, 0, <usize>k * widthB);
  memory.fill(gb1, 0, widthB);
  memory.fill(gWt, 0, <usize>O * <usize>Hd * 4);
  memory.fill(gb2, 0, OB);
  memory.fill(colLoss, 0, OB);
  const h0 = h4, h1 = h4 + widthB, h2 = h4 + 2 * widthB, h3 = h4 + 3 * widthB;
  const y0 = y4, y1 = y4 + OB, y2 = y4 + 2 * OB, y3 = y4 + 3 * OB;
  for (let r = 0; r < rows; r += 4) {
    const n = min(4, rows - r);
    const x0 = rowOr(X, r, rows, k, zero), x1 = rowOr(X, r + 1, rows, k, zero), x2 = rowOr(X, r + 2, rows, k, zero), x3 = rowOr(X, r + 3, rows, k, zero);
    hidden4(x0, x1, x2, x3, k, W1, b1, width, h0, h1, h2, h3);
    output4(h0, h1, h2, h3, Wt, b2, group, O, Hd, y0, y1, y2, y3);
    // squared error, row by row: y_i becomes dY's row (zero for the padding rows)
    for (let i = 0; i < 4; i++) {
      const yh = y4 + <usize>i * OB;
      if (i >= n) {
        memory.fill(yh, 0, OB);
        continue;
      }
      const yr = Y + <usize>(r + i) * OB;
      for (let c = 0; c < O; c++) {
        const off = <usize>c << 2;
        const e: f32 = load<f32>(yh + off) - load<f32>(yr + off);
        const d = e * load<f32>(scale + off);
        store<f32>(yh + off, d);
        store<f32>(colLoss + off, load<f32>(colLoss + off) + e * e);
        store<f32>(gb2 + off, load<f32>(gb2 + off) + d);
      }
    }
    backward4(x0, x1, x2, x3, h0, h1, h2, h3, y0, y1, y2, y3, k, Wt, group, width, O, Hd, gW1, gb1, gWt);
  }
}

/**
 * probeBankForward four rows at a time (bit-identical to it). Row r's hidden layer goes to
 * Hb + r·width when keepHidden ≠ 0 (Hb (rows, width)), else to the scratch Hb (4·width);
 * pad: scratch (width + O); zero: max(k, width, O) floats, left zero.
 */
export function probeBankForward4(
  X: usize, rows: i32, k: i32, W1: usize, b1: usize, Wt: usize, b2: usize, group: usize, width: i32, O: i32, Hd: i32,
  Hb: usize, keepHidden: i32, Yhat: usize, pad: usize, zero: usize,
): void {
  const widthB = <usize>width << 2;
  const padY = pad + widthB;
  for (let r = 0; r < rows; r += 4) {
    const base = keepHidden != 0 ? Hb + <usize>r * widthB : Hb;
    const x0 = rowOr(X, r, rows, k, zero), x1 = rowOr(X, r + 1, rows, k, zero), x2 = rowOr(X, r + 2, rows, k, zero), x3 = rowOr(X, r + 3, rows, k, zero);
    const h0 = base, h1 = r + 1 < rows ? base + widthB : pad, h2 = r + 2 < rows ? base + 2 * widthB : pad, h3 = r + 3 < rows ? base + 3 * widthB : pad;
    const y0 = Yhat + <usize>r * <usize>O * 4;
    const y1 = rowOr(Yhat, r + 1, rows, O, padY), y2 = rowOr(Yhat, r + 2, rows, O, padY), y3 = rowOr(Yhat, r + 3, rows, O, padY);
    hidden4(x0, x1, x2, x3, k, W1, b1, width, h0, h1, h2, h3);
    output4(h0, h1, h2, h3, Wt, b2, group, O, Hd, y0, y1, y2, y3);
  }
}

/**
 * The bank's backward pass from ∂L/∂Ŷ = dY (rows, O), given X and the hidden layer Hb
 * (rows, width) of the forward pass, four rows at a time: gradients overwritten, bit-identical
 * to heads.backward → columnSums → leakyReluBackward(0) → gemm(transA) → columnSums.
 * zero: max(k, width, O) floats, left zero.
 */
export function probeBankBackward4(
  X: usize, rows: i32, k: i32, Wt: usize, group: usize, width: i32, O: i32, Hd: i32,
  Hb: usize, dY: usize, gW1: usize, gb1: usize, gWt: usize, gb2: usize, zero: usize,
): void {
  const widthB = <usize>width << 2;
  const OB = <usize>O << 2;
  memory.fill(gW1, 0, <usize>k * widthB);
  memory.fill(gb1, 0, widthB);
  memory.fill(gWt, 0, <usize>O * <usize>Hd * 4);
  memory.fill(gb2, 0, OB);
  for (let r = 0; r < rows; r++) addInto(gb2, dY + <usize>r * OB, O);
  for (let r = 0; r < rows; r += 4) {
    backward4(
      rowOr(X, r, rows, k, zero), rowOr(X, r + 1, rows, k, zero), rowOr(X, r + 2, rows, k, zero), rowOr(X, r + 3, rows, k, zero),
      rowOr(Hb, r, rows, width, zero), rowOr(Hb, r + 1, rows, width, zero), rowOr(Hb, r + 2, rows, width, zero), rowOr(Hb, r + 3, rows, width, zero),
      rowOr(dY, r, rows, O, zero), rowOr(dY, r + 1, rows, O, zero), rowOr(dY, r + 2, rows, O, zero), rowOr(dY, r + 3, rows, O, zero),
      k, Wt, group, width, O, Hd, gW1, gb1, gWt,
    );
  }
}
