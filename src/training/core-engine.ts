/**
 * The training engine on the WebAssembly core, for every experiment: both
 * towers' parameters, gradients and Adam moments live in flat buffers (f_x's
 * layers, then f_t's), so clipping and Adam are one call each over
 * everything, as in the public code (clip_grad_norm_ over both encoders).
 *
 *   step: x (B, |x|) → f_x → h_x (B, d);  t (B, |t|) → f_t → h_t (B, d)
 *         [fresh negatives: x' → f_x → h_x', t' → f_t → h_t']
 *         → loss and dL/dh (losses.ts) → backward through every pass (gradients accumulate)
 *         → clip to global norm `clip` → Adam
 */
import { MisalignError } from '../common/errors.js';
import { CoreNet, type NetPass } from '../encoders/core-net.js';
import { netParamCount } from '../encoders/net.js';
import type { F32Buffer } from '../kernels/arena.js';
import type { Kernels } from '../kernels/module.js';
import { Adam, clipGradNorm } from '../kernels/optim.js';
import type { Engine, EngineState, StepBatch, StepResult, Tower, TwoTowerSpec } from './engine.js';
import { lossKind, stepTemperatures, takesFreshNegatives, type CoreLoss, type Embeddings } from './losses.js';

/** The phases of a step, for profiling (bench/step-parts.ts). */
export type StepPhase = 'inputs' | 'x forward' | 't forward' | 'loss' | 'x backward' | 't backward' | 'clip and Adam';

const noMark = (_phase: StepPhase): void => {};

export class CoreEngine implements Engine {
  readonly name = 'core';
  /**
   * When set, called at the end of each phase of a step with its name (a
   * phase can end more than once: a fresh-negatives pass adds to its
   * tower's). Profiling only; null in training.
   */
  onPhase: ((phase: StepPhase) => void) | null = null;
  private readonly mark: number;
  private readonly params: F32Buffer;
  private readonly grads: F32Buffer;
  private readonly adam: Adam;
  private readonly towers: { x: CoreNet; t: CoreNet };
  private readonly passes: { x: NetPass; t: NetPass; xNeg: NetPass | null; tNeg: NetPass | null };
  private readonly loss: CoreLoss;
  private readonly checkTemperature: (tau: number) => void;
  /** dL/dh for each embedding batch, (B, d) each. */
  private readonly dh: Required<Embeddings>;

  constructor(
    private readonly k: Kernels,
    private readonly spec: TwoTowerSpec,
  ) {
    const nx = netParamCount(spec.x);
    const total = nx + netParamCount(spec.t);
    if (spec.params.length !== total) throw new MisalignError('SHAPE_MISMATCH', `expected ${total} parameters, got ${spec.params.length}`);
    this.mark = k.arena.mark();
    const B = spec.batch;
    this.params = k.arena.from(spec.params);
    this.grads = k.arena.alloc(total);
    this.adam = new Adam(k, this.params); // the rate comes with each step (the schedule)
    this.towers = { x: new CoreNet(k, spec.x, this.params, this.grads, 0, B), t: new CoreNet(k, spec.t, this.params, this.grads, nx, B) };
    const d = this.towers.x.outputSize;
    if (this.towers.t.outputSize !== d)
      throw new MisalignError('SHAPE_MISMATCH', `the x encoder gives ${d} dimensions, the t encoder ${this.towers.t.outputSize}`);
    const fresh = takesFreshNegatives(spec.loss);
    this.passes = {
      x: this.towers.x.newPass(),
      t: this.towers.t.newPass(),
      xNeg: fresh ? this.towers.x.newPass() : null,
      tNeg: fresh ? this.towers.t.newPass() : null,
    };
    this.loss = lossKind(spec.loss).core(k, spec.loss, B, d);
    this.checkTemperature = stepTemperatures(spec.loss);
    this.dh = { x: k.arena.alloc(B * d), t: k.arena.alloc(B * d), xNeg: k.arena.alloc(B * d), tNeg: k.arena.alloc(B * d) };
  }

  step(batch: StepBatch, lr: number, tau: number): StepResult {
    this.checkTemperature(tau);
    const { passes, towers, dh } = this;
    const mark = this.onPhase ?? noMark;
    passes.x.input.set(batch.x);
    passes.t.input.set(batch.t);
    if (passes.xNeg && passes.tNeg) {
      if (!batch.xNeg || !batch.tNeg) throw new MisalignError('SHAPE_MISMATCH', 'fresh negatives need a negatives batch');
      passes.xNeg.input.set(batch.xNeg);
      passes.tNeg.input.set(batch.tNeg);
    }
    mark('inputs');
    const hx = towers.x.forward(passes.x);
    const hxNeg = passes.xNeg ? towers.x.forward(passes.xNeg) : undefined;
    mark('x forward');
    const ht = towers.t.forward(passes.t);
    const htNeg = passes.tNeg ? towers.t.forward(passes.tNeg) : undefined;
    mark('t forward');
    const h: Embeddings = hxNeg && htNeg ? { x: hx, t: ht, xNeg: hxNeg, tNeg: htNeg } : { x: hx, t: ht };
    const value = this.loss.lossAndGrad(h, dh, tau);
    mark('loss');
    if (!Number.isFinite(value.loss)) throw new MisalignError('NON_FINITE', `loss is ${value.loss}`);
    this.grads.array.fill(0);
    towers.x.backward(passes.x, dh.x);
    if (passes.xNeg) towers.x.backward(passes.xNeg, dh.xNeg);
    mark('x backward');
    towers.t.backward(passes.t, dh.t);
    if (passes.tNeg) towers.t.backward(passes.tNeg, dh.tNeg);
    mark('t backward');
    const gradNorm = clipGradNorm(this.k, this.grads, this.spec.clip);
    if (!Number.isFinite(gradNorm)) throw new MisalignError('NON_FINITE', `gradient norm is ${gradNorm}`);
    this.adam.step(this.grads, lr);
    mark('clip and Adam');
    return { ...value, gradNorm };
  }

  encode(which: Tower, data: Float32Array, rows: number): Float32Array {
    return this.towers[which].encode(this.passes[which], data, rows);
  }

  state(): EngineState {
    return { params: this.params.toArray(), adamM: this.adam.m.toArray(), adamV: this.adam.v.toArray(), adamT: this.adam.t };
  }

  restore(state: EngineState): void {
    const n = this.params.length;
    for (const [what, a] of [
      ['params', state.params],
      ['Adam m', state.adamM],
      ['Adam v', state.adamV],
    ] as const) {
      if (a.length !== n) throw new MisalignError('CHECKPOINT_MISMATCH', `checkpoint ${what} has ${a.length} values, the model needs ${n}`);
    }
    this.params.set(state.params);
    this.adam.m.set(state.adamM);
    this.adam.v.set(state.adamV);
    this.adam.t = state.adamT;
  }

  /**
   * Releases the engine's buffers in the Kernels' arena, and everything allocated
   * there after them (the arena is a stack); the caller owns the Kernels.
   */
  close(): void {
    this.k.arena.release(this.mark);
  }
}
