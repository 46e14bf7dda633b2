/**
 * `misalign reproduce`: the paper's whole numeric study in one call (Node):
 * every grid of SPEC §7 (selection, perturbation, encoding-size, joint) for
 * independent and dependent semantics and 3 seeds, as one sweep in one
 * folder (so it resumes like any sweep, and a model two grids share is
 * trained once), with the downstream study of SPEC §6 on every run unless
 * `downstream: false`, then the report.
 */
import type { RunSettings } from '../experiments/run.js';
import type { Dependence } from '../latent/model.js';
import { NUMERIC_GRIDS, builtinGrid, expandGrid, imageTextGrid, isImageTextGrid, type BuiltinGridName, type GridRun } from '../sweeps/grids.js';
import { runSweep, type SweepOptions, type SweepResult } from '../sweeps/sweep.js';
import type { PresetName } from '../training/config.js';
import { writeReport, type ReportResult } from './report.js';

export interface ReproduceOptions extends SweepOptions {
  preset?: PresetName;
  /** Seeds per setting (default 3, the paper's). */
  seeds?: number;
  dependence?: readonly Dependence[];
  /** The grids to run (default the four numeric ones; the image-text grids mpi3d-selection and mpi3d-perturbation on request). */
  grids?: readonly BuiltinGridName[];
  /** Settings under every run's own (e.g. `{ steps: 2000 }` for a short rehearsal). */
  base?: RunSettings;
}

/** Every run of the study, grid by grid. */
export function studyRuns(options: Pick<ReproduceOptions, 'preset' | 'seeds' | 'dependence' | 'base' | 'grids'> = {}): GridRun[] {
  const dependence = options.dependence ?? ['independent', 'dependent'];
  const shared = { seeds: options.seeds ?? 3, preset: options.preset ?? 'quick', base: options.base };
  return (options.grids ?? NUMERIC_GRIDS).flatMap((name) =>
    isImageTextGrid(name) ? expandGrid(imageTextGrid(name), shared) : expandGrid(builtinGrid(name), { ...shared, dependence }),
  );
}

export async function reproduce(dir: string, options: ReproduceOptions = {}): Promise<{ sweep: SweepResult; report: ReportResult }> {
  const sweep = await runSweep(dir, studyRuns(options), { ...options, downstream: options.downstream ?? true });
  const report = await writeReport(dir);
  return { sweep, report };
}
