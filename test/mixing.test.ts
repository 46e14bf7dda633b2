import { describe, expect, it } from 'vitest';
import { Matrix } from 'ml-matrix';
import { Rng } from '../src/common/rng.js';
import { tensor2d } from '../src/common/tensor.js';
import { resolveBias } from '../src/latent/bias.js';
import { DataGenerator } from '../src/mixing/generator.js';
import { InvertibleMlp } from '../src/mixing/invertible-mlp.js';
import { conditionNumber, conditionThreshold, drawCandidate } from '../src/mixing/weights.js';

function asMatrix(w: Float64Array, n: number): Matrix {
  return new Matrix(Array.from({ length: n }, (_, r) => Array.from(w.subarray(r * n, (r + 1) * n))));
}

describe('mixing functions (docs/model.md#mixing-functions)', () => {
  // One generator with the default threshold (25,000 candidates, ratio 0.001), shared by the tests below.
  const generator = DataGenerator.create({ bias: resolveBias({ theta: 968, rho: 12 }), seed: 21 });

  it('draws every layer with unit-norm columns and a condition number under the threshold', () => {
    for (const [g, report, n] of [
      [generator.gx, generator.mixingReport.x, 15],
      [generator.gt, generator.mixingReport.t, 13],
    ] as const) {
      expect(g.n).toBe(n);
      expect(g.weights).toHaveLength(3);
      expect(report.conditions).toHaveLength(3);
      g.weights.forEach((w, l) => {
        const m = asMatrix(w, n);
        for (let c = 0; c < n; c++) expect(m.getColumnVector(c).norm()).toBeCloseTo(1, 12);
        const cond = conditionNumber(m);
        expect(cond).toBeCloseTo(report.conditions[l]!, 8);
        expect(cond).toBeLessThanOrEqual(report.threshold);
      });
      // the 0.1 % quantile sits far below a typical candidate's condition number
      expect(report.threshold).toBeGreaterThan(1);
      expect(report.threshold).toBeLessThan(conditionNumber(drawCandidate(n, Rng.fromSeed(n))));
    }
  });

  it('sets the threshold at the requested quantile of candidate condition numbers', () => {
    const n = 8;
    const threshold = conditionThreshold(n, Rng.fromSeed(30), 4000, 0.1);
    let below = 0;
    const fresh = Rng.fromSeed(31);
    const trials = 5000;
    for (let i = 0; i < trials; i++) if (conditionNumber(drawCandidate(n, fresh)) <= threshold) below++;
    // the quantile estimate has its own error (se ≈ 0.005) on top of the fresh sample's (0.004)
    expect(Math.abs(below / trials - 0.1)).toBeLessThan(0.035);
  });

  it('is a LeakyReLU(0.2) MLP: x = W3·lrelu(W2·lrelu(W1·z))', () => {
    const g = generator.gx;
    const z = new Float64Array(15).map((_, i) => Math.sin(i + 1));
    let h = new Matrix([Array.from(z)]).transpose();
    g.weights.forEach((w, l) => {
      h = asMatrix(w, 15).mmul(h);
      if (l < 2) for (let r = 0; r < 15; r++) if (h.get(r, 0) < 0) h.set(r, 0, 0.2 * h.get(r, 0));
    });
    const x = g.forward64(z, 1);
    for (let i = 0; i < 15; i++) expect(x[i]).toBeCloseTo(h.get(i, 0), 12);
  });

  it('inverts: g⁻¹(g(z)) ≈ z to 1e-4 (f32 observations) and 1e-10 (f64)', () => {
    const batch = generator.sample(2000, Rng.fromSeed(22));
    for (const [g, z, x] of [
      [generator.gx, batch.zx, batch.x],
      [generator.gt, batch.zt, batch.t],
    ] as const) {
      const back = g.inverse(x);
      let worst = 0;
      for (let k = 0; k < z.data.length; k++) worst = Math.max(worst, Math.abs(back.data[k]! - z.data[k]!));
      expect(worst).toBeLessThan(1e-4);
      const z64 = Float64Array.from(z.data);
      const back64 = g.inverse64(g.forward64(z64, z.shape[0]), z.shape[0]);
      let worst64 = 0;
      for (let k = 0; k < z64.length; k++) worst64 = Math.max(worst64, Math.abs(back64[k]! - z64[k]!));
      expect(worst64).toBeLessThan(1e-10);
    }
  });

  it('computes the f32 forward pass four rows at a time, bit-identical to the f64 one rounded once', () => {
    for (const rows of [1, 3, 4, 7, 258]) {
      const z = tensor2d(
        rows,
        15,
        Float32Array.from({ length: rows * 15 }, (_, i) => 2 * Math.sin(0.7 * i + rows)),
      );
      const fast = generator.gx.forward(z).data;
      const exact = Float32Array.from(generator.gx.forward64(Float64Array.from(z.data), rows));
      expect(fast).toEqual(exact);
    }
  });

  it('rebuilds exactly from its weights', () => {
    const copy = InvertibleMlp.fromWeights(generator.gx.toWeights());
    const z = tensor2d(
      3,
      15,
      Float32Array.from({ length: 45 }, (_, i) => Math.cos(i)),
    );
    expect(copy.forward(z).data).toEqual(generator.gx.forward(z).data);
    expect(() => InvertibleMlp.fromWeights({ n: 3, slope: 0.2, weights: [new Float64Array(8)] })).toThrow(/expected 9/);
    expect(() => generator.gx.forward(tensor2d(2, 14))).toThrow(/expected \(2, 15\)/);
  });

  it('samples observations with the right shapes, identically for the same seeds', () => {
    const small = { bias: resolveBias({ select: '1-3', nm: 2 }), seed: 5, mixing: { thresholdSamples: 500 } };
    const a = DataGenerator.create(small).sample(100, Rng.fromSeed(1));
    const b = DataGenerator.create(small).sample(100, Rng.fromSeed(1));
    expect(a.x.shape).toEqual([100, 12]);
    expect(a.t.shape).toEqual([100, 5]);
    expect(a.x.data).toEqual(b.x.data);
    expect(a.t.data).toEqual(b.t.data);
    const other = DataGenerator.create({ ...small, seed: 6 }).sample(100, Rng.fromSeed(1));
    expect(other.zx.data).toEqual(a.zx.data); // same latents (independent setting, same data stream)...
    expect(other.x.data).not.toEqual(a.x.data); // ...through a different world
  });
});
