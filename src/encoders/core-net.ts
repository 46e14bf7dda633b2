/**
 * Convolutional encoders on the WebAssembly core (the image-text
 * experiments' image and text towers), with their explicit backward pass.
 * A net is a stack of layers over NHWC activations:
 *
 *   conv      (N, H, W, C) → (N, OH, OW, F)   im2col + GEMM (kernels/conv.ts), + bias
 *   dense     (N, H·W·C)   → (N, units)       GEMM, + bias (the input is flattened as stored)
 *   meanPool  (N, H, W, C) → (N, C)           mean over the H·W positions (over tokens, for text)
 *
 * LeakyReLU(slope) follows every conv and dense layer except the last layer
 * of the net. backward(dOut) accumulates parameter gradients (β = 1) like
 * CoreMlp; each conv layer keeps the im2col matrix of the last forward, so
 * forward and backward must alternate (one pass at a time).
 *
 * Parameters sit at `base` in a flat buffer shared with other encoders,
 * layer by layer: conv W (KH·KW·C, F) | b (F); dense W (in, units) | b (units).
 */
import { MisalignError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';
import { biasAdd, columnSums, leakyReluBackward, leakyReluForward } from '../kernels/activations.js';
import type { F32Buffer } from '../kernels/arena.js';
import { Conv2d, convOutSize } from '../kernels/conv.js';
import { gemm } from '../kernels/gemm.js';
import { checkBuffer, type Kernels } from '../kernels/module.js';

export type LayerSpec =
  | { kind: 'conv'; kernel: [number, number]; filters: number; stride: number; pad: number }
  | { kind: 'dense'; units: number }
  | { kind: 'meanPool' };

export interface NetSpec {
  /** Input (H, W, C) per sample. */
  input: [number, number, number];
  layers: LayerSpec[];
  /** LeakyReLU slope after every layer but the last (0: ReLU). */
  slope: number;
}

/** A layer with its input and output shapes (H, W, C) and where its parameters are. */
export interface NetLayer {
  spec: LayerSpec;
  in: [number, number, number];
  out: [number, number, number];
  /** Offsets of W and b in the parameter buffer (−1 for layers without parameters). */
  w: number;
  b: number;
  wSize: number;
  bSize: number;
  /** Fan-in of one output unit (for initialisation). */
  fanIn: number;
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Every layer's shapes and parameter offsets, starting at `base`. */
export function netLayout(spec: NetSpec, base = 0): NetLayer[] {
  let shape = spec.input;
  let at = base;
  return spec.layers.map((l) => {
    let out: [number, number, number];
    let wSize = 0;
    let bSize = 0;
    let fanIn = 0;
    if (l.kind === 'conv') {
      const [KH, KW] = l.kernel;
      const [H, W, C] = shape;
      if (KH > H + 2 * l.pad || KW > W + 2 * l.pad) throw new MisalignError('SHAPE_MISMATCH', `a ${KH}×${KW} convolution does not fit a ${H}×${W} input padded by ${l.pad}`);
      out = [convOutSize(H, KH, l.stride, l.pad), convOutSize(W, KW, l.stride, l.pad), l.filters];
      fanIn = KH * KW * C;
      wSize = fanIn * l.filters;
      bSize = l.filters;
    } else if (l.kind === 'dense') {
      out = [1, 1, l.units];
      fanIn = size(shape);
      wSize = fanIn * l.units;
      bSize = l.units;
    } else {
      out = [1, 1, shape[2]];
    }
    const layer: NetLayer = { spec: l, in: shape, out, w: wSize ? at : -1, b: bSize ? at + wSize : -1, wSize, bSize, fanIn };
    at += wSize + bSize;
    shape = out;
    return layer;
  });
}

export function netParamCount(spec: NetSpec): number {
  return netLayout(spec).reduce((n, l) => n + l.wSize + l.bSize, 0);
}

/** PyTorch's default initialisation: weights and biases uniform in ±1/√fan_in. */
export function initNetParams(spec: NetSpec, rng: Rng, params: Float32Array, base = 0): void {
  for (const l of netLayout(spec, base)) {
    const bound = 1 / Math.sqrt(l.fanIn || 1);
    for (let i = 0; i < l.wSize; i++) params[l.w + i] = rng.uniformRange(-bound, bound);
    for (let i = 0; i < l.bSize; i++) params[l.b + i] = rng.uniformRange(-bound, bound);
  }
}

export class CoreNet {
  readonly layers: NetLayer[];
  /** Input and every layer's output, (batch, ·). */
  readonly input: F32Buffer;
  private readonly outputs: F32Buffer[];
  private readonly convs: (Conv2d | null)[];
  private readonly scratch: [F32Buffer, F32Buffer];

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
    this.input = k.arena.alloc(batch * size(spec.input));
    this.outputs = this.layers.map((l) => k.arena.alloc(batch * size(l.out)));
    this.convs = this.layers.map((l) =>
      l.spec.kind === 'conv'
        ? new Conv2d(k, { N: batch, H: l.in[0], W: l.in[1], C: l.in[2], KH: l.spec.kernel[0], KW: l.spec.kernel[1], F: l.spec.filters, stride: l.spec.stride, pad: l.spec.pad })
        : null,
    );
    const widest = Math.max(size(spec.input), ...this.layers.map((l) => size(l.out)));
    this.scratch = [k.arena.alloc(batch * widest), k.arena.alloc(batch * widest)];
  }

  get outputSize(): number {
    return size(this.layers[this.layers.length - 1]!.out);
  }

  /** Runs the net on this.input (filled by the caller); returns the output (batch, outputSize). */
  forward(): F32Buffer {
    const { k, params, batch: B } = this;
    let h = this.input;
    this.layers.forEach((layer, i) => {
      const out = this.outputs[i]!;
      const n = size(layer.out);
      const s = layer.spec;
      if (s.kind === 'conv') {
        this.convs[i]!.forward(h, params.view(layer.w, layer.wSize), params.view(layer.b, layer.bSize), out);
      } else if (s.kind === 'dense') {
        gemm(k, { M: B, N: n, K: layer.fanIn, A: h, B: params.view(layer.w, layer.wSize), C: out });
        biasAdd(k, out, params.view(layer.b, layer.bSize), B, n);
      } else {
        meanPoolForward(h.array, out.array, B, layer.in[0] * layer.in[1], layer.in[2]);
      }
      if (s.kind !== 'meanPool' && i < this.layers.length - 1) leakyReluForward(k, out, out, this.spec.slope, B * n);
      h = out;
    });
    return this.outputs[this.outputs.length - 1]!;
  }

  /** Back-propagates dOut (batch, outputSize) through the last forward pass, accumulating parameter gradients. */
  backward(dOut: F32Buffer): void {
    const { k, params, grads, batch: B } = this;
    let dH = dOut;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i]!;
      const s = layer.spec;
      const n = size(layer.out);
      const input = i === 0 ? this.input : this.outputs[i - 1]!;
      let dZ = dH;
      if (s.kind !== 'meanPool' && i < this.layers.length - 1) {
        dZ = this.scratch[i % 2]!;
        leakyReluBackward(k, this.outputs[i]!, dH, dZ, this.spec.slope, B * n);
      }
      const dIn = i > 0 ? this.scratch[(i + 1) % 2]! : null;
      if (s.kind === 'conv') {
        this.convs[i]!.backward(params.view(layer.w, layer.wSize), dZ, grads.view(layer.w, layer.wSize), grads.view(layer.b, layer.bSize), dIn, true);
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
