/**
 * The encoders f_x, f_t of SPEC §4: MLPs
 *
 *   n_in → h_1 → ... → h_L → encoding size,  LeakyReLU(0.01) after every hidden layer
 *
 * with the paper's hidden widths (10, 50, 50, 50, 50, 10) × n_in by default.
 * This file holds what every engine shares: the layer sizes, where each
 * weight and bias sits in one flat parameter buffer, and the initialisation
 * (PyTorch's nn.Linear default: W and b uniform in ±1/sqrt(fan_in)).
 *
 * Layout: layer l's weight W_l is (in_l, out_l) row-major (so y = x·W_l + b_l),
 * followed by b_l (out_l); layers in order; an engine may place several
 * encoders back to back in one buffer (`base`).
 */
import { MisalignError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';

/** The paper's hidden widths as multiples of the input size. */
export const PAPER_HIDDEN: readonly number[] = [10, 50, 50, 50, 50, 10];
export const ENCODER_SLOPE = 0.01;

export interface MlpSpec {
  inputs: number;
  /** Absolute hidden widths. */
  hidden: number[];
  outputs: number;
  /** LeakyReLU slope after every hidden layer. */
  slope: number;
}

export interface LayerLayout {
  inputs: number;
  outputs: number;
  /** Offset (floats) of W, (inputs, outputs) row-major. */
  w: number;
  /** Offset (floats) of b, (outputs). */
  b: number;
}

/** An encoder for n_in inputs with hidden widths `multipliers` × n_in (rounded, at least 1). */
export function mlpSpec(inputs: number, multipliers: readonly number[], outputs: number, slope = ENCODER_SLOPE): MlpSpec {
  for (const [what, v] of [['input size', inputs], ['encoding size', outputs]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new MisalignError('OUT_OF_RANGE', `encoder ${what} must be a positive integer, got ${v}`);
  }
  for (const m of multipliers) {
    if (!(m > 0) || !Number.isFinite(m)) throw new MisalignError('OUT_OF_RANGE', `hidden width multipliers must be positive, got ${m}`);
  }
  return { inputs, hidden: multipliers.map((m) => Math.max(1, Math.round(m * inputs))), outputs, slope };
}

/** Every layer's sizes and offsets, starting at `base`. */
export function layerLayout(spec: MlpSpec, base = 0): LayerLayout[] {
  const sizes = [spec.inputs, ...spec.hidden, spec.outputs];
  const layers: LayerLayout[] = [];
  let offset = base;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inputs = sizes[l]!;
    const outputs = sizes[l + 1]!;
    layers.push({ inputs, outputs, w: offset, b: offset + inputs * outputs });
    offset += inputs * outputs + outputs;
  }
  return layers;
}

/** Number of parameters (weights and biases). */
export function paramCount(spec: MlpSpec): number {
  const layers = layerLayout(spec);
  const last = layers[layers.length - 1]!;
  return last.b + last.outputs;
}

/** Multiply-adds of one forward pass per sample. */
export function forwardMacs(spec: MlpSpec): number {
  return layerLayout(spec).reduce((sum, l) => sum + l.inputs * l.outputs, 0);
}

/** PyTorch's default nn.Linear initialisation into params at `base`. */
export function initParams(spec: MlpSpec, rng: Rng, params: Float32Array, base = 0): void {
  for (const layer of layerLayout(spec, base)) {
    const bound = 1 / Math.sqrt(layer.inputs);
    for (let i = 0; i < layer.inputs * layer.outputs; i++) params[layer.w + i] = rng.uniformRange(-bound, bound);
    for (let i = 0; i < layer.outputs; i++) params[layer.b + i] = rng.uniformRange(-bound, bound);
  }
}
