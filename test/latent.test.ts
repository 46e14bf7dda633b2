import { describe, expect, it } from 'vitest';
import { Rng } from '../src/common/rng.js';
import { resolveBias } from '../src/latent/bias.js';
import { sampleWishart } from '../src/latent/covariance.js';
import { LatentModel } from '../src/latent/model.js';
import { columnMeans, covariance, covarianceZ } from './helpers/stats.js';

const N = 100_000;
// ns = 10, nm = 5, I_θ = [8], I_ρ = {1, 2}: "θ = 968, ρ = 12"
const bias = resolveBias({ theta: 968, rho: 12 });
const eye = (n: number) => Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));

describe('latent model (docs/model.md)', () => {
  it('independent: s, m_x, m_t have mean 0 and covariance I', () => {
    const model = LatentModel.create({ bias, seed: 1 });
    const b = model.sample(N, Rng.fromSeed(1).fork('data'));
    for (const [t, n] of [
      [b.s, 10],
      [b.mx, 5],
      [b.mt, 5],
    ] as const) {
      expect(t.shape).toEqual([N, n]);
      for (const m of columnMeans(t.data, N, n)) expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(N));
      expect(covarianceZ(covariance(t.data, N, n), eye(n), n, N)).toBeLessThan(5);
    }
  });

  it('dependent: covariances match the Wishart draws; the four draws are separate by default', () => {
    const model = LatentModel.create({ bias, dependence: 'dependent', seed: 2 });
    const { s: cs, mx: cmx, mt: cmt, eps } = model.covariances;
    const b = model.sample(N, Rng.fromSeed(2).fork('data'));
    expect(covarianceZ(covariance(b.s.data, N, 10), cs.sigma, 10, N)).toBeLessThan(5);
    expect(covarianceZ(covariance(b.mx.data, N, 5), cmx.sigma, 5, N)).toBeLessThan(5);
    expect(covarianceZ(covariance(b.mt.data, N, 5), cmt.sigma, 5, N)).toBeLessThan(5);
    for (const m of columnMeans(b.s.data, N, 10).map((v, i) => v / Math.sqrt(cs.sigma[i * 11]!))) {
      expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(N));
    }
    expect(cs.sigma).not.toEqual(eps.sigma);
    expect(cmx.sigma).not.toEqual(cmt.sigma);
    // the noise of perturbed entries has variance Σ_ε[i, i]
    for (const i of [1, 2]) {
      const noise: number[] = [];
      for (let r = 0; r < N; r++) {
        const k = r * 10 + i - 1;
        if (b.perturbedMask[k]) noise.push(b.sTilde.data[k]! - b.s.data[k]!);
      }
      const v = noise.reduce((a, e) => a + e * e, 0) / noise.length;
      const sigma2 = eps.sigma[(i - 1) * 11]!;
      expect(Math.abs(v - sigma2) / (sigma2 * Math.sqrt(2 / noise.length))).toBeLessThan(5);
    }
  });

  it("reproduces the public code's tied draws on request", () => {
    const model = LatentModel.create({ bias, dependence: 'dependent', tiedCovariances: true, seed: 2 });
    expect(model.covariances.eps.sigma).toEqual(model.covariances.s.sigma);
    expect(model.covariances.mt.sigma).toEqual(model.covariances.mx.sigma);
  });

  it('perturbs each index of I_ρ with probability 0.75 and copies every other coordinate bit for bit', () => {
    for (const dependence of ['independent', 'dependent'] as const) {
      const model = LatentModel.create({ bias, dependence, seed: 3 });
      const b = model.sample(N, Rng.fromSeed(3).fork('data'));
      const sBits = new Uint32Array(b.s.data.buffer);
      const tBits = new Uint32Array(b.sTilde.data.buffer);
      for (let i = 1; i <= 10; i++) {
        let count = 0;
        let identical = 0;
        for (let r = 0; r < N; r++) {
          const k = r * 10 + i - 1;
          count += b.perturbedMask[k]!;
          if (sBits[k] === tBits[k]) identical++;
        }
        if (i === 1 || i === 2) {
          expect(Math.abs(count / N - 0.75)).toBeLessThan(5 * Math.sqrt((0.75 * 0.25) / N));
          expect(identical).toBe(N - count); // a perturbed coordinate differs from s
        } else {
          expect(count).toBe(0);
          expect(identical).toBe(N);
        }
      }
    }
  });

  it('composes z_x = (s, m_x) and z_t = (s̃[I_θ], m_t)', () => {
    const sel = resolveBias({ select: '2,5,7', perturb: '5' });
    const model = LatentModel.create({ bias: sel, seed: 4 });
    const b = model.sample(50, Rng.fromSeed(4));
    expect(b.zx.shape).toEqual([50, 15]);
    expect(b.zt.shape).toEqual([50, 8]);
    for (let r = 0; r < 50; r++) {
      expect(Array.from(b.zx.data.subarray(r * 15, r * 15 + 10))).toEqual(Array.from(b.s.data.subarray(r * 10, r * 10 + 10)));
      expect(Array.from(b.zx.data.subarray(r * 15 + 10, r * 15 + 15))).toEqual(Array.from(b.mx.data.subarray(r * 5, r * 5 + 5)));
      expect(Array.from(b.zt.data.subarray(r * 8, r * 8 + 3))).toEqual([2, 5, 7].map((i) => b.sTilde.data[r * 10 + i - 1]));
      expect(Array.from(b.zt.data.subarray(r * 8 + 3, r * 8 + 8))).toEqual(Array.from(b.mt.data.subarray(r * 5, r * 5 + 5)));
    }
  });

  it('gives identical arrays for the same seeds and different ones otherwise', () => {
    const draw = (modelSeed: number, dataSeed: number) =>
      LatentModel.create({ bias, dependence: 'dependent', seed: modelSeed }).sample(64, Rng.fromSeed(dataSeed));
    const a = draw(5, 6);
    const b = draw(5, 6);
    for (const key of ['s', 'sTilde', 'mx', 'mt', 'zx', 'zt'] as const) expect(a[key].data).toEqual(b[key].data);
    expect(a.perturbedMask).toEqual(b.perturbedMask);
    expect(draw(5, 7).s.data).not.toEqual(a.s.data);
    expect(draw(8, 6).s.data).not.toEqual(a.s.data);
  });

  it('applies the OOD shift of docs/model.md#distribution-shift to dimensions 9 and 10 only', () => {
    const model = LatentModel.create({ bias, seed: 9 });
    const b = model.sample(N, Rng.fromSeed(9), { shift: {} });
    for (const c of [8, 9]) {
      let spikes = 0;
      const back: number[] = [];
      for (let r = 0; r < N; r++) {
        const v = b.s.data[r * 10 + c]!;
        if (Math.abs(v) === 10) spikes++;
        else back.push(Math.sign(v) * Math.sqrt(Math.abs(v) / 2)); // undo 2·sign(s)·s²
      }
      expect(Math.abs(spikes / N - 0.1)).toBeLessThan(5 * Math.sqrt(0.09 / N));
      const m = back.reduce((a, x) => a + x, 0) / back.length;
      const v = back.reduce((a, x) => a + (x - m) ** 2, 0) / back.length;
      expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(back.length));
      expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / back.length));
    }
    // the other dimensions keep N(0, 1)
    const rest = new Float64Array(N * 8);
    for (let r = 0; r < N; r++) for (let c = 0; c < 8; c++) rest[r * 8 + c] = b.s.data[r * 10 + c]!;
    expect(covarianceZ(covariance(rest, N, 8), eye(8), 8, N)).toBeLessThan(5);
    expect(() => model.sample(10, Rng.fromSeed(1), { shift: { dims: [11] } })).toThrow(/outside 1\.\.10/);
  });
});

describe('Wishart(df, I)', () => {
  it('has mean df·I over many draws', () => {
    const rng = Rng.fromSeed(10);
    const n = 5;
    const draws = 4000;
    const mean = new Float64Array(n * n);
    for (let d = 0; d < draws; d++) {
      const { sigma } = sampleWishart(n, n, rng);
      for (let k = 0; k < n * n; k++) mean[k]! += sigma[k]! / draws;
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        // Var(Σ_ii) = 2·df, Var(Σ_ij) = df for scale I
        const se = Math.sqrt((i === j ? 2 * n : n) / draws);
        expect(Math.abs(mean[i * n + j]! - (i === j ? n : 0))).toBeLessThan(5 * se);
      }
    }
  });
});
