/**
 * The one run lifecycle, for every experiment and every caller (the library,
 * run folders, sweeps, the web worker):
 *
 *   kernels → world → engine (from the experiment's model) → train → evaluate → dispose
 *
 * `withModel` builds and disposes; `trainAndEvaluate` runs the middle;
 * `trainModel` is the whole of it (a run folder's training: run-dir.ts), and
 * `runExperiment` the whole of it from settings, in memory.
 */
import { MisalignError } from '../common/errors.js';
import { parseWith } from '../common/schema.js';
import { Kernels } from '../kernels/module.js';
import { CoreEngine } from '../training/core-engine.js';
import type { Engine, EngineState, TwoTowerSpec } from '../training/engine.js';
import { finished, train, type TrainHooks, type TrainingSnapshot } from '../training/trainer.js';
import type { AnySettings, BaseConfig, Model, RunMetrics } from './experiment.js';
import { experimentOf, type AnyExperiment } from './registry.js';

/** The engine a configuration asks for (our WebAssembly core, or tfjs on a backend), built from a model spec. */
export async function createEngine(spec: TwoTowerSpec, config: Pick<BaseConfig, 'engine' | 'backend'>, kernels: Kernels): Promise<Engine> {
  if (config.engine === 'core') return new CoreEngine(kernels, spec);
  const { TfjsEngine } = await import('../training/tfjs-engine.js');
  return TfjsEngine.create(spec, config.backend ?? 'cpu');
}

/** Builds the model a configuration describes (from `state`, if given), calls `use`, and releases everything. */
export async function withModel<T>(config: BaseConfig, use: (model: Model) => Promise<T>, state?: EngineState): Promise<T> {
  const experiment = experimentOf(config);
  const kernels = await Kernels.load({ threads: config.threads });
  try {
    const world = await experiment.world(config);
    try {
      const engine = await createEngine(experiment.model(config, world), config, kernels);
      try {
        if (state) engine.restore(state);
        return await use({ config, kernels, world, engine });
      } finally {
        engine.close();
      }
    } finally {
      await experiment.closeWorld?.(world);
    }
  } finally {
    kernels.close();
  }
}

/** Hooks of a run: the loop's, with the live model at every snapshot (for interim probes). */
export interface RunHooks extends Omit<TrainHooks, 'onCheckpoint'> {
  onCheckpoint?(snapshot: TrainingSnapshot, model: Model): void | Promise<void>;
}

/** A finished run's metrics from its factor rows. */
export function summarizeRun(
  experiment: AnyExperiment,
  config: BaseConfig,
  factors: RunMetrics['factors'],
  snapshot: TrainingSnapshot,
  evalSeconds: number,
): RunMetrics {
  const judged = factors.filter((f) => f.verdict !== 'n/a');
  return {
    factors,
    theory: experiment.theory(config),
    passed: judged.filter((f) => f.verdict === 'pass').length,
    judged: judged.length,
    trainSeconds: snapshot.seconds,
    evalSeconds,
    steps: snapshot.step,
    finalLoss: snapshot.log[snapshot.log.length - 1]?.loss ?? NaN,
  };
}

/** Evaluates a model on the evaluation samples of `evalSeed` (default: its configuration's). */
export async function evaluateModel(model: Model, snapshot: TrainingSnapshot, evalSeed = model.config.evalSeed): Promise<RunMetrics> {
  return evaluateWith(experimentOf(model.config), model, snapshot, evalSeed);
}

async function evaluateWith(experiment: AnyExperiment, model: Model, snapshot: TrainingSnapshot, evalSeed: number): Promise<RunMetrics> {
  const t0 = performance.now();
  const factors = await experiment.evaluate(model, evalSeed);
  return summarizeRun(experiment, model.config, factors, snapshot, (performance.now() - t0) / 1000);
}

/**
 * Trains a model from `from` (or from its initial parameters) to the end,
 * then evaluates it; `metrics` is null when hooks.signal stopped training early.
 */
export async function trainAndEvaluate(
  model: Model,
  hooks: RunHooks = {},
  from?: TrainingSnapshot,
): Promise<{ snapshot: TrainingSnapshot; metrics: RunMetrics | null }> {
  const { config, kernels, world, engine } = model;
  const experiment = experimentOf(config);
  const { onCheckpoint, ...rest } = hooks;
  const snapshot = await train(
    config,
    engine,
    experiment.batches(config, world, kernels),
    { ...rest, ...(onCheckpoint && { onCheckpoint: (s: TrainingSnapshot) => onCheckpoint(s, model) }) },
    from,
  );
  if (!finished(config, snapshot)) return { snapshot, metrics: null };
  return { snapshot, metrics: await evaluateWith(experiment, model, snapshot, config.evalSeed) };
}

/** A run's hooks, and `onStart`: called with the model once it is built, before its first step. */
export interface ModelHooks extends RunHooks {
  onStart?(model: Model): void | Promise<void>;
}

/**
 * The whole lifecycle of a configuration's model in one call: builds it,
 * trains it from `from` (or its initial parameters) to the end, evaluates it
 * and releases everything. `metrics` is null when hooks.signal stopped
 * training early.
 */
export async function trainModel(
  config: BaseConfig,
  hooks: ModelHooks = {},
  from?: TrainingSnapshot,
): Promise<{ snapshot: TrainingSnapshot; metrics: RunMetrics | null }> {
  const { onStart, ...rest } = hooks;
  return withModel(config, async (model) => {
    await onStart?.(model);
    return trainAndEvaluate(model, rest, from);
  });
}

/** A configuration (it has a `version`), or the settings of any experiment (`experiment` names it; default numeric). */
export type RunInput = BaseConfig | AnySettings;

/** The configuration of settings (resolved by their experiment) or of a configuration (checked by its schema). */
export function resolveConfig(input: RunInput): BaseConfig {
  const experiment = experimentOf(input);
  return 'version' in input ? parseWith(experiment.config, input) : experiment.resolve(input);
}

/** Trains and evaluates one model, in memory. Throws INTERRUPTED if hooks.signal stops it early. */
export async function runExperiment(
  input: RunInput,
  hooks: RunHooks = {},
  from?: TrainingSnapshot,
): Promise<{ config: BaseConfig; metrics: RunMetrics; snapshot: TrainingSnapshot }> {
  const config = resolveConfig(input);
  const { snapshot, metrics } = await trainModel(config, hooks, from);
  if (!metrics) throw new MisalignError('INTERRUPTED', `training stopped at step ${snapshot.step} of ${config.steps}`);
  return { config, metrics, snapshot };
}
