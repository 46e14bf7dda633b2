/**
 * Matthews correlation coefficient of binary predictions, the downstream
 * classification metric of SPEC §6:
 *
 *   MCC = (tp·tn − fp·fn) / sqrt((tp + fp)(tp + fn)(tn + fp)(tn + fn))
 *
 * 0 when any factor of the denominator is 0 (scikit-learn's convention: a
 * constant prediction or a constant truth carries no correlation).
 */
import { MisalignError } from '../common/errors.js';

export interface Confusion {
  tp: number;
  tn: number;
  fp: number;
  fn: number;
}

export function confusion(truth: ArrayLike<number>, predicted: ArrayLike<number>): Confusion {
  if (truth.length !== predicted.length) {
    throw new MisalignError('SHAPE_MISMATCH', `MCC needs as many predictions as labels, got ${predicted.length} and ${truth.length}`);
  }
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
