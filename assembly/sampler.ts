// The training data path of docs/model.md in one call: latent draws, perturbation,
// and both mixing functions, for a batch of B samples. It is the fast twin of
// LatentModel.sample + InvertibleMlp.forward (src/latent/model.ts,
// src/mixing/invertible-mlp.ts), which stay the readable reference: every
// operation here is the same IEEE-754 double operation in the same order, so
// x and t are bit-identical to the TypeScript path and the random stream ends
// in the same state (test/sampler.test.ts checks both).
//
//   rng      xoshiro128** state, 32 bytes: u32 s0..s3 | i32 hasSpare | i32 pad | f64 spare
//   s        (B, ns)  f64   s ~ N(0, Σ_s): per row ns normals z, then L_s·z
//   m_x, m_t (B, nm)  f64   likewise with L_mx, L_mt
//   ε        (B, ns)  f64   only when a factor is perturbed, with L_ε
//   coins               one uniform per row and perturbed factor (in that order):
//                       s̃_i = f32(f32(s_i) + ε_i) when the draw is < p
//   z_x      (B, ns + nm)       f32: (s, m_x)
//   z_t      (B, |I_θ| + nm)   f32: (s̃[I_θ], m_t)
//   x = g_x(z_x), t = g_t(z_t)  f64 layers h ← leaky(W·h), rounded to f32 once
//
// Normals use Marsaglia's polar method with FreeBSD's log (stdlib's port,
// which the TypeScript generator uses), ported below operation for operation.

// ---- xoshiro128** and the draws built on it ----------------------------------

@inline
function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

// The stream's state lives in globals while a batch is drawn (loaded from and
// stored back to the caller's 32 bytes), so the generator runs in registers.
let S0: u32 = 0;
let S1: u32 = 0;
let S2: u32 = 0;
let S3: u32 = 0;
let HAS_SPARE: bool = false;
let SPARE: f64 = 0;

function loadState(st: usize): void {
  S0 = load<u32>(st);
  S1 = load<u32>(st, 4);
  S2 = load<u32>(st, 8);
  S3 = load<u32>(st, 12);
  HAS_SPARE = load<i32>(st, 16) != 0;
  SPARE = load<f64>(st, 24);
}

function storeState(st: usize): void {
  store<u32>(st, S0);
  store<u32>(st, S1, 4);
  store<u32>(st, S2, 8);
  store<u32>(st, S3, 12);
  store<i32>(st, HAS_SPARE ? 1 : 0, 16);
  store<f64>(st, SPARE, 24);
}

@inline
function nextU32(): u32 {
  const s0 = S0;
  const s1 = S1;
  const result = rotl(s1 * 5, 7) * 9;
  const t = s1 << 9;
  const n2 = S2 ^ s0;
  const n3 = S3 ^ s1;
  S0 = s0 ^ n3;
  S1 = s1 ^ n2;
  S2 = n2 ^ t;
  S3 = rotl(n3, 11);
  return result;
}

/** Uniform in [0, 1) with 53 random bits (Rng.uniform). */
@inline
function uniform(): f64 {
  const hi = nextU32() >>> 5;
  const lo = nextU32() >>> 6;
  return (<f64>hi * 67108864 + <f64>lo) / 9007199254740992;
}

// FreeBSD's e_log.c as ported by stdlib (@stdlib/math-base-special-ln).
const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const TWO54: f64 = 1.80143985094819840000e16;
const ONE_THIRD: f64 = 0.33333333333333333;

@inline
function highWord(x: f64): i32 {
  return <i32>(reinterpret<u64>(x) >>> 32);
}

@inline
function withHighWord(x: f64, hi: i32): f64 {
  return reinterpret<f64>((reinterpret<u64>(x) & 0xffffffff) | (<u64>(<u32>hi) << 32));
}

@inline
function polyP(x: f64): f64 {
  if (x == 0.0) return 0.3999999999940942;
  return 0.3999999999940942 + x * (0.22222198432149784 + x * 0.15313837699209373);
}

@inline
function polyQ(x: f64): f64 {
  if (x == 0.0) return 0.6666666666666735;
  return 0.6666666666666735 + x * (0.2857142874366239 + x * (0.1818357216161805 + x * 0.14798198605116586));
}

/** ln x for 0 < x < 1, the only arguments the polar method produces. */
function ln(x: f64): f64 {
  let hx = highWord(x);
  let k: i32 = 0;
  if (hx < 0x00100000) {
    k -= 54;
    x *= TWO54;
    hx = highWord(x);
  }
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i: i32 = (hx + 0x95f64) & 0x100000;
  x = withHighWord(x, hx | (i ^ 0x3ff00000));
  k += i >> 20;
  const f = x - 1.0;
  const dk = <f64>k;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f == 0.0) {
      if (k == 0) return 0.0;
      return dk * LN2_HI + dk * LN2_LO;
    }
    const R0 = f * f * (0.5 - ONE_THIRD * f);
    if (k == 0) return f - R0;
    return dk * LN2_HI - (R0 - dk * LN2_LO - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  i = hx - 0x6147a;
  const w = z * z;
  const j: i32 = 0x6b851 - hx;
  const t1 = w * polyP(w);
  const t2 = z * polyQ(w);
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * LN2_HI - (hfsq - (s * (hfsq + R) + dk * LN2_LO) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * LN2_HI - (s * (f - R) - dk * LN2_LO - f);
}

/** Exported for tests: ln x (0 < x < 1), to compare with the TypeScript generator's. */
export function samplerLn(x: f64): f64 {
  return ln(x);
}

/** A standard normal (Rng.normal: polar method, the pair's second value kept for the next call). */
function normal(): f64 {
  if (HAS_SPARE) {
    HAS_SPARE = false;
    return SPARE;
  }
  let u: f64 = 0, v: f64 = 0, s: f64 = 0;
  do {
    u = 2 * uniform() - 1;
    v = 2 * uniform() - 1;
    s = u * u + v * v;
  } while (!(s > 0 && s < 1));
  const f = Math.sqrt((-2 * ln(s)) / s);
  SPARE = v * f;
  HAS_SPARE = true;
  return u * f;
}

/**
 * out (rows, n) f64 ← rows of L·z, z a fresh vector of n normals per row
 * (sampleGaussian in src/latent/covariance.ts); L (n, n) lower triangular. z is n f64 of scratch.
 */
function gaussianRows(L: usize, n: i32, rows: i32, out: usize, z: usize): void {
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) store<f64>(z + (<usize>i << 3), normal());
    const o = out + (<usize>(r * n) << 3);
    for (let i = 0; i < n; i++) {
      let acc: f64 = 0;
      for (let j = 0; j <= i; j++) acc += load<f64>(L + (<usize>(i * n + j) << 3)) * load<f64>(z + (<usize>j << 3));
      store<f64>(o + (<usize>i << 3), acc);
    }
  }
}

/**
 * One mixing function on `rows` rows: z (rows, n) f32 in, out (rows, n) f32;
 * W holds `layers` matrices (n, n) f64, row-major, applied as h ← W·h with
 * LeakyReLU(slope) between layers. Two rows per f64x2 step (one row per
 * lane), each row's sums in the reference's order. h, next: 2n f64 scratch each.
 */
function mix(z: usize, rows: i32, n: i32, W: usize, layers: i32, slope: f64, out: usize, h0: usize, h1: usize): void {
  const vSlope = f64x2.splat(slope);
  const vZero = f64x2.splat(0);
  for (let r = 0; r < rows; r += 2) {
    const r1 = min(r + 1, rows - 1);
    // h[i] = (z[r, i], z[r1, i])
    for (let i = 0; i < n; i++) {
      const a = <f64>load<f32>(z + (<usize>(r * n + i) << 2));
      const b = <f64>load<f32>(z + (<usize>(r1 * n + i) << 2));
      v128.store(h0 + (<usize>i << 4), f64x2.replace_lane(f64x2.splat(a), 1, b));
    }
    let h = h0;
    let next = h1;
    for (let l = 0; l < layers; l++) {
      const w = W + (<usize>(l * n * n) << 3);
      const act = l < layers - 1;
      for (let o = 0; o < n; o++) {
        let acc = vZero;
        const wo = w + (<usize>(o * n) << 3);
        for (let i = 0; i < n; i++) {
          acc = f64x2.add(acc, f64x2.mul(f64x2.splat(load<f64>(wo + (<usize>i << 3))), v128.load(h + (<usize>i << 4))));
        }
        if (act) acc = v128.bitselect(f64x2.mul(acc, vSlope), acc, f64x2.lt(acc, vZero));
        v128.store(next + (<usize>o << 4), acc);
      }
      const tmp = h;
      h = next;
      next = tmp;
    }
    for (let i = 0; i < n; i++) {
      store<f32>(out + (<usize>(r * n + i) << 2), <f32>f64x2.extract_lane(v128.load(h + (<usize>i << 4)), 0));
      if (r1 != r) store<f32>(out + (<usize>(r1 * n + i) << 2), <f32>f64x2.extract_lane(v128.load(h + (<usize>i << 4)), 1));
    }
  }
}

/** Bytes of scratch sampleObservations needs for B rows (see its layout). */
export function samplerWorkBytes(B: i32, ns: i32, nm: i32, nsel: i32, n: i32): i32 {
  const f64s = 2 * B * ns + 2 * B * nm + n + 4 * n;
  const f32s = B * ns * 2 + B * (ns + nm) + B * (nsel + nm);
  return (f64s << 3) + (f32s << 2) + 64;
}

/**
 * The world (all pointers into linear memory):
 *   Ls, Lmx, Lmt, Leps   Cholesky factors, (ns, ns), (nm, nm), (nm, nm), (ns, ns) f64
 *   sel (nsel) i32       I_θ, 1-based;   pert (npert) i32   I_ρ, 1-based, in the model's order
 *   Wx (Lx, nx, nx), Wt (Lt, nt, nt) f64   mixing weights, nx = ns + nm, nt = nsel + nm,
 *                        with LeakyReLU slopes slopeX, slopeT between layers
 * writes x (B, nx) and t (B, nt) f32 and advances rng.
 */
export function sampleObservations(
  rng: usize,
  B: i32,
  ns: i32,
  nm: i32,
  Ls: usize,
  Lmx: usize,
  Lmt: usize,
  Leps: usize,
  sel: usize,
  nsel: i32,
  pert: usize,
  npert: i32,
  perturbProb: f64,
  Wx: usize,
  Lx: i32,
  Wt: usize,
  Lt: i32,
  slopeX: f64,
  slopeT: f64,
  x: usize,
  t: usize,
  work: usize,
): void {
  const nx = ns + nm;
  const nt = nsel + nm;
  const n = max(nx, nt);
  // work: s | eps (B, ns) f64 | mx | mt (B, nm) f64 | z (n) f64 | h0, h1 (n f64x2) | s32 | st32 (B, ns) f32 | zx | zt f32
  const base = (work + 15) & ~15;
  const s = base;
  const eps = s + (<usize>(B * ns) << 3);
  const mx = eps + (<usize>(B * ns) << 3);
  const mt = mx + (<usize>(B * nm) << 3);
  const z = mt + (<usize>(B * nm) << 3);
  const h0 = (z + (<usize>n << 3) + 15) & ~15;
  const h1 = h0 + (<usize>n << 4);
  const s32 = h1 + (<usize>n << 4);
  const st32 = s32 + (<usize>(B * ns) << 2);
  const zx = st32 + (<usize>(B * ns) << 2);
  const zt = zx + (<usize>(B * nx) << 2);

  loadState(rng);
  // Draw order is the model's: s, m_x, m_t, then ε and the coins.
  gaussianRows(Ls, ns, B, s, z);
  gaussianRows(Lmx, nm, B, mx, z);
  gaussianRows(Lmt, nm, B, mt, z);
  for (let k = 0; k < B * ns; k++) {
    const v = <f32>load<f64>(s + (<usize>k << 3));
    store<f32>(s32 + (<usize>k << 2), v);
    store<f32>(st32 + (<usize>k << 2), v);
  }
  if (npert > 0) {
    gaussianRows(Leps, ns, B, eps, z);
    for (let r = 0; r < B; r++) {
      for (let q = 0; q < npert; q++) {
        const k = r * ns + load<i32>(pert + (<usize>q << 2)) - 1;
        if (uniform() < perturbProb) {
          const v = <f64>load<f32>(s32 + (<usize>k << 2)) + load<f64>(eps + (<usize>k << 3));
          store<f32>(st32 + (<usize>k << 2), <f32>v);
        }
      }
    }
  }
  for (let r = 0; r < B; r++) {
    for (let i = 0; i < ns; i++) store<f32>(zx + (<usize>(r * nx + i) << 2), load<f32>(s32 + (<usize>(r * ns + i) << 2)));
    for (let i = 0; i < nm; i++) {
      store<f32>(zx + (<usize>(r * nx + ns + i) << 2), <f32>load<f64>(mx + (<usize>(r * nm + i) << 3)));
      store<f32>(zt + (<usize>(r * nt + nsel + i) << 2), <f32>load<f64>(mt + (<usize>(r * nm + i) << 3)));
    }
    for (let j = 0; j < nsel; j++) {
      const col = load<i32>(sel + (<usize>j << 2)) - 1;
      store<f32>(zt + (<usize>(r * nt + j) << 2), load<f32>(st32 + (<usize>(r * ns + col) << 2)));
    }
  }
  storeState(rng);
  mix(zx, B, nx, Wx, Lx, slopeX, x, h0, h1);
  mix(zt, B, nt, Wt, Lt, slopeT, t, h0, h1);
}
