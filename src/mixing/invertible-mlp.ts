/**
 * The mixing functions g_x and g_t of docs/model.md#mixing-functions: fixed, random, invertible MLPs
 * that turn latents z into observations x = g(z).
 *
 *   h_0 = z                        z is (B, n)
 *   h_l = leaky_relu(h_{l-1} W_lᵀ)  for l = 1..L−1, slope 0.2
 *   x   = h_{L-1} W_Lᵀ              no activation after the last layer
 *
 * Each W_l is (n, n), stored row-major as W[out, in] (PyTorch's nn.Linear
 * layout), with unit-norm columns and a bounded condition number. The inverse
 * runs the layers backwards with W_l⁻¹ (ml-matrix) and leaky_relu⁻¹.
 * Arithmetic is f64; the f32 entry points round only at the end.
 */
import { inverse, Matrix } from 'ml-matrix';
import { MisalignError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';
import { tensor2d, type Tensor2D } from '../common/tensor.js';
import { conditionThreshold, DEFAULT_THRESHOLD_RATIO, DEFAULT_THRESHOLD_SAMPLES, drawWellConditioned } from './weights.js';

export interface MixingOptions {
  /** Number of square layers. Default 3. */
  layers?: number;
  /** LeakyReLU slope between layers. Default 0.2. */
  slope?: number;
  /** Candidates drawn to set the condition-number threshold. Default 25,000. */
  thresholdSamples?: number;
  /** Quantile of their condition numbers used as the threshold. Default 0.001. */
  thresholdRatio?: number;
}

/** What a mixing function is made of: enough to rebuild it exactly (checkpoints, config files). */
export interface MixingWeights {
  n: number;
  slope: number;
  /** One (n, n) row-major W[out, in] per layer. */
  weights: Float64Array[];
}

function toRowMajor(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows * m.columns);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.columns; c++) out[r * m.columns + c] = m.get(r, c);
  return out;
}

function fromRowMajor(data: Float64Array, n: number): Matrix {
  const m = new Matrix(n, n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) m.set(r, c, data[r * n + c]!);
  return m;
}

/** out (rows, n) = h (rows, n) · Wᵀ, with W (n, n) row-major W[out, in]. */
function applyLinear(h: Float64Array, w: Float64Array, rows: number, n: number): Float64Array {
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const hr = r * n;
    for (let o = 0; o < n; o++) {
      const wo = o * n;
      let acc = 0;
      for (let i = 0; i < n; i++) acc += w[wo + i]! * h[hr + i]!;
      out[hr + o] = acc;
    }
  }
  return out;
}

export class InvertibleMlp {
  readonly n: number;
  readonly slope: number;
  /** W_l, (n, n) row-major W[out, in], l = 1..L. */
  readonly weights: readonly Float64Array[];
  /** W_l⁻¹, (n, n) row-major. */
  private readonly inverses: readonly Float64Array[];

  private constructor(spec: MixingWeights) {
    const { n, slope, weights } = spec;
    if (!Number.isInteger(n) || n < 1) throw new MisalignError('OUT_OF_RANGE', `mixing dimension must be a positive integer, got ${n}`);
    if (!(slope > 0)) throw new MisalignError('OUT_OF_RANGE', `LeakyReLU slope must be positive for an invertible mixing, got ${slope}`);
    if (weights.length < 1) throw new MisalignError('OUT_OF_RANGE', 'a mixing function needs at least one layer');
    for (const w of weights) {
      if (w.length !== n * n) throw new MisalignError('SHAPE_MISMATCH', `mixing weight has ${w.length} entries, expected ${n * n}`);
    }
    this.n = n;
    this.slope = slope;
    this.weights = weights.map((w) => Float64Array.from(w));
    this.inverses = this.weights.map((w) => toRowMajor(inverse(fromRowMajor(w, n))));
  }

  /** Draws a random mixing function of dimension n (docs/model.md#mixing-functions). Returns it with the threshold and each layer's condition number. */
  static create(n: number, rng: Rng, options: MixingOptions = {}): { mixing: InvertibleMlp; threshold: number; conditions: number[] } {
    const layers = options.layers ?? 3;
    if (!Number.isInteger(layers) || layers < 1) throw new MisalignError('OUT_OF_RANGE', `mixing layers must be a positive integer, got ${layers}`);
    const threshold = conditionThreshold(
      n,
      rng.fork('threshold'),
      options.thresholdSamples ?? DEFAULT_THRESHOLD_SAMPLES,
      options.thresholdRatio ?? DEFAULT_THRESHOLD_RATIO,
    );
    const weights: Float64Array[] = [];
    const conditions: number[] = [];
    for (let l = 0; l < layers; l++) {
      const { matrix, condition } = drawWellConditioned(n, threshold, rng.fork(`layer-${l}`));
      weights.push(toRowMajor(matrix));
      conditions.push(condition);
    }
    return { mixing: new InvertibleMlp({ n, slope: options.slope ?? 0.2, weights }), threshold, conditions };
  }

  /** Rebuilds a mixing function from its weights. */
  static fromWeights(spec: MixingWeights): InvertibleMlp {
    return new InvertibleMlp(spec);
  }

  toWeights(): MixingWeights {
    return { n: this.n, slope: this.slope, weights: this.weights.map((w) => Float64Array.from(w)) };
  }

  /** x = g(z) in f64; z is (rows, n) row-major. */
  forward64(z: Float64Array, rows: number): Float64Array {
    this.checkShape(z.length, rows);
    let h = z;
    const last = this.weights.length - 1;
    this.weights.forEach((w, l) => {
      h = applyLinear(h, w, rows, this.n);
      if (l < last) for (let i = 0; i < h.length; i++) if (h[i]! < 0) h[i] = h[i]! * this.slope;
    });
    return h;
  }

  /** z = g⁻¹(x) in f64; x is (rows, n) row-major. */
  inverse64(x: Float64Array, rows: number): Float64Array {
    this.checkShape(x.length, rows);
    let h = x;
    for (let l = this.inverses.length - 1; l >= 0; l--) {
      if (l < this.inverses.length - 1) for (let i = 0; i < h.length; i++) if (h[i]! < 0) h[i] = h[i]! / this.slope;
      h = applyLinear(h, this.inverses[l]!, rows, this.n);
    }
    return h;
  }

  /**
   * x = g(z) for a (B, n) f32 tensor, computed in f64 and rounded once.
   * This is the data path of every training step, so it runs four rows at a
   * time (one weight load, four independent sums); each row's sum still runs
   * over i in order, so the result is bit-identical to forward64.
   */
  forward(z: Tensor2D): Tensor2D {
    const [rows] = z.shape;
    const n = this.n;
    this.checkShape(z.data.length, rows);
    const out = tensor2d(rows, n);
    const slope = this.slope;
    const last = this.weights.length - 1;
    // h and next hold four rows, (4, n); rows past the end repeat the last one.
    let h = new Float64Array(4 * n);
    let next = new Float64Array(4 * n);
    const n2 = 2 * n;
    const n3 = 3 * n;
    for (let r0 = 0; r0 < rows; r0 += 4) {
      const valid = Math.min(4, rows - r0);
      for (let q = 0; q < 4; q++) {
        const src = (r0 + Math.min(q, valid - 1)) * n;
        for (let i = 0; i < n; i++) h[q * n + i] = z.data[src + i]!;
      }
      for (let l = 0; l <= last; l++) {
        const w = this.weights[l]!;
        const act = l < last;
        for (let o = 0; o < n; o++) {
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          const wo = o * n;
          for (let i = 0; i < n; i++) {
            const wi = w[wo + i]!;
            s0 += wi * h[i]!;
            s1 += wi * h[n + i]!;
            s2 += wi * h[n2 + i]!;
            s3 += wi * h[n3 + i]!;
          }
          if (act) {
            if (s0 < 0) s0 *= slope;
            if (s1 < 0) s1 *= slope;
            if (s2 < 0) s2 *= slope;
            if (s3 < 0) s3 *= slope;
          }
          next[o] = s0;
          next[n + o] = s1;
          next[n2 + o] = s2;
          next[n3 + o] = s3;
        }
        [h, next] = [next, h];
      }
      for (let q = 0; q < valid; q++) for (let i = 0; i < n; i++) out.data[(r0 + q) * n + i] = h[q * n + i]!;
    }
    return out;
  }

  /** z = g⁻¹(x) for a (B, n) f32 tensor. */
  inverse(x: Tensor2D): Tensor2D {
    const [rows] = x.shape;
    return tensor2d(rows, this.n, Float32Array.from(this.inverse64(Float64Array.from(x.data), rows)));
  }

  private checkShape(length: number, rows: number): void {
    if (length !== rows * this.n) {
      throw new MisalignError('SHAPE_MISMATCH', `mixing input has ${length} values, expected (${rows}, ${this.n})`);
    }
  }
}
