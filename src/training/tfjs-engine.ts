/**
 * The training engine on tfjs, for every experiment: the same two towers
 * (encoders/tfjs-net.ts), loss (tfjs-losses.ts), clipping and Adam
 * (tfjs-adam.ts) as the WebAssembly engine, computed by a tfjs backend (cpu
 * or wasm in Node; also webgl or webgpu in browsers), so a GPU browser can
 * train the model. Gradients come from tfjs autodiff: nothing here is
 * differentiated by hand, which makes this engine an independent check of
 * the core's backward passes and loss gradients.
 */
import type * as TF from '@tensorflow/tfjs';
import { isNode } from '../common/env.js';
import { MisalignError } from '../common/errors.js';
import { netInputSize, netOutputSize, netParamCount } from '../encoders/net.js';
import { TfjsNet } from '../encoders/tfjs-net.js';
import type { Engine, EngineState, StepBatch, StepResult, TfjsBackend, Tower, TwoTowerSpec } from './engine.js';
import { lossKind, stepTemperatures, takesFreshNegatives, type TfjsLossParts } from './losses.js';
import { TfjsAdam } from './tfjs-adam.js';

type Tf = typeof TF;

/**
 * Imports one of the tfjs packages. They are optional peer dependencies (the
 * default engine, the WebAssembly core, needs none of them, and they weigh
 * about 300 MB): a user who asks for the tfjs engine installs them, and one
 * who has not gets one line saying what to install. The umbrella
 * `@tensorflow/tfjs`, not `@tensorflow/tfjs-core`, because in Node only its
 * bundle registers the gradients that tfjs autodiff needs (tfjs-core's own
 * CommonJS bundle registers none).
 */
async function importTfjs<T>(load: () => Promise<T>, name: string): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new MisalignError(
        'ENGINE_UNAVAILABLE',
        `the tfjs engine needs ${name}, which is not installed: npm install ${name}@^4.22.0 (the default engine, core, needs nothing more)`,
      );
    }
    throw e;
  }
}

/** Loads tfjs and switches to `backend`, or throws ENGINE_UNAVAILABLE saying why. */
export async function loadTfjs(backend: TfjsBackend): Promise<Tf> {
  const tf = (await importTfjs(() => import('@tensorflow/tfjs'), '@tensorflow/tfjs')) as Tf;
  tf.enableProdMode(); // no per-op debug checks; also silences the banner about tfjs-node
  if ((backend === 'webgl' || backend === 'webgpu') && isNode()) {
    throw new MisalignError('ENGINE_UNAVAILABLE', `the tfjs ${backend} backend runs only in browsers; use --backend cpu or wasm in Node`);
  }
  if (backend === 'wasm') {
    const wasm = await importTfjs(() => import('@tensorflow/tfjs-backend-wasm'), '@tensorflow/tfjs-backend-wasm');
    if (isNode()) {
      const { createRequire } = await import('node:module');
      const { dirname, join } = await import('node:path');
      const require = createRequire(import.meta.url);
      wasm.setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
    }
  }
  if (backend === 'webgpu') {
    await importTfjs(() => import('@tensorflow/tfjs-backend-webgpu'), '@tensorflow/tfjs-backend-webgpu'); // registers the backend
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

export class TfjsEngine implements Engine {
  readonly name: string;
  private readonly towers: { x: TfjsNet; t: TfjsNet };
  private readonly adam: TfjsAdam;
  private readonly checkTemperature: (tau: number) => void;

  private constructor(
    private readonly tf: Tf,
    private readonly spec: TwoTowerSpec,
    backend: TfjsBackend,
  ) {
    this.name = `tfjs-${backend}`;
    const nx = netParamCount(spec.x);
    const total = nx + netParamCount(spec.t);
    if (spec.params.length !== total) throw new MisalignError('SHAPE_MISMATCH', `expected ${total} parameters, got ${spec.params.length}`);
    this.towers = { x: new TfjsNet(tf, spec.x, spec.params, 0), t: new TfjsNet(tf, spec.t, spec.params, nx) };
    this.adam = new TfjsAdam(tf, this.variables());
    this.checkTemperature = stepTemperatures(spec.loss);
  }

  static async create(spec: TwoTowerSpec, backend: TfjsBackend): Promise<TfjsEngine> {
    return new TfjsEngine(await loadTfjs(backend), spec, backend);
  }

  /** All variables in the flat-buffer order: f_x's layers (W, b), then f_t's. */
  private variables(): TF.Variable[] {
    return [...this.towers.x.vars, ...this.towers.t.vars];
  }

  step(batch: StepBatch, lr: number, tau: number): StepResult {
    const tf = this.tf;
    const { towers, spec } = this;
    this.checkTemperature(tau);
    const B = spec.batch;
    const parts: TfjsLossParts = {};
    const vars = this.variables();
    const fresh = takesFreshNegatives(spec.loss);
    if (fresh && (!batch.xNeg || !batch.tNeg)) throw new MisalignError('SHAPE_MISMATCH', 'fresh negatives need a negatives batch');
    const input = (data: Float32Array) => tf.tensor2d(data, [B, data.length / B]);
    const result = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const h = {
          x: towers.x.forward(input(batch.x), B),
          t: towers.t.forward(input(batch.t), B),
          ...(fresh ? { xNeg: towers.x.forward(input(batch.xNeg!), B), tNeg: towers.t.forward(input(batch.tNeg!), B) } : {}),
        };
        return lossKind(spec.loss).tfjs(tf, spec.loss, h, parts, tau);
      }, vars);
      // One read for the loss and its directions (a GPU backend stalls on each read).
      const { xt, tx } = parts;
      const values = xt && tx ? tf.stack([value, xt, tx]).dataSync() : value.dataSync();
      xt?.dispose();
      tx?.dispose();
      const loss = values[0]!;
      if (!Number.isFinite(loss)) throw new MisalignError('NON_FINITE', `loss is ${loss}`);
      const gradNorm = this.adam.step(
        vars.map((v) => grads[v.name]!),
        lr,
        spec.clip,
      );
      return { loss, gradNorm, ...(xt && tx ? { lossXT: values[1]!, lossTX: values[2]! } : {}) };
    });
    return result;
  }

  encode(which: Tower, data: Float32Array, rows: number): Float32Array {
    const net = this.towers[which];
    const n = netInputSize(net.spec);
    const d = netOutputSize(net.spec);
    if (data.length !== rows * n) throw new MisalignError('SHAPE_MISMATCH', `encode needs (${rows}, ${n}) inputs, got ${data.length} values`);
    const out = new Float32Array(rows * d);
    const chunk = this.spec.batch;
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const r = Math.min(chunk, rows - r0);
      const y = this.tf.tidy(() => net.forward(this.tf.tensor2d(data.subarray(r0 * n, (r0 + r) * n), [r, n]), r).dataSync());
      out.set(y as Float32Array, r0 * d);
    }
    return out;
  }

  state(): EngineState {
    return { params: flattenTensors(this.variables()), adamM: flattenTensors(this.adam.m), adamV: flattenTensors(this.adam.v), adamT: this.adam.t };
  }

  restore(state: EngineState): void {
    const vars = this.variables();
    const n = vars.reduce((s, x) => s + x.size, 0);
    for (const [what, a] of [
      ['params', state.params],
      ['Adam m', state.adamM],
      ['Adam v', state.adamV],
    ] as const) {
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
    this.towers.x.dispose();
    this.towers.t.dispose();
    this.adam.dispose();
  }
}
