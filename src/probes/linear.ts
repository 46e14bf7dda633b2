/**
 * Linear-regression probe: ordinary least squares with an intercept, fitted
 * on one set and scored on another (ml-matrix's QR least squares).
 */
import { Matrix, solve } from 'ml-matrix';
import { r2Score } from './stats.js';

/** Fits y ≈ [x, 1]·β on (xFit, yFit), returns R² on (xScore, yScore). x is (n, k), y is (n, o). */
export function linearProbeR2(
  xFit: ArrayLike<number>,
  yFit: ArrayLike<number>,
  nFit: number,
  xScore: ArrayLike<number>,
  yScore: ArrayLike<number>,
  nScore: number,
  k: number,
  o: number,
): number {
  const design = (x: ArrayLike<number>, n: number) => {
    const m = new Matrix(n, k + 1);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < k; c++) m.set(r, c, x[r * k + c]!);
      m.set(r, k, 1);
    }
    return m;
  };
  const targets = new Matrix(nFit, o);
  for (let r = 0; r < nFit; r++) for (let c = 0; c < o; c++) targets.set(r, c, yFit[r * o + c]!);
  const beta = solve(design(xFit, nFit), targets);
  const predicted = design(xScore, nScore).mmul(beta);
  return r2Score(yScore, predicted.to1DArray(), nScore, o);
}
