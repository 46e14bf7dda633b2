/**
 * A run on disk (Node), for every experiment: the folder `misalign train
 * --out DIR` fills.
 *
 *   DIR/config.json     the configuration (its `experiment` names the experiment): with it, the run is reproduced exactly
 *   DIR/checkpoint.bin  the latest snapshot (every checkpointEvery steps, atomically)
 *   DIR/train_log.csv   step, loss, (lossXT, lossTX,) gradNorm, lr, seconds
 *   DIR/metrics.json    factors (values, prediction, verdict), timings, the theory (written last: the run is finished)
 *   DIR/metrics.csv     the factor rows
 *   DIR/vocabulary.json … the experiment's own files (image-text: the text encoder's tokens)
 *   DIR/downstream.json the downstream study (`misalign eval DIR --downstream`; numeric runs)
 *   DIR/embeddings/     the evaluation's embeddings as files (`misalign export-embeddings`: embeddings-export.ts)
 *
 * Nothing is overwritten that belongs to another run: a folder that already
 * holds a run is continued only with `resume`, and only if its configuration
 * is the one asked for (compared by value). A run stopped at any moment,
 * even by kill -9, resumes from its last checkpoint and ends with the metrics
 * an uninterrupted run gives.
 *
 * This module reads and writes every file of the folder, in the order of a
 * run's life: it opens the folder (config.json, checkpoint.bin), hands the
 * model's whole lifecycle to lifecycle.ts (trainModel, whose hooks come back
 * here to save progress: checkpoint.bin, train_log.csv), and writes the
 * metrics. checkpoint.ts knows the checkpoint's bytes; common/files.ts writes
 * atomically.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MisalignError } from '../common/errors.js';
import { ensureWritableDir, writeAtomic, writeCsv, writeJson } from '../common/files.js';
import { parseWith } from '../common/schema.js';
import type { DownstreamResult } from '../probes/downstream.js';
import { checkSnapshot, type TrainingSnapshot } from '../training/trainer.js';
import { decodeCheckpoint, encodeCheckpoint, sameModel } from './checkpoint.js';
import type { BaseConfig, DownstreamRunOptions, Model, RunMetrics } from './experiment.js';
import { evaluateModel, resolveConfig, trainModel, withModel, type RunHooks, type RunInput } from './lifecycle.js';
import { provenance } from './provenance.js';
import { experimentOf, type AnyExperiment } from './registry.js';

export const FILES = {
  config: 'config.json',
  checkpoint: 'checkpoint.bin',
  log: 'train_log.csv',
  metricsJson: 'metrics.json',
  metricsCsv: 'metrics.csv',
  downstream: 'downstream.json',
} as const;

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

// ---- config.json

/** Parses and checks a config.json's text (a configuration this version can run); `path` names it in errors. */
export function parseRunConfig(text: string, path: string): BaseConfig {
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch {
    throw new MisalignError('FILE_CORRUPT', `${path} is not valid JSON`);
  }
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved) || !('version' in saved)) {
    throw new MisalignError('FILE_CORRUPT', `${path} is invalid: it is not a run configuration (it has no version)`);
  }
  let experiment: AnyExperiment;
  try {
    experiment = experimentOf(saved as { experiment?: string });
  } catch (error) {
    throw new MisalignError('FILE_CORRUPT', `${path} is invalid: ${(error as Error).message}`);
  }
  return parseWith(experiment.config, saved, 'FILE_CORRUPT', `${path} is invalid`);
}

/** Reads a config.json file and checks it (parseRunConfig). */
export async function readRunConfigFile(path: string): Promise<BaseConfig> {
  const text = await readText(path);
  if (text === null) throw new MisalignError('FILE_MISSING', `cannot read ${path}`);
  return parseRunConfig(text, path);
}

/** Reads and checks DIR/config.json. */
export async function readRunConfig(dir: string): Promise<BaseConfig> {
  const path = join(dir, FILES.config);
  const text = await readText(path);
  if (text === null) throw new MisalignError('FILE_MISSING', `${dir} holds no run (no ${FILES.config})`);
  return parseRunConfig(text, path);
}

// ---- checkpoint.bin (its bytes: checkpoint.ts)

/** Reads a checkpoint file written for `config`; CHECKPOINT_MISSING, CHECKPOINT_CORRUPT or CHECKPOINT_MISMATCH if it cannot be resumed. */
export async function readCheckpoint(path: string, config: object): Promise<TrainingSnapshot> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    throw new MisalignError('CHECKPOINT_MISSING', `no checkpoint at ${path}`);
  }
  return decodeCheckpoint(config, bytes, path);
}

/** Writes a checkpoint file for `config` atomically. */
export async function writeCheckpoint(path: string, config: object, snapshot: TrainingSnapshot): Promise<void> {
  await writeAtomic(path, encodeCheckpoint(config, snapshot));
}

/** DIR/checkpoint.bin, checked against the run's configuration and its number of steps. */
async function readRunCheckpoint(dir: string, config: BaseConfig): Promise<TrainingSnapshot> {
  const snapshot = await readCheckpoint(join(dir, FILES.checkpoint), config);
  checkSnapshot(snapshot, config.steps);
  return snapshot;
}

// ---- a run's life in its folder

/**
 * Opens `dir` for training: a folder that holds a run (only with `resume`,
 * and only for the same model) gives its config.json and its checkpoint, if
 * it has one; an empty one gets the config.json of `input`.
 */
async function openRun(dir: string, input: RunInput | null, resume: boolean): Promise<{ config: BaseConfig; from?: TrainingSnapshot }> {
  if ((await readText(join(dir, FILES.config))) === null) {
    if (input === null) throw new MisalignError('FILE_MISSING', `${dir} holds no run to resume (no ${FILES.config})`);
    const config = resolveConfig(input);
    await ensureWritableDir(dir);
    await writeJson(join(dir, FILES.config), config);
    return { config };
  }
  if (!resume) throw new MisalignError('RUN_EXISTS', `${dir} already holds a run; pass --resume to continue it, or choose another --out`);
  const config = await readRunConfig(dir);
  if (input !== null && !sameModel(resolveConfig(input), config)) {
    throw new MisalignError(
      'CHECKPOINT_MISMATCH',
      `${dir} holds a run with a different configuration; resume it without changing settings, or choose another --out`,
    );
  }
  if ((await readText(join(dir, FILES.checkpoint))) === null) return { config };
  return { config, from: await readRunCheckpoint(dir, config) };
}

/** A snapshot's files: DIR/checkpoint.bin, then DIR/train_log.csv. */
async function saveProgress(dir: string, config: BaseConfig, experiment: AnyExperiment, snapshot: TrainingSnapshot): Promise<void> {
  await writeCheckpoint(join(dir, FILES.checkpoint), config, snapshot);
  await writeCsv(join(dir, FILES.log), snapshot.log, [...experiment.columns.log]);
}

/** Writes metrics.csv and metrics.json, the latter with the provenance of the command that started at `started`; returns the metrics as written. */
async function writeMetrics(dir: string, config: BaseConfig, experiment: AnyExperiment, metrics: RunMetrics, started: Date): Promise<RunMetrics> {
  const written = { ...metrics, provenance: provenance(config.threads, started) };
  await writeCsv(join(dir, FILES.metricsCsv), metrics.factors, [...experiment.columns.factors]);
  await writeJson(join(dir, FILES.metricsJson), written);
  return written;
}

export interface TrainRunOptions extends RunHooks {
  /** Continue the run already in the folder. */
  resume?: boolean;
}

/**
 * Trains and evaluates into `dir`. With `input` null (only with resume), the
 * folder's own config.json is used.
 */
export async function trainRunDir(dir: string, input: RunInput | null, options: TrainRunOptions = {}): Promise<{ config: BaseConfig; metrics: RunMetrics }> {
  const started = new Date();
  const { config, from } = await openRun(dir, input, options.resume ?? false);
  const experiment = experimentOf(config);
  const { metrics, snapshot } = await trainModel(
    config,
    {
      ...options,
      onStart: async (model) => {
        for (const [name, value] of Object.entries(experiment.files?.(model.world) ?? {})) await writeJson(join(dir, name), value);
      },
      onCheckpoint: async (snap, model) => {
        await saveProgress(dir, config, experiment, snap);
        await options.onCheckpoint?.(snap, model);
      },
    },
    from,
  );
  if (!metrics) throw new MisalignError('INTERRUPTED', `training stopped at step ${snapshot.step} of ${config.steps}; resume it with --resume`);
  return { config, metrics: await writeMetrics(dir, config, experiment, metrics, started) };
}

// ---- a trained run's model, again

/** The trained model saved in `dir`, whose config.json is `config` (read already), given to `use`. */
export async function withRunModel<T>(dir: string, config: BaseConfig, use: (model: Model, snapshot: TrainingSnapshot) => Promise<T>): Promise<T> {
  const snapshot = await readRunCheckpoint(dir, config);
  return withModel(config, (model) => use(model, snapshot), snapshot.state);
}

/** Loads the trained model saved in `dir` (its config.json and checkpoint) and calls `use` with it. */
export async function withSavedModel<T>(dir: string, use: (model: Model, snapshot: TrainingSnapshot) => Promise<T>): Promise<T> {
  return withRunModel(dir, await readRunConfig(dir), use);
}

/**
 * Re-evaluates the saved model in `dir`. With a seed other than the run's
 * own evaluation seed, results go to DIR/eval-seed-S/.
 */
export async function evalRunDir(dir: string, seed?: number): Promise<{ metrics: RunMetrics; out: string; config: BaseConfig }> {
  const started = new Date();
  const config = await readRunConfig(dir);
  const evalSeed = seed ?? config.evalSeed;
  if (evalSeed === config.seed) throw new MisalignError('OUT_OF_RANGE', `the evaluation seed must differ from the training seed (${config.seed})`);
  return withRunModel(dir, config, async (model, snapshot) => {
    const metrics = await evaluateModel(model, snapshot, evalSeed);
    const out = evalSeed === config.evalSeed ? dir : join(dir, `eval-seed-${evalSeed}`);
    await ensureWritableDir(out);
    return { metrics: await writeMetrics(out, config, experimentOf(config), metrics, started), out, config };
  });
}

/**
 * The downstream study of the model saved in `dir` (docs/evaluation.md#downstream-tasks),
 * written to DIR/downstream.json. Steps default to the run's preset.
 */
export async function downstreamRunDir(dir: string, options: DownstreamRunOptions = {}): Promise<{ result: DownstreamResult; out: string }> {
  const started = new Date();
  const config = await readRunConfig(dir);
  const experiment = experimentOf(config);
  if (!experiment.downstream)
    throw new MisalignError('CONFLICTING_OPTIONS', `the downstream study applies to numeric runs; ${dir} holds a ${experiment.name} run`);
  return withRunModel(dir, config, async (model) => {
    const result = experiment.downstream!(model, options);
    const out = join(dir, FILES.downstream);
    await writeJson(out, { ...result, provenance: provenance(config.threads, started) });
    return { result, out };
  });
}
