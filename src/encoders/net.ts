/**
 * The encoder networks, whatever computes them: a net is a stack of layers
 * over NHWC activations, and what every engine shares is here: the layer
 * shapes, where each weight and bias sits in one flat parameter buffer, and
 * the initialisation. Engines: core-net.ts (WebAssembly), tfjs-net.ts (tfjs).
 *
 *   dense     (N, H·W·C)   → (N, units)       y = x·W + b, W (fan_in, units) row-major
 *   conv      (N, H, W, C) → (N, OH, OW, F)   W (KH·KW·C, F) row-major, + b (F)
 *   meanPool  (N, H, W, C) → (N, C)           mean over the H·W positions (over tokens, for text)
 *
 * LeakyReLU(slope) follows every dense and conv layer except the net's last.
 * An MLP is a net of dense layers on a (1, 1, n) input: the numeric
 * experiments' f_x and f_t (docs/model.md#encoders) are `mlpNet`s.
 *
 * Layout: layer by layer, W then b; an engine places both towers back to
 * back in one buffer (`base`), so clipping and Adam see them as one vector.
 */
import { MisalignError } from '../common/errors.js';
import { Rng } from '../common/rng.js';
import { convOutSize } from '../kernels/conv.js';

export type LayerSpec =
  | { kind: 'conv'; kernel: [number, number]; filters: number; stride: number; pad: number }
  | { kind: 'dense'; units: number }
  | { kind: 'meanPool' };

export interface NetSpec {
  /** Input (H, W, C) per sample; (1, 1, n) for an MLP. */
  input: [number, number, number];
  layers: LayerSpec[];
  /** LeakyReLU slope after every layer but the last (0: ReLU). */
  slope: number;
  /**
   * The input is mostly zeros (one-hot tokens), so a first convolution may read only its
   * non-zero values (kernels/conv.ts; the same function, computed in fewer operations).
   */
  sparseInput?: boolean;
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

/** The paper's hidden widths as multiples of the input size (docs/model.md#encoders). */
export const PAPER_HIDDEN: readonly number[] = [10, 50, 50, 50, 50, 10];
/** The paper's encoders' LeakyReLU slope. */
export const ENCODER_SLOPE = 0.01;

/** The number of values of a shape. */
export const shapeSize = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/**
 * The MLP n_in → h_1 → … → h_L → outputs with hidden widths `multipliers` × n_in
 * (rounded, at least 1), LeakyReLU(slope) after every hidden layer.
 */
export function mlpNet(inputs: number, multipliers: readonly number[], outputs: number, slope = ENCODER_SLOPE): NetSpec {
  for (const [what, v] of [
    ['input size', inputs],
    ['encoding size', outputs],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new MisalignError('OUT_OF_RANGE', `encoder ${what} must be a positive integer, got ${v}`);
  }
  for (const m of multipliers) {
    if (!(m > 0) || !Number.isFinite(m)) throw new MisalignError('OUT_OF_RANGE', `hidden width multipliers must be positive, got ${m}`);
  }
  const hidden = multipliers.map((m) => Math.max(1, Math.round(m * inputs)));
  return { input: [1, 1, inputs], slope, layers: [...hidden, outputs].map((units) => ({ kind: 'dense' as const, units })) };
}

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
      if (KH > H + 2 * l.pad || KW > W + 2 * l.pad)
        throw new MisalignError('SHAPE_MISMATCH', `a ${KH}×${KW} convolution does not fit a ${H}×${W} input padded by ${l.pad}`);
      out = [convOutSize(H, KH, l.stride, l.pad), convOutSize(W, KW, l.stride, l.pad), l.filters];
      fanIn = KH * KW * C;
      wSize = fanIn * l.filters;
      bSize = l.filters;
    } else if (l.kind === 'dense') {
      out = [1, 1, l.units];
      fanIn = shapeSize(shape);
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

/** Number of parameters (weights and biases). */
export function netParamCount(spec: NetSpec): number {
  return netLayout(spec).reduce((n, l) => n + l.wSize + l.bSize, 0);
}

/** Values of one sample's input, and of one sample's output (the encoding). */
export const netInputSize = (spec: NetSpec) => shapeSize(spec.input);
export function netOutputSize(spec: NetSpec): number {
  const layers = netLayout(spec);
  return shapeSize(layers[layers.length - 1]!.out);
}

/** Multiply-adds of one forward pass per sample (dense and conv layers). */
export function netForwardMacs(spec: NetSpec): number {
  return netLayout(spec).reduce((sum, l) => sum + (l.spec.kind === 'conv' ? l.out[0] * l.out[1] : 1) * l.wSize, 0);
}

/** PyTorch's default initialisation (nn.Linear, nn.Conv2d): W and b uniform in ±1/√fan_in, layer by layer. */
export function initNetParams(spec: NetSpec, rng: Rng, params: Float32Array, base = 0): void {
  for (const l of netLayout(spec, base)) {
    const bound = 1 / Math.sqrt(l.fanIn || 1);
    for (let i = 0; i < l.wSize; i++) params[l.w + i] = rng.uniformRange(-bound, bound);
    for (let i = 0; i < l.bSize; i++) params[l.b + i] = rng.uniformRange(-bound, bound);
  }
}

/**
 * Both towers' initial parameters in one buffer (x's, then t's), each from
 * its own stream of the seed: init/<names[0]> and init/<names[1]>.
 */
export function initTwoTowers(x: NetSpec, t: NetSpec, seed: number, names: [string, string]): Float32Array {
  const nx = netParamCount(x);
  const params = new Float32Array(nx + netParamCount(t));
  const init = Rng.fromSeed(seed).fork('init');
  initNetParams(x, init.fork(names[0]), params, 0);
  initNetParams(t, init.fork(names[1]), params, nx);
  return params;
}
