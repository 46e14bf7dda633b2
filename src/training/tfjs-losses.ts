/**
 * The contrastive losses of losses.ts (docs/losses.md) as tfjs operations,
 * differentiated by tfjs: the tfjs engine's losses, and an independent check
 * of the core's hand-written gradients. Only B×B matrices are formed, never
 * B×B×d. losses.ts puts each into its loss kind's record.
 */
import type * as TF from '@tensorflow/tfjs';

type Tf = typeof TF;

/**
 * One direction of LpSimCLR: anchors a, positives b (N, d), negatives c (M, d).
 *   pos_i = ‖a_i − b_i‖²,  neg_ij = ‖a_i − c_j‖²
 *   L = mean_i 2·(α·pos_i/τ + (1 − α)·log-mean-exp_j(−[neg_i1 … neg_iM, pos_i]/τ))
 * In-batch (c = a), row i leaves its own pair out of the negatives, so the
 * mean runs over M entries instead of M + 1.
 */
export function lpsimclrTfjs(tf: Tf, a: TF.Tensor2D, b: TF.Tensor2D, c: TF.Tensor2D, tau: number, alpha: number, inBatch: boolean): TF.Scalar {
  const N = a.shape[0];
  const M = c.shape[0];
  const pos = a.sub(b).square().sum(1); // (N)
  const neg = a
    .square()
    .sum(1, true)
    .add(c.square().sum(1).expandDims(0))
    .sub(tf.matMul(a, c, false, true).mul(2)); // (N, M)
  let negScores = neg.neg().div(tau);
  if (inBatch) negScores = tf.where(tf.eye(N).cast('bool'), tf.fill([N, M], -Infinity), negScores);
  const scores = tf.concat([negScores, pos.neg().div(tau).expandDims(1)], 1); // (N, M + 1)
  const lme = tf.logSumExp(scores, 1).sub(Math.log(inBatch ? M : M + 1));
  return pos
    .div(tau)
    .mul(alpha)
    .add(lme.mul(1 - alpha))
    .mul(2)
    .mean();
}

const NORM_EPS = 1e-8;

/** x / max(‖x‖, ε), row by row. x is (B, d). */
function normalise(tf: Tf, x: TF.Tensor2D): TF.Tensor2D {
  return x.div(tf.maximum(x.square().sum(1, true).sqrt(), NORM_EPS));
}

/**
 * Cosine InfoNCE of image embeddings x and text embeddings y, (B, d), as
 * kernels/reference/infonce.ts defines it: 'clip' is ½·(CE over the rows of
 * S + CE over its columns), S = ẑ_x ẑ_yᵀ/τ; 'ntxent' classifies each of the
 * 2B embeddings among the 2B − 1 others, its partner being the target.
 */
export function infonceTfjs(tf: Tf, x: TF.Tensor2D, y: TF.Tensor2D, tau: number, form: 'clip' | 'ntxent'): TF.Scalar {
  const B = x.shape[0];
  const zx = normalise(tf, x);
  const zy = normalise(tf, y);
  if (form === 'clip') {
    const S = tf.matMul(zx, zy, false, true).div(tau) as TF.Tensor2D;
    const diag = tf.sum(zx.mul(zy), 1).div(tau);
    const rows = tf.logSumExp(S, 1).sub(diag).mean();
    const cols = tf.logSumExp(S, 0).sub(diag).mean();
    return rows.add(cols).mul(0.5) as TF.Scalar;
  }
  const u = tf.concat([zx, zy], 0);
  const G = tf.matMul(u, u, false, true).div(tau) as TF.Tensor2D;
  const masked = tf.where(tf.eye(2 * B).cast('bool'), tf.fill([2 * B, 2 * B], -Infinity), G);
  const partner = tf.sum(zx.mul(zy), 1).div(tau);
  return tf
    .logSumExp(masked, 1)
    .sub(tf.concat([partner, partner], 0))
    .mean() as TF.Scalar;
}
