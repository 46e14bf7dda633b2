/**
 * The image-text engine in tfjs (image-text-engine.ts has the interface and
 * the WebAssembly version): the same nets (conv2d with explicit padding,
 * dense, mean over positions, leaky ReLU between layers), the same cosine
 * InfoNCE in either form, differentiated by tfjs, then the shared clipping
 * and Adam (tfjs-adam.ts). Runs on any tfjs backend: cpu or wasm in Node,
 * webgl or webgpu in browsers.
 */
import type * as TF from '@tensorflow/tfjs';
import { MisalignError } from '../common/errors.js';
import { netLayout, netParamCount, type NetLayer, type NetSpec } from '../encoders/core-net.js';
import type { InfoNceForm } from '../kernels/infonce.js';
import type { TfjsBackend } from './config.js';
import { checkImageTextParams, type ImageTextEngine, type ImageTextEngineOptions } from './image-text-engine.js';
import { TfjsAdam } from './tfjs-adam.js';
import { flattenTensors, loadTfjs } from './tfjs-engine.js';

type Tf = typeof TF;

interface TfNet {
  spec: NetSpec;
  layers: NetLayer[];
  /** W and b of each layer that has parameters, in layout order. */
  vars: TF.Variable[];
}

const NORM_EPS = 1e-8;

/** x / max(‖x‖, ε), row by row. x is (B, d). */
function normalise(tf: Tf, x: TF.Tensor2D): TF.Tensor2D {
  return x.div(tf.maximum(x.square().sum(1, true).sqrt(), NORM_EPS));
}

/**
 * Cosine InfoNCE of image embeddings x and text embeddings y, (B, d), as
 * kernels/reference/infonce.ts defines it: 'clip' is ½·(CE over the rows of
 * S + CE over its columns), S = ẑ_x ẑ_yᵀ/τ; 'ntxent' classifies each of the
 * 2B embeddings among the 2B − 1 others, its partner being the target.
 */
export function infonceTfjs(tf: Tf, x: TF.Tensor2D, y: TF.Tensor2D, tau: number, form: InfoNceForm): TF.Scalar {
  const B = x.shape[0];
  const zx = normalise(tf, x);
  const zy = normalise(tf, y);
  if (form === 'clip') {
    const S = tf.matMul(zx, zy, false, true).div(tau) as TF.Tensor2D;
    const diag = tf.sum(zx.mul(zy), 1).div(tau);
    const rows = tf.logSumExp(S, 1).sub(diag).mean();
    const cols = tf.logSumExp(S, 0).sub(diag).mean();
    return rows.add(cols).mul(0.5) as TF.Scalar;
  }
  const u = tf.concat([zx, zy], 0);
  const G = tf.matMul(u, u, false, true).div(tau) as TF.Tensor2D;
  const masked = tf.where(tf.eye(2 * B).cast('bool'), tf.fill([2 * B, 2 * B], -Infinity), G);
  const partner = tf.sum(zx.mul(zy), 1).div(tau);
  return tf.logSumExp(masked, 1).sub(tf.concat([partner, partner], 0)).mean() as TF.Scalar;
}

export class TfjsImageTextEngine implements ImageTextEngine {
  readonly name: string;
  private readonly img: TfNet;
  private readonly txt: TfNet;
  private readonly adam: TfjsAdam;

  private constructor(
    private readonly tf: Tf,
    private readonly options: ImageTextEngineOptions,
    backend: TfjsBackend,
  ) {
    checkImageTextParams(options);
    this.name = `tfjs-${backend}`;
    this.img = this.makeNet(options.image, 0);
    this.txt = this.makeNet(options.text, netParamCount(options.image));
    this.adam = new TfjsAdam(tf, this.variables());
  }

  static async create(options: ImageTextEngineOptions, backend: TfjsBackend): Promise<TfjsImageTextEngine> {
    return new TfjsImageTextEngine(await loadTfjs(backend), options, backend);
  }

  private makeNet(spec: NetSpec, base: number): TfNet {
    const layers = netLayout(spec, base);
    const p = this.options.params;
    const vars = layers
      .filter((l) => l.wSize > 0)
      .flatMap((l) => [this.tf.variable(this.tf.tensor1d(p.subarray(l.w, l.w + l.wSize))), this.tf.variable(this.tf.tensor1d(p.subarray(l.b, l.b + l.bSize)))]);
    return { spec, layers, vars };
  }

  private variables(): TF.Variable[] {
    return [...this.img.vars, ...this.txt.vars];
  }

  /** The net on x (B, ...input): conv weights are (KH, KW, C_in, C_out), dense (fan_in, units), as on the core. */
  private forward(net: TfNet, x: Float32Array, B: number): TF.Tensor2D {
    const tf = this.tf;
    let h: TF.Tensor = tf.tensor(x, [B, ...net.spec.input]);
    let next = 0;
    net.layers.forEach((l, i) => {
      const s = l.spec;
      if (s.kind === 'conv') {
        const w = net.vars[next++]!.reshape([s.kernel[0], s.kernel[1], l.in[2], s.filters]) as TF.Tensor4D;
        const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [s.pad, s.pad], [s.pad, s.pad], [0, 0]];
        h = tf.conv2d(h as TF.Tensor4D, w, s.stride, pad).add(net.vars[next++]!);
      } else if (s.kind === 'dense') {
        h = tf.matMul(h.reshape([B, l.fanIn]), net.vars[next++]!.reshape([l.fanIn, s.units])).add(net.vars[next++]!);
      } else {
        h = tf.mean(h.reshape([B, l.in[0] * l.in[1], l.in[2]]), 1);
      }
      if (s.kind !== 'meanPool' && i < net.layers.length - 1) h = tf.leakyRelu(h, net.spec.slope);
    });
    return h.reshape([B, -1]) as TF.Tensor2D;
  }

  step(images: Float32Array, tokens: Float32Array, lr: number): number {
    const tf = this.tf;
    const { batch, tau, form, clip } = this.options;
    const vars = this.variables();
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => infonceTfjs(tf, this.forward(this.img, images, batch), this.forward(this.txt, tokens, batch), tau, form), vars);
      const loss = value.dataSync()[0]!;
      if (!Number.isFinite(loss)) throw new MisalignError('NON_FINITE', `loss is ${loss}`);
      this.adam.step(vars.map((v) => grads[v.name]!), lr, clip);
      return loss;
    });
  }

  embed(images: Float32Array, tokens: Float32Array): { img: Float32Array; txt: Float32Array } {
    const B = this.options.batch;
    return this.tf.tidy(() => ({
      img: this.forward(this.img, images, B).dataSync() as Float32Array,
      txt: this.forward(this.txt, tokens, B).dataSync() as Float32Array,
    }));
  }

  params(): Float32Array {
    return flattenTensors(this.variables());
  }

  close(): void {
    for (const v of this.variables()) v.dispose();
    this.adam.dispose();
  }
}
