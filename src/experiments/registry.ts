/**
 * Every experiment misalign runs, by name. Run folders, sweeps, reports, the
 * CLI and the web page find an experiment here and call it through its
 * Experiment interface (experiment.ts); a new experiment is one folder and
 * one line below.
 */
import { MisalignError } from '../common/errors.js';
import { causal3dExperiment } from './causal3d/index.js';
import type { BaseConfig, Experiment } from './experiment.js';
import { mpi3dExperiment } from './mpi3d/index.js';
import { numericExperiment } from './numeric/index.js';

export const EXPERIMENTS = {
  numeric: numericExperiment,
  mpi3d: mpi3dExperiment,
  causal3d: causal3dExperiment,
} as const;

export type ExperimentName = keyof typeof EXPERIMENTS;
export const EXPERIMENT_NAMES = Object.keys(EXPERIMENTS) as ExperimentName[];

/** An experiment, with its types erased: what generic code (run folders, sweeps) works with. */
// biome-ignore lint/suspicious/noExplicitAny: an experiment of any settings, config, world and metrics (each checks its own)
export type AnyExperiment = Experiment<any, any, any, any>;

export function isExperimentName(name: string): name is ExperimentName {
  return Object.hasOwn(EXPERIMENTS, name);
}

/** The experiment called `name` (default: numeric); one line naming the choices otherwise. */
export function experimentNamed(name: string | undefined): AnyExperiment {
  const key = name ?? 'numeric';
  if (!isExperimentName(key)) throw new MisalignError('OUT_OF_RANGE', `experiment must be ${EXPERIMENT_NAMES.join(', ')}, got '${key}'`);
  return EXPERIMENTS[key];
}

/** The experiment a configuration or settings object belongs to (no `experiment` field: numeric). */
export function experimentOf(value: { experiment?: string } | BaseConfig): AnyExperiment {
  return experimentNamed(value.experiment);
}

/** Every built-in grid, by name, with its experiment. */
export function builtinGrids(): Map<string, { experiment: AnyExperiment; name: string }> {
  const grids = new Map<string, { experiment: AnyExperiment; name: string }>();
  for (const experiment of Object.values(EXPERIMENTS) as AnyExperiment[])
    for (const name of Object.keys(experiment.grids)) grids.set(name, { experiment, name });
  return grids;
}
