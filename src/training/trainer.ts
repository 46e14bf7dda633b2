/**
 * The training loop (SPEC §5): each step draws a batch of (x, t) pairs and,
 * with fresh negatives, a second independent batch (x', t'), takes one
 * optimisation step, and reports progress. Step s's data come from the
 * stream fork('train').fork(`step-${s}`) of the seed, so a run resumed from
 * a checkpoint at step s continues exactly as if it had never stopped.
 */
import { MisalignError } from '../common/errors.js';
import { Rng } from '../common/rng.js';
import { initParams, mlpSpec, paramCount, type MlpSpec } from '../encoders/mlp.js';
import type { DataGenerator } from '../mixing/generator.js';
import type { BatchSource } from './batch-source.js';
import type { Engine, EngineState } from './engine.js';
import type { TrainConfig } from './config.js';
import { learningRate } from './schedule.js';

export interface LogRow {
  step: number;
  loss: number;
  lossXT: number;
  lossTX: number;
  gradNorm: number;
  lr: number;
  /** Training seconds since the run began (across resumes). */
  seconds: number;
}

export interface Progress extends LogRow {
  steps: number;
  stepsPerSecond: number;
  /** Estimated seconds to finish. */
  eta: number;
}

/** A resumable snapshot: engine state after `step` steps. */
export interface TrainingSnapshot {
  step: number;
  seconds: number;
  state: EngineState;
  log: LogRow[];
}

export interface TrainHooks {
  onProgress?(p: Progress): void;
  /** Called every config.checkpointEvery steps and at the end, with a snapshot to persist. */
  onCheckpoint?(snapshot: TrainingSnapshot): void | Promise<void>;
  /** Stops training (after the current step) when aborted. */
  signal?: AbortSignal;
  /**
   * Where step batches come from. Default: stepBatch on the generator (TypeScript);
   * coreBatchSource (batch-source.ts) gives the same batches from the WebAssembly core.
   */
  batches?: BatchSource;
}

export interface EncoderSpecs {
  fx: MlpSpec;
  ft: MlpSpec;
}

export function encoderSpecs(config: TrainConfig): EncoderSpecs {
  return {
    fx: mlpSpec(config.ns + config.nm, config.hidden, config.encodingSize),
    ft: mlpSpec(config.selected.length + config.nm, config.hidden, config.encodingSize),
  };
}

/** Initial parameters of both encoders (f_x then f_t), from the seed. */
export function initialParams(config: TrainConfig): Float32Array {
  const { fx, ft } = encoderSpecs(config);
  const params = new Float32Array(paramCount(fx) + paramCount(ft));
  const rng = Rng.fromSeed(config.seed).fork('init');
  initParams(fx, rng.fork('f_x'), params, 0);
  initParams(ft, rng.fork('f_t'), params, paramCount(fx));
  return params;
}

/** The batch for step `step` (1-based): anchors and, with fresh negatives, a second batch. */
export function stepBatch(config: TrainConfig, generator: DataGenerator, step: number) {
  const rng = Rng.fromSeed(config.seed).fork('train').fork(`step-${step}`);
  const anchors = generator.sample(config.batch, rng.fork('anchors'));
  if (config.negatives === 'in-batch') return { x: anchors.x, t: anchors.t };
  const negatives = generator.sample(config.batch, rng.fork('negatives'));
  return { x: anchors.x, t: anchors.t, xNeg: negatives.x, tNeg: negatives.t };
}

/**
 * Trains from step `from.step + 1` (or 1) to config.steps. Throws NON_FINITE,
 * naming the step, if the loss or gradient stops being finite; the engine is
 * then left at the last good step.
 */
export async function train(config: TrainConfig, generator: DataGenerator, engine: Engine, hooks: TrainHooks = {}, from?: TrainingSnapshot): Promise<TrainingSnapshot> {
  const log: LogRow[] = from ? from.log.filter((r) => r.step <= from.step) : [];
  if (from) engine.restore(from.state);
  let step = from?.step ?? 0;
  const secondsBefore = from?.seconds ?? 0;
  const started = performance.now();
  const elapsed = () => secondsBefore + (performance.now() - started) / 1000;
  const startStep = step;
  const batches = hooks.batches ?? ((s: number) => stepBatch(config, generator, s));
  const snapshot = (): TrainingSnapshot => ({ step, seconds: elapsed(), state: engine.state(), log: [...log] });
  while (step < config.steps) {
    if (hooks.signal?.aborted) break;
    const next = step + 1;
    const lr = learningRate(config.schedule, config.lr, next, config.steps);
    let result;
    try {
      result = engine.step(batches(next), lr);
    } catch (error) {
      if (error instanceof MisalignError && error.code === 'NON_FINITE') {
        throw new MisalignError('NON_FINITE', `training diverged at step ${next}: ${error.message}`);
      }
      throw error;
    }
    step = next;
    if (step % config.logEvery === 0 || step === config.steps || step === startStep + 1) {
      const seconds = elapsed();
      const row: LogRow = { step, ...result, lr, seconds };
      log.push(row);
      const rate = (step - startStep) / Math.max(1e-9, seconds - secondsBefore);
      hooks.onProgress?.({ ...row, steps: config.steps, stepsPerSecond: rate, eta: (config.steps - step) / rate });
    }
    if (hooks.onCheckpoint && (step % config.checkpointEvery === 0 || step === config.steps)) await hooks.onCheckpoint(snapshot());
  }
  return snapshot();
}

/** Checks that a snapshot fits a model of this configuration. */
export function checkSnapshot(config: TrainConfig, snapshot: TrainingSnapshot): void {
  const { fx, ft } = encoderSpecs(config);
  const n = paramCount(fx) + paramCount(ft);
  if (snapshot.state.params.length !== n) {
    throw new MisalignError('CHECKPOINT_MISMATCH', `the checkpoint holds ${snapshot.state.params.length} parameters, this configuration's model has ${n}`);
  }
  if (snapshot.step > config.steps) throw new MisalignError('CHECKPOINT_MISMATCH', `the checkpoint is at step ${snapshot.step}, past the configured ${config.steps} steps`);
}
