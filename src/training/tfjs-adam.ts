/**
 * Gradient clipping and PyTorch's Adam in tfjs ops, for the tfjs engine
 * (tfjs-engine.ts), so that it updates exactly as kernels/optim.ts does on
 * the core:
 *
 *   g ← g · min(1, clip / (‖g‖ + 1e-6))
 *   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
 *   p ← p − lr/(1 − β1ᵗ) · m / (√v/√(1 − β2ᵗ) + ε)
 */
import type * as TF from '@tensorflow/tfjs';
import { MisalignError } from '../common/errors.js';

type Tf = typeof TF;

export class TfjsAdam {
  /** First and second moments, one per variable (in the variables' order). */
  m: TF.Tensor[];
  v: TF.Tensor[];
  t = 0;

  constructor(
    private readonly tf: Tf,
    private readonly vars: readonly TF.Variable[],
  ) {
    this.m = vars.map((x) => tf.zerosLike(x));
    this.v = vars.map((x) => tf.zerosLike(x));
  }

  /** Clips `grads` (one per variable) and takes one Adam step; returns the norm before clipping. Call inside tf.tidy. */
  step(grads: readonly TF.Tensor[], lr: number, clip: number): number {
    const tf = this.tf;
    const gradNorm = Math.sqrt(tf.addN(grads.map((x) => x.square().sum())).dataSync()[0]!);
    if (!Number.isFinite(gradNorm)) throw new MisalignError('NON_FINITE', `gradient norm is ${gradNorm}`);
    const coef = clip / (gradNorm + 1e-6);
    const clipped = coef < 1 ? grads.map((x) => x.mul(coef)) : grads;
    this.t++;
    const [b1, b2, eps] = [0.9, 0.999, 1e-8];
    const stepSize = lr / (1 - b1 ** this.t);
    const bc2 = Math.sqrt(1 - b2 ** this.t);
    this.vars.forEach((variable, i) => {
      const gi = clipped[i]!;
      const m = this.m[i]!.mul(b1).add(gi.mul(1 - b1));
      const v = this.v[i]!.mul(b2).add(gi.square().mul(1 - b2));
      variable.assign(variable.sub(m.div(v.sqrt().div(bc2).add(eps)).mul(stepSize)));
      this.m[i]!.dispose();
      this.v[i]!.dispose();
      this.m[i] = tf.keep(m);
      this.v[i] = tf.keep(v);
    });
    return gradNorm;
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}
