/**
 * What a training engine does, whatever computes it: a two-tower model (an
 * encoder net for each modality, encoders/net.ts) and a contrastive loss
 * (losses.ts), trained one optimisation step at a time:
 *
 *   step: forward both towers on (x, t) (and on the fresh negatives x', t')
 *         → loss and its gradient w.r.t. the embeddings → backward through both towers
 *         → clip the global gradient norm to `clip` → Adam
 *
 * It also encodes data for evaluation and exposes its full state for
 * checkpoints. One engine per backend: the WebAssembly core (core-engine.ts)
 * and tfjs (tfjs-engine.ts), for every experiment.
 */
import type { NetSpec } from '../encoders/net.js';
import type { LossSpec } from './losses.js';

/** The inputs of one step, row-major: x (B, |x|), t (B, |t|); fresh negatives x', t' when the loss takes them. */
export interface StepBatch {
  x: Float32Array;
  t: Float32Array;
  xNeg?: Float32Array;
  tNeg?: Float32Array;
}

export interface StepResult {
  loss: number;
  /** The two directions of a symmetrised loss, where the loss reports them (LpSimCLR). */
  lossXT?: number;
  lossTX?: number;
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

/** A two-tower model, its loss and its optimiser: everything an engine is built from. */
export interface TwoTowerSpec {
  /** The towers: f_x (images, or the numeric x) and f_t (text). */
  x: NetSpec;
  t: NetSpec;
  loss: LossSpec;
  batch: number;
  clip: number;
  /** Initial parameters: f_x's, then f_t's, in the layout of encoders/net.ts. */
  params: Float32Array;
}

export type Tower = 'x' | 't';

/**
 * The engines (our WebAssembly compute core, or tfjs) and tfjs's backends (its
 * own `wasm` backend is not the core): the one list the schemas and the CLI read.
 */
export const ENGINE_NAMES = ['core', 'tfjs'] as const;
export const TFJS_BACKENDS = ['cpu', 'wasm', 'webgl', 'webgpu'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
export type TfjsBackend = (typeof TFJS_BACKENDS)[number];

/**
 * The engines' old names: the core was 'wasm' until it was renamed. Settings,
 * config.json files and `--engine` that say 'wasm' mean the core; run ids and
 * checkpoints still hash the old name (experiments/checkpoint.ts, hashedJson),
 * so the runs written before the rename keep their ids and checkpoints.
 */
export const OLD_ENGINE_NAMES = { wasm: 'core' } as const satisfies Record<string, EngineName>;

export interface Engine {
  readonly name: string;
  /**
   * One step at learning rate lr and temperature tau: the training loop passes the plan's
   * temperatureAt(plan, s) for step s (schedule.ts), the one route τ takes.
   * Throws NON_FINITE (parameters untouched) if the loss or gradient is not finite.
   */
  step(batch: StepBatch, lr: number, tau: number): StepResult;
  /** Embeddings of `rows` inputs (rows, |input|) by one tower: (rows, encoding). */
  encode(which: Tower, data: Float32Array, rows: number): Float32Array;
  state(): EngineState;
  restore(state: EngineState): void;
  close(): void;
}
