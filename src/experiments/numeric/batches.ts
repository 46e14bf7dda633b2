/**
 * The numeric experiment's training batches: step s draws B pairs (x, t)
 * from the stream train/step-s/anchors of the seed and, with fresh
 * negatives, a second independent batch from train/step-s/negatives.
 * `stepBatch` draws them in TypeScript (the readable reference);
 * `coreBatchSource` draws the very same batches (bit for bit, from the same
 * named streams) on the WebAssembly core, 2.7 times faster (bench/data.ts):
 * at the quick preset's batch of 512 the TypeScript data path took a third
 * of a training step.
 */
import { Rng } from '../../common/rng.js';
import type { Kernels } from '../../kernels/module.js';
import { ObservationSampler, type SamplerWorld } from '../../kernels/sampler.js';
import type { DataGenerator } from '../../mixing/generator.js';
import type { StepBatch } from '../../training/engine.js';
import type { BatchSource } from '../../training/trainer.js';

/** What the batches depend on. */
type BatchConfig = { seed: number; batch: number; negatives: 'fresh' | 'in-batch' };

/** The batch for step `step` (1-based), in TypeScript: anchors and, with fresh negatives, a second batch. */
export function stepBatch(config: BatchConfig, generator: DataGenerator, step: number): StepBatch {
  const rng = Rng.fromSeed(config.seed).fork('train').fork(`step-${step}`);
  const anchors = generator.sample(config.batch, rng.fork('anchors'));
  if (config.negatives === 'in-batch') return { x: anchors.x.data, t: anchors.t.data };
  const negatives = generator.sample(config.batch, rng.fork('negatives'));
  return { x: anchors.x.data, t: anchors.t.data, xNeg: negatives.x.data, tNeg: negatives.t.data };
}

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
export function coreBatchSource(config: BatchConfig, generator: DataGenerator, kernels: Kernels): BatchSource {
  const sampler = new ObservationSampler(kernels, samplerWorld(generator), config.batch);
  const draw = (rng: Rng) => {
    sampler.sample(rng);
    return { x: sampler.x.toArray(), t: sampler.t.toArray() };
  };
  return (step) => {
    const rng = Rng.fromSeed(config.seed).fork('train').fork(`step-${step}`);
    const anchors = draw(rng.fork('anchors'));
    if (config.negatives === 'in-batch') return anchors;
    const negatives = draw(rng.fork('negatives'));
    return { ...anchors, xNeg: negatives.x, tNeg: negatives.t };
  };
}
