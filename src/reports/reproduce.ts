/**
 * `misalign reproduce`: the paper's whole numeric study in one call (Node):
 * every grid of the default experiment, numeric (selection, perturbation,
 * encoding-size, joint; docs/experiments.md) for independent and dependent
 * semantics and 3 seeds, as one sweep in one folder (so it resumes like any
 * sweep, and a model two grids share is trained once), with the downstream
 * study on every run unless `downstream: false`, then the report.
 */
import type { AnySettings } from '../experiments/experiment.js';
import { defaultExperiment } from '../experiments/registry.js';
import type { Dependence } from '../latent/model.js';
import { builtinGrid, expandGrid, type GridRun } from '../sweeps/grids.js';
import { runSweep, type SweepOptions, type SweepResult } from '../sweeps/sweep.js';
import { writeReport, type ReportResult } from './report.js';

/** The study's grids by default: the default experiment's (the registry's: numeric). */
export const STUDY_GRIDS: readonly string[] = Object.keys(defaultExperiment().grids);

export interface ReproduceOptions extends SweepOptions {
  preset?: 'quick' | 'long' | 'paper';
  /** Seeds per setting (default 3, the paper's). */
  seeds?: number;
  dependence?: readonly Dependence[];
  /** The grids to run (default the four numeric ones; any built-in grid on request). */
  grids?: readonly string[];
  /** Settings under every run's own (e.g. `{ steps: 2000 }` for a short rehearsal). */
  base?: AnySettings;
}

/** Every run of the study, grid by grid. */
export function studyRuns(options: Pick<ReproduceOptions, 'preset' | 'seeds' | 'dependence' | 'base' | 'grids'> = {}): GridRun[] {
  const dependence = options.dependence ?? ['independent', 'dependent'];
  const shared = { seeds: options.seeds ?? 3, preset: options.preset ?? 'quick', base: options.base };
  return (options.grids ?? STUDY_GRIDS).flatMap((name) => {
    const grid = builtinGrid(name);
    return expandGrid(grid, grid.dependence ? { ...shared, dependence } : shared);
  });
}

export async function reproduce(dir: string, options: ReproduceOptions = {}): Promise<{ sweep: SweepResult; report: ReportResult }> {
  const sweep = await runSweep(dir, studyRuns(options), { ...options, downstream: options.downstream ?? true });
  const report = await writeReport(dir);
  return { sweep, report };
}
