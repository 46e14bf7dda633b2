/**
 * Standardisation and R² (scikit-learn's r2_score: 1 − SS_res/SS_tot per
 * output, SS_tot around the scored data's own mean, averaged uniformly over
 * outputs). Matrices are row-major (rows, cols) Float32Array/Float64Array.
 */

export interface Standardizer {
  mean: Float64Array;
  std: Float64Array;
}

/** Column means and standard deviations (population, as StandardScaler); zero spread becomes 1. */
export function fitStandardizer(x: ArrayLike<number>, rows: number, cols: number): Standardizer {
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += x[r * cols + c]!;
  for (let c = 0; c < cols; c++) mean[c]! /= rows;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) std[c]! += (x[r * cols + c]! - mean[c]!) ** 2;
  for (let c = 0; c < cols; c++) std[c] = Math.sqrt(std[c]! / rows) || 1;
  return { mean, std };
}

/** (x − mean)/std per column, as a new f32 array. */
export function standardize(x: ArrayLike<number>, rows: number, cols: number, s: Standardizer): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = (x[r * cols + c]! - s.mean[c]!) / s.std[c]!;
  return out;
}

/** R² of predictions for targets y, both (rows, cols), averaged over columns. Not clipped. */
export function r2Score(y: ArrayLike<number>, yHat: ArrayLike<number>, rows: number, cols: number): number {
  let total = 0;
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += y[r * cols + c]!;
    mean /= rows;
    let ssRes = 0;
    let ssTot = 0;
    for (let r = 0; r < rows; r++) {
      ssRes += (y[r * cols + c]! - yHat[r * cols + c]!) ** 2;
      ssTot += (y[r * cols + c]! - mean) ** 2;
    }
    // scikit-learn: a constant target scores 1 if predicted exactly, else 0
    total += ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot;
  }
  return total / cols;
}

/**
 * Clips to [0, 1], as the paper reports R². A non-finite R² (NaN, or −∞ from
 * infinite predictions) means the probe broke: it stays NaN, never a
 * number a verdict could pass.
 */
export function clip01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : Number.NaN;
}
