// A grouped dense layer: many small output heads on one wide hidden layer,
// as in a bank of MLP probes that share their input but not their hidden
// units. Group g owns the hidden columns [g·Hd, (g+1)·Hd) of H; output column
// c belongs to group group[c] and reads only that group's units:
//
//   forward:   Y[r, c]      = Σ_h H[r, group[c]·Hd + h] · Wt[c, h]
//   backward:  dWt[c, h]    = Σ_r dY[r, c] · H[r, group[c]·Hd + h]        (overwrites)
//              dH[r, g·Hd+h] = Σ_{c: group[c] = g} dY[r, c] · Wt[c, h]     (overwrites)
//
// H is (rows, G·Hd) with row stride ldh, Y and dY are (rows, O) with row
// stride ldy, Wt is (O, Hd): each head's weights stored transposed, so every
// product is a contiguous dot product over h (f32x4, scalar tail for Hd mod 4).
// group is (O,) i32. A dense GEMM would spend 1/o_g of its work on zeros and
// pad every one-column head to a full register block; this does only the
// useful multiply-adds.
//
// Also here: the squared-error gradient of such a bank,
//
//   dY[r, c] = (Ŷ[r, c] − Y[r, c]) · scale[c],   colLoss[c] = Σ_r (Ŷ[r, c] − Y[r, c])²
//
// with Ŷ, Y, dY (rows, O) packed and scale, colLoss (O,).

import { fmaf, madd } from "./fma";
import { f } from "./memory";

@inline
function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    acc = madd(v128.load(a + off), v128.load(b + off), acc);
  }
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; i < n; i++) s = fmaf(f(a, i), f(b, i), s);
  return s;
}

// y[0..n) += s · x[0..n)
@inline
function axpy(y: usize, x: usize, s: f32, n: i32): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    v128.store(y + off, madd(v128.load(x + off), vs, v128.load(y + off)));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(y + off, fmaf(load<f32>(x + off), s, load<f32>(y + off)));
  }
}

export function groupedForward(H: usize, ldh: i32, Wt: usize, Y: usize, ldy: i32, group: usize, rows: i32, O: i32, Hd: i32): void {
  for (let r = 0; r < rows; r++) {
    const hr = H + <usize>r * <usize>ldh * 4;
    const yr = Y + <usize>r * <usize>ldy * 4;
    for (let c = 0; c < O; c++) {
      const g = load<i32>(group + (<usize>c << 2));
      store<f32>(yr + (<usize>c << 2), dot(hr + <usize>g * <usize>Hd * 4, Wt + <usize>c * <usize>Hd * 4, Hd));
    }
  }
}

export function groupedBackward(H: usize, ldh: i32, Wt: usize, dY: usize, ldy: i32, group: usize, rows: i32, O: i32, G: i32, Hd: i32, dWt: usize, dH: usize): void {
  memory.fill(dWt, 0, <usize>O * <usize>Hd * 4);
  for (let r = 0; r < rows; r++) {
    const hr = H + <usize>r * <usize>ldh * 4;
    const dyr = dY + <usize>r * <usize>ldy * 4;
    const dhr = dH + <usize>r * <usize>ldh * 4;
    memory.fill(dhr, 0, <usize>G * <usize>Hd * 4);
    for (let c = 0; c < O; c++) {
      const g = load<i32>(group + (<usize>c << 2));
      const d = f(dyr, c);
      const seg = <usize>g * <usize>Hd * 4;
      axpy(dWt + <usize>c * <usize>Hd * 4, hr + seg, d, Hd);
      axpy(dhr + seg, Wt + <usize>c * <usize>Hd * 4, d, Hd);
    }
  }
}

export function squaredErrorGrad(Yhat: usize, Y: usize, dY: usize, scale: usize, colLoss: usize, rows: i32, O: i32): void {
  memory.fill(colLoss, 0, <usize>O * 4);
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * <usize>O * 4;
    for (let c = 0; c < O; c++) {
      const off = <usize>c << 2;
      const e: f32 = load<f32>(Yhat + base + off) - load<f32>(Y + base + off);
      store<f32>(dY + base + off, e * load<f32>(scale + off));
      store<f32>(colLoss + off, load<f32>(colLoss + off) + e * e);
    }
  }
}
