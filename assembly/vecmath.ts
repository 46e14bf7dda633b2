// Vector math shared by the loss kernels: exp over f32x4 and horizontal
// reductions. exp follows the classic scheme: x = n·ln2 + r with |r| <= ln2/2,
// a polynomial for e^r, and 2^n built in the exponent bits. Relative error
// about 2e-7 on the range used here.
//
// Subnormal floats: WebAssembly has no flush-to-zero mode, and on x86 every
// arithmetic operation that makes or takes a subnormal f32 costs a microcode
// assist (~100 cycles). A trained model's far negatives have scores e^-60 and
// below; multiplied by the loss's row weights (~1e-3) and an embedding entry,
// they made the fused loss's pass 3 almost all subnormal, and a quick-preset
// step grew from 3.8 ms to 30 ms over a run (docs/performance.md). So exp
// returns an exact 0 below EXP_ZERO: e^-24 ≈ 3.8e-11 is below half an f32
// ulp of a row's exp-sum (which is at least 1, its largest term) even
// summed over a thousand negatives, so the sums are unchanged, and every
// product it enters stays a normal float. The exact zeros also let the
// loss skip far negatives late in training (lpsimclr.ts, pass3Sparse).

import { madd, nmadd } from "./fma";

const LOG2E: f32 = 1.44269504088896341;
// ln 2 split so that n·LN2_HI is exact in f32 for |n| <= 126 (Cody and Waite).
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
export const EXP_ZERO: f32 = -24;
const SHIFTER: f32 = 12582912; // 1.5 · 2^23

/**
 * e^x per lane for x <= 0 (or -inf), as the loss kernels need: scores are
 * shifted by their row maximum first. Below EXP_ZERO (-24) the result is an
 * exact 0 (see the header: no subnormals downstream).
 *
 * Lanes below EXP_ZERO compute garbage (for x < -87, 2^n wraps in the exponent
 * bits; for -inf, NaN) that the final mask turns into +0, so x needs no clamp.
 * (An earlier version clamped x at -87.3 first, with the same results bit for
 * bit: one operation and one vector register fewer in the loss's exp loop,
 * whose running sum the register allocator otherwise spilled to the stack:
 * docs/performance.md, "The loss's exp loop as V8 compiles it".)
 */
@inline
export function expNonPositive4(x: v128): v128 {
  // n = round(x·log2 e) by the shifter trick: adding 1.5·2^23 leaves n in the low mantissa bits.
  const t = madd(x, f32x4.splat(LOG2E), f32x4.splat(SHIFTER));
  const n = f32x4.sub(t, f32x4.splat(SHIFTER));
  const r = nmadd(n, f32x4.splat(LN2_LO), nmadd(n, f32x4.splat(LN2_HI), x));
  // e^r for |r| <= ln2/2: a degree-5 minimax polynomial (relative error 7.6e-8).
  let p = f32x4.splat(8.29829e-3);
  p = madd(p, r, f32x4.splat(4.191542e-2));
  p = madd(p, r, f32x4.splat(1.6667565e-1));
  p = madd(p, r, f32x4.splat(4.9998894e-1));
  p = madd(p, r, f32x4.splat(9.9999969e-1));
  p = madd(p, r, f32x4.splat(1.00000007));
  // 2^n: (n + 127) << 23. The low 9 bits of t's bit pattern are n mod 512, so shifting t's bits does it.
  const pow2n = i32x4.add(i32x4.shl(t, 23), i32x4.splat(127 << 23));
  return v128.and(f32x4.mul(p, pow2n), f32x4.ge(x, f32x4.splat(EXP_ZERO)));
}

/** Elementwise max of two score vectors (no NaNs here, so the cheap pseudo-max is exact). */
@inline
export function max4(a: v128, b: v128): v128 {
  return f32x4.pmax(a, b);
}

/** Sum of the four lanes. */
@inline
export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Largest of the four lanes. */
@inline
export function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** Exported for tests: out[i] = e^x[i] for n floats (n a multiple of 4), x <= 0. */
export function expBatch(x: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, expNonPositive4(v128.load(x + o)));
  }
}
