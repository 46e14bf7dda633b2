import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernels } from '../src/kernels/module.js';
import { createEngine } from '../src/experiments/lifecycle.js';
import { stepBatch } from '../src/experiments/numeric/batches.js';
import { resolveNumericConfig } from '../src/experiments/numeric/config.js';
import { numericModel, numericWorld } from '../src/experiments/numeric/index.js';
import { lpsimclrDirectional, lpsimclrInBatch } from '../src/kernels/reference/lpsimclr.js';
import { lpsimclrTfjs } from '../src/training/tfjs-losses.js';
import { randn } from './helpers/random.js';
import { relError, tf } from './helpers/tf.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});
afterAll(() => k.close());

describe('the tfjs LpSimCLR, differentiated by tfjs', () => {
  it.each([false, true])('matches the f64 reference, loss and gradients (in-batch negatives: %s)', (inBatch) => {
    const N = 9,
      d = 4,
      tau = 0.7,
      alpha = 0.4;
    const a = randn(N * d, 1),
      b = randn(N * d, 2),
      c = randn(N * d, 3);
    const ref = inBatch ? { ...lpsimclrInBatch(a, b, N, d, tau, alpha), gc: null } : lpsimclrDirectional(a, b, c, N, N, d, tau, alpha);
    const f = (...t: tf.Tensor[]) => lpsimclrTfjs(tf, t[0] as tf.Tensor2D, t[1] as tf.Tensor2D, (inBatch ? t[0] : t[2]) as tf.Tensor2D, tau, alpha, inBatch);
    const inputs = [a, b, ...(inBatch ? [] : [c])].map((v) => tf.tensor2d(v, [N, d]));
    const { value, grads } = tf.valueAndGrads(f)(inputs);
    expect(value.dataSync()[0]).toBeCloseTo(ref.loss, 5);
    expect(relError(grads[0]!.dataSync(), ref.ga)).toBeLessThan(1e-4);
    expect(relError(grads[1]!.dataSync(), ref.gb)).toBeLessThan(1e-4);
    if (ref.gc) expect(relError(grads[2]!.dataSync(), ref.gc)).toBeLessThan(1e-4);
  });
});

describe('the WebAssembly and tfjs engines', () => {
  it.each(['fresh', 'in-batch'] as const)('take the same steps (loss, gradient norm, parameters within 1e-4), %s negatives', async (negatives) => {
    const config = resolveNumericConfig({
      ns: 4,
      nm: 2,
      select: '1-3',
      perturb: '3',
      hidden: [3, 2],
      batch: 24,
      steps: 3,
      lr: 0.01,
      negatives,
      seed: 11,
    });
    const world = numericWorld(config);
    const core = await createEngine(numericModel(config), config, k);
    const tfjs = await createEngine(numericModel(config), { ...config, engine: 'tfjs', backend: 'cpu' }, k);
    expect(tfjs.name).toBe('tfjs-cpu');
    const start = numericModel(config).params;
    for (let step = 1; step <= 3; step++) {
      const batch = stepBatch(config, world, step);
      const a = core.step(batch, config.lr, config.tau);
      const b = tfjs.step(batch, config.lr, config.tau);
      expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(b.loss)));
      expect(Math.abs(a.lossXT! - b.lossXT!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(b.lossXT!)));
      expect(Math.abs(a.gradNorm - b.gradNorm)).toBeLessThan(1e-4 * b.gradNorm);
      const pa = core.state().params;
      const pb = tfjs.state().params;
      expect(relError(pa, pb)).toBeLessThan(1e-4);
      // the updates themselves, not only the parameters, agree
      const delta = (p: Float32Array) => p.map((v, i) => v - start[i]!);
      expect(relError(delta(pa), delta(pb))).toBeLessThan(1e-3);
    }
    const x = stepBatch(config, world, 9).x;
    expect(relError(core.encode('x', x, 24), tfjs.encode('x', x, 24))).toBeLessThan(1e-4);
    tfjs.close();
    core.close();
  });

  it('refuse a browser-only backend in Node with a clear error', async () => {
    const config = resolveNumericConfig({ ns: 3, nm: 1, select: '1', hidden: [2], batch: 8, engine: 'tfjs', backend: 'webgl' });
    await expect(createEngine(numericModel(config), config, k)).rejects.toThrow(/webgl backend runs only in browsers/);
  });
});
