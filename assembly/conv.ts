// 2-D convolution as im2col + GEMM (the GEMM is gemm.ts), NHWC layout:
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
// inside the image, so both directions move whole runs.

@inline
function outSize(n: i32, k: i32, stride: i32, pad: i32): i32 {
  return (n + 2 * pad - k) / stride + 1;
}

/** cols ← im2col(x). */
export function im2col(x: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, stride: i32, pad: i32, cols: usize): void {
  const OH = outSize(H, KH, stride, pad);
  const OW = outSize(W, KW, stride, pad);
  const rowLen = KH * KW * C;
  let dst = cols;
  for (let n = 0; n < N; n++) {
    const xn = x + (<usize>(n * H * W * C) << 2);
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * stride - pad;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * stride - pad + kh;
          const seg = dst + (<usize>(kh * KW * C) << 2);
          if (ih < 0 || ih >= H) {
            memory.fill(seg, 0, <usize>(KW * C) << 2);
            continue;
          }
          // columns kw with 0 <= iw0 + kw < W come from the image, the rest are padding
          const kwLo = min(KW, max(0, -iw0));
          const kwHi = max(kwLo, min(KW, W - iw0));
          if (kwLo > 0) memory.fill(seg, 0, <usize>(kwLo * C) << 2);
          if (kwHi > kwLo) {
            memory.copy(seg + (<usize>(kwLo * C) << 2), xn + (<usize>((ih * W + iw0 + kwLo) * C) << 2), <usize>((kwHi - kwLo) * C) << 2);
          }
          if (kwHi < KW) memory.fill(seg + (<usize>(kwHi * C) << 2), 0, <usize>((KW - kwHi) * C) << 2);
        }
        dst += <usize>rowLen << 2;
      }
    }
  }
}

/** dx += col2im(dcols): every patch entry added back onto its input pixel (dx must be zeroed by the caller for a fresh gradient). */
export function col2im(dcols: usize, N: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, stride: i32, pad: i32, dx: usize): void {
  const OH = outSize(H, KH, stride, pad);
  const OW = outSize(W, KW, stride, pad);
  const rowLen = KH * KW * C;
  let src = dcols;
  for (let n = 0; n < N; n++) {
    const dxn = dx + (<usize>(n * H * W * C) << 2);
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
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
      }
    }
  }
}
