/**
 * Image-text experiment 1 (SPEC §7, the paper's Fig. 5): an image encoder
 * and a text encoder trained contrastively on MPI3D scenes and their biased
 * captions, then probed for every factor.
 *
 *   step: B image indices → images (B, S, S, 3) and captions → one-hot (B, 1, L, V)
 *         → f_img (conv ×3 → 100 → d), f_txt (1×3 conv ×2 → mean over tokens → d)
 *         → InfoNCE (cosine, in-batch, NT-Xent form by default; τ = 1, 0.1 in the quick preset) → backward
 *         → clip to norm `clip` → Adam
 *   evaluation: fresh fitting and scoring sets; embeddings scaled to unit length (what the
 *         cosine loss sees), then standardised; per factor a
 *         logistic regression and an MLP classifier; MCC on the scoring set
 *
 * Encoding size: max(3, |unbiased factors|). Training runs on the WebAssembly core
 * (training/image-text-engine.ts) or, with engine: 'tfjs', on tfjs; the probes on the core.
 */
import { MisalignError } from '../common/errors.js';
import { Rng } from '../common/rng.js';
import { Kernels } from '../kernels/module.js';
import type { ImageTextEngine } from '../training/image-text-engine.js';
import { probeSets, resolveImageTextConfig, runImageText, type ImageTextConfig, type ImageTextLevels, type ImageTextProgress } from './image-text.js';
import { classifierProbes } from '../probes/classify.js';
import { mpi3dBiasSets, type Mpi3dBias, type Mpi3dBiasSets } from '../scenes/mpi3d-captions.js';
import { Mpi3dData, proceduralImages, type ImageSource } from '../scenes/mpi3d-data.js';
import { MPI3D_FACTORS, MPI3D_SIZES, type Mpi3dFactor } from '../scenes/mpi3d-factors.js';

export type Mpi3dSettings = ImageTextLevels;

export interface Mpi3dConfig extends ImageTextConfig {
  experiment: 'mpi3d';
  bias: Mpi3dBias;
}

export function resolveMpi3dConfig(s: Mpi3dSettings): Mpi3dConfig {
  if ((s.selectionLevel === undefined) === (s.perturbationLevel === undefined)) {
    throw new MisalignError('CONFLICTING_OPTIONS', 'the mpi3d experiment needs exactly one of a selection level and a perturbation level');
  }
  const bias: Mpi3dBias = s.selectionLevel !== undefined ? { selection: s.selectionLevel } : { perturbation: s.perturbationLevel! };
  return { experiment: 'mpi3d', bias, ...resolveImageTextConfig(s, mpi3dBiasSets(bias).encodingSize) };
}

export interface Mpi3dFactorResult {
  encoding: 'image' | 'text';
  factor: Mpi3dFactor;
  mccLinear: number;
  mccNonlinear: number;
  /** The theory: kept if the captions mention the factor without perturbing it. */
  predicted: 'kept' | 'dropped';
}

export interface Mpi3dMetrics {
  factors: Mpi3dFactorResult[];
  theory: Mpi3dBiasSets;
  trainSeconds: number;
  evalSeconds: number;
  finalLoss: number;
}

export type Mpi3dProgress = ImageTextProgress;

export interface Mpi3dHooks {
  onProgress?(p: Mpi3dProgress): void;
  /** Images from the real MPI3D-Complex file instead of the procedural renderer. */
  images?: ImageSource;
}

/** Trains and evaluates one image-text model in memory. */
export async function runMpi3d(config: Mpi3dConfig, hooks: Mpi3dHooks = {}): Promise<{ config: Mpi3dConfig; metrics: Mpi3dMetrics; vocabulary: readonly string[] }> {
  const data = new Mpi3dData(config.bias, config.imageSize, config.seed, hooks.images ?? proceduralImages);
  const { vocabulary, ...run } = await runImageText(config, data, (kernels, engine) => evaluateMpi3d(kernels, config, data, engine), hooks.onProgress);
  return { config, metrics: { ...run, theory: mpi3dBiasSets(config.bias) }, vocabulary };
}

async function evaluateMpi3d(kernels: Kernels, config: Mpi3dConfig, data: Mpi3dData, engine: ImageTextEngine): Promise<Mpi3dFactorResult[]> {
  const root = Rng.fromSeed(config.evalSeed);
  const n = config.evalSamples;
  const { fit, score, standardised } = await probeSets(engine, data, config, (b, i) => b.values[i]!);
  const { unbiased } = mpi3dBiasSets(config.bias);
  const targets = MPI3D_FACTORS.map((f) => ({
    name: f,
    classes: MPI3D_SIZES[f],
    fit: Int32Array.from(fit.values, (v) => v[f]),
    score: Int32Array.from(score.values, (v) => v[f]),
  }));
  const d = config.encodingSize;
  const rows: Mpi3dFactorResult[] = [];
  for (const encoding of ['image', 'text'] as const) {
    const [zFit, zScore] = standardised(encoding);
    const results = classifierProbes(kernels, zFit, n, zScore, n, d, targets, root.fork(`probe-${encoding}`), { epochs: config.probeEpochs });
    for (const r of results) {
      const factor = r.name as Mpi3dFactor;
      rows.push({ encoding, factor, mccLinear: r.mccLinear, mccNonlinear: r.mccNonlinear, predicted: (unbiased as string[]).includes(factor) ? 'kept' : 'dropped' });
    }
  }
  return rows;
}
