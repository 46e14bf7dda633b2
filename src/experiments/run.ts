/**
 * One numeric experiment end to end, in memory: build the world of SPEC §2–3
 * from the seed, train both encoders (SPEC §4–5), evaluate what the
 * representations keep (SPEC §6). The CLI and the web page are layers over
 * this; run-dir.ts adds files, checkpoints and resumption in Node.
 */
import { MisalignError } from '../common/errors.js';
import { describeBias, type BiasDescription } from '../latent/describe.js';
import { DataGenerator } from '../mixing/generator.js';
import { Kernels } from '../kernels/module.js';
import { coreBatchSource } from '../training/batch-source.js';
import { DEFAULT_EVAL_SAMPLES, evaluateRepresentations, type FactorResult } from '../probes/evaluate.js';
import { DEFAULT_PROBE, type MlpProbeOptions } from '../probes/mlp-probe.js';
import { biasOf, QUICK_EVAL_SAMPLES, resolveTrainConfig, type TrainConfig, type TrainSettings } from '../training/config.js';
import { CoreEngine } from '../training/core-engine.js';
import type { Engine } from '../training/engine.js';
import { encoderSpecs, initialParams, train, type TrainHooks, type TrainingSnapshot } from '../training/trainer.js';
import { checkInteger } from '../common/errors.js';

/** A run's full configuration: training plus evaluation. This is config.json. */
export interface RunConfig extends TrainConfig {
  /** Seed of the evaluation samples; differs from the training seed. */
  evalSeed: number;
  /** Samples in each of the fitting and scoring sets. */
  evalSamples: number;
  probe: Required<MlpProbeOptions>;
}

export interface RunSettings extends TrainSettings {
  evalSeed?: number;
  evalSamples?: number;
  probe?: MlpProbeOptions;
}

export function resolveRunConfig(settings: RunSettings): RunConfig {
  const train = resolveTrainConfig(settings);
  const evalSeed = checkInteger('eval seed', settings.evalSeed ?? train.seed + 1, 0, Number.MAX_SAFE_INTEGER);
  if (evalSeed === train.seed) throw new MisalignError('OUT_OF_RANGE', `the evaluation seed must differ from the training seed (${train.seed})`);
  return {
    ...train,
    evalSeed,
    evalSamples: checkInteger('evaluation samples', settings.evalSamples ?? (train.preset === 'paper' ? DEFAULT_EVAL_SAMPLES : QUICK_EVAL_SAMPLES), 2, Number.MAX_SAFE_INTEGER),
    probe: { ...DEFAULT_PROBE, ...settings.probe },
  };
}

export interface Metrics {
  factors: FactorResult[];
  trainSeconds: number;
  evalSeconds: number;
  /** The theory's prediction for this configuration. */
  theory: BiasDescription;
  /** Rows with a verdict, and how many passed. */
  passed: number;
  judged: number;
}

/** The world (latent model and mixing functions) of a configuration. */
export function createWorld(config: TrainConfig): DataGenerator {
  return DataGenerator.create({
    bias: biasOf(config),
    dependence: config.dependence,
    tiedCovariances: config.tiedCovariances,
    perturbProb: config.perturbProb,
    seed: config.seed,
  });
}

/** The engine a configuration asks for, with its initial parameters. */
export async function createEngine(config: TrainConfig, kernels: Kernels): Promise<Engine> {
  const { fx, ft } = encoderSpecs(config);
  const options = {
    fx,
    ft,
    batch: config.batch,
    negatives: config.negatives,
    tau: config.tau,
    alpha: config.alpha,
    lr: config.lr,
    clip: config.clip,
    params: initialParams(config),
  };
  if (config.engine === 'wasm') return new CoreEngine(kernels, options);
  const { TfjsEngine } = await import('../training/tfjs-engine.js');
  return TfjsEngine.create(options, config.backend ?? 'cpu');
}

/** Evaluates an engine's encoders on the configuration's world. */
export function evaluateRun(config: RunConfig, kernels: Kernels, engine: Engine, world: DataGenerator, seed = config.evalSeed): FactorResult[] {
  return evaluateRepresentations(kernels, (which, data, rows) => engine.encode(which, data, rows), world, config.dependence, {
    seed,
    samples: config.evalSamples,
    probe: config.probe,
  });
}

export function summarize(config: RunConfig, factors: FactorResult[], trainSeconds: number, evalSeconds: number): Metrics {
  const judged = factors.filter((f) => f.verdict !== 'n/a');
  return {
    factors,
    trainSeconds,
    evalSeconds,
    theory: describeBias(biasOf(config)),
    passed: judged.filter((f) => f.verdict === 'pass').length,
    judged: judged.length,
  };
}

/** Trains and evaluates one model from settings, in memory. */
export async function runExperiment(settings: RunSettings | RunConfig, hooks: TrainHooks = {}, from?: TrainingSnapshot): Promise<{ config: RunConfig; metrics: Metrics; snapshot: TrainingSnapshot }> {
  const config = 'version' in settings ? (settings as RunConfig) : resolveRunConfig(settings);
  const kernels = await Kernels.load({ threads: config.threads });
  try {
    const world = createWorld(config);
    const engine = await createEngine(config, kernels);
    try {
      const snapshot = await train(config, world, engine, { batches: coreBatchSource(config, world, kernels), ...hooks }, from);
      const t0 = performance.now();
      const factors = evaluateRun(config, kernels, engine, world);
      return { config, metrics: summarize(config, factors, snapshot.seconds, (performance.now() - t0) / 1000), snapshot };
    } finally {
      engine.close();
    }
  } finally {
    kernels.close();
  }
}
