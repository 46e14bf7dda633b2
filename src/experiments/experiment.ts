/**
 * What an experiment is: everything the one run lifecycle (lifecycle.ts), the
 * run folders (run-dir.ts), sweeps and reports need to know about it. The
 * registry (registry.ts) lists the experiments; nothing else dispatches on
 * an experiment's name.
 *
 *   settings → resolve → config (config.json)
 *   config → world (its data) → model (two towers, loss, initial parameters) and batches
 *   trained engine → evaluate → factors (each with the theory's prediction and a verdict)
 *   factors over seeds → result cells, summarised and drawn as its kind of results says (results.ts)
 *
 * A new experiment is one folder that exports an Experiment, and one line in
 * registry.ts (`registerExperiment`; README, "Adding an experiment").
 */
import type { z } from 'zod';
import type { Kernels } from '../kernels/module.js';
import type { DownstreamOptions, DownstreamResult } from '../probes/downstream.js';
import type { ProbeData } from '../probes/embeddings.js';
import type { Verdict } from '../probes/verdicts.js';
import type { Engine, EngineName, TfjsBackend, TwoTowerSpec } from '../training/engine.js';
import type { BatchSource, TrainPlan } from '../training/trainer.js';
import type { Provenance } from './provenance.js';
import type { ResultKind } from './results.js';

/** What every experiment's configuration holds. */
export interface BaseConfig extends TrainPlan {
  experiment: string;
  /** Format version of config.json. */
  version: 1;
  seed: number;
  /** Seed of the evaluation samples; differs from `seed`. */
  evalSeed: number;
  evalSamples: number;
  batch: number;
  engine: EngineName;
  backend: TfjsBackend | null;
  threads: number;
}

/** The settings of any experiment (`experiment` names it; default numeric), as grids and tasks carry them. */
export type AnySettings = { experiment?: string; [setting: string]: unknown };

/** One row of a run's results: a factor as read from one embedding. */
export interface FactorRow {
  /** Which embedding: 'x'/'t' (numeric), 'image'/'text' (image-text). */
  encoding: string;
  factor: string;
  predicted: 'kept' | 'partly' | 'dropped';
  verdict: Verdict;
}

/** A factor row's values as summaries and heatmaps read them: R² or MCC, of the linear and the nonlinear probe. */
export interface FactorValues {
  metric: 'r2' | 'mcc';
  linear: number;
  nonlinear: number;
}

/** What a finished run reports (metrics.json). */
export interface RunMetrics<F extends FactorRow = FactorRow> {
  factors: F[];
  /** The theory's prediction for the configuration. */
  theory: unknown;
  /** Rows with a verdict, and how many passed. */
  passed: number;
  judged: number;
  trainSeconds: number;
  evalSeconds: number;
  /** Steps trained: the configured steps, or fewer where a 'plateau' schedule ended the run (absent in runs from before it). */
  steps?: number;
  /** The loss at the last step. */
  finalLoss: number;
  /** Where the metrics were computed (experiments/provenance.ts); absent in runs from before it, and in memory. */
  provenance?: Provenance;
}

/** A model built for a configuration: the kernels it computes with, its world, its engine. */
export interface Model<C extends BaseConfig = BaseConfig, W = unknown> {
  config: C;
  kernels: Kernels;
  world: W;
  engine: Engine;
}

/** What a caller may change of the downstream study; the evaluation seed and set size are the run's own. */
export type DownstreamRunOptions = Omit<DownstreamOptions, 'seed' | 'samples'>;

/** A built-in grid: labelled settings, one column of the paper's heatmaps each. */
export interface GridSpec<S> {
  settings: { label: string; settings: S & AnySettings }[];
  /** Whether the grid crosses its settings with the dependence settings (numeric worlds). */
  dependence: boolean;
}

/**
 * What a run is estimated to cost, in seconds of one core of the project's
 * 2-core machine (docs/cluster.md#cost-estimates): training, evaluation, and
 * the downstream study where the experiment has one. Sweeps balance shards
 * with it; it is an estimate from the configuration alone, not a measurement.
 */
export interface RunCost {
  trainSeconds: number;
  evalSeconds: number;
  downstreamSeconds: number;
}

export interface Experiment<S extends object = object, C extends BaseConfig = BaseConfig, W = unknown, F extends FactorRow = FactorRow> {
  readonly name: C['experiment'];
  /** One line for --help. */
  readonly description: string;
  /**
   * Its kind of results: how sweeps summarise its cells, the CLI prints them and reports draw
   * them (results.ts). Experiments shown together share one: numeric/results.ts (R² of every
   * factor from ẑ_x and ẑ_t per dependence setting; the paper's Figs. 3, 7), image-text/results.ts
   * (MCC or R² from the image and the text embedding; Figs. 5, 6).
   */
  readonly results: ResultKind;
  /** What a caller may set (CLI, grid files, the web page, code). */
  readonly settings: z.ZodTypeAny;
  /** config.json. */
  readonly config: z.ZodTypeAny;
  resolve(settings: S): C;
  /** The data the run trains and is evaluated on; `closeWorld` releases files it holds. */
  world(config: C): W | Promise<W>;
  closeWorld?(world: W): Promise<void>;
  /** The two towers, their loss and their initial parameters. */
  model(config: C, world: W): TwoTowerSpec;
  batches(config: C, world: W, kernels: Kernels): BatchSource;
  /** Probes the trained encoders on fresh samples of the evaluation seed. */
  evaluate(model: Model<C, W>, evalSeed: number): Promise<F[]>;
  /** The theory's prediction (metrics.json's `theory`). */
  theory(config: C): unknown;
  /** What the run is, in a few words (a run's page and figures): its bias, say; '' for nothing to add. */
  about(config: C): string;
  /** A factor row's values for summaries and heatmaps. */
  values(f: F): FactorValues;
  /** The verdict on a factor's value (a mean over seeds, in summaries), as for one run. */
  judge(f: F & { dependence?: string }, value: number): Verdict;
  /** Extra files of a run folder, by name (e.g. the text encoder's vocabulary). */
  files?(world: W): Record<string, unknown>;
  /** Columns of metrics.csv and train_log.csv. */
  readonly columns: { factors: readonly string[]; log: readonly string[] };
  /** The result table the CLI prints. */
  format(metrics: RunMetrics<F>): string;
  /** Built-in grids by name (docs/experiments.md). */
  readonly grids: Readonly<Record<string, GridSpec<S>>>;
  /** The estimated cost of a run of this configuration (for balancing shards). */
  cost(config: C): RunCost;
  /**
   * The evaluation's sets as embeddings and factors, with the probes' seed and
   * streams (`misalign export-embeddings`): probing them gives the run's own
   * values (docs/evaluation.md#your-own-embeddings).
   */
  probeData?(model: Model<C, W>, evalSeed: number): Promise<ProbeData>;
  /** The downstream study, for experiments that have one (numeric). */
  downstream?(model: Model<C, W>, options: DownstreamRunOptions): DownstreamResult;
}
