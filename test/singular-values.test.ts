import { describe, expect, it } from 'vitest';
import { Matrix, SVD } from 'ml-matrix';
import { Rng } from '../src/common/rng.js';
import { conditionNumberInPlace, singularValuesInPlace, SingularValueWorkspace } from '../src/mixing/singular-values.js';
import { conditionNumber, conditionThreshold, drawCandidate, drawCandidateColumnMajor } from '../src/mixing/weights.js';

/** ml-matrix's singular values and condition number, as weights.ts used to compute them. */
function reference(m: Matrix): { s: number[]; condition: number } {
  const svd = new SVD(m, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: false });
  return { s: Array.from(svd.diagonal), condition: svd.condition };
}

function ours(m: Matrix): { s: number[]; condition: number } {
  const n = m.rows;
  const ws = new SingularValueWorkspace(n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) ws.at[c * n + r] = m.get(r, c);
  const s = Array.from(singularValuesInPlace(ws));
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) ws.at[c * n + r] = m.get(r, c);
  return { s, condition: conditionNumberInPlace(ws) };
}

function expectSameBits(m: Matrix): void {
  const a = ours(m);
  const b = reference(m);
  expect(a.s.length).toBe(b.s.length);
  a.s.forEach((v, i) => expect(Object.is(v, b.s[i])).toBe(true));
  expect(Object.is(a.condition, b.condition)).toBe(true);
}

describe('singular values (the flat port of ml-matrix SVD behind the mixing thresholds)', () => {
  it('gives bit-identical singular values and condition numbers to ml-matrix on mixing candidates', () => {
    const rng = Rng.fromSeed(2024);
    for (const n of [1, 2, 3, 4, 5, 7, 10, 13, 15, 20, 30]) {
      for (let i = 0; i < 300; i++) expectSameBits(drawCandidate(n, rng));
    }
  });

  it('matches on other matrices too: Gaussian, scaled, rank-deficient, zero, diagonal, triangular', () => {
    const rng = Rng.fromSeed(7);
    for (const n of [2, 3, 6, 15]) {
      for (let i = 0; i < 50; i++) {
        const g = new Matrix(n, n);
        for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) g.set(r, c, rng.normal() * 10 ** rng.uniformRange(-3, 3));
        expectSameBits(g);
        const low = g.clone();
        for (let r = 0; r < n; r++) low.set(r, n - 1, low.get(r, 0) * 2); // two dependent columns
        expectSameBits(low);
        const upper = g.clone();
        for (let r = 0; r < n; r++) for (let c = 0; c < r; c++) upper.set(r, c, 0);
        expectSameBits(upper);
      }
      expectSameBits(Matrix.zeros(n, n));
      expectSameBits(Matrix.eye(n, n));
      expectSameBits(Matrix.diag(Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * (i + 1))));
      expectSameBits(Matrix.ones(n, n));
    }
  });

  it('draws the same candidates as the ml-matrix path, and conditionThreshold equals the old computation', () => {
    for (const n of [10, 15]) {
      const a = Rng.fromSeed(n);
      const b = Rng.fromSeed(n);
      const flat = new Float64Array(n * n);
      for (let i = 0; i < 20; i++) {
        const m = drawCandidate(n, a);
        drawCandidateColumnMajor(n, b, flat);
        for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) expect(Object.is(flat[c * n + r], m.get(r, c))).toBe(true);
      }
      // the old threshold: ml-matrix's condition numbers of the same candidates, sorted, at floor(samples·ratio)
      const samples = 3000;
      const old = new Float64Array(samples);
      const rng = Rng.fromSeed(99).fork('threshold');
      for (let i = 0; i < samples; i++) old[i] = conditionNumber(drawCandidate(n, rng));
      old.sort();
      expect(Object.is(conditionThreshold(n, Rng.fromSeed(99).fork('threshold'), samples, 0.001), old[Math.floor(samples * 0.001)])).toBe(true);
      expect(Object.is(conditionThreshold(n, Rng.fromSeed(99).fork('threshold'), samples, 0.3), old[Math.floor(samples * 0.3)])).toBe(true);
    }
  });
});
