// Multiply-add for both builds of the core (docs/performance.md, "Fused multiply-add").
//
// assembly/ compiles twice: with SIMD128 only (build/misalign.wasm, the fallback every engine
// runs) and with relaxed SIMD as well (build/misalign-relaxed.wasm), which src/kernels/module.ts
// loads when the engine validates it. In the second, madd is f32x4.relaxed_madd: one fused
// multiply-add on CPUs that have one (x86 FMA3, ARM NEON), rounding once instead of twice. The
// two builds therefore agree to float rounding, not bit for bit; each is tested against the
// plain references with the same tolerances.

/** a·b + c per lane (fused in the relaxed build). */
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** c − a·b per lane (fused in the relaxed build). */
@inline
export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_nmadd(a, b, c);
  return f32x4.sub(c, f32x4.mul(a, b));
}

/** 1 in the relaxed build, 0 in the SIMD128 one (src/kernels/module.ts reports which it loaded). */
export function fusedMultiplyAdd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

/** a·b + c for one float, rounded as madd rounds each lane (so scalar tails match the SIMD body). */
@inline
export function fmaf(a: f32, b: f32, c: f32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.extract_lane(f32x4.relaxed_madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
  return a * b + c;
}
