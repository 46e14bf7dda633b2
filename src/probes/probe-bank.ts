/**
 * A bank of probes on one embedding, trained together on the WebAssembly
 * core: each probe is an MLP with one hidden layer of ReLU units; they share
 * the input, so their hidden layers are one GEMM (k → H·P), while each keeps
 * its own hidden units and output layer (a grouped dense layer,
 * kernels/grouped.ts), so every probe learns exactly as it would alone.
 *
 *   X (rows, k) → Hb = relu(X·W1 + b1), (rows, H·P) → for each probe p:
 *   Ŷ_p = Hb[:, H·p .. H·p + H]·W2_p + b2_p, (rows, o_p)
 *
 * Parameters, gradients and Adam moments are flat buffers laid out as
 *   W1 (k, width) | b1 (width) | Wt (O, H): every head's output weights, transposed | b2 (O)
 * with width = H·P and O = Σ o_p.
 */
import type { Rng } from '../common/rng.js';
import type { F32Buffer } from '../kernels/arena.js';
import { GroupedLayout } from '../kernels/grouped.js';
import { checkBuffer, type Kernels } from '../kernels/module.js';
import { Adam } from '../kernels/optim.js';

/** Where each part of a bank's parameters starts, in floats. */
export interface BankLayout {
  width: number;
  /** Outputs of all heads. */
  O: number;
  wtAt: number;
  b2At: number;
  total: number;
}

export function bankLayout(k: number, hidden: number, outputs: readonly number[]): BankLayout {
  const width = outputs.length * hidden;
  const O = outputs.reduce((a, b) => a + b, 0);
  const wtAt = k * width + width;
  const b2At = wtAt + O * hidden;
  return { width, O, wtAt, b2At, total: b2At + O };
}

/** Glorot (Xavier) uniform bound. */
export function glorotBound(fanIn: number, fanOut: number): number {
  return Math.sqrt(6 / (fanIn + fanOut));
}

/**
 * Glorot-uniform initial parameters for a bank, in the layout above: W1 (and b1 with
 * `hiddenBias`) within ±glorot(k, H); then head by head its output weights (and biases with
 * `outputBias`) within ±glorot(H, o_p). Biases left out are zero. Draw order: W1, b1, then
 * each head's weights and biases.
 */
export function initBankParams(
  k: number,
  hidden: number,
  outputs: readonly number[],
  rng: Rng,
  { hiddenBias, outputBias }: { hiddenBias: boolean; outputBias: boolean },
): Float32Array {
  const { width, wtAt, b2At, total } = bankLayout(k, hidden, outputs);
  const init = new Float32Array(total);
  const a1 = glorotBound(k, hidden);
  for (let i = 0; i < (hiddenBias ? wtAt : k * width); i++) init[i] = rng.uniformRange(-a1, a1);
  let offset = 0;
  for (const o of outputs) {
    const a2 = glorotBound(hidden, o);
    for (let i = 0; i < hidden * o; i++) init[wtAt + hidden * offset + i] = rng.uniformRange(-a2, a2);
    if (outputBias) for (let j = 0; j < o; j++) init[b2At + offset + j] = rng.uniformRange(-a2, a2);
    offset += o;
  }
  return init;
}

export class ProbeBank {
  readonly layout: BankLayout;
  readonly params: F32Buffer;
  readonly grads: F32Buffer;
  readonly adam: Adam;
  private readonly heads: GroupedLayout;
  /** Gradients of one call, added to grads by backward's `accumulate`. */
  private readonly gradScratch: F32Buffer;
  /** Hidden rows of 4 rows (forwardRows, lossAndGrad), a padding row (width + O) and zeros (max(k, width, O)). */
  private readonly h4: F32Buffer;
  private readonly y4: F32Buffer;
  private readonly pad: F32Buffer;
  private readonly zero: F32Buffer;

  /** `init` holds the initial parameters in the layout above. */
  constructor(
    private readonly kernels: Kernels,
    readonly k: number,
    readonly hidden: number,
    outputs: readonly number[],
    init: Float32Array,
    lr: number,
  ) {
    this.layout = bankLayout(k, hidden, outputs);
    const { width, O, total } = this.layout;
    this.params = kernels.arena.from(init);
    this.grads = kernels.arena.alloc(total);
    this.adam = new Adam(kernels, this.params, { lr });
    // the kernels below need each head's outputs next to each other, as GroupedLayout makes them
    this.heads = new GroupedLayout(kernels, [...outputs], hidden);
    this.gradScratch = kernels.arena.alloc(total);
    this.h4 = kernels.arena.alloc(4 * width);
    this.y4 = kernels.arena.alloc(4 * O);
    this.pad = kernels.arena.alloc(width + O);
    this.zero = kernels.arena.alloc(Math.max(k, width, O));
  }

  private part(buf: F32Buffer, which: 'W1' | 'b1' | 'Wt' | 'b2'): F32Buffer {
    const { width, O, wtAt, b2At } = this.layout;
    if (which === 'W1') return buf.view(0, this.k * width);
    if (which === 'b1') return buf.view(this.k * width, width);
    if (which === 'Wt') return buf.view(wtAt, O * this.hidden);
    return buf.view(b2At, O);
  }

  private forward4(X: F32Buffer, rows: number, Hb: F32Buffer, keepHidden: boolean, Yhat: F32Buffer): void {
    const { width, O } = this.layout;
    checkBuffer('probe bank input', X, rows * this.k);
    checkBuffer('probe bank output', Yhat, rows * O);
    const p = this.params;
    this.kernels.exports.probeBankForward4(
      X.ptr,
      rows,
      this.k,
      p.ptr,
      this.part(p, 'b1').ptr,
      this.part(p, 'Wt').ptr,
      this.part(p, 'b2').ptr,
      this.heads.groups.ptr,
      width,
      O,
      this.hidden,
      Hb.ptr,
      keepHidden ? 1 : 0,
      Yhat.ptr,
      this.pad.ptr,
      this.zero.ptr,
    );
  }

  /**
   * Yhat (rows, O) from X (rows, k); leaves relu(X·W1 + b1) in Hb (rows, width). Four rows at
   * a time in one call (assembly/probebank.ts), bit-identical to the chain gemm → biasAdd →
   * leakyReluForward(0) → grouped forward → biasAdd (test/probe-bank.test.ts).
   */
  forward(X: F32Buffer, rows: number, Hb: F32Buffer, Yhat: F32Buffer): void {
    checkBuffer('probe bank hidden layer', Hb, rows * this.layout.width);
    this.forward4(X, rows, Hb, true, Yhat);
  }

  /** The same Yhat as forward, without keeping the hidden layer. */
  forwardRows(X: F32Buffer, rows: number, Yhat: F32Buffer): void {
    this.forward4(X, rows, this.h4, false, Yhat);
  }

  /**
   * forward, then the squared-error gradient (squaredErrorGrad: ∂L/∂Ŷ = (Ŷ − Y)·scale per
   * column, colLoss = Σ_r (Ŷ − Y)²), then backward, in one call that keeps each group of four
   * rows in cache (assembly/probebank.ts): this.grads and colLoss come out bit-identical to
   * that chain.
   */
  lossAndGrad(X: F32Buffer, rows: number, Y: F32Buffer, scale: F32Buffer, colLoss: F32Buffer): void {
    const { width, O } = this.layout;
    checkBuffer('probe bank input', X, rows * this.k);
    checkBuffer('probe bank targets', Y, rows * O);
    for (const [what, b] of [
      ['scale', scale],
      ['column losses', colLoss],
    ] as const)
      checkBuffer(`probe bank ${what}`, b, O);
    const p = this.params;
    const g = this.grads;
    this.kernels.exports.probeBankGrad4(
      X.ptr,
      rows,
      this.k,
      p.ptr,
      this.part(p, 'b1').ptr,
      this.part(p, 'Wt').ptr,
      this.part(p, 'b2').ptr,
      this.heads.groups.ptr,
      width,
      O,
      this.hidden,
      Y.ptr,
      scale.ptr,
      colLoss.ptr,
      g.ptr,
      this.part(g, 'b1').ptr,
      this.part(g, 'Wt').ptr,
      this.part(g, 'b2').ptr,
      this.h4.ptr,
      this.y4.ptr,
      this.zero.ptr,
    );
  }

  /**
   * Gradients of the loss from ∂L/∂Ŷ = dY (rows, O), given the X and Hb of the forward pass,
   * in one call (assembly/probebank.ts), bit-identical to the chain grouped backward →
   * columnSums → leakyReluBackward(0) → gemm(transA) → columnSums. Written into this.grads,
   * or, with `accumulate`, summed over the rows from zero and then added to them (as that
   * chain does with beta = 1).
   */
  backward(X: F32Buffer, rows: number, Hb: F32Buffer, dY: F32Buffer, accumulate = false): void {
    const { width, O, total } = this.layout;
    checkBuffer('probe bank input', X, rows * this.k);
    checkBuffer('probe bank hidden layer', Hb, rows * width);
    checkBuffer('probe bank output gradient', dY, rows * O);
    const g = accumulate ? this.gradScratch : this.grads;
    this.kernels.exports.probeBankBackward4(
      X.ptr,
      rows,
      this.k,
      this.part(this.params, 'Wt').ptr,
      this.heads.groups.ptr,
      width,
      O,
      this.hidden,
      Hb.ptr,
      dY.ptr,
      g.ptr,
      this.part(g, 'b1').ptr,
      this.part(g, 'Wt').ptr,
      this.part(g, 'b2').ptr,
      this.zero.ptr,
    );
    if (accumulate) this.kernels.exports.addInto(this.grads.ptr, g.ptr, total);
  }
}

/**
 * The minibatches both probes train on (the MLP regressors and classifiers),
 * epoch by epoch: each epoch shuffles the sample indices in place
 * (Fisher–Yates from the last, one `rng.int` per swap, each shuffle starting
 * from the previous order), then cuts them into batches of `batch` rows,
 * leaving out an incomplete last one.
 */
export class Minibatches {
  private readonly order: Uint32Array;

  constructor(
    samples: number,
    readonly batch: number,
  ) {
    this.order = Uint32Array.from({ length: samples }, (_, i) => i);
  }

  /** One epoch: for each batch, copies its rows of x (samples, k) into xBatch, then calls step with their indices. */
  epoch(rng: Rng, x: Float32Array, k: number, xBatch: F32Buffer, step: (rows: Uint32Array) => void): void {
    const { order, batch } = this;
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const tmp = order[i]!;
      order[i] = order[j]!;
      order[j] = tmp;
    }
    for (let start = 0; start + batch <= order.length; start += batch) {
      const rows = order.subarray(start, start + batch);
      const xv = xBatch.array;
      for (let r = 0; r < batch; r++) {
        const from = rows[r]! * k;
        for (let j = 0; j < k; j++) xv[r * k + j] = x[from + j]!;
      }
      step(rows);
    }
  }
}
