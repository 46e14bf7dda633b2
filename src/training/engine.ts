/**
 * What a training engine does, whatever computes it: one optimisation step
 * of the two encoders on the symmetrised LpSimCLR loss (SPEC §5), encoding
 * for evaluation, and its full state for checkpoints. Engines: the
 * WebAssembly core (core-engine.ts) and tfjs (tfjs-engine.ts).
 */
import type { Tensor2D } from '../common/tensor.js';
import type { MlpSpec } from '../encoders/mlp.js';

export interface StepBatch {
  /** Image observations, (B, zxDim). */
  x: Tensor2D;
  /** Text observations, (B, ztDim). */
  t: Tensor2D;
  /** Fresh negatives (a second, independent batch); omitted for in-batch negatives. */
  xNeg?: Tensor2D;
  tNeg?: Tensor2D;
}

export interface StepResult {
  loss: number;
  lossXT: number;
  lossTX: number;
  /** Global gradient 2-norm before clipping. */
  gradNorm: number;
}

/** Everything that changes during training. */
export interface EngineState {
  params: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
  /** Adam steps taken. */
  adamT: number;
}

export interface EngineOptions {
  fx: MlpSpec;
  ft: MlpSpec;
  batch: number;
  negatives: 'fresh' | 'in-batch';
  tau: number;
  alpha: number;
  lr: number;
  clip: number;
  /** Initial parameters: f_x's then f_t's, in the layout of encoders/mlp.ts. */
  params: Float32Array;
}

export interface Engine {
  readonly name: string;
  /** One step at learning rate lr. Leaves parameters untouched and throws NON_FINITE if the loss or gradient is not finite. */
  step(batch: StepBatch, lr: number): StepResult;
  /** Embeddings of `rows` observations (rows, n_in) by f_x or f_t, (rows, encoding). */
  encode(which: 'x' | 't', data: Float32Array, rows: number): Float32Array;
  state(): EngineState;
  restore(state: EngineState): void;
  close(): void;
}
