/**
 * The latent variable model of docs/model.md: semantics s, image-specific m_x,
 * text-specific m_t, and the text's view s̃ of the selected semantics after
 * perturbation. This is the first stage of the data's path; the mixing
 * functions (src/mixing) turn its z_x and z_t into observations.
 *
 *   independent:  s ~ N(0, I),   m_x ~ N(0, I),   m_t ~ N(0, I),   ε ~ N(0, I)
 *   dependent:    s ~ N(0, Σ_s), m_x ~ N(0, Σ_mx), m_t ~ N(0, Σ_mt), ε ~ N(0, Σ_ε)
 *                 with Σ_s, Σ_ε ~ Wishart(ns, I) and Σ_mx, Σ_mt ~ Wishart(nm, I)
 *
 *   s̃_i = s_i + ε_i   for i in I_ρ, independently with probability 0.75
 *   s̃_i = s_i         otherwise (copied bit for bit)
 *   z_x = (s, m_x)            shape (B, ns + nm)
 *   z_t = (s̃[I_θ], m_t)       shape (B, |I_θ| + nm)
 *
 * By default the four covariances are independent draws (the paper). The
 * public code draws Σ_ε with Σ_s's seed and Σ_mt with Σ_mx's, so they are
 * equal; `tiedCovariances: true` reproduces that.
 */
import { MisalignError } from '../common/errors.js';
import { Rng } from '../common/rng.js';
import { tensor2d, type Tensor2D } from '../common/tensor.js';
import type { BiasConfig } from './bias.js';
import { identityCovariance, sampleGaussian, sampleWishart, type Covariance } from './covariance.js';
import { applyShift, resolveShift, type ShiftOptions } from './shift.js';

export type Dependence = 'independent' | 'dependent';

export interface LatentModelOptions {
  bias: BiasConfig;
  /** Default 'independent'. */
  dependence?: Dependence;
  /** Reproduce the public code's tied draws (Σ_ε = Σ_s, Σ_mt = Σ_mx). Default false. */
  tiedCovariances?: boolean;
  /** Probability that a perturbable factor is perturbed in a sample. Default 0.75. */
  perturbProb?: number;
  /** Seed of the covariance draws. */
  seed: number;
}

/** One batch of latents. Every tensor is row-major f32 with B rows. */
export interface LatentBatch {
  readonly size: number;
  /** Semantics, (B, ns). */
  readonly s: Tensor2D;
  /** The text's semantics after perturbation, (B, ns); equal to s outside I_ρ. */
  readonly sTilde: Tensor2D;
  /** Image-specific factors, (B, nm). */
  readonly mx: Tensor2D;
  /** Text-specific factors, (B, nm). */
  readonly mt: Tensor2D;
  /** Image latents (s, m_x), (B, ns + nm). */
  readonly zx: Tensor2D;
  /** Text latents (s̃[I_θ], m_t), (B, |I_θ| + nm). */
  readonly zt: Tensor2D;
  /** 1 where s̃[b, i] was perturbed, else 0, (B, ns) row-major. */
  readonly perturbedMask: Uint8Array;
}

export interface SampleOptions {
  /** Draw s from the shifted (out-of-distribution) marginal of docs/model.md#distribution-shift. */
  shift?: ShiftOptions;
}

export interface LatentCovariances {
  s: Covariance;
  mx: Covariance;
  mt: Covariance;
  eps: Covariance;
}

export const DEFAULT_PERTURB_PROB = 0.75;

export class LatentModel {
  readonly bias: BiasConfig;
  readonly dependence: Dependence;
  readonly tiedCovariances: boolean;
  readonly perturbProb: number;
  readonly covariances: LatentCovariances;

  private constructor(options: LatentModelOptions, covariances: LatentCovariances) {
    this.bias = options.bias;
    this.dependence = options.dependence ?? 'independent';
    this.tiedCovariances = options.tiedCovariances ?? false;
    this.perturbProb = options.perturbProb ?? DEFAULT_PERTURB_PROB;
    this.covariances = covariances;
  }

  static create(options: LatentModelOptions): LatentModel {
    const { ns, nm } = options.bias;
    const p = options.perturbProb ?? DEFAULT_PERTURB_PROB;
    if (!(p >= 0 && p <= 1)) throw new MisalignError('OUT_OF_RANGE', `perturbation probability must be in [0, 1], got ${p}`);
    const dependence = options.dependence ?? 'independent';
    if (dependence !== 'independent' && dependence !== 'dependent') {
      throw new MisalignError('OUT_OF_RANGE', `dependence must be 'independent' or 'dependent', got '${String(dependence)}'`);
    }
    let covariances: LatentCovariances;
    if (dependence === 'independent') {
      covariances = { s: identityCovariance(ns), mx: identityCovariance(nm), mt: identityCovariance(nm), eps: identityCovariance(ns) };
    } else {
      const root = Rng.fromSeed(options.seed).fork('latent-covariances');
      const s = sampleWishart(ns, ns, root.fork('sigma-s'));
      const mx = sampleWishart(nm, nm, root.fork('sigma-mx'));
      const tied = options.tiedCovariances ?? false;
      covariances = {
        s,
        mx,
        mt: tied ? mx : sampleWishart(nm, nm, root.fork('sigma-mt')),
        eps: tied ? s : sampleWishart(ns, ns, root.fork('sigma-eps')),
      };
    }
    return new LatentModel(options, covariances);
  }

  get zxDim(): number {
    return this.bias.ns + this.bias.nm;
  }

  get ztDim(): number {
    return this.bias.selected.length + this.bias.nm;
  }

  /** Draws `size` samples from the model with `rng`. */
  sample(size: number, rng: Rng, options: SampleOptions = {}): LatentBatch {
    if (!Number.isInteger(size) || size < 1) throw new MisalignError('OUT_OF_RANGE', `batch size must be a positive integer, got ${size}`);
    const { ns, nm, selected, perturbed } = this.bias;

    // Draw order is part of the reproducibility contract: s, m_x, m_t, then ε and the perturbation coins.
    const s64 = new Float64Array(size * ns);
    sampleGaussian(this.covariances.s, size, rng, s64);
    if (options.shift) applyShift(s64, size, ns, resolveShift(options.shift, ns), rng);
    const mx64 = new Float64Array(size * nm);
    sampleGaussian(this.covariances.mx, size, rng, mx64);
    const mt64 = new Float64Array(size * nm);
    sampleGaussian(this.covariances.mt, size, rng, mt64);

    const s = tensor2d(size, ns, Float32Array.from(s64));
    const sTilde = tensor2d(size, ns, Float32Array.from(s.data));
    const perturbedMask = new Uint8Array(size * ns);
    if (perturbed.length > 0) {
      const eps = new Float64Array(size * ns);
      sampleGaussian(this.covariances.eps, size, rng, eps);
      for (let r = 0; r < size; r++) {
        for (const i of perturbed) {
          const k = r * ns + i - 1;
          if (rng.uniform() < this.perturbProb) {
            sTilde.data[k] = s.data[k]! + eps[k]!;
            perturbedMask[k] = 1;
          }
        }
      }
    }

    const mx = tensor2d(size, nm, Float32Array.from(mx64));
    const mt = tensor2d(size, nm, Float32Array.from(mt64));
    const zx = tensor2d(size, ns + nm);
    const zt = tensor2d(size, selected.length + nm);
    const ztCols = selected.length + nm;
    for (let r = 0; r < size; r++) {
      zx.data.set(s.data.subarray(r * ns, (r + 1) * ns), r * (ns + nm));
      zx.data.set(mx.data.subarray(r * nm, (r + 1) * nm), r * (ns + nm) + ns);
      for (let j = 0; j < selected.length; j++) zt.data[r * ztCols + j] = sTilde.data[r * ns + selected[j]! - 1]!;
      zt.data.set(mt.data.subarray(r * nm, (r + 1) * nm), r * ztCols + selected.length);
    }
    return { size, s, sTilde, mx, mt, zx, zt, perturbedMask };
  }
}
