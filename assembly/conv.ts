// 2-D convolution as im2col + GEMM (the GEMM is gemm.ts), NHWC layout, and a direct form for
// sparse inputs (at the end of the file):
//
//   x     (N, H, W, C)            input
//   cols  (N·OH·OW, KH·KW·C)      im2col(x): row (n, oh, ow) holds the KH×KW×C patch
//                                 under output pixel (oh, ow), zeros where it hangs over the padding
//   w     (KH·KW·C, F)            filters, so that y = cols·w (+ bias) is (N·OH·OW, F) = (N, OH, OW, F)
//   OH = (H + 2·pad − KH)/stride + 1, likewise OW
//
// Backward: dW = colsᵀ·dY and dCols = dY·wᵀ are GEMMs; dX = col2im(dCols)
// adds every patch entry back onto the input pixel it came from.
//
// Each patch row (kh) is a run of KW·C contiguous input values when it lies
// inside the image, so both directions move whole runs, a range of output rows at a time.

import { fmaf, madd } from "./fma";

@inline
function outSize(n: i32, k: i32, stride: i32, pad: i32): i32 {
  return (n + 2 * pad - k) / stride + 1;
}

// dst[0..n) = src[0..n), four floats at a time (im2col's runs are short: KW·C floats, 12 for
// an RGB 4×4 patch row, where memory.copy's call costs more than the copy).
@inline
function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

// dst[0..n) = 0.
@inline
function zeroFloats(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

// Output row r = (n·OH + oh)·OW + ow of the layer: its image n, output pixel (oh, ow).
// Both directions take a range of rows [row0, row0 + rows), so a layer can move its patches in
// chunks that stay in cache (src/kernels/conv.ts) instead of one (N·OH·OW, KH·KW·C) matrix.

/** cols (rows, KH·KW·C) ← rows [row0, row0 + rows) of im2col(x). */
export function im2col(x: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, stride: i32, pad: i32, row0: i32, rows: i32, cols: usize): void {
  const OH = outSize(H, KH, stride, pad);
  const OW = outSize(W, KW, stride, pad);
  const rowLen = KH * KW * C;
  let dst = cols;
  // (n, oh, ow) of row0, then stepped row by row (no division per row)
  let n = row0 / (OH * OW);
  let oh = (row0 / OW) % OH;
  let ow = row0 % OW;
  for (let r = 0; r < rows; r++) {
    const xn = x + (<usize>(n * H * W * C) << 2);
    const iw0 = ow * stride - pad;
    // columns kw with 0 <= iw0 + kw < W come from the image, the rest are padding
    const kwLo = min(KW, max(0, -iw0));
    const kwHi = max(kwLo, min(KW, W - iw0));
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * stride - pad + kh;
      const seg = dst + (<usize>(kh * KW * C) << 2);
      if (ih < 0 || ih >= H) {
        zeroFloats(seg, KW * C);
        continue;
      }
      if (kwLo > 0) zeroFloats(seg, kwLo * C);
      if (kwHi > kwLo) copyFloats(seg + (<usize>(kwLo * C) << 2), xn + (<usize>((ih * W + iw0 + kwLo) * C) << 2), (kwHi - kwLo) * C);
      if (kwHi < KW) zeroFloats(seg + (<usize>(kwHi * C) << 2), (KW - kwHi) * C);
    }
    dst += <usize>rowLen << 2;
    if (++ow == OW) {
      ow = 0;
      if (++oh == OH) {
        oh = 0;
        n++;
      }
    }
  }
}

/**
 * dx += col2im of dcols (rows, KH·KW·C), the patches of rows [row0, row0 + rows): every patch entry
 * added back onto its input pixel (dx must be zeroed by the caller for a fresh gradient).
 */
export function col2im(dcols: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, stride: i32, pad: i32, row0: i32, rows: i32, dx: usize): void {
  const OH = outSize(H, KH, stride, pad);
  const OW = outSize(W, KW, stride, pad);
  const rowLen = KH * KW * C;
  let src = dcols;
  let n = row0 / (OH * OW);
  let oh = (row0 / OW) % OH;
  let ow = row0 % OW;
  for (let r = 0; r < rows; r++) {
    const dxn = dx + (<usize>(n * H * W * C) << 2);
    const iw0 = ow * stride - pad;
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * stride - pad + kh;
      if (ih < 0 || ih >= H) continue;
      const kwLo = min(KW, max(0, -iw0));
      const kwHi = min(KW, W - iw0);
      if (kwHi <= kwLo) continue;
      const count = (kwHi - kwLo) * C;
      const s = src + (<usize>((kh * KW + kwLo) * C) << 2);
      const d = dxn + (<usize>((ih * W + iw0 + kwLo) * C) << 2);
      let i = 0;
      for (; i + 4 <= count; i += 4) {
        const o = <usize>i << 2;
        v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
      }
      for (; i < count; i++) {
        const o = <usize>i << 2;
        store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
      }
    }
    src += <usize>rowLen << 2;
    if (++ow == OW) {
      ow = 0;
      if (++oh == OH) {
        oh = 0;
        n++;
      }
    }
  }
}

// Convolution of a sparse input (one-hot tokens: the text encoder's first layer): the same
// function for any input, up to float rounding (its sums skip the zero terms), but costing only
// its non-zero values: instead of im2col + GEMM over every entry,
// each output pixel adds x·w[tap, c, :] for the taps' non-zero input values
// (x (N, H, W, C), w (KH·KW·C, F), y (N·OH·OW, F), as above). The scan for non-zeros reads
// four channels at a time; a one-hot row of C = 123 costs ~31 compares and one F-wide axpy.
// There is no input gradient: such a layer is a net's first.

// y[0..F) += v · w[0..F)
@inline
function axpyRow(y: usize, w: usize, v: f32, F: i32): void {
  const vv = f32x4.splat(v);
  let f = 0;
  for (; f + 4 <= F; f += 4) {
    const o = <usize>f << 2;
    v128.store(y + o, madd(vv, v128.load(w + o), v128.load(y + o)));
  }
  for (; f < F; f++) {
    const o = <usize>f << 2;
    store<f32>(y + o, fmaf(v, load<f32>(w + o), load<f32>(y + o)));
  }
}

// One in-bounds tap: for each non-zero x[c] at pixel px, with the weight row w[tap, c, :] at wt + c·F,
// either out += x[c]·w[tap, c, :] (gather, the forward; v = the output row) or
// w[tap, c, :] += x[c]·g (scatter, the filter gradient; v = the output gradient row).
@inline
function tapNonZeros(px: usize, C: i32, wt: usize, rowB: usize, v: usize, F: i32, scatter: bool): void {
  let c = 0;
  for (; c < C; c++) {
    if ((c & 3) == 0 && c + 4 <= C && !v128.any_true(f32x4.ne(v128.load(px + (<usize>c << 2)), f32x4.splat(0)))) {
      c += 3; // four zeros at once
      continue;
    }
    const s = load<f32>(px + (<usize>c << 2));
    if (s == 0) continue;
    if (scatter) axpyRow(wt + <usize>c * rowB, v, s, F);
    else axpyRow(v, wt + <usize>c * rowB, s, F);
  }
}

// Every output pixel's in-bounds taps, in order; rows (N·OH·OW, F) are the outputs (gather) or
// the output gradients (scatter), w (KH·KW·C, F) the filters or their gradient.
function sparseTaps(x: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, stride: i32, pad: i32, F: i32, w: usize, rows: usize, scatter: bool): void {
  const OH = outSize(H, KH, stride, pad);
  const OW = outSize(W, KW, stride, pad);
  const rowB = <usize>F << 2;
  let row = rows;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * stride - pad + kh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * stride - pad + kw;
            if (iw < 0 || iw >= W) continue;
            const px = x + (<usize>(((n * H + ih) * W + iw) * C) << 2);
            tapNonZeros(px, C, w + <usize>((kh * KW + kw) * C) * rowB, rowB, row, F, scatter);
          }
        }
        row += rowB;
      }
    }
  }
}

/** y ← conv(x, w) without bias, reading only x's non-zero values. */
export function sparseConvForward(x: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, stride: i32, pad: i32, F: i32, w: usize, y: usize): void {
  memory.fill(y, 0, <usize>(N * outSize(H, KH, stride, pad) * outSize(W, KW, stride, pad) * F) << 2);
  sparseTaps(x, N, H, W, C, KH, KW, stride, pad, F, w, y, false);
}

/** dw ← beta·dw + Σ_pixels x ⊗ dy over the taps (colsᵀ·dy of the dense form), reading only x's non-zero values. */
export function sparseConvFilterGrad(x: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, stride: i32, pad: i32, F: i32, dy: usize, beta: f32, dw: usize): void {
  const count = KH * KW * C * F;
  if (beta == 0) memory.fill(dw, 0, <usize>count << 2);
  else if (beta != 1) {
    for (let i = 0; i < count; i++) store<f32>(dw + (<usize>i << 2), beta * load<f32>(dw + (<usize>i << 2)));
  }
  sparseTaps(x, N, H, W, C, KH, KW, stride, pad, F, dw, dy, true);
}

// Direct convolution for short patches (KH·KW·C ≤ 256, F a multiple of 8: the image encoder's
// first layers), with no patch matrix: the GEMM's 4 × 8 micro-kernel reading its A operand (the
// patches) straight from a zero-padded copy of the image, four output pixels (forward) or four
// patch entries (filter gradient) at a time. Each output and each filter-gradient entry is summed
// in the GEMM's order (one K block of ≤ 256 patch entries for the forward; 256-row blocks, each
// added to dw, for the filter gradient), and a tap over the padding multiplies a zero as im2col's
// does, so both agree with im2col + GEMM bit for bit (test/kernels-conv.test.ts). The padded copy
// keeps the inner loops free of bounds checks (with them, the accumulators spill).
//
//   x (N, H, W, C) → xp (N, H + 2·pad, W + 2·pad, C), w (P, F) with P = KH·KW·C,
//   y and dy (N·OH·OW, F), dw (P, F)
//   patch entry k = (kh·KW + kw)·C + c of output pixel (n, oh, ow) reads xp[n, oh·stride + kh, ow·stride + kw, c]

/**
 * Whether the direct kernels take this layer: P ≤ 256 (one GEMM K block), F a multiple of 8, and
 * the packed filters (P·F floats) within a GEMM workspace (F ≤ 2048).
 */
export function convDirectFits(KH: i32, KW: i32, C: i32, F: i32): i32 {
  return KH * KW * C <= 256 && F % 8 == 0 && F > 0 && F <= 2048 ? 1 : 0;
}

/** xp (N, H + 2·pad, W + 2·pad, C) ← x (N, H, W, C) framed by `pad` pixels of zeros. */
export function padImage(x: usize, N: i32, H: i32, W: i32, C: i32, pad: i32, xp: usize): void {
  const Wp = W + 2 * pad;
  const rowB = <usize>(W * C) << 2;
  const padRowB = <usize>(Wp * C) << 2;
  const sideB = <usize>(pad * C) << 2;
  let dst = xp;
  let src = x;
  for (let n = 0; n < N; n++) {
    memory.fill(dst, 0, <usize>pad * padRowB);
    dst += <usize>pad * padRowB;
    for (let h = 0; h < H; h++) {
      memory.fill(dst, 0, sideB);
      memory.copy(dst + sideB, src, rowB);
      memory.fill(dst + sideB + rowB, 0, sideB);
      dst += padRowB;
      src += rowB;
    }
    memory.fill(dst, 0, <usize>pad * padRowB);
    dst += <usize>pad * padRowB;
  }
}

// Float offset in xp of output row r's patch origin, for the padded image's Hp × Wp × C.
@inline
function patchOrigin(n: i32, oh: i32, ow: i32, Hp: i32, Wp: i32, C: i32, stride: i32): i32 {
  return ((n * Hp + oh * stride) * Wp + ow * stride) * C;
}

/**
 * y rows [row0, row0 + rows) ← conv(x, w), no bias, from the padded image xp (padImage), for a
 * layer convDirectFits takes. The filters are first packed as the GEMM packs its B operand, in
 * panels of 8 columns (P × 8, contiguous, at `work`: P·F floats, each thread its own), so that a
 * panel stays in the L1 cache while every output pixel passes over it.
 */
export function convDirectForward(xp: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, stride: i32, pad: i32, F: i32, w: usize, row0: i32, rows: i32, y: usize, work: usize): void {
  const OH = outSize(H, KH, stride, pad);
  const OW = outSize(W, KW, stride, pad);
  const Hp = H + 2 * pad;
  const Wp = W + 2 * pad;
  const P = KH * KW * C;
  const rowB = <usize>F << 2;
  const run = KW * C; // a patch row: contiguous floats in xp
  const lineB = <usize>(Wp * C) << 2; // one padded image row
  // panel fb/8: w[k, fb .. fb + 8) at work + (fb·P + 8k) floats
  for (let fb = 0; fb < F; fb += 8) {
    const panel = work + (<usize>(fb * P) << 2);
    for (let k = 0; k < P; k++) {
      const src = w + <usize>k * rowB + (<usize>fb << 2);
      v128.store(panel + (<usize>k << 5), v128.load(src));
      v128.store(panel + (<usize>k << 5), v128.load(src, 16), 16);
    }
  }
  for (let fb = 0; fb < F; fb += 8) {
    const panel = work + (<usize>(fb * P) << 2);
    let n = row0 / (OH * OW);
    let oh = (row0 / OW) % OH;
    let ow = row0 % OW;
    for (let r = 0; r < rows; r += 4) {
      const live = min(4, rows - r);
      // the four pixels' patch origins, stepping (n, oh, ow) as im2col does; a missing pixel
      // (the last group may be short) reads the first one's patch and is not stored
      const q0 = patchOrigin(n, oh, ow, Hp, Wp, C, stride);
      let q1 = q0, q2 = q0, q3 = q0;
      for (let i = 0; i < live; i++) {
        if (i == 1) q1 = patchOrigin(n, oh, ow, Hp, Wp, C, stride);
        else if (i == 2) q2 = patchOrigin(n, oh, ow, Hp, Wp, C, stride);
        else if (i == 3) q3 = patchOrigin(n, oh, ow, Hp, Wp, C, stride);
        if (++ow == OW) {
          ow = 0;
          if (++oh == OH) {
            oh = 0;
            n++;
          }
        }
      }
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
      let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let wp = panel;
      for (let kh = 0; kh < KH; kh++) {
        const line = <usize>kh * lineB;
        let p0 = xp + (<usize>q0 << 2) + line;
        let p1 = xp + (<usize>q1 << 2) + line;
        let p2 = xp + (<usize>q2 << 2) + line;
        let p3 = xp + (<usize>q3 << 2) + line;
        const end = p0 + (<usize>run << 2);
        while (p0 < end) {
          const b0 = v128.load(wp);
          const b1 = v128.load(wp, 16);
          let a = v128.load32_splat(p0);
          c00 = madd(a, b0, c00);
          c01 = madd(a, b1, c01);
          a = v128.load32_splat(p1);
          c10 = madd(a, b0, c10);
          c11 = madd(a, b1, c11);
          a = v128.load32_splat(p2);
          c20 = madd(a, b0, c20);
          c21 = madd(a, b1, c21);
          a = v128.load32_splat(p3);
          c30 = madd(a, b0, c30);
          c31 = madd(a, b1, c31);
          p0 += 4;
          p1 += 4;
          p2 += 4;
          p3 += 4;
          wp += 32;
        }
      }
      const o = y + <usize>(row0 + r) * rowB + (<usize>fb << 2);
      v128.store(o, c00);
      v128.store(o, c01, 16);
      if (live > 1) {
        v128.store(o + rowB, c10);
        v128.store(o + rowB, c11, 16);
      }
      if (live > 2) {
        v128.store(o + 2 * rowB, c20);
        v128.store(o + 2 * rowB, c21, 16);
      }
      if (live > 3) {
        v128.store(o + 3 * rowB, c30);
        v128.store(o + 3 * rowB, c31, 16);
      }
    }
  }
}

// dw row p (8 floats) ← beta·dw + (s0, s1), as the GEMM stores a tile (beta 0 ignores old values).
@inline
function addTileRow(p: usize, s0: v128, s1: v128, beta: f32): void {
  if (beta == 0) {
    v128.store(p, s0);
    v128.store(p, s1, 16);
  } else if (beta == 1) {
    v128.store(p, f32x4.add(v128.load(p), s0));
    v128.store(p, f32x4.add(v128.load(p, 16), s1), 16);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(p, f32x4.add(f32x4.mul(v128.load(p), vb), s0));
    v128.store(p, f32x4.add(f32x4.mul(v128.load(p, 16), vb), s1), 16);
  }
}

// Float offset of patch entry k from its patch's origin in the padded image.
@inline
function entryOffset(k: i32, KW: i32, C: i32, Wp: i32): i32 {
  const c = k % C;
  const kw = (k / C) % KW;
  const kh = k / (C * KW);
  return (kh * Wp + kw) * C + c;
}

/**
 * dw rows [k0, k1) ← beta·dw + Σ_rows patch(row)ᵀ·dy[row] over the output rows [0, rows) (colsᵀ·dy
 * of the GEMM form), from the padded image xp, for a layer convDirectFits takes; k0 a multiple of
 * 4. The rows are summed in blocks of 256, each block's sum added to dw as the GEMM adds its K
 * blocks. Along an output line (fixed n, oh) the patches step by stride·C floats, so the inner
 * loop only adds (a table of patch addresses instead made V8's optimising tier several times
 * slower).
 */
export function convDirectFilterGrad(xp: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, stride: i32, pad: i32, F: i32, dy: usize, rows: i32, beta: f32, dw: usize, k0: i32, k1: i32): void {
  const OH = outSize(H, KH, stride, pad);
  const OW = outSize(W, KW, stride, pad);
  const Hp = H + 2 * pad;
  const Wp = W + 2 * pad;
  const P = KH * KW * C;
  const rowB = <usize>F << 2;
  const stepB = <usize>(stride * C) << 2;
  for (let blk = 0; blk < rows; blk += 256) {
    const kc = min(256, rows - blk);
    const b: f32 = blk == 0 ? beta : 1;
    const n0 = blk / (OH * OW);
    const oh0 = (blk / OW) % OH;
    const ow0 = blk % OW;
    for (let kt = k0; kt < k1; kt += 4) {
      // the tile's four patch entries; one past P reads entry kt again and is not stored
      const e = min(4, P - kt);
      const o0 = <usize>entryOffset(kt, KW, C, Wp) << 2;
      const o1 = <usize>entryOffset(e > 1 ? kt + 1 : kt, KW, C, Wp) << 2;
      const o2 = <usize>entryOffset(e > 2 ? kt + 2 : kt, KW, C, Wp) << 2;
      const o3 = <usize>entryOffset(e > 3 ? kt + 3 : kt, KW, C, Wp) << 2;
      for (let fb = 0; fb < F; fb += 8) {
        let a00 = f32x4.splat(0), a01 = f32x4.splat(0);
        let a10 = f32x4.splat(0), a11 = f32x4.splat(0);
        let a20 = f32x4.splat(0), a21 = f32x4.splat(0);
        let a30 = f32x4.splat(0), a31 = f32x4.splat(0);
        let dp = dy + <usize>blk * rowB + (<usize>fb << 2);
        let n = n0, oh = oh0, ow = ow0;
        let left = kc;
        while (left > 0) {
          // the rest of output line (n, oh) from ow, or of the block
          const len = min(OW - ow, left);
          const origin = xp + (<usize>patchOrigin(n, oh, ow, Hp, Wp, C, stride) << 2);
          let p0 = origin + o0;
          let p1 = origin + o1;
          let p2 = origin + o2;
          let p3 = origin + o3;
          const end = dp + <usize>len * rowB;
          while (dp < end) {
            const b0 = v128.load(dp);
            const b1 = v128.load(dp, 16);
            let a = v128.load32_splat(p0);
            a00 = madd(a, b0, a00);
            a01 = madd(a, b1, a01);
            a = v128.load32_splat(p1);
            a10 = madd(a, b0, a10);
            a11 = madd(a, b1, a11);
            a = v128.load32_splat(p2);
            a20 = madd(a, b0, a20);
            a21 = madd(a, b1, a21);
            a = v128.load32_splat(p3);
            a30 = madd(a, b0, a30);
            a31 = madd(a, b1, a31);
            p0 += stepB;
            p1 += stepB;
            p2 += stepB;
            p3 += stepB;
            dp += rowB;
          }
          left -= len;
          ow = 0;
          if (++oh == OH) {
            oh = 0;
            n++;
          }
        }
        const d = dw + <usize>kt * rowB + (<usize>fb << 2);
        addTileRow(d, a00, a01, b);
        if (e > 1) addTileRow(d + rowB, a10, a11, b);
        if (e > 2) addTileRow(d + 2 * rowB, a20, a21, b);
        if (e > 3) addTileRow(d + 3 * rowB, a30, a31, b);
      }
    }
  }
}
