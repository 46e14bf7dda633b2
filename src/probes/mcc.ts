/**
 * Matthews correlation coefficient of binary predictions, the downstream
 * classification metric of docs/evaluation.md:
 *
 *   MCC = (tp·tn − fp·fn) / sqrt((tp + fp)(tp + fn)(tn + fp)(tn + fn))
 *
 * 0 when any factor of the denominator is 0 (scikit-learn's convention: a
 * constant prediction or a constant truth carries no correlation). And its
 * multiclass form, which scores the image-text experiments' classifiers.
 */
import { MisalignError } from '../common/errors.js';

export interface Confusion {
  tp: number;
  tn: number;
  fp: number;
  fn: number;
}

function checkLengths(truth: ArrayLike<number>, predicted: ArrayLike<number>): void {
  if (truth.length !== predicted.length) {
    throw new MisalignError('SHAPE_MISMATCH', `MCC needs as many predictions as labels, got ${predicted.length} and ${truth.length}`);
  }
}

export function confusion(truth: ArrayLike<number>, predicted: ArrayLike<number>): Confusion {
  checkLengths(truth, predicted);
  const c = { tp: 0, tn: 0, fp: 0, fn: 0 };
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] ? 1 : 0;
    const p = predicted[i] ? 1 : 0;
    if (t && p) c.tp++;
    else if (!t && !p) c.tn++;
    else if (p) c.fp++;
    else c.fn++;
  }
  return c;
}

export function mccFromConfusion({ tp, tn, fp, fn }: Confusion): number {
  const denominator = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn);
  return denominator === 0 ? 0 : (tp * tn - fp * fn) / Math.sqrt(denominator);
}

export function mcc(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  return mccFromConfusion(confusion(truth, predicted));
}

/** Multiclass MCC (Gorodkin's R_K, as scikit-learn's matthews_corrcoef); 0 when undefined. */
export function mccMulticlass(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number {
  checkLengths(truth, predicted);
  const t = new Float64Array(classes);
  const p = new Float64Array(classes);
  let c = 0;
  for (let i = 0; i < truth.length; i++) {
    t[truth[i]!]!++;
    p[predicted[i]!]!++;
    if (truth[i] === predicted[i]) c++;
  }
  const s = truth.length;
  let pt = 0;
  let pp = 0;
  let tt = 0;
  for (let k = 0; k < classes; k++) {
    pt += p[k]! * t[k]!;
    pp += p[k]! * p[k]!;
    tt += t[k]! * t[k]!;
  }
  const den = Math.sqrt((s * s - pp) * (s * s - tt));
  return den === 0 ? 0 : (c * s - pt) / den;
}
