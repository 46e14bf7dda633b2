/**
 * Binding for assembly/lpsimclr.ts: the fused LpSimCLR loss of docs/losses.md and
 * its gradients (reference: reference/lpsimclr.ts). Workspaces are sized once
 * for a batch and embedding size and reused every step. With helper threads
 * the rows are split between them.
 */
import { MisalignError } from '../common/errors.js';
import type { F32Buffer } from './arena.js';
import { checkBuffer, splitRange, type Kernels } from './module.js';

export interface LpSimclrOptions {
  /** Temperature τ. Default 1. */
  tau?: number;
  /** Weight α of the positive term. Default 0.5. */
  alpha?: number;
}

export interface LpSimclrGradBuffers {
  /** ∂/∂h_x, (B, d) */
  hx: F32Buffer;
  /** ∂/∂h_t, (B, d) */
  ht: F32Buffer;
  /** ∂/∂h_x', (B, d) */
  hxNeg: F32Buffer;
  /** ∂/∂h_t', (B, d) */
  htNeg: F32Buffer;
}

export interface LpSimclrLosses {
  /** 0.5·(lossXT + lossTX) */
  loss: number;
  /** L(h_x, h_t, h_x') */
  lossXT: number;
  /** L(h_t, h_x, h_t') */
  lossTX: number;
}

export class LpSimclr {
  readonly tau: number;
  readonly alpha: number;
  /** One workspace per thread. */
  private readonly work: F32Buffer[];
  /** Threads' shares of ∂L/∂c, (negatives, dim), added into the caller's buffer after the run. */
  private readonly partialGc: F32Buffer[];
  /** Row ranges, one per thread. */
  private readonly ranges: [number, number][];

  /** A loss for batches of `batch` rows of dimension `dim` (negatives: `negatives` rows, default = batch). */
  constructor(
    private readonly k: Kernels,
    readonly batch: number,
    readonly dim: number,
    options: LpSimclrOptions = {},
    readonly negatives = batch,
  ) {
    this.tau = options.tau ?? 1;
    this.alpha = options.alpha ?? 0.5;
    if (!(this.tau > 0)) throw new MisalignError('OUT_OF_RANGE', `temperature must be positive, got ${this.tau}`);
    if (!(this.alpha >= 0 && this.alpha <= 1)) throw new MisalignError('OUT_OF_RANGE', `alpha must be in [0, 1], got ${this.alpha}`);
    for (const [what, v] of [
      ['batch', batch],
      ['dimension', dim],
      ['negatives', negatives],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new MisalignError('OUT_OF_RANGE', `loss ${what} must be a positive integer, got ${v}`);
    }
    this.ranges = splitRange(batch, k.threads, 4);
    this.work = this.ranges.map(() => k.arena.alloc(k.exports.lpsimclrWorkFloats(negatives, dim)));
    // one per thread: the first is only needed for in-batch negatives with several threads
    this.partialGc = this.ranges.length > 1 ? this.ranges.map(() => k.arena.alloc(negatives * dim)) : [];
  }

  /**
   * L(a, b, c) for a, b (batch, dim) and negatives c (negatives, dim);
   * accumulates ga += w·∂L/∂a, gb += w·∂L/∂b, gc += w·∂L/∂c. Returns L.
   */
  directional(a: F32Buffer, b: F32Buffer, c: F32Buffer, ga: F32Buffer, gb: F32Buffer, gc: F32Buffer, weight = 1): number {
    const n = this.batch * this.dim;
    const m = this.negatives * this.dim;
    for (const [what, buf, size] of [
      ['a', a, n],
      ['b', b, n],
      ['c', c, m],
      ['grad a', ga, n],
      ['grad b', gb, n],
      ['grad c', gc, m],
    ] as const) {
      checkBuffer(`LpSimCLR ${what}`, buf, size);
    }
    return this.run(a, b, c, ga, gb, gc, weight, false);
  }

  /**
   * L with in-batch negatives: row i's negatives are the other rows of a
   * (its own pair left out). Accumulates ga += w·∂L/∂a, gb += w·∂L/∂b.
   */
  inBatch(a: F32Buffer, b: F32Buffer, ga: F32Buffer, gb: F32Buffer, weight = 1): number {
    if (this.negatives !== this.batch) throw new MisalignError('SHAPE_MISMATCH', 'in-batch negatives need as many negatives as rows');
    const n = this.batch * this.dim;
    for (const [what, buf] of [
      ['a', a],
      ['b', b],
      ['grad a', ga],
      ['grad b', gb],
    ] as const)
      checkBuffer(`LpSimCLR ${what}`, buf, n);
    return this.run(a, b, a, ga, gb, ga, weight, true);
  }

  private run(a: F32Buffer, b: F32Buffer, c: F32Buffer, ga: F32Buffer, gb: F32Buffer, gc: F32Buffer, weight: number, excludeSelf: boolean): number {
    const m = this.negatives * this.dim;
    // ∂L/∂c goes to gc after all rows are done; when gc is ga (in-batch) and other
    // threads still write rows of ga, even the first thread must use a partial buffer.
    const direct = !excludeSelf || this.ranges.length === 1;
    const partial = (t: number) => (t === 0 ? (direct ? gc : this.partialGc[0]!) : this.partialGc[direct ? t - 1 : t]!);
    const used = this.ranges.map((_, t) => partial(t)).filter((p) => p !== gc);
    for (const p of used) p.array.fill(0, 0, m);
    const sums = this.k.run(
      this.ranges.map(([start, end], t) => ({
        fn: 'lpsimclrRows',
        args: [
          a.ptr,
          b.ptr,
          c.ptr,
          this.batch,
          this.negatives,
          this.dim,
          this.tau,
          this.alpha,
          weight,
          start,
          end,
          excludeSelf ? 1 : 0,
          ga.ptr,
          gb.ptr,
          partial(t).ptr,
          this.work[t]!.ptr,
        ],
      })),
    );
    for (const p of used) this.k.exports.addInto(gc.ptr, p.ptr, m);
    return sums.reduce((x, y) => x + y, 0) / this.batch;
  }

  /**
   * The symmetrised loss 0.5·(L(h_x, h_t, h_x') + L(h_t, h_x, h_t')).
   * Gradients are written (not accumulated) into `grads`.
   */
  symmetric(hx: F32Buffer, ht: F32Buffer, hxNeg: F32Buffer, htNeg: F32Buffer, grads: LpSimclrGradBuffers): LpSimclrLosses {
    if (this.negatives !== this.batch) throw new MisalignError('SHAPE_MISMATCH', 'the symmetric loss needs as many negatives as rows');
    for (const g of [grads.hx, grads.ht, grads.hxNeg, grads.htNeg]) g.array.fill(0, 0, this.batch * this.dim);
    const lossXT = this.directional(hx, ht, hxNeg, grads.hx, grads.ht, grads.hxNeg, 0.5);
    const lossTX = this.directional(ht, hx, htNeg, grads.ht, grads.hx, grads.htNeg, 0.5);
    return { loss: 0.5 * (lossXT + lossTX), lossXT, lossTX };
  }

  /** The symmetrised loss with in-batch negatives; gradients written into grads.hx, grads.ht. */
  symmetricInBatch(hx: F32Buffer, ht: F32Buffer, grads: { hx: F32Buffer; ht: F32Buffer }): LpSimclrLosses {
    for (const g of [grads.hx, grads.ht]) g.array.fill(0, 0, this.batch * this.dim);
    const lossXT = this.inBatch(hx, ht, grads.hx, grads.ht, 0.5);
    const lossTX = this.inBatch(ht, hx, grads.ht, grads.hx, 0.5);
    return { loss: 0.5 * (lossXT + lossTX), lossXT, lossTX };
  }
}
