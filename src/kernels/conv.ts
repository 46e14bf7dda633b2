/**
 * Binding for assembly/conv.ts: 2-D convolution as im2col + GEMM, NHWC
 * (reference: reference/conv.ts).
 *
 *   x (N, H, W, C) → cols (N·OH·OW, KH·KW·C) → y = cols·w + b, (N·OH·OW, F) = (N, OH, OW, F)
 *   backward: dw = colsᵀ·dy, db = Σ_rows dy, dcols = dy·wᵀ, dx = col2im(dcols)
 *
 * The patches move in chunks of rows that stay in cache: for each chunk,
 * im2col then its GEMM (forward), im2col again then its share of dw (the
 * filter gradient), its dcols then col2im (the input gradient), so no
 * (N·OH·OW, KH·KW·C) matrix is ever formed (docs/performance.md, "The
 * image-text step"). A chunk is a whole number of the GEMM's K blocks (256 rows), so dw
 * sums in the same order as one GEMM over all rows: the results are the
 * unchunked ones, bit for bit. Backward reads the x of the last forward, so
 * call them in pairs.
 *
 * A layer with short patches (KH·KW·C ≤ 256) and F a multiple of 8 (the
 * image encoder's first two layers) runs its forward directly instead: the
 * GEMM's micro-kernel reading the patches from a zero-padded copy of the
 * image, no patch matrix at all, the same sums in the same order, so the
 * same results bit for bit (assembly/conv.ts, "Direct convolution"). Its
 * filter gradient runs directly too when the input has at most 4 channels (an
 * image's first layer): there a 256-row block's pixels stay in the L1 cache,
 * while with more channels they do not and the packed GEMM is faster
 * (docs/performance.md, "The image-text step").
 *
 * With `sparseInput` (one-hot tokens), the layer skips im2col and the GEMMs:
 * each output pixel adds x·w[tap, c, :] for its taps' non-zero inputs, and dw
 * adds x ⊗ dy the same way (the same function for any input up to float
 * rounding, fast when most of it is zero). It has no input gradient, so it
 * can only be a net's first layer.
 */
import { MisalignError } from '../common/errors.js';
import { biasAdd, columnSums } from './activations.js';
import type { F32Buffer } from './arena.js';
import { gemm, oneThread } from './gemm.js';
import { checkBuffer, splitRange, type Kernels } from './module.js';
import type { Job } from './threads.js';

export interface Conv2dShape {
  N: number;
  H: number;
  W: number;
  C: number;
  KH: number;
  KW: number;
  /** Filters (output channels). */
  F: number;
  stride: number;
  pad: number;
}

/** Floats of one chunk of patches (256 KiB): rows = this / patch, in whole multiples of CHUNK_ALIGN. */
const CHUNK_FLOATS = 65_536;
/** The GEMM's K block (assembly/gemm.ts KC): dw's sums keep their order when chunks are multiples of it. */
const CHUNK_ALIGN = 256;

export interface Conv2dOptions {
  /** The input is mostly zeros (one-hot tokens): read only its non-zero values; no input gradient. Default false. */
  sparseInput?: boolean;
  /** Floats per chunk of patches; Infinity moves all rows at once (one im2col matrix, as the bench compares). */
  chunkFloats?: number;
  /** Run the forward (and filter gradient) directly where the layer allows (default true); false keeps im2col + GEMM. */
  direct?: boolean;
}

export function convOutSize(n: number, k: number, stride: number, pad: number): number {
  return Math.floor((n + 2 * pad - k) / stride) + 1;
}

export class Conv2d {
  readonly OH: number;
  readonly OW: number;
  /** Output rows, N·OH·OW. */
  readonly rows: number;
  /** Patch length, KH·KW·C. */
  readonly patch: number;
  /** Rows of patches per chunk. */
  readonly chunkRows: number;
  /** Whether the forward runs directly (no patches; see above), and whether the filter gradient does. */
  readonly direct: boolean;
  readonly directFilterGrad: boolean;
  /** Whether the input is read as sparse (Conv2dOptions). */
  readonly sparseInput: boolean;
  /** The zero-padded copy of the last forward's input (N, H + 2·pad, W + 2·pad, C) for the direct kernels; null otherwise. */
  private readonly padded: F32Buffer | null;
  /** One chunk of patches (chunkRows, patch) and of their gradients; null where unused. */
  private readonly cols: F32Buffer | null;
  private readonly dcols: F32Buffer | null;
  /** The input of the last forward (its backward reads it again). */
  private lastInput: F32Buffer | null = null;

  constructor(
    private readonly k: Kernels,
    readonly shape: Conv2dShape,
    options: Conv2dOptions = {},
  ) {
    const { sparseInput = false, chunkFloats = CHUNK_FLOATS, direct = true } = options;
    this.sparseInput = sparseInput;
    const { N, H, W, C, KH, KW, stride, pad } = shape;
    for (const [what, v] of Object.entries(shape)) {
      if (!Number.isInteger(v) || v < (what === 'pad' ? 0 : 1))
        throw new MisalignError('OUT_OF_RANGE', `convolution ${what} must be a ${what === 'pad' ? 'non-negative' : 'positive'} integer, got ${v}`);
    }
    if (KH > H + 2 * pad || KW > W + 2 * pad) {
      throw new MisalignError('SHAPE_MISMATCH', `a ${KH}×${KW} kernel does not fit a ${H}×${W} input padded by ${pad}`);
    }
    this.OH = convOutSize(H, KH, stride, pad);
    this.OW = convOutSize(W, KW, stride, pad);
    this.rows = N * this.OH * this.OW;
    this.patch = KH * KW * C;
    this.chunkRows = Math.min(this.rows, Math.max(1, Math.floor(chunkFloats / this.patch / CHUNK_ALIGN)) * CHUNK_ALIGN);
    this.direct = direct && !sparseInput && k.exports.convDirectFits(KH, KW, C, shape.F) === 1;
    this.padded = this.direct ? k.arena.alloc(N * (H + 2 * pad) * (W + 2 * pad) * C) : null;
    this.directFilterGrad = this.direct && C <= 4;
    this.cols = sparseInput || this.directFilterGrad ? null : k.arena.alloc(this.chunkRows * this.patch);
    this.dcols = sparseInput ? null : k.arena.alloc(this.chunkRows * this.patch);
  }

  /** y (N·OH·OW, F) ← conv(x (N, H, W, C)) with filters w (KH·KW·C, F) and bias b (F) or none. */
  forward(x: F32Buffer, w: F32Buffer, b: F32Buffer | null, y: F32Buffer): void {
    const { N, H, W, C, KH, KW, F, stride, pad } = this.shape;
    checkBuffer('convolution input', x, N * H * W * C);
    checkBuffer('convolution filters', w, this.patch * F);
    checkBuffer('convolution output', y, this.rows * F);
    this.lastInput = x;
    if (this.padded) {
      const xp = this.padded.ptr;
      this.k.exports.padImage(x.ptr, N, H, W, C, pad, xp);
      const args = (row0: number, rows: number, t: number) =>
        [xp, N, H, W, C, KH, KW, stride, pad, F, w.ptr, row0, rows, y.ptr, this.k.gemmWork[t]!.ptr] as const;
      if (oneThread(this.k, this.rows * this.patch * F)) this.k.exports.convDirectForward(...args(0, this.rows, 0));
      else this.k.run(splitRange(this.rows, this.k.threads, 4).map(([r0, r1], t): Job => ({ fn: 'convDirectForward', args: [...args(r0, r1 - r0, t)] })));
    } else if (this.cols) {
      const cols = this.cols;
      this.chunks((row0, rows) => {
        this.k.exports.im2col(x.ptr, N, H, W, C, KH, KW, stride, pad, row0, rows, cols.ptr);
        gemm(this.k, { M: rows, N: F, K: this.patch, A: cols, B: w, C: y.view(row0 * F, rows * F) });
      });
    } else {
      this.k.exports.sparseConvForward(x.ptr, N, H, W, C, KH, KW, stride, pad, F, w.ptr, y.ptr);
    }
    if (b) biasAdd(this.k, y, b, this.rows, F);
  }

  /**
   * From dy (N·OH·OW, F): dw (KH·KW·C, F) and db (F) are written, or added to with
   * `accumulate`; dx (N, H, W, C), if given, is written. Uses the x of the last forward call.
   */
  backward(w: F32Buffer, dy: F32Buffer, dw: F32Buffer, db: F32Buffer | null, dx: F32Buffer | null, accumulate = false): void {
    this.filterGrad(dy, dw, db, accumulate);
    if (dx) this.inputGrad(w, dy, dx);
  }

  /** dw (KH·KW·C, F) ← (or += with `accumulate`) colsᵀ·dy, and db (F) ← column sums of dy (N·OH·OW, F). */
  filterGrad(dy: F32Buffer, dw: F32Buffer, db: F32Buffer | null, accumulate = false): void {
    const { N, H, W, C, KH, KW, F, stride, pad } = this.shape;
    const beta = accumulate ? 1 : 0;
    checkBuffer('convolution output gradient', dy, this.rows * F);
    checkBuffer('convolution filter gradient', dw, this.patch * F);
    const x = this.lastInput;
    if (!x) throw new MisalignError('SHAPE_MISMATCH', 'convolution backward called before its forward');
    if (this.directFilterGrad && this.padded) {
      const k = this.k;
      const xp = this.padded.ptr; // the forward's padded copy of x
      const args = (k0: number, k1: number) => [xp, N, H, W, C, KH, KW, stride, pad, F, dy.ptr, this.rows, beta, dw.ptr, k0, k1] as const;
      if (oneThread(k, this.rows * this.patch * F)) k.exports.convDirectFilterGrad(...args(0, this.patch));
      else k.run(splitRange(this.patch, k.threads, 4).map(([k0, k1]): Job => ({ fn: 'convDirectFilterGrad', args: [...args(k0, k1)] })));
    } else if (this.cols) {
      const cols = this.cols;
      this.chunks((row0, rows) => {
        this.k.exports.im2col(x.ptr, N, H, W, C, KH, KW, stride, pad, row0, rows, cols.ptr);
        const b = row0 === 0 ? beta : 1;
        gemm(this.k, { M: this.patch, N: F, K: rows, A: cols, B: dy.view(row0 * F, rows * F), C: dw, transA: true, beta: b });
      });
    } else {
      this.k.exports.sparseConvFilterGrad(x.ptr, N, H, W, C, KH, KW, stride, pad, F, dy.ptr, beta, dw.ptr);
    }
    if (db) columnSums(this.k, dy, db, this.rows, F, beta);
  }

  /** dx (N, H, W, C) ← col2im(dy·wᵀ), from dy (N·OH·OW, F) and the filters w (KH·KW·C, F). */
  inputGrad(w: F32Buffer, dy: F32Buffer, dx: F32Buffer): void {
    const { N, H, W, C, KH, KW, F, stride, pad } = this.shape;
    if (!this.dcols) throw new MisalignError('SHAPE_MISMATCH', 'a convolution over a sparse input has no input gradient: it must be the first layer');
    checkBuffer('convolution output gradient', dy, this.rows * F);
    checkBuffer('convolution input gradient', dx, N * H * W * C);
    const dcols = this.dcols;
    dx.array.fill(0, 0, N * H * W * C);
    this.chunks((row0, rows) => {
      gemm(this.k, { M: rows, N: this.patch, K: F, A: dy.view(row0 * F, rows * F), B: w, C: dcols, transB: true });
      this.k.exports.col2im(dcols.ptr, N, H, W, C, KH, KW, stride, pad, row0, rows, dx.ptr);
    });
  }

  /** Calls `fn(row0, rows)` for each chunk of output rows, in order. */
  private chunks(fn: (row0: number, rows: number) => void): void {
    for (let row0 = 0; row0 < this.rows; row0 += this.chunkRows) fn(row0, Math.min(this.chunkRows, this.rows - row0));
  }
}
