// The WebAssembly data path (assembly/sampler.ts) against its reference, the
// TypeScript data path: same batches bit for bit, same stream state after.
import ln from '@stdlib/math-base-special-ln';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/common/rng.js';
import { resolveNumericConfig, type NumericSettings } from '../src/experiments/numeric/config.js';
import { numericWorld } from '../src/experiments/numeric/index.js';
import { Kernels } from '../src/kernels/module.js';
import { ObservationSampler } from '../src/kernels/sampler.js';
import { coreBatchSource, samplerWorld, stepBatch } from '../src/experiments/numeric/batches.js';
import type { StepBatch } from '../src/training/engine.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});

/** Index of the first element that differs (Object.is, so −0 ≠ 0), or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

describe('the WebAssembly sampler', () => {
  it('computes stdlib ln bit for bit on (0, 1), subnormals and the near-1 branch included', () => {
    const rng = Rng.fromSeed(11);
    const xs = [5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, 1e-20, 0.5, 0.75, 1 - 1e-12, 1 - 2 ** -53, 0.9999999];
    for (let i = 0; i < 20000; i++) xs.push(rng.uniform() || 0.5, rng.uniform() ** 8 || 0.5);
    const bad = xs.filter((x) => !Object.is(k.exports.samplerLn(x), ln(x)));
    expect(bad).toEqual([]);
  });

  const worlds: [string, NumericSettings][] = [
    ['independent, I_θ = [5]', { theta: 386 }],
    ['full selection, I_ρ = {1}', { select: '1-10', perturb: '1' }],
    ['dependent, I_θ = [8], I_ρ = {1, 2}', { theta: 968, rho: 12, dependence: 'dependent' }],
    ["dependent with the code's tied covariances, ns = 4", { select: '1,3', perturb: '3', ns: 4, nm: 2, dependence: 'dependent', tiedCovariances: true }],
    ['fresh negatives, an odd batch', { theta: 56, negatives: 'fresh', batch: 37 }],
  ];
  it.each(worlds)('draws the same batches as the TypeScript path: %s', (_, settings) => {
    const config = resolveNumericConfig(settings);
    const world = numericWorld(config);
    const source = coreBatchSource(config, world, k);
    for (const step of [1, 2, 3, 977]) {
      const want = stepBatch(config, world, step);
      const got = source(step) as StepBatch;
      for (const key of ['x', 't', 'xNeg', 'tNeg'] as const) {
        expect(got[key]?.length).toEqual(want[key]?.length);
        if (want[key]) expect(firstDifference(got[key]!, want[key]!)).toBe(-1);
      }
    }
  });

  it('leaves the random stream where the TypeScript path leaves it, a kept normal included', () => {
    const config = resolveNumericConfig({ select: '1-3', perturb: '2', ns: 3, nm: 2 });
    const world = numericWorld(config);
    const sampler = new ObservationSampler(k, samplerWorld(world), 5);
    for (const warmup of [0, 1]) {
      const a = Rng.fromSeed(3).fork('s');
      const b = Rng.fromSeed(3).fork('s');
      // an odd number of normals drawn before leaves a spare in the generator
      for (let i = 0; i < warmup; i++) expect(a.normal()).toBe(b.normal());
      sampler.sample(a);
      const want = world.sample(5, b);
      expect(firstDifference(sampler.x.toArray(), want.x.data)).toBe(-1);
      expect(firstDifference(sampler.t.toArray(), want.t.data)).toBe(-1);
      expect(a.getState()).toEqual(b.getState());
      expect(a.normal()).toBe(b.normal());
    }
  });

  it('rejects a world whose parts do not fit together', () => {
    const world = numericWorld(resolveNumericConfig({ theta: 386 }));
    const spec = samplerWorld(world);
    expect(() => new ObservationSampler(k, { ...spec, cholesky: { ...spec.cholesky, s: new Float64Array(3) } }, 8)).toThrow(
      /Σ_s factor has 3 values, expected 100/,
    );
    expect(() => new ObservationSampler(k, spec, 0)).toThrow(/batch size must be a positive integer/);
  });
});
