/**
 * Image-text experiment 2 (SPEC §7, the paper's Fig. 6): Causal3DIdent-style
 * scenes whose semantics depend on each other causally, captioned under a
 * selection or perturbation level, encoded by an image and a text encoder
 * trained with cosine InfoNCE (experiments/image-text.ts), then probed.
 *
 *   evaluation: fresh fitting and scoring sets, embeddings as unit vectors, standardised;
 *               discrete factors (shape, x_pos, y_pos; phrase for the text) → logistic
 *               regression and MLP classifier, MCC; continuous ones (s_pos, color, s_color,
 *               b_color, alpha, beta, gamma) → linear regression and MLP regressor, R².
 *
 * The theory's prediction per factor: `kept` if the captions mention it
 * unperturbed; `partly` if it is dropped but a kept factor is among its
 * causes or effects (x_pos, y_pos → color; s_pos → s_color; s_pos, s_color →
 * b_color), so it is predictable through them to a degree; `dropped`
 * otherwise (rotations and the phrasing always).
 */
import { MisalignError } from '../common/errors.js';
import { Rng } from '../common/rng.js';
import { Kernels } from '../kernels/module.js';
import { classifierProbes, type ClassTarget } from '../probes/classify.js';
import { linearProbeR2 } from '../probes/linear.js';
import { mlpProbeR2 } from '../probes/mlp-probe.js';
import { clip01 } from '../probes/stats.js';
import { c3dBiasSets, type C3dBias, type C3dBiasSets } from '../scenes/causal3d-captions.js';
import { C3dData, type C3dBatch } from '../scenes/causal3d-data.js';
import { C3D_CLASSES, C3D_FACTORS, type C3dFactor } from '../scenes/causal3d-factors.js';
import type { ImageTextEngine } from '../training/image-text-engine.js';
import {
  probeSets,
  resolveImageTextConfig,
  runImageText,
  type ImageTextConfig,
  type ImageTextLevels,
  type ImageTextProgress,
} from './image-text.js';

export type C3dSettings = ImageTextLevels;

export interface C3dConfig extends ImageTextConfig {
  experiment: 'causal3d';
  bias: C3dBias;
}

export function resolveC3dConfig(s: C3dSettings): C3dConfig {
  if ((s.selectionLevel === undefined) === (s.perturbationLevel === undefined)) {
    throw new MisalignError('CONFLICTING_OPTIONS', 'the causal3d experiment needs exactly one of a selection level and a perturbation level');
  }
  const bias: C3dBias = s.selectionLevel !== undefined ? { selection: s.selectionLevel } : { perturbation: s.perturbationLevel! };
  return { experiment: 'causal3d', bias, ...resolveImageTextConfig(s, c3dBiasSets(bias).encodingSize) };
}

/** Factors a probe reads: the scene's ten, and the text's phrasing. */
export type C3dProbeFactor = C3dFactor | 'phrase';

export interface C3dFactorResult {
  encoding: 'image' | 'text';
  factor: C3dProbeFactor;
  kind: 'discrete' | 'continuous';
  /** Discrete factors: MCC of the logistic regression and of the MLP classifier. */
  mccLinear?: number;
  mccNonlinear?: number;
  /** Continuous factors: R² (clipped to [0, 1]; NaN if the probe broke) of the linear regression and of the MLP regressor. */
  r2Linear?: number;
  r2Nonlinear?: number;
  predicted: 'kept' | 'partly' | 'dropped';
}

export interface C3dMetrics {
  factors: C3dFactorResult[];
  theory: C3dBiasSets;
  trainSeconds: number;
  evalSeconds: number;
  finalLoss: number;
}

/** Direct causal links among the semantics (both directions count for `partly`). */
export const C3D_EDGES: readonly [C3dFactor, C3dFactor][] = [
  ['x_pos', 'color'],
  ['y_pos', 'color'],
  ['s_pos', 's_color'],
  ['s_pos', 'b_color'],
  ['s_color', 'b_color'],
];

export function c3dPrediction(factor: C3dProbeFactor, sets: C3dBiasSets): 'kept' | 'partly' | 'dropped' {
  const kept = sets.unbiased as string[];
  if (kept.includes(factor)) return 'kept';
  const linked = C3D_EDGES.some(([a, b]) => (a === factor && kept.includes(b)) || (b === factor && kept.includes(a)));
  return linked ? 'partly' : 'dropped';
}

export async function runC3d(config: C3dConfig, hooks: { onProgress?(p: ImageTextProgress): void } = {}): Promise<{ config: C3dConfig; metrics: C3dMetrics; vocabulary: readonly string[] }> {
  const data = new C3dData(config.bias, config.imageSize, config.seed);
  const { vocabulary, ...run } = await runImageText(config, data, (kernels, engine) => evaluateC3d(kernels, config, data, engine), hooks.onProgress);
  return { config, metrics: { ...run, theory: c3dBiasSets(config.bias) }, vocabulary };
}

async function evaluateC3d(kernels: Kernels, config: C3dConfig, data: C3dData, engine: ImageTextEngine): Promise<C3dFactorResult[]> {
  const root = Rng.fromSeed(config.evalSeed);
  const n = config.evalSamples;
  const d = config.encodingSize;
  const valueOf = (b: C3dBatch, i: number): Record<C3dProbeFactor, number> => ({ ...b.latents[i]!, phrase: b.phrases[i]! });
  const { fit, score, standardised } = await probeSets(engine, data, config, valueOf);
  const sets = c3dBiasSets(config.bias);
  const column = (values: Record<C3dProbeFactor, number>[], f: C3dProbeFactor) => Float64Array.from(values, (v) => v[f]);
  const rows: C3dFactorResult[] = [];
  for (const encoding of ['image', 'text'] as const) {
    const [zFit, zScore] = standardised(encoding);
    const discrete: C3dProbeFactor[] = ['shape', 'x_pos', 'y_pos', ...(encoding === 'text' ? (['phrase'] as const) : [])];
    const continuous = C3D_FACTORS.filter((f) => !(f in C3D_CLASSES));
    const classTargets: ClassTarget[] = discrete.map((f) => ({
      name: f,
      classes: f === 'phrase' ? 5 : C3D_CLASSES[f as keyof typeof C3D_CLASSES],
      fit: column(fit.values, f),
      score: column(score.values, f),
    }));
    const classes = classifierProbes(kernels, zFit, n, zScore, n, d, classTargets, root.fork(`classify-${encoding}`), { epochs: config.probeEpochs });
    for (const r of classes) {
      const factor = r.name as C3dProbeFactor;
      rows.push({ encoding, factor, kind: 'discrete', mccLinear: r.mccLinear, mccNonlinear: r.mccNonlinear, predicted: c3dPrediction(factor, sets) });
    }
    const regTargets = continuous.map((f) => ({ name: f, outputs: 1, fit: column(fit.values, f), score: column(score.values, f) }));
    const nonlinear = mlpProbeR2(kernels, zFit, n, zScore, n, d, regTargets, root.fork(`regress-${encoding}`), { maxEpochs: config.probeEpochs });
    regTargets.forEach((t, i) => {
      const factor = t.name as C3dFactor;
      rows.push({
        encoding,
        factor,
        kind: 'continuous',
        r2Linear: clip01(linearProbeR2(zFit, t.fit, n, zScore, t.score, n, d, 1)),
        r2Nonlinear: clip01(nonlinear[i]!.r2),
        predicted: c3dPrediction(factor, sets),
      });
    });
  }
  return rows;
}
