/**
 * Graded-lexicographic numbering of subsets (docs/numbering.md).
 *
 * The non-empty subsets of {1..n} are ordered by size, then lexicographically
 * within a size: {1}, {2}, ..., {n}, {1,2}, {1,3}, ..., {n-1,n}, {1,2,3}, ...
 * A subset's 0-based position in that order is its rank (the public code's θ);
 * the paper numbers from 1. Ranking and unranking walk the binomial
 * coefficients, so nothing proportional to 2^n is ever built (n <= 30 here,
 * where 2^n − 1 still fits exactly in a double).
 */
import { MisalignError } from '../common/errors.js';

/** The largest universe we number: 2^30 subsets keep every count an exact integer. */
export const MAX_FACTORS = 30;

const PASCAL: number[][] = [];
for (let n = 0; n <= MAX_FACTORS; n++) {
  const row = [1];
  for (let k = 1; k <= n; k++) row.push(k === n ? 1 : PASCAL[n - 1]![k - 1]! + PASCAL[n - 1]![k]!);
  PASCAL.push(row);
}

/** C(n, k) for 0 <= n <= 30; 0 when k < 0 or k > n. */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  return PASCAL[n]![k]!;
}

/** How many non-empty subsets {1..n} has: 2^n − 1. */
export function nonEmptySubsetCount(n: number): number {
  return 2 ** n - 1;
}

function checkUniverse(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new MisalignError('OUT_OF_RANGE', `the number of factors must be a positive integer, got ${n}`);
  if (n > MAX_FACTORS) throw new MisalignError('TOO_MANY_FACTORS', `at most ${MAX_FACTORS} factors can be numbered, got ${n}`);
}

/** Throws unless `subset` is strictly increasing, non-empty, with every element in 1..n. */
function checkSubset(subset: readonly number[], n: number): void {
  if (subset.length === 0) throw new MisalignError('EMPTY_SELECTION', 'the empty set has no graded rank');
  let previous = 0;
  for (const e of subset) {
    if (!Number.isInteger(e) || e < 1 || e > n) {
      throw new MisalignError('INDEX_OUT_OF_RANGE', `index ${e} is outside 1..${n}`);
    }
    if (e <= previous) throw new MisalignError('INVALID_LIST', `subset must be strictly increasing, got [${subset.join(', ')}]`);
    previous = e;
  }
}

/**
 * 0-based graded-lexicographic rank of a non-empty subset of {1..n}
 * (1-based, strictly increasing elements). rankSubset([1], n) = 0 and
 * rankSubset([1..n], n) = 2^n − 2.
 */
export function rankSubset(subset: readonly number[], n: number): number {
  checkUniverse(n);
  checkSubset(subset, n);
  const k = subset.length;
  let rank = 0;
  for (let j = 1; j < k; j++) rank += binomial(n, j); // all smaller subsets come first
  // Lexicographic rank among k-subsets: for each position i, count the
  // subsets that agree before i and hold a smaller value at i.
  let previous = 0;
  for (let i = 0; i < k; i++) {
    const a = subset[i]!;
    for (let v = previous + 1; v < a; v++) rank += binomial(n - v, k - i - 1);
    previous = a;
  }
  return rank;
}

/** The subset of {1..n} (1-based, increasing) at 0-based graded rank `rank` in 0..2^n − 2. */
export function unrankSubset(rank: number, n: number): number[] {
  checkUniverse(n);
  if (!Number.isInteger(rank) || rank < 0 || rank > nonEmptySubsetCount(n) - 1) {
    throw new MisalignError('OUT_OF_RANGE', `subset rank ${rank} is outside 0..${nonEmptySubsetCount(n) - 1} for n = ${n}`);
  }
  let rest = rank;
  let k = 1;
  while (rest >= binomial(n, k)) {
    rest -= binomial(n, k);
    k++;
  }
  const subset: number[] = [];
  let v = 1;
  for (let i = 0; i < k; i++) {
    for (;;) {
      const below = binomial(n - v, k - i - 1); // subsets whose i-th element is v
      if (rest < below) break;
      rest -= below;
      v++;
    }
    subset.push(v);
    v++;
  }
  return subset;
}
