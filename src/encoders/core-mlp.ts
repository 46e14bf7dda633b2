/**
 * An encoder MLP on the WebAssembly core, with its explicit backward pass.
 *
 *   forward, layer l:   Z_l = H_{l−1}·W_l + b_l        H_{l−1} is (B, in_l), W_l (in_l, out_l)
 *                       H_l = leaky_relu(Z_l)           hidden layers only; H_l is (B, out_l)
 *   backward, layer l:  dZ_l = dH_l ⊙ leaky_relu'(H_l)  (H_l > 0 exactly where Z_l > 0)
 *                       dW_l += H_{l−1}ᵀ·dZ_l           (tn GEMM, accumulated)
 *                       db_l += column sums of dZ_l
 *                       dH_{l−1} = dZ_l·W_lᵀ            (nt GEMM; not needed for l = 1)
 *
 * Gradients accumulate (β = 1), so one encoder can run two passes (its
 * batch and its negatives) before an optimiser step. Each pass keeps its
 * own activations; the backward scratch is shared.
 */
import { biasAdd, columnSums, leakyReluBackward, leakyReluForward } from '../kernels/activations.js';
import type { F32Buffer } from '../kernels/arena.js';
import { gemm } from '../kernels/gemm.js';
import { checkBuffer, type Kernels } from '../kernels/module.js';
import { layerLayout, type LayerLayout, type MlpSpec } from './mlp.js';

/** One forward pass's saved activations: input (B, n_in) and every layer's output. */
export interface MlpPass {
  readonly input: F32Buffer;
  readonly outputs: F32Buffer[];
}

export class CoreMlp {
  readonly layers: LayerLayout[];
  private readonly scratch: [F32Buffer, F32Buffer];

  /** The encoder `spec` whose parameters sit at `base` in params (gradients at the same offset in grads), for batches of `batch` rows. */
  constructor(
    private readonly k: Kernels,
    readonly spec: MlpSpec,
    private readonly params: F32Buffer,
    private readonly grads: F32Buffer,
    readonly base: number,
    readonly batch: number,
  ) {
    this.layers = layerLayout(spec, base);
    const last = this.layers[this.layers.length - 1]!;
    checkBuffer('encoder parameters', params, last.b + last.outputs);
    checkBuffer('encoder gradients', grads, last.b + last.outputs);
    const widest = Math.max(...this.layers.map((l) => l.outputs));
    this.scratch = [k.arena.alloc(batch * widest), k.arena.alloc(batch * widest)];
  }

  /** Buffers for one pass over `batch` rows. */
  newPass(): MlpPass {
    return {
      input: this.k.arena.alloc(this.batch * this.spec.inputs),
      outputs: this.layers.map((l) => this.k.arena.alloc(this.batch * l.outputs)),
    };
  }

  /** Runs the encoder on pass.input (filled by the caller) for the first `rows` rows; returns the output (rows, encoding). */
  forward(pass: MlpPass, rows = this.batch): F32Buffer {
    const k = this.k;
    let h = pass.input;
    this.layers.forEach((layer, l) => {
      const out = pass.outputs[l]!;
      const W = this.params.view(layer.w, layer.inputs * layer.outputs);
      gemm(k, { M: rows, N: layer.outputs, K: layer.inputs, A: h, B: W, C: out });
      biasAdd(k, out, this.params.view(layer.b, layer.outputs), rows, layer.outputs);
      if (l < this.layers.length - 1) leakyReluForward(k, out, out, this.spec.slope, rows * layer.outputs);
      h = out;
    });
    return pass.outputs[pass.outputs.length - 1]!;
  }

  /** Back-propagates dOut (batch, encoding) through the pass, accumulating parameter gradients. */
  backward(pass: MlpPass, dOut: F32Buffer): void {
    const k = this.k;
    const B = this.batch;
    let dH = dOut;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const layer = this.layers[l]!;
      const dZ = l < this.layers.length - 1 ? this.scratch[l % 2]! : dH;
      if (l < this.layers.length - 1) leakyReluBackward(k, pass.outputs[l]!, dH, dZ, this.spec.slope, B * layer.outputs);
      const input = l === 0 ? pass.input : pass.outputs[l - 1]!;
      gemm(k, {
        M: layer.inputs,
        N: layer.outputs,
        K: B,
        A: input,
        B: dZ,
        C: this.grads.view(layer.w, layer.inputs * layer.outputs),
        transA: true,
        beta: 1,
      });
      columnSums(k, dZ, this.grads.view(layer.b, layer.outputs), B, layer.outputs, 1);
      if (l > 0) {
        const next = this.scratch[(l + 1) % 2]!;
        gemm(k, {
          M: B,
          N: layer.inputs,
          K: layer.outputs,
          A: dZ,
          B: this.params.view(layer.w, layer.inputs * layer.outputs),
          C: next,
          transB: true,
        });
        dH = next;
      }
    }
  }
}
