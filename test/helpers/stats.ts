/** Sample statistics for the tests (plain, f64). */

/** Column means of a (rows, cols) row-major array. */
export function columnMeans(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const m = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m[c]! += x[r * cols + c]!;
  return m.map((v) => v / rows);
}

/** Sample covariance (divided by rows) of a (rows, cols) row-major array, (cols, cols) row-major. */
export function covariance(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const m = columnMeans(x, rows, cols);
  const c = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) {
      const di = x[r * cols + i]! - m[i]!;
      for (let j = 0; j < cols; j++) c[i * cols + j]! += di * (x[r * cols + j]! - m[j]!);
    }
  }
  return c.map((v) => v / rows);
}

/**
 * Largest |Ĉ_ij − Σ_ij| in units of its standard error sqrt((Σ_ii Σ_jj + Σ_ij²) / N)
 * (the exact standard error of a Gaussian sample covariance).
 */
export function covarianceZ(sample: Float64Array, sigma: Float64Array, n: number, rows: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const s = sigma[i * n + j]!;
      const se = Math.sqrt((sigma[i * n + i]! * sigma[j * n + j]! + s * s) / rows);
      worst = Math.max(worst, Math.abs(sample[i * n + j]! - s) / se);
    }
  }
  return worst;
}
