/**
 * The verdict rules (docs/evaluation.md#verdicts): does a measured value agree
 * with the theory's prediction? Every experiment judges its factors here, per
 * run and, in summaries, on the mean over seeds.
 *
 *   numeric (nonlinear-probe R²): kept ≥ 0.9; dropped ≤ 0.1 when the semantics are
 *     independent, and for m_x and m_t always; a dropped semantic factor in the
 *     dependent setting may be partly predictable through kept ones: no verdict
 *   image-text (MCC or R², the paper's Figs. 5 and 6 reading): kept ≥ 0.8, dropped ≤ 0.1;
 *     'partly' (predictable through a kept cause or effect): no verdict
 *
 * A non-finite value (a probe that broke) fails, whatever the prediction: it
 * never counts as agreeing with the theory, nor escapes judgement.
 */
import type { Dependence } from '../latent/model.js';

export type Verdict = 'pass' | 'fail' | 'n/a';

export const KEPT_MIN_R2 = 0.9;
export const DROPPED_MAX_R2 = 0.1;

export const IMAGE_TEXT_KEPT_MIN = 0.8;
export const IMAGE_TEXT_DROPPED_MAX = 0.1;

/** A numeric factor's verdict on its nonlinear R². */
export function verdictFor(predicted: 'kept' | 'dropped', modalitySpecific: boolean, dependence: Dependence, r2: number): Verdict {
  if (!Number.isFinite(r2)) return 'fail';
  if (predicted === 'kept') return r2 >= KEPT_MIN_R2 ? 'pass' : 'fail';
  if (modalitySpecific || dependence === 'independent') return r2 <= DROPPED_MAX_R2 ? 'pass' : 'fail';
  return 'n/a';
}

/** An image-text factor's verdict on its nonlinear MCC or R². */
export function imageTextVerdict(predicted: 'kept' | 'partly' | 'dropped', value: number): Verdict {
  if (!Number.isFinite(value)) return 'fail';
  if (predicted === 'partly') return 'n/a';
  return predicted === 'kept' ? (value >= IMAGE_TEXT_KEPT_MIN ? 'pass' : 'fail') : value <= IMAGE_TEXT_DROPPED_MAX ? 'pass' : 'fail';
}
