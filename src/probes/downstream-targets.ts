/**
 * The downstream tasks of docs/evaluation.md#downstream-tasks: targets that depend on a prefix of the
 * semantic factors, so that a representation which dropped some of them
 * cannot predict the targets that need them.
 *
 *   F(v) = Σ v_i² + 0.3·Σ v_i³ + 0.5·Σ_{i<j} v_i v_j + 0.2·Σ_{i<j<k} v_i v_j v_k
 *        + 0.7·Σ (sin v_i + cos v_i) + 0.4·Σ log(1 + |v_i|) + c·Σ exp(−|v_i|)
 *
 *   y1..y4 = F(s[1..3]), F(s[1..5]), F(s[1..7]), F(s[1..9])
 *   y5     = y2 binarised: at its median (default) or by 2-means clustering,
 *            the threshold taken from the fitting set and applied to every set.
 *
 * c is 0.6 in the public code (the default) and 0.4 in the paper's text.
 */
import { MisalignError } from '../common/errors.js';

/** Factors each regression target depends on: y_k = F(s[1..PREFIXES[k-1]]). */
export const DOWNSTREAM_PREFIXES = [3, 5, 7, 9] as const;
export const DEFAULT_EXP_WEIGHT = 0.6;
export type Binarization = 'median' | 'kmeans';

/** F(v) for the first `k` entries of `v`, written term by term as in docs/evaluation.md#downstream-tasks. */
export function downstreamF(v: ArrayLike<number>, k: number, expWeight = DEFAULT_EXP_WEIGHT, offset = 0): number {
  let squares = 0;
  let cubes = 0;
  let pairs = 0;
  let triples = 0;
  let trig = 0;
  let logs = 0;
  let exps = 0;
  for (let i = 0; i < k; i++) {
    const a = v[offset + i]!;
    squares += a * a;
    cubes += a * a * a;
    trig += Math.sin(a) + Math.cos(a);
    logs += Math.log(1 + Math.abs(a));
    exps += Math.exp(-Math.abs(a));
    for (let j = i + 1; j < k; j++) {
      const b = v[offset + j]!;
      pairs += a * b;
      for (let l = j + 1; l < k; l++) triples += a * b * v[offset + l]!;
    }
  }
  return squares + 0.3 * cubes + 0.5 * pairs + 0.2 * triples + 0.7 * trig + 0.4 * logs + expWeight * exps;
}

/** y1..y4 for each row of s, (rows, ns) row-major: four arrays of `rows` values. */
export function regressionTargets(s: ArrayLike<number>, rows: number, ns: number, expWeight = DEFAULT_EXP_WEIGHT): Float64Array[] {
  const need = Math.max(...DOWNSTREAM_PREFIXES);
  if (ns < need) throw new MisalignError('OUT_OF_RANGE', `downstream targets need ns >= ${need} semantic factors, got ${ns}`);
  return DOWNSTREAM_PREFIXES.map((k) => {
    const y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) y[r] = downstreamF(s, k, expWeight, r * ns);
    return y;
  });
}

/** The median of `values` (mean of the two middle values for an even count). */
export function median(values: ArrayLike<number>): number {
  if (values.length === 0) throw new MisalignError('OUT_OF_RANGE', 'the median of no values is undefined');
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : 0.5 * (sorted[mid - 1]! + sorted[mid]!);
}

/**
 * The threshold 2-means clustering puts between two clusters of 1-D values:
 * Lloyd's iterations from the smallest and largest value until the
 * assignment stops changing; the threshold is the midpoint of the centroids.
 */
export function twoMeansThreshold(values: ArrayLike<number>, maxIterations = 300): number {
  if (values.length < 2) throw new MisalignError('OUT_OF_RANGE', '2-means needs at least two values');
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  let threshold = 0.5 * (lo + hi);
  for (let it = 0; it < maxIterations; it++) {
    let sumLo = 0;
    let nLo = 0;
    let sumHi = 0;
    let nHi = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v > threshold) {
        sumHi += v;
        nHi++;
      } else {
        sumLo += v;
        nLo++;
      }
    }
    if (nLo === 0 || nHi === 0) break; // all values equal
    const next = 0.5 * (sumLo / nLo + sumHi / nHi);
    if (next === threshold) break;
    threshold = next;
  }
  return threshold;
}

/** The threshold of a binarisation, from the fitting set's values. */
export function binarizationThreshold(values: ArrayLike<number>, method: Binarization = 'median'): number {
  if (method === 'median') return median(values);
  if (method === 'kmeans') return twoMeansThreshold(values);
  throw new MisalignError('OUT_OF_RANGE', `binarisation must be 'median' or 'kmeans', got '${String(method)}'`);
}

/** Labels 1 above the threshold, 0 at or below it. */
export function binarize(values: ArrayLike<number>, threshold: number): Uint8Array {
  return Uint8Array.from({ length: values.length }, (_, i) => (values[i]! > threshold ? 1 : 0));
}
