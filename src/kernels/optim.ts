/**
 * Bindings for assembly/optim.ts: global gradient-norm clipping and Adam over
 * one flat parameter buffer (reference: reference/optim.ts).
 */
import { MisalignError } from '../common/errors.js';
import type { F32Buffer } from './arena.js';
import { checkBuffer, type Kernels } from './module.js';

/**
 * PyTorch's clip_grad_norm_: scales g by max_norm / (‖g‖ + 1e-6) when that is
 * below 1. Returns ‖g‖ before clipping (NaN or Infinity if g is not finite,
 * in which case g is left alone for the caller to report).
 */
export function clipGradNorm(k: Kernels, g: F32Buffer, maxNorm: number, n = g.length): number {
  checkBuffer('gradient', g, n);
  const norm = Math.sqrt(k.exports.sumSquares(g.ptr, n));
  if (!Number.isFinite(norm)) return norm;
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) k.exports.scale(g.ptr, n, coef);
  return norm;
}

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Adam (PyTorch's update, no weight decay) with its moment buffers in the arena. */
export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly m: F32Buffer;
  readonly v: F32Buffer;
  /** Steps taken so far. */
  t = 0;

  constructor(
    private readonly k: Kernels,
    readonly params: F32Buffer,
    options: AdamOptions = {},
  ) {
    this.lr = options.lr ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    if (!(this.lr > 0)) throw new MisalignError('OUT_OF_RANGE', `learning rate must be positive, got ${this.lr}`);
    for (const [what, b] of [
      ['beta1', this.beta1],
      ['beta2', this.beta2],
    ] as const) {
      if (!(b >= 0 && b < 1)) throw new MisalignError('OUT_OF_RANGE', `Adam ${what} must be in [0, 1), got ${b}`);
    }
    this.m = k.arena.alloc(params.length);
    this.v = k.arena.alloc(params.length);
  }

  /** One update of params from grads (same length); `lr` overrides the rate for this step (schedules). */
  step(grads: F32Buffer, lr = this.lr): void {
    checkBuffer('Adam gradients', grads, this.params.length);
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    this.k.exports.adamStep(
      this.params.ptr,
      grads.ptr,
      this.m.ptr,
      this.v.ptr,
      this.params.length,
      lr / bc1,
      this.beta1,
      this.beta2,
      this.eps,
      1 / Math.sqrt(bc2),
    );
  }
}
