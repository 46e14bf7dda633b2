/**
 * The contrastive losses a two-tower model trains on (docs/losses.md): one
 * record per kind, which both engines read, so that nothing outside this file
 * asks which loss it has. A record holds the loss on the WebAssembly core
 * (its value, and its gradient with respect to every embedding batch it saw),
 * the same loss as tfjs operations (tfjs-losses.ts, differentiated by tfjs:
 * an independent check of the core's gradients), and what a step must bring:
 * a second batch of negatives, and whether τ may move from step to step.
 * A spec holds no temperature: τ comes with each step, from the one function
 * that gives the τ of step s (temperatureAt, schedule.ts), so nothing holds a
 * second τ that could disagree with it.
 *
 *   lpsimclr  the numeric experiments' objective, symmetrised:
 *             0.5·(L(h_x, h_t, h_x') + L(h_t, h_x, h_t')), fresh negatives (h_x', h_t')
 *             or in-batch ones (the other rows of h_x, h_t); kernels/lpsimclr.ts
 *   infonce   cosine InfoNCE with in-batch negatives, CLIP or NT-Xent form; kernels/infonce.ts
 */
import type * as TF from '@tensorflow/tfjs';
import { MisalignError } from '../common/errors.js';
import type { F32Buffer } from '../kernels/arena.js';
import { InfoNce, type InfoNceForm } from '../kernels/infonce.js';
import { LpSimclr } from '../kernels/lpsimclr.js';
import type { Kernels } from '../kernels/module.js';
import { infonceTfjs, lpsimclrTfjs } from './tfjs-losses.js';

type Tf = typeof TF;

export type LpSimclrSpec = { kind: 'lpsimclr'; alpha: number; negatives: 'fresh' | 'in-batch' };
export type InfoNceSpec = { kind: 'infonce'; form: InfoNceForm };
export type LossSpec = LpSimclrSpec | InfoNceSpec;

/** One step's embeddings (B, d) each; the negatives only for a loss that takes them. */
export interface Embeddings {
  x: F32Buffer;
  t: F32Buffer;
  xNeg?: F32Buffer;
  tNeg?: F32Buffer;
}

/** The same as tensors. */
export interface TfjsEmbeddings {
  x: TF.Tensor2D;
  t: TF.Tensor2D;
  xNeg?: TF.Tensor2D;
  tNeg?: TF.Tensor2D;
}

export interface LossValue {
  loss: number;
  lossXT?: number;
  lossTX?: number;
}

/** The two directions of a symmetric loss, as kept scalar tensors the caller reads (once, outside the gradient tape) and disposes. */
export interface TfjsLossParts {
  xt?: TF.Scalar;
  tx?: TF.Scalar;
}

export interface CoreLoss {
  /** The loss of h at temperature tau; writes ∂loss/∂h into the matching buffers of dh (every batch h has). */
  lossAndGrad(h: Embeddings, dh: Required<Embeddings>, tau: number): LossValue;
}

/** Everything the engines know of a kind of loss. */
export interface LossKind<S extends LossSpec = LossSpec> {
  /** Whether a step takes a second, independent batch as negatives. */
  freshNegatives(spec: S): boolean;
  /** Whether τ may differ from step to step (a temperature schedule); otherwise every step of an engine has the τ of its first. */
  temperatureMoves: boolean;
  /** The loss on the core for batches of `batch` embeddings of `dim` dimensions. */
  core(k: Kernels, spec: S, batch: number, dim: number): CoreLoss;
  /** The loss of h at temperature tau as a tfjs scalar; `parts` receives the directions where the loss has two. */
  tfjs(tf: Tf, spec: S, h: TfjsEmbeddings, parts: TfjsLossParts, tau: number): TF.Scalar;
}

const lpsimclr: LossKind<LpSimclrSpec> = {
  freshNegatives: (spec) => spec.negatives === 'fresh',
  temperatureMoves: false,
  core(k, spec, batch, dim) {
    // The kernel fixes τ when it is built, so it is built at the first step, at that step's τ (its
    // workspaces come from the arena then, and go with the engine's). Later steps have the same τ
    // (stepTemperatures checks it).
    let loss: LpSimclr | null = null;
    const at = (tau: number) => (loss ??= new LpSimclr(k, batch, dim, { tau, alpha: spec.alpha }));
    if (spec.negatives === 'in-batch') return { lossAndGrad: (h, dh, tau) => at(tau).symmetricInBatch(h.x, h.t, { hx: dh.x, ht: dh.t }) };
    return {
      lossAndGrad: (h, dh, tau) => at(tau).symmetric(h.x, h.t, h.xNeg!, h.tNeg!, { hx: dh.x, ht: dh.t, hxNeg: dh.xNeg, htNeg: dh.tNeg }),
    };
  },
  tfjs(tf, spec, h, parts, tau) {
    const inBatch = spec.negatives === 'in-batch';
    const xt = lpsimclrTfjs(tf, h.x, h.t, inBatch ? h.x : h.xNeg!, tau, spec.alpha, inBatch);
    const tx = lpsimclrTfjs(tf, h.t, h.x, inBatch ? h.t : h.tNeg!, tau, spec.alpha, inBatch);
    parts.xt = tf.keep(xt);
    parts.tx = tf.keep(tx);
    return xt.add(tx).mul(0.5) as TF.Scalar;
  },
};

const infonce: LossKind<InfoNceSpec> = {
  freshNegatives: () => false,
  temperatureMoves: true,
  core(k, spec, batch, dim) {
    const loss = new InfoNce(k, batch, dim, { form: spec.form }); // τ comes with each step
    return {
      lossAndGrad(h, dh, tau) {
        dh.x.array.fill(0, 0, batch * dim);
        dh.t.array.fill(0, 0, batch * dim);
        return { loss: loss.lossAndGrad(h.x, h.t, dh.x, dh.t, 1, tau) };
      },
    };
  },
  tfjs: (tf, spec, h, _parts, tau) => infonceTfjs(tf, h.x, h.t, tau, spec.form),
};

/** The record of every kind of loss: a new loss is a spec type above and one entry here. */
export const LOSSES: { [K in LossSpec['kind']]: LossKind<Extract<LossSpec, { kind: K }>> } = { lpsimclr, infonce };

/** The record of `spec`'s kind. */
export function lossKind<S extends LossSpec>(spec: S): LossKind<S> {
  return LOSSES[spec.kind] as unknown as LossKind<S>;
}

/** Whether a loss takes a second, independent batch as negatives. */
export const takesFreshNegatives = (spec: LossSpec): boolean => lossKind(spec).freshNegatives(spec);

/**
 * The check of the τ of each step one engine takes: a positive number and,
 * for a loss whose τ may not move (LpSimCLR), the τ of the engine's first
 * step. Both engines check with this.
 */
export function stepTemperatures(spec: LossSpec): (tau: number) => void {
  let first: number | null = null;
  return (tau) => {
    if (!(tau > 0 && Number.isFinite(tau))) throw new MisalignError('OUT_OF_RANGE', `temperature must be positive, got ${tau}`);
    first ??= tau;
    if (tau !== first && !lossKind(spec).temperatureMoves) {
      throw new MisalignError(
        'CONFLICTING_OPTIONS',
        `a temperature schedule is for a loss whose τ may move (InfoNCE); ${spec.kind} trains at one constant τ (${first}), not ${tau}`,
      );
    }
  };
}
