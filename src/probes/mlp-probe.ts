/**
 * Nonlinear probes (docs/evaluation.md): for each target, an MLP with one hidden layer
 * of 100 ReLU units regressing the target from the (standardised) embedding,
 * trained with Adam on minibatches as scikit-learn's MLPRegressor does
 * (Glorot-uniform initialisation, lr 1e-3, batch 200, stopping when the
 * epoch loss has not improved by 1e-4 for 10 epochs).
 *
 * All probes on one embedding train at once as a bank on the WebAssembly
 * core (probe-bank.ts), each with its own hidden units, output layer and
 * loss, so every probe learns exactly as it would alone:
 *
 *   loss_p = ½·mean over the batch of Σ_o (ŷ − y)²/o_p
 */
import { MisalignError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';
import type { Kernels } from '../kernels/module.js';
import { initBankParams, Minibatches, ProbeBank } from './probe-bank.js';
import { fitStandardizer, r2Score, standardize } from './stats.js';

export interface ProbeTarget {
  name: string;
  /** Outputs per sample (1 for a single factor, more for a block). */
  outputs: number;
  /** (nFit, outputs) */
  fit: ArrayLike<number>;
  /** (nScore, outputs) */
  score: ArrayLike<number>;
}

export interface MlpProbeOptions {
  hidden?: number;
  batch?: number;
  lr?: number;
  maxEpochs?: number;
  tol?: number;
  patience?: number;
}

export const DEFAULT_PROBE: Required<MlpProbeOptions> = { hidden: 100, batch: 200, lr: 1e-3, maxEpochs: 200, tol: 1e-4, patience: 10 };

export interface ProbeResult {
  name: string;
  r2: number;
  epochs: number;
}

/**
 * Trains one probe per target on (xFit, targets' fit values) and returns each
 * probe's R² on (xScore, targets' score values). x is (n, k), already standardised.
 */
export function mlpProbeR2(
  kernels: Kernels,
  xFit: Float32Array,
  nFit: number,
  xScore: Float32Array,
  nScore: number,
  k: number,
  targets: ProbeTarget[],
  rng: Rng,
  options: MlpProbeOptions = {},
): ProbeResult[] {
  const opt = { ...DEFAULT_PROBE, ...options };
  if (targets.length === 0) return [];
  if (xFit.length !== nFit * k || xScore.length !== nScore * k) throw new MisalignError('SHAPE_MISMATCH', 'probe inputs do not match their sizes');
  const P = targets.length;
  const H = opt.hidden;
  const offsets: number[] = [];
  let O = 0;
  for (const t of targets) {
    offsets.push(O);
    O += t.outputs;
  }
  // Targets, standardised with the fit set's statistics (R² is unchanged by this).
  const yFit = new Float32Array(nFit * O);
  const yScore = new Float32Array(nScore * O);
  targets.forEach((t, p) => {
    const s = fitStandardizer(t.fit, nFit, t.outputs);
    const f = standardize(t.fit, nFit, t.outputs, s);
    const g = standardize(t.score, nScore, t.outputs, s);
    for (let r = 0; r < nFit; r++) for (let o = 0; o < t.outputs; o++) yFit[r * O + offsets[p]! + o] = f[r * t.outputs + o]!;
    for (let r = 0; r < nScore; r++) for (let o = 0; o < t.outputs; o++) yScore[r * O + offsets[p]! + o] = g[r * t.outputs + o]!;
  });

  const mark = kernels.arena.mark();
  try {
    // scikit-learn's MLPRegressor: Glorot-uniform weights and biases
    const init = initBankParams(
      k,
      H,
      targets.map((t) => t.outputs),
      rng,
      { hiddenBias: true, outputBias: true },
    );
    const bank = new ProbeBank(
      kernels,
      k,
      H,
      targets.map((t) => t.outputs),
      init,
      opt.lr,
    );
    const B = Math.min(opt.batch, nFit);
    const X = kernels.arena.alloc(B * k);
    const Y = kernels.arena.alloc(B * O);
    const Yhat = kernels.arena.alloc(B * O);
    const colLoss = kernels.arena.alloc(O);
    // ∂(½·mean over the batch of Σ_o (ŷ − y)²/o_p)/∂ŷ = (ŷ − y)/(B·o_p)
    const scale = kernels.arena.from(targets.flatMap((t) => Array<number>(t.outputs).fill(1 / (B * t.outputs))));
    const forward = (rows: number) => bank.forwardRows(X, rows, Yhat);
    // each probe's share of a batch's loss: ½·Σ_o colLoss[o]/o_p over its outputs
    const head = new Int32Array(O);
    const perOutput = new Float64Array(O);
    targets.forEach((t, p) => {
      for (let o = 0; o < t.outputs; o++) {
        head[offsets[p]! + o] = p;
        perOutput[offsets[p]! + o] = t.outputs;
      }
    });

    const batches = new Minibatches(nFit, B);
    const best = new Float64Array(P).fill(Infinity);
    const stale = new Int32Array(P);
    const epochLoss = new Float64Array(P);
    let epochs = 0;
    for (let epoch = 0; epoch < opt.maxEpochs; epoch++) {
      epochs++;
      epochLoss.fill(0);
      batches.epoch(rng, xFit, k, X, (rows) => {
        const yv = Y.array;
        for (let r = 0; r < B; r++) {
          const from = rows[r]! * O;
          for (let o = 0; o < O; o++) yv[r * O + o] = yFit[from + o]!;
        }
        // forward, squared-error gradient and backward (bit-identical to bank.forward,
        // squaredErrorGrad and bank.backward); overwrites every gradient
        bank.lossAndGrad(X, B, Y, scale, colLoss);
        const cl = colLoss.array;
        for (let c = 0; c < O; c++) epochLoss[head[c]!]! += (0.5 * cl[c]!) / perOutput[c]!;
        bank.adam.step(bank.grads);
      });
      // scikit-learn's stopping rule, per probe; stop when every probe has stalled
      let running = 0;
      for (let p = 0; p < P; p++) {
        const loss = epochLoss[p]! / nFit;
        if (loss > best[p]! - opt.tol) stale[p]!++;
        else stale[p] = 0;
        best[p] = Math.min(best[p]!, loss);
        if (stale[p]! <= opt.patience) running++;
      }
      if (running === 0) break;
    }

    // Score
    const predictions = new Float32Array(nScore * O);
    for (let start = 0; start < nScore; start += B) {
      const rows = Math.min(B, nScore - start);
      X.set(xScore.subarray(start * k, (start + rows) * k));
      forward(rows);
      predictions.set(Yhat.array.subarray(0, rows * O), start * O);
    }
    return targets.map((t, p) => {
      const y = new Float32Array(nScore * t.outputs);
      const yh = new Float32Array(nScore * t.outputs);
      for (let r = 0; r < nScore; r++) {
        for (let o = 0; o < t.outputs; o++) {
          y[r * t.outputs + o] = yScore[r * O + offsets[p]! + o]!;
          yh[r * t.outputs + o] = predictions[r * O + offsets[p]! + o]!;
        }
      }
      return { name: t.name, r2: r2Score(y, yh, nScore, t.outputs), epochs };
    });
  } finally {
    kernels.arena.release(mark);
  }
}
