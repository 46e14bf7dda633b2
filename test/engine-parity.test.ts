import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernels } from '../src/kernels/module.js';
import { createEngine, createWorld } from '../src/experiments/run.js';
import { resolveTrainConfig } from '../src/training/config.js';
import { initialParams, stepBatch } from '../src/training/trainer.js';
import { relError } from './helpers/tf.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});
afterAll(() => k.close());

describe('the WebAssembly and tfjs engines', () => {
  it.each(['fresh', 'in-batch'] as const)('take the same steps (loss, gradient norm, parameters within 1e-4), %s negatives', async (negatives) => {
    const config = resolveTrainConfig({
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
    const world = createWorld(config);
    const core = await createEngine(config, k);
    const tfjs = await createEngine({ ...config, engine: 'tfjs', backend: 'cpu' }, k);
    expect(tfjs.name).toBe('tfjs-cpu');
    const start = initialParams(config);
    for (let step = 1; step <= 3; step++) {
      const batch = stepBatch(config, world, step);
      const a = core.step(batch, config.lr);
      const b = tfjs.step(batch, config.lr);
      expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(b.loss)));
      expect(Math.abs(a.lossXT - b.lossXT)).toBeLessThan(1e-4 * Math.max(1, Math.abs(b.lossXT)));
      expect(Math.abs(a.gradNorm - b.gradNorm)).toBeLessThan(1e-4 * b.gradNorm);
      const pa = core.state().params;
      const pb = tfjs.state().params;
      expect(relError(pa, pb)).toBeLessThan(1e-4);
      // the updates themselves, not only the parameters, agree
      const delta = (p: Float32Array) => p.map((v, i) => v - start[i]!);
      expect(relError(delta(pa), delta(pb))).toBeLessThan(1e-3);
    }
    const x = stepBatch(config, world, 9).x;
    expect(relError(core.encode('x', x.data, 24), tfjs.encode('x', x.data, 24))).toBeLessThan(1e-4);
    tfjs.close();
  });

  it('refuse a browser-only backend in Node with a clear error', async () => {
    const config = resolveTrainConfig({ ns: 3, nm: 1, select: '1', hidden: [2], batch: 8, engine: 'tfjs', backend: 'webgl' });
    await expect(createEngine(config, k)).rejects.toThrow(/webgl backend runs only in browsers/);
  });
});
