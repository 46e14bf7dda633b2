/**
 * Every experiment misalign runs, by name. Run folders, sweeps, reports, the
 * CLI and the web page find an experiment here and call it through its
 * Experiment interface (experiment.ts), and find its kind of results
 * (results.ts) through it; none of them names an experiment. A new experiment
 * is one folder and one `registerExperiment` line below (or one call, from
 * code that adds its own: it then runs in that process, README "Adding an experiment").
 */
import { MisalignError } from '../common/errors.js';
import { causal3dExperiment } from './causal3d/index.js';
import type { BaseConfig, Experiment } from './experiment.js';
import { mpi3dExperiment } from './mpi3d/index.js';
import { numericExperiment } from './numeric/index.js';
import type { ResultKind } from './results.js';

/** An experiment, with its types erased: what generic code (run folders, sweeps) works with. */
// biome-ignore lint/suspicious/noExplicitAny: an experiment of any settings, config, world and metrics (each checks its own)
export type AnyExperiment = Experiment<any, any, any, any>;

/** A registered experiment's name. */
export type ExperimentName = string;

const registered: Record<ExperimentName, AnyExperiment> = {};
const names: ExperimentName[] = [];

/** Every registered experiment, by name (registerExperiment adds to it). */
export const EXPERIMENTS: Readonly<Record<ExperimentName, AnyExperiment>> = registered;
/** Their names, in the order they were registered. */
export const EXPERIMENT_NAMES: readonly ExperimentName[] = names;

/**
 * Adds an experiment: from then on settings and config.json files that name it,
 * its grids, sweeps of them, summaries and reports work as for the built-in
 * ones. Its name, its grids' names and its kind of results' name must be new
 * (a kind may be shared: the same object).
 */
export function registerExperiment(experiment: AnyExperiment): void {
  const clash = (what: string) => new MisalignError('CONFLICTING_OPTIONS', `cannot register experiment '${experiment.name}': ${what}`);
  if (Object.hasOwn(registered, experiment.name)) throw clash('an experiment of that name is registered');
  const grids = builtinGrids();
  for (const grid of Object.keys(experiment.grids)) if (grids.has(grid)) throw clash(`grid '${grid}' belongs to '${grids.get(grid)!.experiment.name}'`);
  const kind = resultKinds().find((k) => k.name === experiment.results.name);
  if (kind && kind !== experiment.results) throw clash(`another kind of results is called '${kind.name}'`);
  registered[experiment.name] = experiment;
  names.push(experiment.name);
}

registerExperiment(numericExperiment);
registerExperiment(mpi3dExperiment);
registerExperiment(causal3dExperiment);

/** The experiment of settings, configurations, grids and sweep records that name none (those from before runs named theirs). */
export function defaultExperiment(): AnyExperiment {
  return numericExperiment;
}

export function isExperimentName(name: string): name is ExperimentName {
  return Object.hasOwn(registered, name);
}

/** The experiment called `name` (default: the default experiment, numeric); one line naming the choices otherwise. */
export function experimentNamed(name: string | undefined): AnyExperiment {
  if (name === undefined) return defaultExperiment();
  if (!isExperimentName(name)) throw new MisalignError('OUT_OF_RANGE', `experiment must be ${names.join(', ')}, got '${name}'`);
  return registered[name]!;
}

/** The experiment a configuration or settings object belongs to (no `experiment` field: the default). */
export function experimentOf(value: { experiment?: string } | BaseConfig): AnyExperiment {
  return experimentNamed(value.experiment);
}

/** Every built-in grid, by name, with its experiment. */
export function builtinGrids(): Map<string, { experiment: AnyExperiment; name: string }> {
  const grids = new Map<string, { experiment: AnyExperiment; name: string }>();
  for (const experiment of names.map((n) => registered[n]!)) for (const name of Object.keys(experiment.grids)) grids.set(name, { experiment, name });
  return grids;
}

/** The kinds of results of the registered experiments, each once, in the order of registration (summaries, the CLI and reports show them so). */
export function resultKinds(): ResultKind[] {
  return [...new Set(names.map((n) => registered[n]!.results))];
}
