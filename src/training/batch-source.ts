/**
 * Where the training loop's batches come from. `stepBatch` (trainer.ts) draws
 * them in TypeScript; `coreBatchSource` draws the very same batches (bit for
 * bit, from the same named streams) on the WebAssembly core, 2.7 times
 * faster (bench/data.ts): at the quick preset's batch of 512 the TypeScript
 * data path took a third of a training step.
 */
import { Rng } from '../common/rng.js';
import { tensor2d } from '../common/tensor.js';
import type { Kernels } from '../kernels/module.js';
import { ObservationSampler, type SamplerWorld } from '../kernels/sampler.js';
import type { DataGenerator } from '../mixing/generator.js';
import type { TrainConfig } from './config.js';
import type { StepBatch } from './engine.js';

/** The batch for a 1-based step. */
export type BatchSource = (step: number) => StepBatch;

/** A world's parameters as the WebAssembly sampler takes them. */
export function samplerWorld(generator: DataGenerator): SamplerWorld {
  const { latent, gx, gt } = generator;
  const { bias, covariances } = latent;
  return {
    ns: bias.ns,
    nm: bias.nm,
    selected: bias.selected,
    perturbed: bias.perturbed,
    perturbProb: latent.perturbProb,
    cholesky: { s: covariances.s.cholesky, mx: covariances.mx.cholesky, mt: covariances.mt.cholesky, eps: covariances.eps.cholesky },
    mixing: { x: { weights: gx.weights, slope: gx.slope }, t: { weights: gt.weights, slope: gt.slope } },
  };
}

/** stepBatch(config, generator, step) for every step, computed on the WebAssembly core. */
export function coreBatchSource(config: TrainConfig, generator: DataGenerator, kernels: Kernels): BatchSource {
  const sampler = new ObservationSampler(kernels, samplerWorld(generator), config.batch);
  const draw = (rng: Rng) => {
    sampler.sample(rng);
    return { x: tensor2d(config.batch, sampler.nx, sampler.x.toArray()), t: tensor2d(config.batch, sampler.nt, sampler.t.toArray()) };
  };
  return (step) => {
    const rng = Rng.fromSeed(config.seed).fork('train').fork(`step-${step}`);
    const anchors = draw(rng.fork('anchors'));
    if (config.negatives === 'in-batch') return anchors;
    const negatives = draw(rng.fork('negatives'));
    return { ...anchors, xNeg: negatives.x, tNeg: negatives.t };
  };
}
