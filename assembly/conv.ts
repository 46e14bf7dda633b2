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
