/**
 * Plain reference for assembly/conv.ts (2-D convolution, NHWC, zero padding),
 * written as the definition in f64, for the tests.
 *
 *   y[n, oh, ow, f] = b[f] + Σ_{kh, kw, c} x[n, oh·s − p + kh, ow·s − p + kw, c] · w[(kh·KW + kw)·C + c, f]
 */
import type { Conv2dShape } from '../conv.js';
import { convOutSize } from '../conv.js';

function forEachTap(s: Conv2dShape, visit: (xi: number, wi: number, yi: number) => void): void {
  const OH = convOutSize(s.H, s.KH, s.stride, s.pad);
  const OW = convOutSize(s.W, s.KW, s.stride, s.pad);
  for (let n = 0; n < s.N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let kh = 0; kh < s.KH; kh++)
          for (let kw = 0; kw < s.KW; kw++) {
            const ih = oh * s.stride - s.pad + kh;
            const iw = ow * s.stride - s.pad + kw;
            if (ih < 0 || ih >= s.H || iw < 0 || iw >= s.W) continue;
            for (let c = 0; c < s.C; c++) {
              const xi = ((n * s.H + ih) * s.W + iw) * s.C + c;
              const wi = ((kh * s.KW + kw) * s.C + c) * s.F;
              const yi = ((n * OH + oh) * OW + ow) * s.F;
              visit(xi, wi, yi);
            }
          }
}

export function conv2dForward(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, s: Conv2dShape): Float64Array {
  const rows = s.N * convOutSize(s.H, s.KH, s.stride, s.pad) * convOutSize(s.W, s.KW, s.stride, s.pad);
  const y = new Float64Array(rows * s.F);
  if (b) for (let r = 0; r < rows; r++) for (let f = 0; f < s.F; f++) y[r * s.F + f] = b[f]!;
  forEachTap(s, (xi, wi, yi) => {
    for (let f = 0; f < s.F; f++) y[yi + f]! += x[xi]! * w[wi + f]!;
  });
  return y;
}

/** Gradients of Σ dy ⊙ y with respect to x, w and b. */
export function conv2dBackward(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  dy: ArrayLike<number>,
  s: Conv2dShape,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(s.N * s.H * s.W * s.C);
  const dw = new Float64Array(s.KH * s.KW * s.C * s.F);
  const db = new Float64Array(s.F);
  for (let i = 0; i < dy.length; i++) db[i % s.F]! += dy[i]!;
  forEachTap(s, (xi, wi, yi) => {
    for (let f = 0; f < s.F; f++) {
      dx[xi]! += dy[yi + f]! * w[wi + f]!;
      dw[wi + f]! += dy[yi + f]! * x[xi]!;
    }
  });
  return { dx, dw, db };
}
