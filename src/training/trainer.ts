/**
 * The training loop, the same for every experiment: step s (1-based) takes
 * the batch the experiment's source gives for s, one optimisation step of the
 * engine at the plan's learning rate and temperature for s, and reports progress; every
 * `checkpointEvery` steps and at the end it hands a snapshot (the engine's
 * full state and the log) to the caller. The run ends at plan.steps, or
 * earlier where a 'plateau' schedule finds the loss levelled off: a function
 * of the log alone (schedule.ts, runPhases), so a resumed run ends where it
 * would have. Sources draw step s's data from a
 * stream named after s, so a run resumed from a snapshot at step s continues
 * exactly as if it had never stopped.
 */
import { MisalignError } from '../common/errors.js';
import type { Engine, EngineState, StepBatch, StepResult } from './engine.js';
import { learningRate, runPhases, temperatureAt, type RunPhases, type Schedule, type TemperaturePlan } from './schedule.js';

/** What the loop needs of a configuration: the learning rate's schedule, and the temperature's (τ, and tauEnd when τ moves: schedule.ts). */
export interface TrainPlan extends TemperaturePlan {
  steps: number;
  lr: number;
  schedule: Schedule;
  /** Steps between log rows (and progress reports). */
  logEvery: number;
  /** Steps between snapshots. */
  checkpointEvery: number;
}

/** The batch of a 1-based step; may be computed asynchronously (images read from a file). */
export type BatchSource = (step: number) => StepBatch | Promise<StepBatch>;

export interface LogRow {
  step: number;
  loss: number;
  /** The two directions of a symmetrised loss (LpSimCLR); absent for InfoNCE. */
  lossXT?: number;
  lossTX?: number;
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
  /** Called every checkpointEvery steps and at the end, with a snapshot to persist. */
  onCheckpoint?(snapshot: TrainingSnapshot): void | Promise<void>;
  /** Stops training (after the current step) when aborted. */
  signal?: AbortSignal;
}

/** Where a run of `plan` ends and decays, given its log so far. */
function phasesOf(plan: Pick<TrainPlan, 'schedule' | 'steps' | 'logEvery'>, log: readonly LogRow[]): RunPhases {
  return runPhases(plan.schedule, plan.steps, log, plan.logEvery);
}

/** Whether a snapshot is the end of its run: plan.steps reached, or the run's plateau schedule ended it earlier. */
export function finished(plan: Pick<TrainPlan, 'schedule' | 'steps' | 'logEvery'>, snapshot: Pick<TrainingSnapshot, 'step' | 'log'>): boolean {
  return snapshot.step >= phasesOf(plan, snapshot.log).end;
}

/**
 * Trains from step `from.step + 1` (or 1) to the run's end (plan.steps, or
 * earlier with a 'plateau' schedule). Throws NON_FINITE,
 * naming the step, if the loss or gradient stops being finite; the engine is
 * then left at the last good step. Returns early (at the step reached) when
 * hooks.signal is aborted.
 */
export async function train(plan: TrainPlan, engine: Engine, batches: BatchSource, hooks: TrainHooks = {}, from?: TrainingSnapshot): Promise<TrainingSnapshot> {
  const log: LogRow[] = from ? from.log.filter((r) => r.step <= from.step) : [];
  if (from) engine.restore(from.state);
  let step = from?.step ?? 0;
  const secondsBefore = from?.seconds ?? 0;
  const started = performance.now();
  const elapsed = () => secondsBefore + (performance.now() - started) / 1000;
  const startStep = step;
  const snapshot = (): TrainingSnapshot => ({ step, seconds: elapsed(), state: engine.state(), log: [...log] });
  let phases = phasesOf(plan, log);
  while (step < phases.end) {
    if (hooks.signal?.aborted) break;
    const next = step + 1;
    const lr = learningRate(plan.schedule, plan.lr, next, plan.steps, phases);
    let result: StepResult;
    try {
      result = engine.step(await batches(next), lr, temperatureAt(plan, next));
    } catch (error) {
      if (error instanceof MisalignError && error.code === 'NON_FINITE') {
        throw new MisalignError('NON_FINITE', `training diverged at step ${next}: ${error.message}`);
      }
      throw error;
    }
    step = next;
    const last = step === phases.end;
    if (step % plan.logEvery === 0 || last || step === startStep + 1) {
      const seconds = elapsed();
      const row: LogRow = { step, ...result, lr, seconds };
      log.push(row);
      if (phases.open) phases = phasesOf(plan, log);
      const rate = (step - startStep) / Math.max(1e-9, seconds - secondsBefore);
      hooks.onProgress?.({ ...row, steps: phases.end, stepsPerSecond: rate, eta: (phases.end - step) / rate });
    }
    if (hooks.onCheckpoint && (step % plan.checkpointEvery === 0 || last)) await hooks.onCheckpoint(snapshot());
  }
  return snapshot();
}

/** Checks that a snapshot belongs to a run of `steps` steps (engine.restore checks that it fits the model). */
export function checkSnapshot(snapshot: TrainingSnapshot, steps: number): void {
  if (snapshot.step > steps) throw new MisalignError('CHECKPOINT_MISMATCH', `the checkpoint is at step ${snapshot.step}, past the configured ${steps} steps`);
}
