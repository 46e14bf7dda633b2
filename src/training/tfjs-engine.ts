/**
 * The training engine on tfjs: the same two encoders, loss, clipping and Adam
 * as the WebAssembly engine, computed by a tfjs backend (cpu or wasm in Node;
 * also webgl or webgpu in browsers), so a GPU browser can train the model.
 *
 * Encoders run as tfjs ops with gradients by tfjs autodiff. The LpSimCLR loss
 * is a custom gradient: its value and its gradients with respect to the four
 * embedding batches are computed together in B×B tfjs ops (never B×B×d),
 * following kernels/reference/lpsimclr.ts. Adam is PyTorch's update, written
 * out so both engines agree step for step.
 */
import type * as TF from '@tensorflow/tfjs';
import { isNode } from '../common/env.js';
import { MisalignError } from '../common/errors.js';
import { layerLayout, paramCount, type MlpSpec } from '../encoders/mlp.js';
import type { TfjsBackend } from './config.js';
import type { Engine, EngineOptions, EngineState, StepBatch, StepResult } from './engine.js';
import { TfjsAdam } from './tfjs-adam.js';

type Tf = typeof TF;

/** Loads tfjs and switches to `backend`, or throws ENGINE_UNAVAILABLE saying why. */
export async function loadTfjs(backend: TfjsBackend): Promise<Tf> {
  const tf = (await import('@tensorflow/tfjs')) as Tf;
  tf.enableProdMode(); // no per-op debug checks; also silences the banner about tfjs-node
  if ((backend === 'webgl' || backend === 'webgpu') && isNode()) {
    throw new MisalignError('ENGINE_UNAVAILABLE', `the tfjs ${backend} backend runs only in browsers; use --backend cpu or wasm in Node`);
  }
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (isNode()) {
      const { createRequire } = await import('node:module');
      const { dirname, join } = await import('node:path');
      const require = createRequire(import.meta.url);
      wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
    }
  }
  if (backend === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu'); // registers the backend
  }
  const ok = await tf.setBackend(backend);
  if (!ok) throw new MisalignError('ENGINE_UNAVAILABLE', `the tfjs ${backend} backend could not start here`);
  await tf.ready();
  return tf;
}

/** The values of several tensors, one after another, in one array. */
export function flattenTensors(tensors: readonly TF.Tensor[]): Float32Array {
  const out = new Float32Array(tensors.reduce((s, x) => s + x.size, 0));
  let o = 0;
  for (const x of tensors) {
    out.set(x.dataSync() as Float32Array, o);
    o += x.size;
  }
  return out;
}

interface TfLayer {
  w: TF.Variable;
  b: TF.Variable;
}

/** LpSimCLR, one direction, with its gradients (kernels/reference/lpsimclr.ts in B×B tfjs ops). */
function lpsimclrDirection(tf: Tf, a: TF.Tensor2D, b: TF.Tensor2D, c: TF.Tensor2D, tau: number, alpha: number, inBatch: boolean) {
  const N = a.shape[0];
  const M = c.shape[0];
  const diff = a.sub(b);
  const pos = diff.square().sum(1); // (N)
  const neg = a.square().sum(1, true).add(c.square().sum(1).expandDims(0)).sub(tf.matMul(a, c, false, true).mul(2)); // (N, M)
  let negScores = neg.neg().div(tau);
  if (inBatch) negScores = tf.where(tf.eye(N).cast('bool'), tf.fill([N, M], -Infinity), negScores); // own pair left out
  const scores = tf.concat([negScores, pos.neg().div(tau).expandDims(1)], 1); // (N, M + 1)
  const lme = tf.logSumExp(scores, 1).sub(Math.log(inBatch ? M : M + 1));
  const loss = pos.div(tau).mul(alpha).add(lme.mul(1 - alpha)).mul(2).mean();
  const p = tf.softmax(scores, 1);
  const pNeg = p.slice([0, 0], [N, M]);
  const pPos = p.slice([0, M], [N, 1]);
  const dNeg = pNeg.mul((-2 * (1 - alpha)) / (tau * N)); // ∂L/∂neg_ij
  const dPos = pPos.mul((-2 * (1 - alpha)) / (tau * N)).add((2 * alpha) / (tau * N)); // ∂L/∂pos_i, (N, 1)
  const ga = diff.mul(dPos).mul(2).add(a.mul(dNeg.sum(1, true)).sub(tf.matMul(dNeg, c)).mul(2));
  const gb = diff.mul(dPos).mul(-2);
  const gc = c.mul(dNeg.sum(0).expandDims(1)).sub(tf.matMul(dNeg, a, true, false)).mul(2);
  return { loss, ga, gb, gc };
}

export class TfjsEngine implements Engine {
  readonly name: string;
  private readonly fx: TfLayer[];
  private readonly ft: TfLayer[];
  private readonly adam: TfjsAdam;

  private constructor(
    private readonly tf: Tf,
    private readonly options: EngineOptions,
    backend: TfjsBackend,
  ) {
    this.name = `tfjs-${backend}`;
    const { fx, ft, params } = options;
    const nx = paramCount(fx);
    if (params.length !== nx + paramCount(ft)) throw new MisalignError('SHAPE_MISMATCH', `expected ${nx + paramCount(ft)} parameters, got ${params.length}`);
    this.fx = this.makeLayers(fx, params, 0);
    this.ft = this.makeLayers(ft, params, nx);
    this.adam = new TfjsAdam(tf, this.variables());
  }

  static async create(options: EngineOptions, backend: TfjsBackend): Promise<TfjsEngine> {
    return new TfjsEngine(await loadTfjs(backend), options, backend);
  }

  private makeLayers(spec: MlpSpec, params: Float32Array, base: number): TfLayer[] {
    return layerLayout(spec, base).map((l) => ({
      w: this.tf.variable(this.tf.tensor2d(params.subarray(l.w, l.w + l.inputs * l.outputs), [l.inputs, l.outputs])),
      b: this.tf.variable(this.tf.tensor1d(params.subarray(l.b, l.b + l.outputs))),
    }));
  }

  /** All variables in the flat-buffer order: f_x's layers (W, b), then f_t's. */
  private variables(): TF.Variable[] {
    return [...this.fx, ...this.ft].flatMap((l) => [l.w, l.b]);
  }

  private forward(layers: TfLayer[], x: TF.Tensor2D, slope: number): TF.Tensor2D {
    let h = x;
    layers.forEach((layer, i) => {
      h = this.tf.add(this.tf.matMul(h, layer.w), layer.b) as TF.Tensor2D;
      if (i < layers.length - 1) h = this.tf.leakyRelu(h, slope);
    });
    return h;
  }

  step(batch: StepBatch, lr: number): StepResult {
    const tf = this.tf;
    const { tau, alpha, negatives, fx, ft, clip } = this.options;
    const inBatch = negatives === 'in-batch';
    const losses = { xt: 0, tx: 0 };
    const symmetric = tf.customGrad((...args: Array<TF.Tensor | ((save: TF.Tensor[]) => void)>) => {
      const [hx, ht, hxNeg, htNeg] = args as TF.Tensor2D[];
      const save = args[4] as (tensors: TF.Tensor[]) => void;
      const xt = lpsimclrDirection(tf, hx!, ht!, inBatch ? hx! : hxNeg!, tau, alpha, inBatch);
      const tx = lpsimclrDirection(tf, ht!, hx!, inBatch ? ht! : htNeg!, tau, alpha, inBatch);
      losses.xt = xt.loss.dataSync()[0]!;
      losses.tx = tx.loss.dataSync()[0]!;
      const value = xt.loss.add(tx.loss).mul(0.5) as TF.Scalar;
      // ∂/∂h_x: as anchor in L_xt and positive in L_tx; likewise h_t. In-batch, h_x is also
      // the third argument, and tfjs adds that gradient (its role as negatives) to h_x's.
      save([xt.ga.add(tx.gb).mul(0.5), tx.ga.add(xt.gb).mul(0.5), xt.gc.mul(0.5), tx.gc.mul(0.5)]);
      return { value, gradFunc: (dy: TF.Scalar, saved: TF.Tensor[]) => saved.map((g) => g.mul(dy)) };
    });
    const vars = this.variables();
    const result = tf.tidy(() => {
      const x = tf.tensor2d(batch.x.data, batch.x.shape as [number, number]);
      const t = tf.tensor2d(batch.t.data, batch.t.shape as [number, number]);
      const { value, grads } = tf.variableGrads(() => {
        const hx = this.forward(this.fx, x, fx.slope);
        const ht = this.forward(this.ft, t, ft.slope);
        if (inBatch) return symmetric(hx, ht, hx, ht) as TF.Scalar;
        if (!batch.xNeg || !batch.tNeg) throw new MisalignError('SHAPE_MISMATCH', 'fresh negatives need a negatives batch');
        const hxNeg = this.forward(this.fx, tf.tensor2d(batch.xNeg.data, batch.xNeg.shape as [number, number]), fx.slope);
        const htNeg = this.forward(this.ft, tf.tensor2d(batch.tNeg.data, batch.tNeg.shape as [number, number]), ft.slope);
        return symmetric(hx, ht, hxNeg, htNeg) as TF.Scalar;
      }, vars);
      const loss = value.dataSync()[0]!;
      if (!Number.isFinite(loss)) throw new MisalignError('NON_FINITE', `loss is ${loss}`);
      const gradNorm = this.adam.step(vars.map((v) => grads[v.name]!), lr, clip);
      return { loss, gradNorm };
    });
    return { loss: result.loss, lossXT: losses.xt, lossTX: losses.tx, gradNorm: result.gradNorm };
  }

  encode(which: 'x' | 't', data: Float32Array, rows: number): Float32Array {
    const spec = which === 'x' ? this.options.fx : this.options.ft;
    if (data.length !== rows * spec.inputs) throw new MisalignError('SHAPE_MISMATCH', `encode needs (${rows}, ${spec.inputs}) inputs, got ${data.length} values`);
    const out = new Float32Array(rows * spec.outputs);
    const chunk = this.options.batch;
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const r = Math.min(chunk, rows - r0);
      const y = this.tf.tidy(() =>
        this.forward(which === 'x' ? this.fx : this.ft, this.tf.tensor2d(data.subarray(r0 * spec.inputs, (r0 + r) * spec.inputs), [r, spec.inputs]), spec.slope).dataSync(),
      );
      out.set(y as Float32Array, r0 * spec.outputs);
    }
    return out;
  }

  state(): EngineState {
    return { params: flattenTensors(this.variables()), adamM: flattenTensors(this.adam.m), adamV: flattenTensors(this.adam.v), adamT: this.adam.t };
  }

  restore(state: EngineState): void {
    const vars = this.variables();
    const n = vars.reduce((s, x) => s + x.size, 0);
    for (const [what, a] of [['params', state.params], ['Adam m', state.adamM], ['Adam v', state.adamV]] as const) {
      if (a.length !== n) throw new MisalignError('CHECKPOINT_MISMATCH', `checkpoint ${what} has ${a.length} values, the model needs ${n}`);
    }
    let o = 0;
    vars.forEach((variable, i) => {
      const size = variable.size;
      variable.assign(this.tf.tensor(state.params.subarray(o, o + size), variable.shape));
      this.adam.m[i]!.dispose();
      this.adam.v[i]!.dispose();
      this.adam.m[i] = this.tf.tensor(state.adamM.subarray(o, o + size), variable.shape);
      this.adam.v[i] = this.tf.tensor(state.adamV.subarray(o, o + size), variable.shape);
      o += size;
    });
    this.adam.t = state.adamT;
  }

  close(): void {
    for (const x of this.variables()) x.dispose();
    this.adam.dispose();
  }
}
