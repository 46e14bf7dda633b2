/**
 * Binding for assembly/infonce.ts: InfoNCE with cosine similarity and
 * in-batch negatives, CLIP or NT-Xent form (reference: reference/infonce.ts).
 */
import { MisalignError } from '../common/errors.js';
import type { F32Buffer } from './arena.js';
import { checkBuffer, type Kernels } from './module.js';

/** 'ntxent': the public code's form (default); 'clip': the paper's Eq. (1). */
export type InfoNceForm = 'clip' | 'ntxent';

export interface InfoNceOptions {
  /** Temperature τ. Default 1. */
  tau?: number;
  form?: InfoNceForm;
}

export class InfoNce {
  readonly tau: number;
  readonly form: InfoNceForm;
  private readonly work: F32Buffer;

  constructor(
    private readonly k: Kernels,
    readonly batch: number,
    readonly dim: number,
    options: InfoNceOptions = {},
  ) {
    this.tau = options.tau ?? 1;
    this.form = options.form ?? 'ntxent';
    if (!(this.tau > 0)) throw new MisalignError('OUT_OF_RANGE', `temperature must be positive, got ${this.tau}`);
    if (this.form !== 'clip' && this.form !== 'ntxent')
      throw new MisalignError('OUT_OF_RANGE', `InfoNCE form must be 'clip' or 'ntxent', got '${String(this.form)}'`);
    for (const [what, v] of [
      ['batch', batch],
      ['dimension', dim],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new MisalignError('OUT_OF_RANGE', `loss ${what} must be a positive integer, got ${v}`);
    }
    this.work = k.arena.alloc(k.exports.infonceWorkFloats(batch, dim, this.form === 'ntxent' ? 1 : 0));
  }

  /** The loss for image embeddings x and text embeddings y, (batch, dim), at temperature tau (default the loss's); gx += w·∂L/∂x, gy += w·∂L/∂y. */
  lossAndGrad(x: F32Buffer, y: F32Buffer, gx: F32Buffer, gy: F32Buffer, weight = 1, tau = this.tau): number {
    const n = this.batch * this.dim;
    for (const [what, buf] of [
      ['x', x],
      ['y', y],
      ['grad x', gx],
      ['grad y', gy],
    ] as const)
      checkBuffer(`InfoNCE ${what}`, buf, n);
    if (!(tau > 0)) throw new MisalignError('OUT_OF_RANGE', `temperature must be positive, got ${tau}`);
    return this.k.exports.infonce(x.ptr, y.ptr, this.batch, this.dim, tau, this.form === 'ntxent' ? 1 : 0, weight, gx.ptr, gy.ptr, this.work.ptr);
  }
}
