import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/common/rng.js';
import { Kernels } from '../src/kernels/module.js';
import { resolveBias } from '../src/latent/bias.js';
import { DataGenerator } from '../src/mixing/generator.js';
import { evaluateRepresentations } from '../src/probes/evaluate.js';
import { imageTextVerdict, verdictFor } from '../src/probes/verdicts.js';
import { linearProbeR2 } from '../src/probes/linear.js';
import { mlpProbeR2 } from '../src/probes/mlp-probe.js';
import { Minibatches } from '../src/probes/probe-bank.js';
import { clip01, fitStandardizer, r2Score, standardize } from '../src/probes/stats.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});
afterAll(() => k.close());

/** n samples of 3 standard-normal inputs and targets computed from them. */
function dataset(n: number, seed: number) {
  const rng = Rng.fromSeed(seed);
  const x = new Float32Array(n * 3);
  rng.fillNormal(x);
  const noise = new Float32Array(n);
  rng.fillNormal(noise);
  const linear = new Float32Array(n);
  const nonlinear = new Float32Array(n);
  const pair = new Float32Array(n * 2);
  const unrelated = new Float32Array(n);
  rng.fillNormal(unrelated);
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [x[3 * i]!, x[3 * i + 1]!, x[3 * i + 2]!];
    linear[i] = 2 * a - b + 0.5 * c + 0.5 * noise[i]!; // R² = 5.25 / 5.5 ≈ 0.955
    nonlinear[i] = Math.sin(2 * a) * b + Math.abs(c); // no linear part to speak of
    pair[2 * i] = a * a;
    pair[2 * i + 1] = Math.tanh(3 * b);
  }
  return { x, linear, nonlinear, pair, unrelated };
}

describe('R² and standardisation', () => {
  it('follow scikit-learn: perfect, mean-only and multi-output cases', () => {
    expect(r2Score([1, 2, 3], [1, 2, 3], 3, 1)).toBe(1);
    expect(r2Score([1, 2, 3], [2, 2, 2], 3, 1)).toBe(0);
    expect(r2Score([1, 2, 3], [3, 2, 1], 3, 1)).toBe(-3);
    // two outputs averaged: 1 and 0
    expect(
      r2Score(
        [1, 5, 2, 5, 3, 5],
        [1, 5, 2, 5, 3, 5].map((v, i) => (i % 2 ? 4 : v)),
        3,
        2,
      ),
    ).toBe(0.5);
    expect(clip01(-3)).toBe(0);
    expect(clip01(1.5)).toBe(1);
    const s = fitStandardizer([1, 10, 3, 10], 2, 2);
    expect(Array.from(s.mean)).toEqual([2, 10]);
    expect(Array.from(s.std)).toEqual([1, 1]); // zero spread becomes 1
    expect(Array.from(standardize([1, 10, 3, 10], 2, 2, s))).toEqual([-1, 0, 1, 0]);
  });
});

describe('a broken probe (non-finite R²)', () => {
  it('stays NaN through clipping', () => {
    expect(clip01(Number.NaN)).toBeNaN();
    expect(clip01(-Infinity)).toBeNaN(); // infinite predictions
  });

  it('fails for a factor predicted dropped and for one predicted kept, in every setting', () => {
    for (const r2 of [Number.NaN, clip01(Number.NaN), clip01(-Infinity), Infinity]) {
      expect(verdictFor('dropped', false, 'independent', r2)).toBe('fail');
      expect(verdictFor('dropped', true, 'dependent', r2)).toBe('fail');
      expect(verdictFor('dropped', false, 'dependent', r2)).toBe('fail');
      expect(verdictFor('kept', false, 'independent', r2)).toBe('fail');
      expect(verdictFor('kept', false, 'dependent', r2)).toBe('fail');
      for (const predicted of ['kept', 'partly', 'dropped'] as const) expect(imageTextVerdict(predicted, r2)).toBe('fail');
    }
    // metrics.json holds a NaN as null
    expect(imageTextVerdict('dropped', null as unknown as number)).toBe('fail');
    expect(verdictFor('dropped', false, 'independent', null as unknown as number)).toBe('fail');
  });

  it('an encoder that outputs NaN gets NaN R² and fails every verdict', () => {
    const world = DataGenerator.create({ bias: resolveBias({ ns: 3, nm: 1, select: '1' }), seed: 2, mixing: { thresholdSamples: 200 } });
    const rows = evaluateRepresentations(k, (_which, _data, n) => new Float32Array(n * 2).fill(Number.NaN), world, 'independent', {
      samples: 200,
      seed: 9,
      probe: { maxEpochs: 2 },
    });
    expect(rows.map((r) => r.predicted)).toContain('dropped');
    expect(rows.map((r) => r.predicted)).toContain('kept');
    for (const r of rows) {
      expect(r.r2Linear).toBeNaN();
      expect(r.r2Nonlinear).toBeNaN();
      expect(r.verdict).toBe('fail');
    }
  });
});

describe('probes recover known targets', () => {
  const n = 4000;
  const fit = dataset(n, 1);
  const score = dataset(n, 2);

  it('linear regression: R² of a noisy linear target ≈ its explained variance; nothing for a nonlinear or unrelated one', () => {
    expect(linearProbeR2(fit.x, fit.linear, n, score.x, score.linear, n, 3, 1)).toBeCloseTo(5.25 / 5.5, 1);
    expect(linearProbeR2(fit.x, fit.nonlinear, n, score.x, score.nonlinear, n, 3, 1)).toBeLessThan(0.05);
    expect(linearProbeR2(fit.x, fit.unrelated, n, score.x, score.unrelated, n, 3, 1)).toBeLessThan(0.01);
  });

  it('MLP probes: learn nonlinear targets (and a two-output block) that linear regression cannot, and nothing from noise', () => {
    const results = mlpProbeR2(
      k,
      fit.x,
      n,
      score.x,
      n,
      3,
      [
        { name: 'linear', outputs: 1, fit: fit.linear, score: score.linear },
        { name: 'nonlinear', outputs: 1, fit: fit.nonlinear, score: score.nonlinear },
        { name: 'pair', outputs: 2, fit: fit.pair, score: score.pair },
        { name: 'unrelated', outputs: 1, fit: fit.unrelated, score: score.unrelated },
      ],
      Rng.fromSeed(3),
      { batch: 200, lr: 3e-3, maxEpochs: 60 },
    );
    const r2 = Object.fromEntries(results.map((r) => [r.name, r.r2]));
    expect(r2.linear).toBeGreaterThan(0.93);
    expect(r2.nonlinear).toBeGreaterThan(0.9);
    expect(r2.pair).toBeGreaterThan(0.95);
    expect(r2.unrelated!).toBeLessThan(0.02);
    expect(linearProbeR2(fit.x, fit.pair, n, score.x, score.pair, n, 3, 2)).toBeLessThan(0.5);
  });
});

describe('minibatches (the MLP regressors and classifiers share them)', () => {
  it('shuffle by Fisher–Yates from the last sample, one rng.int per swap, each epoch from the last order; full batches only', () => {
    const n = 7;
    const cols = 2;
    const x = Float32Array.from({ length: n * cols }, (_, i) => 10 * Math.floor(i / cols) + (i % cols)); // row r: (10r, 10r + 1)
    const batches = new Minibatches(n, 3);
    const mark = k.arena.mark();
    try {
      const xBatch = k.arena.alloc(3 * cols);
      const rng = Rng.fromSeed(11);
      const reference = Rng.fromSeed(11);
      const order = Array.from({ length: n }, (_, i) => i);
      for (let epoch = 0; epoch < 3; epoch++) {
        for (let i = n - 1; i > 0; i--) {
          const j = reference.int(i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        const seen: number[][] = [];
        batches.epoch(rng, x, cols, xBatch, (rows) => {
          seen.push([...rows]);
          expect([...xBatch.array]).toEqual([...rows].flatMap((r) => [10 * r, 10 * r + 1]));
        });
        expect(seen).toEqual([order.slice(0, 3), order.slice(3, 6)]); // the 7th sample waits for another epoch
        expect(rng.getState()).toEqual(reference.getState());
      }
    } finally {
      k.arena.release(mark);
    }
  });

  it('are the one shuffle and batching loop of both probes', () => {
    for (const file of ['mlp-probe.ts', 'classify.ts']) {
      const source = readFileSync(new URL(`../src/probes/${file}`, import.meta.url), 'utf8');
      expect(source, file).toMatch(/new Minibatches\(/);
      expect(source, file).not.toMatch(/rng\.int\(/);
    }
  });
});
