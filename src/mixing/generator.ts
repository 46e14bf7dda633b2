/**
 * The numeric multimodal data of docs/model.md: latents from the latent model,
 * pushed through the two fixed mixing functions,
 *
 *   x = g_x(z_x)   (B, ns + nm)      the "image"
 *   t = g_t(z_t)   (B, |I_θ| + nm)   the "text"
 *
 * Everything random about the world (covariances, g_x, g_t) is fixed by one
 * seed; batches are drawn from a stream the caller passes, so training data,
 * negatives and evaluation sets can come from separate, named streams.
 */
import { Rng } from '../common/rng.js';
import type { Tensor2D } from '../common/tensor.js';
import type { BiasConfig } from '../latent/bias.js';
import { LatentModel, type Dependence, type LatentBatch, type SampleOptions } from '../latent/model.js';
import { InvertibleMlp, type MixingOptions } from './invertible-mlp.js';

export interface GeneratorOptions {
  bias: BiasConfig;
  dependence?: Dependence;
  tiedCovariances?: boolean;
  perturbProb?: number;
  mixing?: MixingOptions;
  /** Seed of the world: covariances and mixing functions. */
  seed: number;
}

/** A latent batch with its observations. */
export interface ObservationBatch extends LatentBatch {
  /** Image observations g_x(z_x), (B, ns + nm). */
  readonly x: Tensor2D;
  /** Text observations g_t(z_t), (B, |I_θ| + nm). */
  readonly t: Tensor2D;
}

/** How the mixing functions were drawn: the threshold and each layer's condition number. */
export interface MixingReport {
  threshold: number;
  conditions: number[];
}

export class DataGenerator {
  private constructor(
    readonly latent: LatentModel,
    readonly gx: InvertibleMlp,
    readonly gt: InvertibleMlp,
    readonly mixingReport: { x: MixingReport; t: MixingReport },
  ) {}

  static create(options: GeneratorOptions): DataGenerator {
    const latent = LatentModel.create(options);
    const root = Rng.fromSeed(options.seed);
    const x = InvertibleMlp.create(latent.zxDim, root.fork('mixing-x'), options.mixing);
    const t = InvertibleMlp.create(latent.ztDim, root.fork('mixing-t'), options.mixing);
    return new DataGenerator(latent, x.mixing, t.mixing, {
      x: { threshold: x.threshold, conditions: x.conditions },
      t: { threshold: t.threshold, conditions: t.conditions },
    });
  }

  /** Draws `size` latent samples and their observations from `rng`. */
  sample(size: number, rng: Rng, options: SampleOptions = {}): ObservationBatch {
    const batch = this.latent.sample(size, rng, options);
    return { ...batch, x: this.gx.forward(batch.zx), t: this.gt.forward(batch.zt) };
  }
}
