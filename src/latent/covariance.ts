/**
 * Covariance matrices for the dependent setting (docs/model.md): Σ ~ Wishart(df, I),
 * and the Cholesky factors that turn unit normals into N(0, Σ) draws.
 * Linear algebra (products, Cholesky) is ml-matrix's.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { MisalignError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';

/** A symmetric positive-definite n×n matrix with its lower Cholesky factor, both row-major f64. */
export interface Covariance {
  readonly n: number;
  /** Σ, (n, n) row-major. */
  readonly sigma: Float64Array;
  /** L with L·Lᵀ = Σ, lower triangular, (n, n) row-major. */
  readonly cholesky: Float64Array;
}

function toRowMajor(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows * m.columns);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.columns; c++) out[r * m.columns + c] = m.get(r, c);
  return out;
}

/** Wraps a given Σ (row-major n×n, symmetric positive definite) with its Cholesky factor. */
export function covarianceFrom(sigma: Float64Array, n: number): Covariance {
  if (sigma.length !== n * n) throw new MisalignError('SHAPE_MISMATCH', `a ${n}×${n} covariance needs ${n * n} entries, got ${sigma.length}`);
  const m = new Matrix(n, n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) m.set(r, c, sigma[r * n + c]!);
  const chol = new CholeskyDecomposition(m);
  if (!chol.isPositiveDefinite()) throw new MisalignError('OUT_OF_RANGE', 'covariance matrix is not positive definite');
  return { n, sigma: Float64Array.from(sigma), cholesky: toRowMajor(chol.lowerTriangularMatrix) };
}

/**
 * Σ ~ Wishart(df, I_n): the sum of df outer products g gᵀ with g ~ N(0, I_n),
 * i.e. Gᵀ G for a (df, n) matrix G of unit normals.
 */
export function sampleWishart(n: number, df: number, rng: Rng): Covariance {
  if (df < n) throw new MisalignError('OUT_OF_RANGE', `Wishart degrees of freedom ${df} must be at least the dimension ${n}`);
  const g = new Matrix(df, n);
  for (let r = 0; r < df; r++) for (let c = 0; c < n; c++) g.set(r, c, rng.normal());
  const sigma = g.transpose().mmul(g);
  return covarianceFrom(toRowMajor(sigma), n);
}

/** The identity covariance (independent setting). */
export function identityCovariance(n: number): Covariance {
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  return { n, sigma: eye, cholesky: Float64Array.from(eye) };
}

/**
 * Draws `rows` samples of N(0, Σ) into out (rows, n) row-major: unit normals
 * z, then L·z.
 */
export function sampleGaussian(cov: Covariance, rows: number, rng: Rng, out: Float64Array): void {
  const n = cov.n;
  const L = cov.cholesky;
  const z = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) z[i] = rng.normal();
    const o = r * n;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j <= i; j++) acc += L[i * n + j]! * z[j]!;
      out[o + i] = acc;
    }
  }
}
