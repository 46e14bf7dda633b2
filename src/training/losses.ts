/**
 * The contrastive losses a two-tower model trains on (docs/losses.md), as the
 * WebAssembly core computes them: each returns its value and writes its
 * gradient with respect to every embedding batch it saw.
 *
 *   lpsimclr  the numeric experiments' objective, symmetrised:
 *             0.5·(L(h_x, h_t, h_x') + L(h_t, h_x, h_t')), fresh negatives (h_x', h_t')
 *             or in-batch ones (the other rows of h_x, h_t); kernels/lpsimclr.ts
 *   infonce   cosine InfoNCE with in-batch negatives, CLIP or NT-Xent form; kernels/infonce.ts
 *
 * tfjs-engine.ts writes the same losses as tfjs operations and lets tfjs
 * differentiate them: an independent check of these gradients.
 */
import { MisalignError } from '../common/errors.js';
import type { F32Buffer } from '../kernels/arena.js';
import { InfoNce, type InfoNceForm } from '../kernels/infonce.js';
import { LpSimclr } from '../kernels/lpsimclr.js';
import type { Kernels } from '../kernels/module.js';

export type LossSpec = { kind: 'lpsimclr'; tau: number; alpha: number; negatives: 'fresh' | 'in-batch' } | { kind: 'infonce'; tau: number; form: InfoNceForm };

/** Whether a loss takes a second, independent batch as negatives. */
export const takesFreshNegatives = (loss: LossSpec) => loss.kind === 'lpsimclr' && loss.negatives === 'fresh';

/** One step's embeddings (B, d) each; the negatives only for a loss that takes them. */
export interface Embeddings {
  x: F32Buffer;
  t: F32Buffer;
  xNeg?: F32Buffer;
  tNeg?: F32Buffer;
}

export interface LossValue {
  loss: number;
  lossXT?: number;
  lossTX?: number;
}

export interface CoreLoss {
  /** The loss of h (at temperature tau if given: InfoNCE only); writes ∂loss/∂h into the matching buffers of dh (every batch h has). */
  lossAndGrad(h: Embeddings, dh: Required<Embeddings>, tau?: number): LossValue;
}

/** A step's temperature for this loss: none (its own τ), or one for InfoNCE; LpSimCLR trains at a constant τ. Both engines check with this. */
export function checkStepTemperature(spec: LossSpec, tau: number | undefined): void {
  if (tau !== undefined && spec.kind !== 'infonce')
    throw new MisalignError('CONFLICTING_OPTIONS', 'a temperature schedule is for InfoNCE; LpSimCLR trains at its constant τ');
}

/** A loss on the core for batches of `batch` embeddings of `dim` dimensions. */
export function coreLoss(k: Kernels, spec: LossSpec, batch: number, dim: number): CoreLoss {
  if (spec.kind === 'infonce') {
    const infonce = new InfoNce(k, batch, dim, { tau: spec.tau, form: spec.form });
    return {
      lossAndGrad(h, dh, tau) {
        dh.x.array.fill(0, 0, batch * dim);
        dh.t.array.fill(0, 0, batch * dim);
        return { loss: infonce.lossAndGrad(h.x, h.t, dh.x, dh.t, 1, tau) };
      },
    };
  }
  const lpsimclr = new LpSimclr(k, batch, dim, { tau: spec.tau, alpha: spec.alpha });
  if (spec.negatives === 'in-batch') return { lossAndGrad: (h, dh) => lpsimclr.symmetricInBatch(h.x, h.t, { hx: dh.x, ht: dh.t }) };
  return {
    lossAndGrad(h, dh) {
      return lpsimclr.symmetric(h.x, h.t, h.xNeg!, h.tNeg!, { hx: dh.x, ht: dh.t, hxNeg: dh.xNeg, htNeg: dh.tNeg });
    },
  };
}
