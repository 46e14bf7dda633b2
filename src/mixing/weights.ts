/**
 * Random well-conditioned weight matrices for the mixing functions (docs/model.md#mixing-functions).
 *
 * A candidate is an n×n matrix with entries uniform(−1, 1), each column then
 * scaled to unit L2 norm. The acceptance threshold is the `ratio` quantile of
 * the condition numbers of `samples` such candidates (the public code: the
 * entry at index floor(samples·ratio) of the sorted list, 25,000 and 0.001);
 * a layer's matrix is redrawn until its condition number is at most that.
 * Condition numbers (σ_max/σ_min) are ml-matrix's SVD's, computed by a flat
 * port of it (singular-values.ts) that gives the same bits about ten times
 * faster; `conditionNumber` still calls ml-matrix, as the reference.
 */
import { Matrix, SVD } from 'ml-matrix';
import { MisalignError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';
import { conditionNumberInPlace, SingularValueWorkspace } from './singular-values.js';

export const DEFAULT_THRESHOLD_SAMPLES = 25000;
export const DEFAULT_THRESHOLD_RATIO = 0.001;
/** Give up on a layer after this many rejected draws (never reached with the defaults: about 1,000 expected). */
const MAX_DRAWS = 1_000_000;

/**
 * One candidate into `out` (n·n), column-major (out[c·n + r] is entry (r, c)):
 * entries drawn row by row, uniform(−1, 1), then each column scaled to unit norm.
 */
export function drawCandidateColumnMajor(n: number, rng: Rng, out: Float64Array): Float64Array {
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) out[c * n + r] = rng.uniformRange(-1, 1);
  for (let c = 0; c < n; c++) {
    let norm = 0;
    for (let r = 0; r < n; r++) norm += out[c * n + r]! ** 2;
    norm = Math.sqrt(norm);
    for (let r = 0; r < n; r++) out[c * n + r] = out[c * n + r]! / norm;
  }
  return out;
}

function fromColumnMajor(a: Float64Array, n: number): Matrix {
  const m = new Matrix(n, n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) m.set(r, c, a[c * n + r]!);
  return m;
}

/** One candidate: uniform(−1, 1) entries, unit-norm columns, as an ml-matrix Matrix. */
export function drawCandidate(n: number, rng: Rng): Matrix {
  return fromColumnMajor(drawCandidateColumnMajor(n, rng, new Float64Array(n * n)), n);
}

/** The 2-norm condition number σ_max / σ_min, by ml-matrix's SVD (the reference for singular-values.ts). */
export function conditionNumber(m: Matrix): number {
  const svd = new SVD(m, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: false });
  return svd.condition;
}

/** The acceptance threshold: the `ratio` quantile of `samples` candidates' condition numbers. */
export function conditionThreshold(n: number, rng: Rng, samples = DEFAULT_THRESHOLD_SAMPLES, ratio = DEFAULT_THRESHOLD_RATIO): number {
  if (!Number.isInteger(samples) || samples < 1) throw new MisalignError('OUT_OF_RANGE', `threshold samples must be a positive integer, got ${samples}`);
  if (!(ratio >= 0 && ratio < 1)) throw new MisalignError('OUT_OF_RANGE', `threshold ratio must be in [0, 1), got ${ratio}`);
  const conds = new Float64Array(samples);
  const ws = new SingularValueWorkspace(n);
  for (let i = 0; i < samples; i++) {
    drawCandidateColumnMajor(n, rng, ws.at);
    conds[i] = conditionNumberInPlace(ws);
  }
  conds.sort();
  return conds[Math.floor(samples * ratio)]!;
}

/** A candidate whose condition number is at most `threshold`, with that condition number. */
export function drawWellConditioned(n: number, threshold: number, rng: Rng): { matrix: Matrix; condition: number } {
  const ws = new SingularValueWorkspace(n);
  const candidate = new Float64Array(n * n);
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    drawCandidateColumnMajor(n, rng, candidate);
    ws.at.set(candidate);
    const condition = conditionNumberInPlace(ws);
    if (condition <= threshold) return { matrix: fromColumnMajor(candidate, n), condition };
  }
  throw new MisalignError('OUT_OF_RANGE', `no ${n}×${n} matrix with condition number <= ${threshold} in ${MAX_DRAWS} draws`);
}
