/**
 * Binding for assembly/lpsimclr.ts: the fused LpSimCLR loss of SPEC §5 and
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
  /** Each helper thread's share of ∂L/∂c, (negatives, dim), added into the caller's buffer after the run. */
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
    for (const [what, v] of [['batch', batch], ['dimension', dim], ['negatives', negatives]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new MisalignError('OUT_OF_RANGE', `loss ${what} must be a positive integer, got ${v}`);
    }
    this.ranges = splitRange(batch, k.threads, 4);
    this.work = this.ranges.map(() => k.arena.alloc(k.exports.lpsimclrWorkFloats(negatives, dim)));
    this.partialGc = this.ranges.slice(1).map(() => k.arena.alloc(negatives * dim));
  }

  /**
   * L(a, b, c) for a, b (batch, dim) and negatives c (negatives, dim);
   * accumulates ga += w·∂L/∂a, gb += w·∂L/∂b, gc += w·∂L/∂c. Returns L.
   */
  directional(a: F32Buffer, b: F32Buffer, c: F32Buffer, ga: F32Buffer, gb: F32Buffer, gc: F32Buffer, weight = 1): number {
    const n = this.batch * this.dim;
    const m = this.negatives * this.dim;
    for (const [what, buf, size] of [['a', a, n], ['b', b, n], ['c', c, m], ['grad a', ga, n], ['grad b', gb, n], ['grad c', gc, m]] as const) {
      checkBuffer(`LpSimCLR ${what}`, buf, size);
    }
    const args = (t: number) => {
      const [start, end] = this.ranges[t]!;
      const gcOut = t === 0 ? gc : this.partialGc[t - 1]!;
      return [a.ptr, b.ptr, c.ptr, this.batch, this.negatives, this.dim, this.tau, this.alpha, weight, start, end, ga.ptr, gb.ptr, gcOut.ptr, this.work[t]!.ptr];
    };
    for (const p of this.partialGc) p.array.fill(0);
    const sums = this.k.run(this.ranges.map((_, t) => ({ fn: 'lpsimclrRows', args: args(t) })));
    for (const p of this.partialGc) this.k.exports.addInto(gc.ptr, p.ptr, m);
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
}
