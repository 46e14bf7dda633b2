/**
 * The training engine on the WebAssembly core: both encoders' parameters,
 * gradients and Adam moments live in flat buffers (f_x's layers, then
 * f_t's), so clipping and Adam are one call each over everything, as in the
 * public code (clip_grad_norm_ over f_x and f_t's parameters together).
 *
 *   step: forward x, t (and the negatives x', t') → LpSimCLR loss and its
 *   gradients → backward through both encoders → clip to norm `clip` → Adam
 */
import { MisalignError } from '../common/errors.js';
import { CoreMlp, type MlpPass } from '../encoders/core-mlp.js';
import { paramCount } from '../encoders/mlp.js';
import type { F32Buffer } from '../kernels/arena.js';
import { LpSimclr } from '../kernels/lpsimclr.js';
import type { Kernels } from '../kernels/module.js';
import { Adam, clipGradNorm } from '../kernels/optim.js';
import type { Engine, EngineOptions, EngineState, StepBatch, StepResult } from './engine.js';

export class CoreEngine implements Engine {
  readonly name = 'wasm';
  private readonly params: F32Buffer;
  private readonly grads: F32Buffer;
  private readonly adam: Adam;
  private readonly fx: CoreMlp;
  private readonly ft: CoreMlp;
  private readonly passes: { x: MlpPass; t: MlpPass; xNeg: MlpPass | null; tNeg: MlpPass | null };
  private readonly loss: LpSimclr;
  private readonly dEmb: { hx: F32Buffer; ht: F32Buffer; hxNeg: F32Buffer; htNeg: F32Buffer };

  constructor(
    private readonly k: Kernels,
    private readonly options: EngineOptions,
  ) {
    const { fx, ft, batch } = options;
    if (fx.outputs !== ft.outputs) throw new MisalignError('SHAPE_MISMATCH', 'both encoders must have the same encoding size');
    const nx = paramCount(fx);
    const total = nx + paramCount(ft);
    if (options.params.length !== total) throw new MisalignError('SHAPE_MISMATCH', `expected ${total} parameters, got ${options.params.length}`);
    this.params = k.arena.from(options.params);
    this.grads = k.arena.alloc(total);
    this.adam = new Adam(k, this.params, { lr: options.lr });
    this.fx = new CoreMlp(k, fx, this.params, this.grads, 0, batch);
    this.ft = new CoreMlp(k, ft, this.params, this.grads, nx, batch);
    const fresh = options.negatives === 'fresh';
    this.passes = {
      x: this.fx.newPass(),
      t: this.ft.newPass(),
      xNeg: fresh ? this.fx.newPass() : null,
      tNeg: fresh ? this.ft.newPass() : null,
    };
    const enc = fx.outputs;
    this.loss = new LpSimclr(k, batch, enc, { tau: options.tau, alpha: options.alpha });
    this.dEmb = { hx: k.arena.alloc(batch * enc), ht: k.arena.alloc(batch * enc), hxNeg: k.arena.alloc(batch * enc), htNeg: k.arena.alloc(batch * enc) };
  }

  step(batch: StepBatch, lr: number): StepResult {
    const { x, t, xNeg, tNeg } = batch;
    const { passes, dEmb } = this;
    passes.x.input.set(x.data);
    passes.t.input.set(t.data);
    const hx = this.fx.forward(passes.x);
    const ht = this.ft.forward(passes.t);
    let losses;
    if (passes.xNeg && passes.tNeg) {
      if (!xNeg || !tNeg) throw new MisalignError('SHAPE_MISMATCH', 'fresh negatives need a negatives batch');
      passes.xNeg.input.set(xNeg.data);
      passes.tNeg.input.set(tNeg.data);
      const hxNeg = this.fx.forward(passes.xNeg);
      const htNeg = this.ft.forward(passes.tNeg);
      losses = this.loss.symmetric(hx, ht, hxNeg, htNeg, dEmb);
    } else {
      losses = this.loss.symmetricInBatch(hx, ht, dEmb);
    }
    if (!Number.isFinite(losses.loss)) throw new MisalignError('NON_FINITE', `loss is ${losses.loss}`);
    this.grads.array.fill(0);
    this.fx.backward(passes.x, dEmb.hx);
    this.ft.backward(passes.t, dEmb.ht);
    if (passes.xNeg && passes.tNeg) {
      this.fx.backward(passes.xNeg, dEmb.hxNeg);
      this.ft.backward(passes.tNeg, dEmb.htNeg);
    }
    const gradNorm = clipGradNorm(this.k, this.grads, this.options.clip);
    if (!Number.isFinite(gradNorm)) throw new MisalignError('NON_FINITE', `gradient norm is ${gradNorm}`);
    this.adam.step(this.grads, lr);
    return { ...losses, gradNorm };
  }

  encode(which: 'x' | 't', data: Float32Array, rows: number): Float32Array {
    const mlp = which === 'x' ? this.fx : this.ft;
    const pass = which === 'x' ? this.passes.x : this.passes.t;
    const n = mlp.spec.inputs;
    const enc = mlp.spec.outputs;
    if (data.length !== rows * n) throw new MisalignError('SHAPE_MISMATCH', `encode needs (${rows}, ${n}) inputs, got ${data.length} values`);
    const out = new Float32Array(rows * enc);
    for (let r0 = 0; r0 < rows; r0 += mlp.batch) {
      const r = Math.min(mlp.batch, rows - r0);
      pass.input.set(data.subarray(r0 * n, (r0 + r) * n));
      out.set(mlp.forward(pass, r).array.subarray(0, r * enc), r0 * enc);
    }
    return out;
  }

  state(): EngineState {
    return { params: this.params.toArray(), adamM: this.adam.m.toArray(), adamV: this.adam.v.toArray(), adamT: this.adam.t };
  }

  restore(state: EngineState): void {
    const n = this.params.length;
    for (const [what, a] of [['params', state.params], ['Adam m', state.adamM], ['Adam v', state.adamV]] as const) {
      if (a.length !== n) throw new MisalignError('CHECKPOINT_MISMATCH', `checkpoint ${what} has ${a.length} values, the model needs ${n}`);
    }
    this.params.set(state.params);
    this.adam.m.set(state.adamM);
    this.adam.v.set(state.adamV);
    this.adam.t = state.adamT;
  }

  close(): void {
    // buffers belong to the Kernels' arena; the caller owns (and may close) the Kernels
  }
}
