/**
 * Random well-conditioned weight matrices for the mixing functions (docs/model.md#mixing-functions).
 *
 * A candidate is an n×n matrix with entries uniform(−1, 1), each column then
 * scaled to unit L2 norm. The acceptance threshold is the `ratio` quantile of
 * the condition numbers of `samples` such candidates (the public code: the
 * entry at index floor(samples·ratio) of the sorted list, 25,000 and 0.001);
 * a layer's matrix is redrawn until its condition number is at most that.
 * Condition numbers (σ_max/σ_min) come from ml-matrix's SVD.
 */
import { Matrix, SVD } from 'ml-matrix';
import { MisalignError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';

export const DEFAULT_THRESHOLD_SAMPLES = 25000;
export const DEFAULT_THRESHOLD_RATIO = 0.001;
/** Give up on a layer after this many rejected draws (never reached with the defaults: about 1,000 expected). */
const MAX_DRAWS = 1_000_000;

/** One candidate: uniform(−1, 1) entries, unit-norm columns, as an ml-matrix Matrix. */
export function drawCandidate(n: number, rng: Rng): Matrix {
  const m = new Matrix(n, n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) m.set(r, c, rng.uniformRange(-1, 1));
  for (let c = 0; c < n; c++) {
    let norm = 0;
    for (let r = 0; r < n; r++) norm += m.get(r, c) ** 2;
    norm = Math.sqrt(norm);
    for (let r = 0; r < n; r++) m.set(r, c, m.get(r, c) / norm);
  }
  return m;
}

/** The 2-norm condition number σ_max / σ_min. */
export function conditionNumber(m: Matrix): number {
  const svd = new SVD(m, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: false });
  return svd.condition;
}

/** The acceptance threshold: the `ratio` quantile of `samples` candidates' condition numbers. */
export function conditionThreshold(n: number, rng: Rng, samples = DEFAULT_THRESHOLD_SAMPLES, ratio = DEFAULT_THRESHOLD_RATIO): number {
  if (!Number.isInteger(samples) || samples < 1) throw new MisalignError('OUT_OF_RANGE', `threshold samples must be a positive integer, got ${samples}`);
  if (!(ratio >= 0 && ratio < 1)) throw new MisalignError('OUT_OF_RANGE', `threshold ratio must be in [0, 1), got ${ratio}`);
  const conds = new Float64Array(samples);
  for (let i = 0; i < samples; i++) conds[i] = conditionNumber(drawCandidate(n, rng));
  conds.sort();
  return conds[Math.floor(samples * ratio)]!;
}

/** A candidate whose condition number is at most `threshold`, with that condition number. */
export function drawWellConditioned(n: number, threshold: number, rng: Rng): { matrix: Matrix; condition: number } {
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const matrix = drawCandidate(n, rng);
    const condition = conditionNumber(matrix);
    if (condition <= threshold) return { matrix, condition };
  }
  throw new MisalignError('OUT_OF_RANGE', `no ${n}×${n} matrix with condition number <= ${threshold} in ${MAX_DRAWS} draws`);
}
