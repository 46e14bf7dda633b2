// Downstream tasks (docs/evaluation.md#downstream-tasks): the target function F, binarisation, MCC, and
// the whole evaluation on oracle encoders that keep chosen factors exactly.
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveBias } from '../src/latent/bias.js';
import { Kernels } from '../src/kernels/module.js';
import { DataGenerator } from '../src/mixing/generator.js';
import { binarizationThreshold, binarize, downstreamF, median, regressionTargets, twoMeansThreshold } from '../src/probes/downstream-targets.js';
import { evaluateDownstream } from '../src/probes/downstream.js';
import { confusion, mcc, mccFromConfusion } from '../src/probes/mcc.js';

describe('the downstream target F', () => {
  it('matches values computed by hand, term by term', () => {
    // 1 + 0.3 + 0.7(sin 1 + cos 1) + 0.4 ln 2 + 0.6 e^-1
    expect(downstreamF([1], 1)).toBeCloseTo(2.7652278404, 9);
    // squares 5.25, cubes −6.875, pairs −2.5, triple −1, trig 1.41334, logs ln 9, exps 1.10975; c = 0.4
    expect(downstreamF([1, -2, 0.5], 3, 0.4)).toBeCloseTo(4.049623974, 9);
    // all ones: 6 pairs and 4 triples
    expect(downstreamF([1, 1, 1, 1], 4, 0.6)).toBeCloseTo(14.8609113616, 9);
    // only the first k entries count, from the offset
    expect(downstreamF([9, 9, 1, -2, 0.5, 7], 3, 0.4, 2)).toBeCloseTo(4.049623974, 9);
  });

  it('gives y1..y4 from the prefixes s[1..3], s[1..5], s[1..7], s[1..9]', () => {
    const s = Float64Array.from({ length: 2 * 10 }, (_, i) => Math.sin(i + 1));
    const y = regressionTargets(s, 2, 10);
    expect(y.length).toBe(4);
    [3, 5, 7, 9].forEach((k, t) => {
      for (let r = 0; r < 2; r++) expect(y[t]![r]).toBe(downstreamF(s.subarray(r * 10, r * 10 + k), k));
    });
    expect(() => regressionTargets(new Float64Array(8), 1, 8)).toThrow(/ns >= 9/);
  });

  it('binarises at the median or between two 2-means clusters', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(twoMeansThreshold([0, 0, 1, 10, 11])).toBeCloseTo((1 / 3 + 10.5) / 2, 12);
    expect(binarizationThreshold([0, 0, 1, 10, 11], 'kmeans')).toBeCloseTo(5.4166667, 6);
    expect(binarizationThreshold([0, 0, 1, 10, 11], 'median')).toBe(1);
    expect(Array.from(binarize([0, 1, 2, 3], 1))).toEqual([0, 0, 1, 1]);
    expect(() => binarizationThreshold([1, 2], 'mean' as never)).toThrow(/median' or 'kmeans/);
  });
});

describe('MCC', () => {
  it('matches known confusion matrices', () => {
    expect(mccFromConfusion({ tp: 5, tn: 3, fp: 1, fn: 2 })).toBeCloseTo(13 / Math.sqrt(840), 12);
    expect(mccFromConfusion({ tp: 10, tn: 10, fp: 0, fn: 0 })).toBe(1);
    expect(mccFromConfusion({ tp: 0, tn: 0, fp: 7, fn: 3 })).toBe(-1);
    expect(mccFromConfusion({ tp: 4, tn: 0, fp: 6, fn: 0 })).toBe(0); // constant prediction
  });

  it('counts the confusion matrix from labels', () => {
    const truth = [1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0];
    const pred = [1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0];
    expect(confusion(truth, pred)).toEqual({ tp: 5, tn: 3, fp: 1, fn: 2 });
    expect(mcc(truth, pred)).toBeCloseTo(0.4485426136, 9);
    expect(() => mcc([1], [1, 0])).toThrow(/as many predictions as labels/);
  });
});

describe('the downstream evaluation', () => {
  let k: Kernels;
  let world: DataGenerator;
  beforeAll(async () => {
    k = await Kernels.load();
    world = DataGenerator.create({ bias: resolveBias({ select: '1-10' }), seed: 3, mixing: { thresholdSamples: 500 } });
  });

  /** An oracle image encoder: inverts g_x and keeps exactly the listed factors (1-based). */
  const keeping = (factors: number[]) => (_which: 'x' | 't', data: Float32Array, rows: number) => {
    const z = world.gx.inverse({ shape: [rows, 15], data }).data;
    return Float32Array.from({ length: rows * factors.length }, (_, i) => z[Math.floor(i / factors.length) * 15 + factors[i % factors.length]! - 1]!);
  };
  const options = { seed: 5, samples: 2048, steps: 1500, lr: 3e-3 };

  it('predicts the targets whose factors are kept, and not the others', () => {
    const first5 = evaluateDownstream(k, keeping([1, 2, 3, 4, 5]), world, options);
    expect(first5.regression.y1).toBeGreaterThan(0.9);
    expect(first5.regression.y2).toBeGreaterThan(0.9);
    expect(first5.regression.y4).toBeLessThan(first5.regression.y2 - 0.2);
    expect(first5.classification.mccId).toBeGreaterThan(0.8);
    // y5 needs only s1..s5: dropping s9 and s10 makes it immune to their shift
    expect(Math.abs(first5.classification.mccOod - first5.classification.mccId)).toBeLessThan(0.05);
    expect(first5.settings).toMatchObject({ steps: 1500, expWeight: 0.6, binarize: 'median', shiftDims: [9, 10] });
  });

  it('loses out-of-distribution accuracy when the shifting factors are kept', () => {
    const all = evaluateDownstream(k, keeping([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), world, options);
    const first8 = evaluateDownstream(k, keeping([1, 2, 3, 4, 5, 6, 7, 8]), world, options);
    expect(all.regression.y4).toBeGreaterThan(first8.regression.y4);
    expect(first8.classification.mccOod).toBeGreaterThan(all.classification.mccOod + 0.05);
  });

  it('rejects bad settings with one line naming them', () => {
    expect(() => evaluateDownstream(k, keeping([1]), world, { seed: 1, steps: 0 })).toThrow(/downstream steps must be a positive integer/);
    expect(() => evaluateDownstream(k, keeping([1]), world, { seed: 1, binarize: 'mean' as never })).toThrow(/binarisation/);
  });
});
