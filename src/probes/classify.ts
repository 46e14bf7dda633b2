/**
 * Classification probes for discrete factors (the image-text experiments,
 * docs/experiments.md): from an embedding, predict each factor's class with
 *
 *   - logistic regression: softmax over the classes of X·W + b, full-batch
 *     Adam on the cross-entropy;
 *   - an MLP classifier: one hidden layer of 100 ReLU units per factor
 *     (one probe bank on the core, probe-bank.ts), minibatch Adam
 *     (scikit-learn's MLPClassifier defaults: lr 1e-3, batch 200);
 *
 * all factors at once (one softmax group per factor), and score each by the
 * multiclass Matthews correlation on held-out samples.
 */
import type { Rng } from '../common/rng.js';
import { biasAdd, columnSums } from '../kernels/activations.js';
import { gemm } from '../kernels/gemm.js';
import type { Kernels } from '../kernels/module.js';
import { Adam } from '../kernels/optim.js';
import { mccMulticlass } from './mcc.js';
import { bankLayout, initBankParams, Minibatches, ProbeBank } from './probe-bank.js';

export interface ClassTarget {
  name: string;
  classes: number;
  /** Class of each fitting and scoring sample. */
  fit: ArrayLike<number>;
  score: ArrayLike<number>;
}

export interface ClassifierOptions {
  /** Full-batch steps of the logistic regressions. Default 500. */
  linearSteps?: number;
  linearLr?: number;
  /** Epochs of the MLP classifiers. Default 40. */
  epochs?: number;
  hidden?: number;
  batch?: number;
  lr?: number;
}

export interface ClassifierResult {
  name: string;
  mccLinear: number;
  mccNonlinear: number;
}

/**
 * Softmax cross-entropy gradient for the rows of logits (rows, O), one softmax per target
 * (its classes start at offsets[g]); labels(g, r) is row r's class for target g.
 * dY = (softmax − onehot)·scale.
 */
function softmaxGrad(
  logits: Float32Array,
  dY: Float32Array,
  rows: number,
  O: number,
  targets: readonly ClassTarget[],
  offsets: readonly number[],
  labels: (t: number, r: number) => number,
  scale: number,
): void {
  for (let r = 0; r < rows; r++) {
    targets.forEach((t, g) => {
      const o = r * O + offsets[g]!;
      let m = -Infinity;
      for (let k = 0; k < t.classes; k++) m = Math.max(m, logits[o + k]!);
      let z = 0;
      for (let k = 0; k < t.classes; k++) z += Math.exp(logits[o + k]! - m);
      const y = labels(g, r);
      for (let k = 0; k < t.classes; k++) dY[o + k] = (Math.exp(logits[o + k]! - m) / z - (k === y ? 1 : 0)) * scale;
    });
  }
}

function argmaxes(logits: Float32Array, rows: number, O: number, offset: number, classes: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[r * O + offset + k]! > logits[r * O + offset + best]!) best = k;
    out[r] = best;
  }
  return out;
}

/** Trains both probes for every target on (xFit (nFit, k)) and scores them on xScore (nScore, k). */
export function classifierProbes(
  kernels: Kernels,
  xFit: Float32Array,
  nFit: number,
  xScore: Float32Array,
  nScore: number,
  k: number,
  targets: ClassTarget[],
  rng: Rng,
  options: ClassifierOptions = {},
): ClassifierResult[] {
  const opt = { linearSteps: 500, linearLr: 0.05, epochs: 40, hidden: 100, batch: 200, lr: 1e-3, ...options };
  const offsets: number[] = [];
  let O = 0;
  for (const t of targets) {
    offsets.push(O);
    O += t.classes;
  }
  const mark = kernels.arena.mark();
  try {
    const XF = kernels.arena.from(xFit);
    const XS = kernels.arena.from(xScore);

    // Logistic regressions: W (k, O) | b (O), full batch.
    const lin = kernels.arena.alloc(k * O + O);
    const linGrad = kernels.arena.alloc(k * O + O);
    const adam = new Adam(kernels, lin, { lr: opt.linearLr });
    const logits = kernels.arena.alloc(Math.max(nFit, nScore) * O);
    const dY = kernels.arena.alloc(nFit * O);
    const linForward = (X: typeof XF, rows: number) => {
      gemm(kernels, { M: rows, N: O, K: k, A: X, B: lin.view(0, k * O), C: logits });
      biasAdd(kernels, logits, lin.view(k * O, O), rows, O);
    };
    for (let step = 0; step < opt.linearSteps; step++) {
      linForward(XF, nFit);
      softmaxGrad(logits.array, dY.array, nFit, O, targets, offsets, (g, r) => targets[g]!.fit[r]!, 1 / nFit);
      gemm(kernels, { M: k, N: O, K: nFit, A: XF, B: dY, C: linGrad.view(0, k * O), transA: true });
      columnSums(kernels, dY, linGrad.view(k * O, O), nFit, O);
      adam.step(linGrad);
    }
    linForward(XS, nScore);
    const linearPred = targets.map((t, g) => argmaxes(logits.array, nScore, O, offsets[g]!, t.classes));

    // MLP classifiers: one bank, minibatches.
    const H = opt.hidden;
    const outputs = targets.map((t) => t.classes);
    const { width } = bankLayout(k, H, outputs);
    const init = initBankParams(k, H, outputs, rng, { hiddenBias: false, outputBias: true });
    const bank = new ProbeBank(kernels, k, H, outputs, init, opt.lr);
    const B = Math.min(opt.batch, nFit);
    const X = kernels.arena.alloc(Math.max(B, nScore) * k);
    const Hb = kernels.arena.alloc(Math.max(B, nScore) * width);
    const Yhat = kernels.arena.alloc(Math.max(B, nScore) * O);
    const dYb = kernels.arena.alloc(B * O);
    const batches = new Minibatches(nFit, B);
    for (let epoch = 0; epoch < opt.epochs; epoch++) {
      batches.epoch(rng, xFit, k, X, (rows) => {
        bank.forward(X, B, Hb, Yhat);
        softmaxGrad(Yhat.array, dYb.array, B, O, targets, offsets, (g, r) => targets[g]!.fit[rows[r]!]!, 1 / B);
        bank.backward(X, B, Hb, dYb);
        bank.adam.step(bank.grads);
      });
    }
    X.set(xScore);
    bank.forward(X, nScore, Hb, Yhat);
    return targets.map((t, g) => ({
      name: t.name,
      mccLinear: mccMulticlass(t.score, linearPred[g]!, t.classes),
      mccNonlinear: mccMulticlass(t.score, argmaxes(Yhat.array, nScore, O, offsets[g]!, t.classes), t.classes),
    }));
  } finally {
    kernels.arena.release(mark);
  }
}
