/**
 * A run on disk (Node): the folder `misalign train --out DIR` fills.
 *
 *   DIR/config.json     the RunConfig: with it, the run is reproduced exactly
 *   DIR/checkpoint.bin  the latest snapshot (every checkpointEvery steps, atomically)
 *   DIR/train_log.csv   step, loss, lossXT, lossTX, gradNorm, lr, seconds
 *   DIR/metrics.json    factors (R², prediction, verdict), timings, the theory
 *   DIR/metrics.csv     the factor rows
 *   DIR/downstream.json the downstream study (`misalign eval DIR --downstream`)
 *
 * Nothing is overwritten that belongs to another run: a folder that already
 * holds a run is continued only with `resume`, and only if its configuration
 * is the one asked for.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MisalignError } from '../common/errors.js';
import { Kernels } from '../kernels/module.js';
import type { DataGenerator } from '../mixing/generator.js';
import { evaluateDownstream, type DownstreamOptions, type DownstreamResult } from '../probes/downstream.js';
import { coreBatchSource } from '../training/batch-source.js';
import { downstreamStepsFor } from '../training/config.js';
import type { Engine } from '../training/engine.js';
import { modelIdentity } from '../training/config.js';
import { checkSnapshot, train, type TrainHooks, type TrainingSnapshot } from '../training/trainer.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { ensureWritableDir, writeCsv, writeJson } from './files.js';
import { createEngine, createWorld, evaluateRun, resolveRunConfig, summarize, type Metrics, type RunConfig, type RunSettings } from './run.js';

export const FILES = {
  config: 'config.json',
  checkpoint: 'checkpoint.bin',
  log: 'train_log.csv',
  metricsJson: 'metrics.json',
  metricsCsv: 'metrics.csv',
  downstream: 'downstream.json',
} as const;

const FACTOR_COLUMNS = ['encoding', 'factor', 'r2Linear', 'r2Nonlinear', 'predicted', 'verdict'];
const LOG_COLUMNS = ['step', 'loss', 'lossXT', 'lossTX', 'gradNorm', 'lr', 'seconds'];

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** The settings that resolve to `config` again (its sets as lists, no paper numbers). */
export function settingsOfConfig(config: RunConfig): RunSettings {
  return { ...config, select: config.selected, perturb: config.perturbed, theta: undefined };
}

/**
 * Parses and checks a config.json's text (a RunConfig this version can run,
 * as `misalign train` or the web page writes it); `path` names it in errors.
 */
export function parseRunConfig(text: string, path: string): RunConfig {
  let saved: RunConfig;
  try {
    saved = JSON.parse(text) as RunConfig;
  } catch {
    throw new MisalignError('CHECKPOINT_CORRUPT', `${path} is not valid JSON`);
  }
  if (typeof saved !== 'object' || saved === null || !Array.isArray(saved.selected) || !Array.isArray(saved.perturbed)) {
    throw new MisalignError('CHECKPOINT_CORRUPT', `${path} is invalid: it is not a run configuration (no selected and perturbed lists)`);
  }
  // Re-resolving validates every field; a config.json we would not have written is refused.
  let checked: RunConfig;
  try {
    checked = resolveRunConfig(settingsOfConfig(saved));
  } catch (error) {
    throw new MisalignError('CHECKPOINT_CORRUPT', `${path} is invalid: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (JSON.stringify(checked) !== JSON.stringify(saved)) {
    throw new MisalignError('CHECKPOINT_CORRUPT', `${path} is invalid: it does not match the configuration it describes`);
  }
  return saved;
}

/** Reads a config.json file and checks it (parseRunConfig). */
export async function readRunConfigFile(path: string): Promise<RunConfig> {
  const text = await readText(path);
  if (text === null) throw new MisalignError('CHECKPOINT_MISSING', `cannot read ${path}`);
  return parseRunConfig(text, path);
}

/** Reads and checks DIR/config.json (a RunConfig this version can run). */
export async function readRunConfig(dir: string): Promise<RunConfig> {
  const path = join(dir, FILES.config);
  const text = await readText(path);
  if (text === null) throw new MisalignError('CHECKPOINT_MISSING', `${dir} holds no run (no ${FILES.config})`);
  return parseRunConfig(text, path);
}

async function writeMetrics(dir: string, metrics: Metrics): Promise<void> {
  await writeJson(join(dir, FILES.metricsJson), metrics);
  await writeCsv(join(dir, FILES.metricsCsv), metrics.factors, FACTOR_COLUMNS);
}

export interface TrainRunOptions extends TrainHooks {
  /** Continue the run already in the folder. */
  resume?: boolean;
}

/**
 * Trains and evaluates into `dir`. With `settings` null (only with resume),
 * the folder's own config.json is used.
 */
export async function trainRunDir(dir: string, settings: RunSettings | null, options: TrainRunOptions = {}): Promise<{ config: RunConfig; metrics: Metrics }> {
  const existing = (await readText(join(dir, FILES.config))) !== null;
  let config: RunConfig;
  let from: TrainingSnapshot | undefined;
  if (existing) {
    if (!options.resume) {
      throw new MisalignError('RUN_EXISTS', `${dir} already holds a run; pass --resume to continue it, or choose another --out`);
    }
    config = await readRunConfig(dir);
    if (settings !== null) {
      const asked = resolveRunConfig(settings);
      if (modelIdentity(asked) !== modelIdentity(config) || asked.evalSeed !== config.evalSeed || asked.evalSamples !== config.evalSamples) {
        throw new MisalignError('CHECKPOINT_MISMATCH', `${dir} holds a run with a different configuration; resume it without changing settings, or choose another --out`);
      }
    }
    const checkpoint = join(dir, FILES.checkpoint);
    if ((await readText(checkpoint)) !== null) {
      from = await readCheckpoint(checkpoint, config);
      checkSnapshot(config, from);
    }
  } else {
    if (settings === null) throw new MisalignError('CHECKPOINT_MISSING', `${dir} holds no run to resume (no ${FILES.config})`);
    config = resolveRunConfig(settings);
    await ensureWritableDir(dir);
    await writeJson(join(dir, FILES.config), config);
  }

  const kernels = await Kernels.load({ threads: config.threads });
  try {
    const world = createWorld(config);
    const engine = await createEngine(config, kernels);
    try {
      const snapshot = await train(config, world, engine, {
        batches: coreBatchSource(config, world, kernels),
        ...options,
        onCheckpoint: async (snap) => {
          await writeCheckpoint(join(dir, FILES.checkpoint), config, snap);
          await writeCsv(join(dir, FILES.log), snap.log, LOG_COLUMNS);
          await options.onCheckpoint?.(snap);
        },
      }, from);
      if (snapshot.step < config.steps) throw new MisalignError('OUT_OF_RANGE', `training stopped at step ${snapshot.step} of ${config.steps}; resume it with --resume`);
      const t0 = performance.now();
      const factors = evaluateRun(config, kernels, engine, world);
      const metrics = summarize(config, factors, snapshot.seconds, (performance.now() - t0) / 1000);
      await writeMetrics(dir, metrics);
      return { config, metrics };
    } finally {
      engine.close();
    }
  } finally {
    kernels.close();
  }
}

/**
 * Re-evaluates the saved model in `dir` (from its checkpoint). With a seed
 * other than the run's own evaluation seed, results go to DIR/eval-seed-S/.
 */
/** Loads the trained model saved in `dir` and calls `use` with it (kernels released after). */
async function withSavedModel<T>(dir: string, use: (model: { config: RunConfig; kernels: Kernels; engine: Engine; world: DataGenerator; snapshot: TrainingSnapshot }) => Promise<T>): Promise<T> {
  const config = await readRunConfig(dir);
  const snapshot = await readCheckpoint(join(dir, FILES.checkpoint), config);
  checkSnapshot(config, snapshot);
  const kernels = await Kernels.load({ threads: config.threads });
  try {
    const world = createWorld(config);
    const engine = await createEngine(config, kernels);
    try {
      engine.restore(snapshot.state);
      return await use({ config, kernels, engine, world, snapshot });
    } finally {
      engine.close();
    }
  } finally {
    kernels.close();
  }
}

export async function evalRunDir(dir: string, seed?: number): Promise<{ metrics: Metrics; out: string }> {
  const config = await readRunConfig(dir);
  const evalSeed = seed ?? config.evalSeed;
  if (evalSeed === config.seed) throw new MisalignError('OUT_OF_RANGE', `the evaluation seed must differ from the training seed (${config.seed})`);
  return withSavedModel(dir, async ({ kernels, engine, world, snapshot }) => {
    const t0 = performance.now();
    const factors = evaluateRun(config, kernels, engine, world, evalSeed);
    const metrics = summarize(config, factors, snapshot.seconds, (performance.now() - t0) / 1000);
    const out = evalSeed === config.evalSeed ? dir : join(dir, `eval-seed-${evalSeed}`);
    await ensureWritableDir(out);
    await writeMetrics(out, metrics);
    return { metrics, out };
  });
}

/** What `downstreamRunDir` may change; the evaluation seed and set size are the run's own. */
export type DownstreamRunOptions = Omit<DownstreamOptions, 'seed' | 'samples'>;

/**
 * The downstream study of the model saved in `dir` (SPEC §6), written to
 * DIR/downstream.json. Steps default to the run's preset: 10,000 for the
 * paper, QUICK_DOWNSTREAM_STEPS for the quick preset.
 */
export async function downstreamRunDir(dir: string, options: DownstreamRunOptions = {}): Promise<{ result: DownstreamResult; out: string }> {
  return withSavedModel(dir, async ({ config, kernels, engine, world }) => {
    const result = evaluateDownstream(kernels, (which, data, rows) => engine.encode(which, data, rows), world, {
      steps: downstreamStepsFor(config.preset),
      ...options,
      seed: config.evalSeed,
      samples: config.evalSamples,
    });
    const out = join(dir, FILES.downstream);
    await writeJson(out, result);
    return { result, out };
  });
}
