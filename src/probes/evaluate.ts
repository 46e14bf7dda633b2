/**
 * The evaluation of docs/evaluation.md: which latent factors can be read off the learned
 * representations. Two fresh sets of samples (fitting and scoring) are
 * encoded by f_x and f_t; embeddings are standardised with the fitting set's
 * statistics; for every s_i, every perturbed s̃_i, the block s_inv = s[I_θ \ I_ρ],
 * m_x and m_t, a linear regression and an MLP probe are fitted on one set and
 * scored (R², clipped to [0, 1]; NaN if the probe broke) on the other.
 *
 * Each row also carries the theory's prediction and a verdict, judged on the
 * nonlinear R² (the stronger probe): kept factors need ≥ 0.9; dropped
 * semantic factors need ≤ 0.1 in the independent setting (in the dependent
 * one they may be partly predictable through kept ones, so no verdict);
 * m_x and m_t need ≤ 0.1 always. A non-finite R² (a broken probe) fails,
 * whatever the prediction.
 */
import { Rng } from '../common/rng.js';
import type { Tensor2D } from '../common/tensor.js';
import type { BiasConfig } from '../latent/bias.js';
import { identifiedFactors } from '../latent/bias.js';
import type { Dependence } from '../latent/model.js';
import type { DataGenerator, ObservationBatch } from '../mixing/generator.js';
import type { Kernels } from '../kernels/module.js';
import { linearProbeR2 } from './linear.js';
import { mlpProbeR2, type MlpProbeOptions, type ProbeTarget } from './mlp-probe.js';
import { clip01, fitStandardizer, standardize } from './stats.js';
import { verdictFor, type Verdict } from './verdicts.js';
import type { FactorSpec, ProbeData } from './embeddings.js';

export const DEFAULT_EVAL_SAMPLES = 20480;

/**
 * The fewest samples an evaluation set may have for a d-dimensional encoding:
 * the linear probe fits d + 1 coefficients and needs as many samples again to
 * leave residuals, and below 32 the MLP probes' minibatches and the
 * standardisation rest on a handful of points.
 */
export function minEvalSamples(d: number): number {
  return Math.max(32, 2 * (d + 1));
}

export interface FactorResult {
  /** Which embedding the factor is read from: ẑ_x or ẑ_t. */
  encoding: 'x' | 't';
  /** "s1".."sN", "s2_tilde", "s_inv", "m_x", "m_t" */
  factor: string;
  r2Linear: number;
  r2Nonlinear: number;
  predicted: 'kept' | 'dropped';
  verdict: Verdict;
}

export interface EvaluationOptions {
  /** Samples in each of the fitting and scoring sets. Default 20,480. */
  samples?: number;
  /** Seed of the evaluation samples (must differ from the training seed). */
  seed: number;
  probe?: MlpProbeOptions;
}

/** Encodes (rows, n_in) observations with f_x or f_t. */
export type Encoder = (which: 'x' | 't', data: Float32Array, rows: number) => Float32Array;

interface TargetSpec {
  factor: string;
  predicted: 'kept' | 'dropped';
  modalitySpecific: boolean;
  pick: (b: ObservationBatch) => { data: Float32Array; outputs: number };
}

function columns(t: Tensor2D, cols: readonly number[]): Float32Array {
  const [rows, width] = t.shape;
  const out = new Float32Array(rows * cols.length);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols.length; j++) out[r * cols.length + j] = t.data[r * width + cols[j]!]!;
  return out;
}

/** The factors evaluated for a bias, in report order. */
export function evaluationTargets(bias: BiasConfig): TargetSpec[] {
  const identified = identifiedFactors(bias);
  const kept = new Set(identified);
  const specs: TargetSpec[] = [];
  for (let i = 1; i <= bias.ns; i++) {
    specs.push({
      factor: `s${i}`,
      predicted: kept.has(i) ? 'kept' : 'dropped',
      modalitySpecific: false,
      pick: (b) => ({ data: columns(b.s, [i - 1]), outputs: 1 }),
    });
  }
  for (const i of bias.perturbed) {
    specs.push({ factor: `s${i}_tilde`, predicted: 'dropped', modalitySpecific: false, pick: (b) => ({ data: columns(b.sTilde, [i - 1]), outputs: 1 }) });
  }
  specs.push({
    factor: 's_inv',
    predicted: 'kept',
    modalitySpecific: false,
    pick: (b) => ({
      data: columns(
        b.s,
        identified.map((i) => i - 1),
      ),
      outputs: identified.length,
    }),
  });
  if (bias.nm > 0) {
    specs.push({ factor: 'm_x', predicted: 'dropped', modalitySpecific: true, pick: (b) => ({ data: b.mx.data, outputs: bias.nm }) });
    specs.push({ factor: 'm_t', predicted: 'dropped', modalitySpecific: true, pick: (b) => ({ data: b.mt.data, outputs: bias.nm }) });
  }
  return specs;
}

/** Runs the evaluation; returns one row per encoding and factor. */
export function evaluateRepresentations(
  kernels: Kernels,
  encode: Encoder,
  generator: DataGenerator,
  dependence: Dependence,
  options: EvaluationOptions,
): FactorResult[] {
  const n = options.samples ?? DEFAULT_EVAL_SAMPLES;
  const root = Rng.fromSeed(options.seed);
  const fit = generator.sample(n, root.fork('eval-fit'));
  const score = generator.sample(n, root.fork('eval-score'));
  const specs = evaluationTargets(generator.latent.bias);
  const targets: ProbeTarget[] = specs.map((spec) => {
    const f = spec.pick(fit);
    return { name: spec.factor, outputs: f.outputs, fit: f.data, score: spec.pick(score).data };
  });
  const rows: FactorResult[] = [];
  for (const which of ['x', 't'] as const) {
    const [inFit, inScore] = which === 'x' ? [fit.x, score.x] : [fit.t, score.t];
    const embFit = encode(which, inFit.data, n);
    const embScore = encode(which, inScore.data, n);
    const k = embFit.length / n;
    const st = fitStandardizer(embFit, n, k);
    const zFit = standardize(embFit, n, k, st);
    const zScore = standardize(embScore, n, k, st);
    const nonlinear = mlpProbeR2(kernels, zFit, n, zScore, n, k, targets, root.fork(`probe-${which}`), options.probe);
    specs.forEach((spec, p) => {
      const t = targets[p]!;
      const r2Linear = clip01(linearProbeR2(zFit, t.fit, n, zScore, t.score, n, k, t.outputs));
      const r2Nonlinear = clip01(nonlinear[p]!.r2);
      rows.push({
        encoding: which,
        factor: spec.factor,
        r2Linear,
        r2Nonlinear,
        predicted: spec.predicted,
        verdict: verdictFor(spec.predicted, spec.modalitySpecific, dependence, r2Nonlinear),
      });
    });
  }
  return rows;
}

/**
 * The evaluation's sets as embeddings and factors (probes/embeddings.ts):
 * the fitting set's rows then the scoring set's, each factor of
 * `evaluationTargets` (groups such as s_inv and m_x as several columns), and
 * the probes' seed and streams, so that probeEmbeddings reproduces
 * evaluateRepresentations' values.
 */
export function representationProbeData(encode: Encoder, generator: DataGenerator, options: EvaluationOptions): ProbeData {
  const n = options.samples ?? DEFAULT_EVAL_SAMPLES;
  const root = Rng.fromSeed(options.seed);
  const fit = generator.sample(n, root.fork('eval-fit'));
  const score = generator.sample(n, root.fork('eval-score'));
  const joined = <T extends Float32Array | Float64Array>(a: ArrayLike<number>, b: ArrayLike<number>, out: T): T => {
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  const sets = (['x', 't'] as const).map((which) => {
    const [inFit, inScore] = which === 'x' ? [fit.x, score.x] : [fit.t, score.t];
    const a = encode(which, inFit.data, n);
    const b = encode(which, inScore.data, n);
    return { name: which, data: joined(a, b, new Float32Array(a.length * 2)), rows: 2 * n, dim: a.length / n, streams: { regress: `probe-${which}` } };
  });
  const factors: FactorSpec[] = evaluationTargets(generator.latent.bias).map((spec) => {
    const a = spec.pick(fit);
    const b = spec.pick(score);
    return { name: spec.factor, kind: 'continuous', columns: a.outputs, values: joined(a.data, b.data, new Float64Array(a.data.length * 2)) };
  });
  const split = new Uint8Array(2 * n).fill(1, n);
  return { sets, factors, options: { seed: options.seed, split, ...(options.probe && { probe: options.probe }) } };
}
