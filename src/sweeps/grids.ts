/**
 * Grids and their expansion into runs (docs/experiments.md#the-grids).
 *
 * A grid is a list of labelled settings of one experiment (one column of the
 * paper's heatmaps each); expanding it crosses every setting with the seeds
 * and, for experiments with a dependence setting (numeric worlds), with the
 * dependence settings. The built-in grids come from the experiments
 * (registry.ts); grid files (grid-file.ts) add the user's own. Pure and
 * browser-safe: the run folders live in `sweep.ts`.
 */
import { MisalignError } from '../common/errors.js';
import { objectShape } from '../common/schema.js';
import type { Dependence } from '../latent/model.js';
import type { AnySettings } from '../experiments/experiment.js';
import { builtinGrids, experimentNamed, type ExperimentName } from '../experiments/registry.js';

/** One column of a grid: a label (shown in reports) and the run's settings. */
export interface GridSetting {
  label: string;
  settings: AnySettings;
}

export interface Grid {
  name: string;
  experiment: ExperimentName;
  /** Whether runs are crossed with the dependence settings. */
  dependence: boolean;
  settings: GridSetting[];
}

/** One model of a sweep. */
export interface GridRun {
  grid: string;
  setting: string;
  experiment: ExperimentName;
  /** Experiments without a dependence setting run 'independent'. */
  dependence: Dependence;
  seed: number;
  /** The run's complete settings for its experiment's `resolve`. */
  settings: AnySettings;
}

/** Names of every built-in grid, experiment by experiment. */
export const BUILTIN_GRIDS: readonly string[] = [...builtinGrids().keys()];

export function isBuiltinGrid(name: string): boolean {
  return builtinGrids().has(name);
}

/** A built-in grid by name. */
export function builtinGrid(name: string): Grid {
  const found = builtinGrids().get(name);
  if (!found) throw new MisalignError('INVALID_GRID', `unknown grid '${name}'; expected ${BUILTIN_GRIDS.join(', ')} or a grid file`);
  const spec = found.experiment.grids[name]!;
  return { name, experiment: found.experiment.name, dependence: spec.dependence, settings: spec.settings };
}

export interface ExpandOptions {
  dependence?: readonly Dependence[];
  /** Seeds 0..seeds−1. Default 3 (the paper's). */
  seeds?: number;
  preset?: string;
  /** Settings applied to every run before the grid's own (e.g. steps for a tiny test sweep); those its experiment does not take are left out. */
  base?: AnySettings;
}

/**
 * Every run of a grid: settings × dependence × seeds, in that order (seed
 * fastest). Each run's settings are complete for its experiment's `resolve`.
 */
export function expandGrid(grid: Grid, options: ExpandOptions = {}): GridRun[] {
  const seeds = options.seeds ?? 3;
  if (!Number.isInteger(seeds) || seeds < 1) throw new MisalignError('OUT_OF_RANGE', `seeds must be a positive integer, got ${seeds}`);
  const asked = options.dependence ?? ['independent'];
  if (asked.length === 0) throw new MisalignError('OUT_OF_RANGE', 'at least one dependence setting is needed');
  for (const d of asked) {
    if (d !== 'independent' && d !== 'dependent')
      throw new MisalignError('OUT_OF_RANGE', `dependence must be 'independent' or 'dependent', got '${String(d)}'`);
  }
  if (!grid.dependence && asked.includes('dependent')) {
    throw new MisalignError('CONFLICTING_OPTIONS', `grid '${grid.name}' has no dependence setting (its scenes fix their own); drop --dependence`);
  }
  const labels = new Set<string>();
  for (const s of grid.settings) {
    if (labels.has(s.label)) throw new MisalignError('INVALID_GRID', `grid '${grid.name}' has two settings labelled '${s.label}'`);
    labels.add(s.label);
  }
  const takes = new Set(Object.keys(objectShape(experimentNamed(grid.experiment).settings)));
  const known = (settings: AnySettings) => Object.fromEntries(Object.entries(settings).filter(([k, v]) => takes.has(k) && v !== undefined));
  const shared = known({ ...(options.preset !== undefined && { preset: options.preset }), ...options.base });
  const runs: GridRun[] = [];
  for (const { label, settings } of grid.settings) {
    for (const dependence of grid.dependence ? asked : (['independent'] as const)) {
      for (let seed = 0; seed < seeds; seed++) {
        const own = { experiment: grid.experiment, ...shared, ...settings, ...(grid.dependence && { dependence }), seed };
        runs.push({ grid: grid.name, setting: label, experiment: grid.experiment, dependence, seed, settings: own });
      }
    }
  }
  return runs;
}
