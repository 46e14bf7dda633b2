/**
 * Downstream evaluation (docs/evaluation.md#downstream-tasks, the paper's Figs. 4 and 10): how well the
 * frozen image representation ẑ_x supports tasks that need particular
 * semantic factors, in distribution and under a distribution shift.
 *
 * Three sets of `samples` each are drawn from the evaluation seed: the
 * fitting and scoring sets of the factor evaluation (same streams, so the
 * same samples) and an out-of-distribution set whose s has dimensions 9 and
 * 10 shifted (src/latent/shift.ts). ẑ_x is standardised with the fitting
 * set's statistics. One bank of probes is trained on the fitting set, all
 * heads at once on the WebAssembly core (probe-bank.ts: they share the input, not their
 * units): for each target an MLP with one hidden layer of 100 ReLU units,
 * Xavier-uniform weights and zero biases, full-batch Adam (lr 1e-3) for
 * `steps` steps; y1..y4 by mean squared error (targets standardised with the
 * fitting set's statistics, which leaves R² unchanged), y5 by binary
 * cross-entropy on one logit.
 *
 *   X (n, k) → H = relu(X·W1 + b1), (n, 100·5) → head p: ŷ_p = H_p·w2_p + b2_p
 *
 * Scores: R² of y1..y4 on the scoring set; MCC of y5 on the scoring set
 * (mccId) and on the shifted set (mccOod).
 */
import { MisalignError } from '../common/errors.js';
import { Rng } from '../common/rng.js';
import { squaredErrorGrad } from '../kernels/grouped.js';
import type { Kernels } from '../kernels/module.js';
import { DEFAULT_SHIFT_DIMS } from '../latent/shift.js';
import type { DataGenerator } from '../mixing/generator.js';
import { binarizationThreshold, binarize, DEFAULT_EXP_WEIGHT, regressionTargets, type Binarization } from './downstream-targets.js';
import type { Encoder } from './evaluate.js';
import { DEFAULT_EVAL_SAMPLES } from './evaluate.js';
import { mcc } from './mcc.js';
import { bankLayout, initBankParams, ProbeBank } from './probe-bank.js';
import { fitStandardizer, r2Score, standardize } from './stats.js';

export interface DownstreamOptions {
  /** Seed of the evaluation samples (the run's evaluation seed). */
  seed: number;
  /** Samples in each of the three sets. Default 20,480. */
  samples?: number;
  /** Full-batch Adam steps. Default 10,000 (docs/evaluation.md#downstream-tasks). */
  steps?: number;
  lr?: number;
  hidden?: number;
  /** Weight c of the exp term of F. Default 0.6 (the code; the paper's text says 0.4). */
  expWeight?: number;
  /** How y2 becomes y5. Default 'median'. */
  binarize?: Binarization;
}

export type DownstreamSettings = Required<DownstreamOptions> & { shiftDims: readonly number[] };

export interface DownstreamResult {
  regression: { y1: number; y2: number; y3: number; y4: number };
  classification: { mccId: number; mccOod: number };
  /** Everything that produced these numbers. */
  settings: DownstreamSettings;
  seconds: number;
}

export const DOWNSTREAM_STEPS = 10_000;

/** Rows per chunk of the full batch (keeps (CHUNK, 500) activations in a core's cache). */
const CHUNK = 128;

export function downstreamSettings(options: DownstreamOptions): DownstreamSettings {
  const settings = {
    seed: options.seed,
    samples: options.samples ?? DEFAULT_EVAL_SAMPLES,
    steps: options.steps ?? DOWNSTREAM_STEPS,
    lr: options.lr ?? 1e-3,
    hidden: options.hidden ?? 100,
    expWeight: options.expWeight ?? DEFAULT_EXP_WEIGHT,
    binarize: options.binarize ?? 'median',
    shiftDims: DEFAULT_SHIFT_DIMS,
  };
  for (const key of ['samples', 'steps', 'hidden'] as const) {
    const v = settings[key];
    if (!Number.isInteger(v) || v < 1) throw new MisalignError('OUT_OF_RANGE', `downstream ${key} must be a positive integer, got ${v}`);
  }
  if (!(settings.lr > 0)) throw new MisalignError('OUT_OF_RANGE', `downstream learning rate must be positive, got ${settings.lr}`);
  if (settings.binarize !== 'median' && settings.binarize !== 'kmeans') {
    throw new MisalignError('OUT_OF_RANGE', `binarisation must be 'median' or 'kmeans', got '${String(settings.binarize)}'`);
  }
  return settings;
}

/** Runs the downstream evaluation of ẑ_x (`encode('x', ...)`) on the generator's world. */
export function evaluateDownstream(kernels: Kernels, encode: Encoder, generator: DataGenerator, options: DownstreamOptions): DownstreamResult {
  const t0 = performance.now();
  const settings = downstreamSettings(options);
  const { samples: n, expWeight } = settings;
  const ns = generator.latent.bias.ns;
  const root = Rng.fromSeed(settings.seed);
  const fit = generator.sample(n, root.fork('eval-fit'));
  const score = generator.sample(n, root.fork('eval-score'));
  const ood = generator.sample(n, root.fork('eval-ood'), { shift: { dims: settings.shiftDims } });

  const yFit = regressionTargets(fit.s.data, n, ns, expWeight);
  const yScore = regressionTargets(score.s.data, n, ns, expWeight);
  const y2Ood = regressionTargets(ood.s.data, n, ns, expWeight)[1]!;
  const threshold = binarizationThreshold(yFit[1]!, settings.binarize);

  const emb = [fit, score, ood].map((b) => encode('x', b.x.data, n));
  const k = emb[0]!.length / n;
  const st = fitStandardizer(emb[0]!, n, k);
  const [zFit, zScore, zOod] = emb.map((e) => standardize(e, n, k, st)) as [Float32Array, Float32Array, Float32Array];

  const bank = trainBank(kernels, zFit, n, k, yFit, binarize(yFit[1]!, threshold), settings, root.fork('downstream-init'));
  const onScore = bank.predict(zScore);
  const onOod = bank.predict(zOod);
  bank.release();
  const r2 = (p: number) => r2Score(yScore[p]!, onScore.regression[p]!, n, 1);
  return {
    regression: { y1: r2(0), y2: r2(1), y3: r2(2), y4: r2(3) },
    classification: {
      mccId: mcc(binarize(yScore[1]!, threshold), onScore.labels),
      mccOod: mcc(binarize(y2Ood, threshold), onOod.labels),
    },
    settings,
    seconds: (performance.now() - t0) / 1000,
  };
}

interface Bank {
  /** Regression predictions in the targets' own units, and y5 labels, for inputs (n, k). */
  predict(z: Float32Array): { regression: Float64Array[]; labels: Uint8Array };
  release(): void;
}

/** Trains the five heads (4 regressions, 1 classifier) together on (x (n, k), targets). */
function trainBank(
  kernels: Kernels,
  x: Float32Array,
  n: number,
  k: number,
  regression: Float64Array[],
  labels: Uint8Array,
  settings: DownstreamSettings,
  rng: Rng,
): Bank {
  const R = regression.length;
  const O = R + 1; // heads, one output each; the last is the classifier's logit
  const H = settings.hidden;
  // Regression targets standardised with their own statistics (R² is unchanged by this).
  const stats = regression.map((y) => fitStandardizer(y, n, 1));
  const Yv = new Float32Array(n * O);
  for (let r = 0; r < n; r++) {
    for (let p = 0; p < R; p++) Yv[r * O + p] = (regression[p]![r]! - stats[p]!.mean[0]!) / stats[p]!.std[0]!;
    Yv[r * O + R] = labels[r]!;
  }

  const mark = kernels.arena.mark();
  const outputs = Array<number>(O).fill(1);
  const { width } = bankLayout(k, H, outputs);
  const init = initBankParams(k, H, outputs, rng, { hiddenBias: false, outputBias: false }); // Xavier weights, zero biases
  const bank = new ProbeBank(kernels, k, H, outputs, init, settings.lr);
  const X = kernels.arena.from(x);
  const Y = kernels.arena.from(Yv);
  // The batch is the whole fitting set, processed in chunks of CHUNK rows so that the
  // hidden activations, (CHUNK, width), stay in cache; gradients add up over the chunks.
  const Hb = kernels.arena.alloc(CHUNK * width);
  const Yhat = kernels.arena.alloc(n * O);
  const dY = kernels.arena.alloc(CHUNK * O);
  const colLoss = kernels.arena.alloc(O);
  // ∂(½·mean (ŷ − y)²)/∂ŷ = (ŷ − y)/n for the regressions; the classifier's column is overwritten below
  const scale = kernels.arena.from(Array<number>(O).fill(1 / n));
  /** ŷ for rows [r0, r0 + rows) into the same rows of Yhat. */
  const forward = (r0: number, rows: number) => {
    const yh = Yhat.view(r0 * O, rows * O);
    bank.forward(X.view(r0 * k, rows * k), rows, Hb, yh);
    return yh;
  };

  for (let step = 0; step < settings.steps; step++) {
    bank.grads.array.fill(0);
    for (let r0 = 0; r0 < n; r0 += CHUNK) {
      const rows = Math.min(CHUNK, n - r0);
      const yh = forward(r0, rows);
      squaredErrorGrad(kernels, yh, Y.view(r0 * O, rows * O), dY, scale, colLoss, rows, O);
      // binary cross-entropy on the logit: ∂/∂ŷ mean(softplus(ŷ) − y·ŷ) = (σ(ŷ) − y)/n
      const yv = yh.array;
      const d = dY.array;
      for (let r = 0; r < rows; r++) d[r * O + R] = (1 / (1 + Math.exp(-yv[r * O + R]!)) - labels[r0 + r]!) / n;
      bank.backward(X.view(r0 * k, rows * k), rows, Hb, dY, true);
    }
    bank.adam.step(bank.grads);
  }

  return {
    predict(z) {
      if (z.length !== n * k) throw new MisalignError('SHAPE_MISMATCH', `downstream inputs have ${z.length} values, expected (${n}, ${k})`);
      X.set(z);
      for (let r0 = 0; r0 < n; r0 += CHUNK) forward(r0, Math.min(CHUNK, n - r0));
      const yh = Yhat.array;
      const out = regression.map((_, p) => Float64Array.from({ length: n }, (_, r) => yh[r * O + p]! * stats[p]!.std[0]! + stats[p]!.mean[0]!));
      return { regression: out, labels: Uint8Array.from({ length: n }, (_, r) => (yh[r * O + R]! > 0 ? 1 : 0)) };
    },
    release() {
      kernels.arena.release(mark);
    },
  };
}
