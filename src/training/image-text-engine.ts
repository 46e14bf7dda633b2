/**
 * Engines for the image-text experiments (SPEC §7): an image encoder and a
 * text encoder (encoders/core-net.ts specs) trained with cosine InfoNCE on
 * in-batch negatives, gradients clipped to total norm `clip`, PyTorch's Adam.
 *
 *   images  (B, S, S, 3) f32, tokens (B, 1, L, V) f32 one-hot
 *   step:   f_img(images) (B, d), f_txt(tokens) (B, d) → InfoNCE → backward → clip → Adam
 *
 * Two implementations with the same parameters layout (f_img then f_txt, each
 * layer W then b) and the same arithmetic: the WebAssembly core
 * (CoreImageTextEngine, here) and tfjs (TfjsImageTextEngine, for GPUs in
 * browsers and as an independent check).
 */
import { MisalignError } from '../common/errors.js';
import { CoreNet, netParamCount, type NetSpec } from '../encoders/core-net.js';
import type { F32Buffer } from '../kernels/arena.js';
import { InfoNce, type InfoNceForm } from '../kernels/infonce.js';
import type { Kernels } from '../kernels/module.js';
import { Adam, clipGradNorm } from '../kernels/optim.js';

export interface ImageTextEngineOptions {
  image: NetSpec;
  text: NetSpec;
  batch: number;
  tau: number;
  form: InfoNceForm;
  lr: number;
  clip: number;
  /** Initial parameters: f_img's, then f_txt's. */
  params: Float32Array;
}

export interface ImageTextEngine {
  readonly name: string;
  /** One optimisation step on a batch; returns the loss before the step. Throws NON_FINITE on a non-finite loss or gradient. */
  step(images: Float32Array, tokens: Float32Array, lr: number): number;
  /** Embeddings of a full batch: image (B, d) and text (B, d). */
  embed(images: Float32Array, tokens: Float32Array): { img: Float32Array; txt: Float32Array };
  /** Current parameters (f_img's, then f_txt's). */
  params(): Float32Array;
  close(): void;
}

export function checkImageTextParams(options: ImageTextEngineOptions): void {
  const n = netParamCount(options.image) + netParamCount(options.text);
  if (options.params.length !== n) throw new MisalignError('SHAPE_MISMATCH', `expected ${n} parameters, got ${options.params.length}`);
}

/** The engine on our WebAssembly core: CoreNet forward/backward, the fused InfoNCE kernel, clipping and Adam kernels. */
export class CoreImageTextEngine implements ImageTextEngine {
  readonly name = 'wasm';
  private readonly mark: number;
  private readonly fImg: CoreNet;
  private readonly fTxt: CoreNet;
  private readonly loss: InfoNce;
  private readonly adam: Adam;
  private readonly paramsBuf: F32Buffer;
  private readonly grads: F32Buffer;
  private readonly gImg: F32Buffer;
  private readonly gTxt: F32Buffer;

  constructor(
    private readonly kernels: Kernels,
    private readonly options: ImageTextEngineOptions,
  ) {
    checkImageTextParams(options);
    this.mark = kernels.arena.mark();
    const { image, text, batch, params } = options;
    const nImg = netParamCount(image);
    this.paramsBuf = kernels.arena.from(params);
    this.grads = kernels.arena.alloc(params.length);
    this.adam = new Adam(kernels, this.paramsBuf, { lr: options.lr });
    this.fImg = new CoreNet(kernels, image, this.paramsBuf, this.grads, 0, batch);
    this.fTxt = new CoreNet(kernels, text, this.paramsBuf, this.grads, nImg, batch);
    const d = this.fImg.outputSize;
    if (this.fTxt.outputSize !== d) throw new MisalignError('SHAPE_MISMATCH', `the image encoder gives ${d} dimensions, the text encoder ${this.fTxt.outputSize}`);
    this.loss = new InfoNce(kernels, batch, d, { tau: options.tau, form: options.form });
    this.gImg = kernels.arena.alloc(batch * d);
    this.gTxt = kernels.arena.alloc(batch * d);
  }

  step(images: Float32Array, tokens: Float32Array, lr: number): number {
    this.fImg.input.set(images);
    this.fTxt.input.set(tokens);
    const hImg = this.fImg.forward();
    const hTxt = this.fTxt.forward();
    this.gImg.array.fill(0);
    this.gTxt.array.fill(0);
    const loss = this.loss.lossAndGrad(hImg, hTxt, this.gImg, this.gTxt);
    if (!Number.isFinite(loss)) throw new MisalignError('NON_FINITE', `loss is ${loss}`);
    this.grads.array.fill(0);
    this.fImg.backward(this.gImg);
    this.fTxt.backward(this.gTxt);
    const norm = clipGradNorm(this.kernels, this.grads, this.options.clip);
    if (!Number.isFinite(norm)) throw new MisalignError('NON_FINITE', `gradient norm is ${norm}`);
    this.adam.step(this.grads, lr);
    return loss;
  }

  embed(images: Float32Array, tokens: Float32Array): { img: Float32Array; txt: Float32Array } {
    this.fImg.input.set(images);
    this.fTxt.input.set(tokens);
    return { img: this.fImg.forward().toArray(), txt: this.fTxt.forward().toArray() };
  }

  params(): Float32Array {
    return this.paramsBuf.toArray();
  }

  close(): void {
    this.kernels.arena.release(this.mark);
  }
}
