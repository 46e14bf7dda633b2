/**
 * An encoder network (net.ts) on the WebAssembly core, with its explicit
 * backward pass, layer by layer (B rows, activations NHWC):
 *
 *   dense, forward:   Z = H_in·W + b                 H_in (B, fan_in), W (fan_in, units), Z (B, units)
 *          backward:  dW += H_inᵀ·dZ                 (tn GEMM, accumulated)
 *                     db += column sums of dZ
 *                     dH_in = dZ·Wᵀ                  (nt GEMM; not needed for the first layer)
 *   conv,  forward:   Z = im2col(H_in)·W + b         (kernels/conv.ts), Z (B, OH, OW, F)
 *          backward:  dW += colsᵀ·dZ, db += Σ dZ, dH_in = col2im(dZ·Wᵀ)
 *          (a first conv over a sparse input, spec.sparseInput, adds only its non-zero taps)
 *   meanPool:         Z = mean over positions;  dH_in = dZ / positions at every position
 *   LeakyReLU after every dense and conv layer but the last:
 *                     H = leaky_relu(Z);  dZ = dH ⊙ leaky_relu'(H)   (H > 0 exactly where Z > 0)
 *
 * A pass holds one forward's activations (its input, every layer's output,
 * each conv layer's im2col matrix), so one net can run several passes (its
 * batch and its fresh negatives) before their backwards. Gradients
 * accumulate (β = 1) into the shared gradient buffer; the caller zeroes it
 * once per optimisation step. The backward scratch is shared by the passes.
 */
import { MisalignError } from '../common/errors.js';
import { biasAdd, columnSums, leakyReluBackward, leakyReluForward } from '../kernels/activations.js';
import type { F32Buffer } from '../kernels/arena.js';
import { Conv2d } from '../kernels/conv.js';
import { gemm } from '../kernels/gemm.js';
import { checkBuffer, type Kernels } from '../kernels/module.js';
import { netLayout, netParamCount, shapeSize, type NetLayer, type NetSpec } from './net.js';

/** One forward pass's saved activations: the input (B, ...input), every layer's output, each conv layer's im2col. */
export interface NetPass {
  readonly input: F32Buffer;
  readonly outputs: F32Buffer[];
  readonly convs: (Conv2d | null)[];
}

export class CoreNet {
  readonly layers: NetLayer[];
  /** Values of one sample's input and output. */
  readonly inputSize: number;
  readonly outputSize: number;
  private readonly hasConv: boolean;
  private readonly scratch: [F32Buffer, F32Buffer];

  /** The net `spec` whose parameters sit at `base` in params (gradients at the same offset in grads), for passes of `batch` rows. */
  constructor(
    private readonly k: Kernels,
    readonly spec: NetSpec,
    private readonly params: F32Buffer,
    private readonly grads: F32Buffer,
    readonly base: number,
    readonly batch: number,
  ) {
    this.layers = netLayout(spec, base);
    const end = base + netParamCount(spec);
    checkBuffer('encoder parameters', params, end);
    checkBuffer('encoder gradients', grads, end);
    this.inputSize = shapeSize(spec.input);
    this.outputSize = shapeSize(this.layers[this.layers.length - 1]!.out);
    this.hasConv = spec.layers.some((l) => l.kind === 'conv');
    const widest = Math.max(...this.layers.map((l) => shapeSize(l.out)));
    this.scratch = [k.arena.alloc(batch * widest), k.arena.alloc(batch * widest)];
  }

  /** Buffers for one pass over `batch` rows. */
  newPass(): NetPass {
    const { k, batch: N } = this;
    return {
      input: k.arena.alloc(N * this.inputSize),
      outputs: this.layers.map((l) => k.arena.alloc(N * shapeSize(l.out))),
      convs: this.layers.map((l, i) =>
        l.spec.kind === 'conv'
          ? new Conv2d(
              k,
              { N, H: l.in[0], W: l.in[1], C: l.in[2], KH: l.spec.kernel[0], KW: l.spec.kernel[1], F: l.spec.filters, stride: l.spec.stride, pad: l.spec.pad },
              { sparseInput: i === 0 && this.spec.sparseInput === true },
            )
          : null,
      ),
    };
  }

  /**
   * Runs the net on pass.input (filled by the caller) for its first `rows`
   * rows; returns the output (rows, outputSize). Nets with convolutions run
   * whole passes only (their im2col is sized for the batch).
   */
  forward(pass: NetPass, rows = this.batch): F32Buffer {
    const { k, params } = this;
    if (this.hasConv && rows !== this.batch)
      throw new MisalignError('SHAPE_MISMATCH', `a convolutional encoder runs whole batches of ${this.batch} rows, not ${rows}`);
    let h = pass.input;
    this.layers.forEach((layer, i) => {
      const out = pass.outputs[i]!;
      const n = shapeSize(layer.out);
      const s = layer.spec;
      if (s.kind === 'conv') {
        pass.convs[i]!.forward(h, params.view(layer.w, layer.wSize), params.view(layer.b, layer.bSize), out);
      } else if (s.kind === 'dense') {
        gemm(k, { M: rows, N: n, K: layer.fanIn, A: h, B: params.view(layer.w, layer.wSize), C: out });
        biasAdd(k, out, params.view(layer.b, layer.bSize), rows, n);
      } else {
        meanPoolForward(h.array, out.array, rows, layer.in[0] * layer.in[1], layer.in[2]);
      }
      if (s.kind !== 'meanPool' && i < this.layers.length - 1) leakyReluForward(k, out, out, this.spec.slope, rows * n);
      h = out;
    });
    return pass.outputs[pass.outputs.length - 1]!;
  }

  /** Back-propagates dOut (batch, outputSize) through a whole pass, accumulating parameter gradients. */
  backward(pass: NetPass, dOut: F32Buffer): void {
    const { k, params, grads, batch: B } = this;
    let dH = dOut;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i]!;
      const s = layer.spec;
      const n = shapeSize(layer.out);
      const input = i === 0 ? pass.input : pass.outputs[i - 1]!;
      let dZ = dH;
      if (s.kind !== 'meanPool' && i < this.layers.length - 1) {
        dZ = this.scratch[i % 2]!;
        leakyReluBackward(k, pass.outputs[i]!, dH, dZ, this.spec.slope, B * n);
      }
      const dIn = i > 0 ? this.scratch[(i + 1) % 2]! : null;
      if (s.kind === 'conv') {
        pass.convs[i]!.backward(params.view(layer.w, layer.wSize), dZ, grads.view(layer.w, layer.wSize), grads.view(layer.b, layer.bSize), dIn, true);
      } else if (s.kind === 'dense') {
        gemm(k, { M: layer.fanIn, N: n, K: B, A: input, B: dZ, C: grads.view(layer.w, layer.wSize), transA: true, beta: 1 });
        columnSums(k, dZ, grads.view(layer.b, layer.bSize), B, n, 1);
        if (dIn) gemm(k, { M: B, N: layer.fanIn, K: n, A: dZ, B: params.view(layer.w, layer.wSize), C: dIn, transB: true });
      } else if (dIn) {
        meanPoolBackward(dZ.array, dIn.array, B, layer.in[0] * layer.in[1], layer.in[2]);
      }
      if (dIn) dH = dIn;
    }
  }

  /**
   * Encodes `rows` samples (rows, inputSize) a batch at a time with `pass`;
   * returns (rows, outputSize). A convolutional net's last, partial batch
   * runs padded with zeros.
   */
  encode(pass: NetPass, data: Float32Array, rows: number): Float32Array {
    const { inputSize: n, outputSize: d, batch: B } = this;
    if (data.length !== rows * n) throw new MisalignError('SHAPE_MISMATCH', `encode needs (${rows}, ${n}) inputs, got ${data.length} values`);
    const out = new Float32Array(rows * d);
    for (let r0 = 0; r0 < rows; r0 += B) {
      const r = Math.min(B, rows - r0);
      pass.input.set(data.subarray(r0 * n, (r0 + r) * n));
      const run = this.hasConv ? B : r;
      if (run > r) pass.input.array.fill(0, r * n, run * n);
      out.set(this.forward(pass, run).array.subarray(0, r * d), r0 * d);
    }
    return out;
  }
}

/** out (N, C) ← mean over P positions of x (N, P, C). */
function meanPoolForward(x: Float32Array, out: Float32Array, N: number, P: number, C: number): void {
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let p = 0; p < P; p++) s += x[(n * P + p) * C + c]!;
      out[n * C + c] = s / P;
    }
  }
}

/** dx (N, P, C) ← dy (N, C) / P at every position. */
function meanPoolBackward(dy: Float32Array, dx: Float32Array, N: number, P: number, C: number): void {
  for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) dx[(n * P + p) * C + c] = dy[n * C + c]! / P;
}
