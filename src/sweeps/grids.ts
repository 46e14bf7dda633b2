/**
 * The study's grids (SPEC §7) and their expansion into runs.
 *
 * A grid is a list of labelled settings (one column of the paper's heatmaps
 * each); expanding it crosses every setting with the dependence settings and
 * the seeds. Pure and browser-safe: the run folders live in `sweep.ts`.
 *
 *   selection      I_θ = {1}, [2], ..., [10], no perturbation        (Fig. 3 / 8)
 *   perturbation   I_θ = [10], I_ρ = ∅, {1}, [2], ..., [9]           (Fig. 7 / 9)
 *   encoding-size  I_θ = [3] with an encoding of 5 dimensions         (ablation)
 *   joint          I_θ = [8], I_ρ = [2]: keeps exactly s3..s8         (ablation)
 *
 * and the image-text grids (MPI3D scenes with biased captions, Fig. 5):
 *
 *   mpi3d-selection      captions mention {color}, +shape, +size, +camera, +background
 *   mpi3d-perturbation   all five mentioned; ∅, {back}, {cam, back}, ... perturbed
 */
import { MisalignError } from '../common/errors.js';
import type { RunSettings } from '../experiments/run.js';
import type { ImageTextLevels } from '../experiments/image-text.js';
import type { Dependence } from '../latent/model.js';
import type { PresetName } from '../training/config.js';

export const NUMERIC_GRIDS = ['selection', 'perturbation', 'encoding-size', 'joint'] as const;
export const IMAGE_TEXT_GRIDS = ['mpi3d-selection', 'mpi3d-perturbation', 'causal3d-selection', 'causal3d-perturbation'] as const;
export const BUILTIN_GRIDS = [...NUMERIC_GRIDS, ...IMAGE_TEXT_GRIDS] as const;
export type NumericGridName = (typeof NUMERIC_GRIDS)[number];
export type ImageTextGridName = (typeof IMAGE_TEXT_GRIDS)[number];
export type BuiltinGridName = NumericGridName | ImageTextGridName;

/** One column of a grid: a label (shown in reports) and the run's settings. */
export interface GridSetting {
  label: string;
  settings: RunSettings;
}

/** A grid of numeric experiments (SPEC §2–6). */
export interface Grid {
  name: string;
  experiment?: 'numeric';
  settings: GridSetting[];
}

/** The image-text experiments (SPEC §7): MPI3D scenes (Fig. 5) and Causal3DIdent scenes (Fig. 6). */
export type ImageTextExperiment = 'mpi3d' | 'causal3d';

/** A grid of image-text experiments: one caption level per setting. */
export interface ImageTextGrid {
  name: string;
  experiment: ImageTextExperiment;
  settings: { label: string; settings: ImageTextLevels }[];
}

export type AnyGrid = Grid | ImageTextGrid;

interface GridRunBase {
  grid: string;
  setting: string;
  /** Image-text runs have no dependence setting: always 'independent'. */
  dependence: Dependence;
  seed: number;
}

/** One model of a sweep: a numeric run (`experiment` absent or 'numeric') or an MPI3D run. */
export type GridRun = (GridRunBase & { experiment?: 'numeric'; settings: RunSettings }) | (GridRunBase & { experiment: ImageTextExperiment; settings: ImageTextLevels });

/** Column labels of the image-text grids, as the paper's Figs. 5 and 6 name them. */
export const IMAGE_TEXT_GRID_LABELS: Readonly<Record<ImageTextGridName, readonly string[]>> = {
  'mpi3d-selection': ['{color}', '+shape', '+size', '+camera', '+background'],
  'mpi3d-perturbation': ['∅', '{back}', '{cam, back}', '{size, cam, back}', '{shape, size, cam, back}'],
  'causal3d-selection': ['{shape}', '+x_pos', '+y_pos', '+s_pos', '+color', '+s_color', '+b_color'],
  'causal3d-perturbation': ['∅', '{b_color}', '{s_color, b_color}', '+color', '+s_pos', '+y_pos', '+x_pos'],
};

/** True for a run of an image-text experiment. */
export function isImageTextRun(run: GridRun): run is GridRunBase & { experiment: ImageTextExperiment; settings: ImageTextLevels } {
  return run.experiment === 'mpi3d' || run.experiment === 'causal3d';
}

export function isImageTextGrid(name: string): name is ImageTextGridName {
  return (IMAGE_TEXT_GRIDS as readonly string[]).includes(name);
}

/** An image-text grid: the experiment's selection or perturbation levels (5 for MPI3D, 7 for Causal3D). */
export function imageTextGrid(name: ImageTextGridName): ImageTextGrid {
  const labels = IMAGE_TEXT_GRID_LABELS[name];
  if (!labels) throw new MisalignError('INVALID_GRID', `unknown image-text grid '${String(name)}'; expected ${IMAGE_TEXT_GRIDS.join(', ')}`);
  const key = name.endsWith('-selection') ? 'selectionLevel' : 'perturbationLevel';
  const experiment: ImageTextExperiment = name.startsWith('mpi3d') ? 'mpi3d' : 'causal3d';
  return { name, experiment, settings: labels.map((label, i) => ({ label, settings: { [key]: i + 1 } })) };
}

/** `{1}` for one factor, `[k]` for 1..k, `∅` for none (the paper's notation). */
export function prefixLabel(k: number): string {
  return k === 0 ? '∅' : k === 1 ? '{1}' : `[${k}]`;
}

const prefix = (k: number): string => (k === 1 ? '1' : `1-${k}`);

/** A built-in numeric grid of SPEC §7 for a world of `ns` semantic factors (default 10). */
export function builtinGrid(name: NumericGridName, ns = 10): Grid {
  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  switch (name) {
    case 'selection':
      return { name, settings: range(1, ns).map((k) => ({ label: prefixLabel(k), settings: { ns, select: prefix(k) } })) };
    case 'perturbation':
      return {
        name,
        settings: range(0, ns - 1).map((k) => ({ label: prefixLabel(k), settings: { ns, select: prefix(ns), perturb: k === 0 ? 'none' : prefix(k) } })),
      };
    case 'encoding-size':
      return { name, settings: [{ label: '[3], encoding 5', settings: { ns, select: '1-3', encodingSize: 5 } }] };
    case 'joint':
      return { name, settings: [{ label: 'I_θ = [8], I_ρ = [2]', settings: { ns, select: '1-8', perturb: '1-2' } }] };
    default:
      throw new MisalignError('INVALID_GRID', `unknown grid '${String(name)}'; expected ${NUMERIC_GRIDS.join(', ')} or a grid file`);
  }
}

export function isBuiltinGrid(name: string): name is NumericGridName {
  return (NUMERIC_GRIDS as readonly string[]).includes(name);
}

export interface ExpandOptions {
  dependence?: readonly Dependence[];
  /** Seeds 0..seeds−1. Default 3 (the paper's). */
  seeds?: number;
  preset?: PresetName;
  /** Settings applied to every run before the grid's own (e.g. steps for a tiny test sweep). */
  base?: RunSettings;
}

/**
 * Every run of a grid: settings × dependence × seeds, in that order (seed
 * fastest). Each run's settings are complete for `resolveRunConfig` (or
 * `resolveMpi3dConfig`: image-text grids take the preset, seeds, steps and
 * evaluation samples, and have no dependence setting).
 */
export function expandGrid(grid: AnyGrid, options: ExpandOptions = {}): GridRun[] {
  if (grid.experiment === 'mpi3d' || grid.experiment === 'causal3d') return expandImageTextGrid(grid, options);
  const dependence = options.dependence ?? ['independent'];
  const seeds = options.seeds ?? 3;
  if (!Number.isInteger(seeds) || seeds < 1) throw new MisalignError('OUT_OF_RANGE', `seeds must be a positive integer, got ${seeds}`);
  if (dependence.length === 0) throw new MisalignError('OUT_OF_RANGE', 'at least one dependence setting is needed');
  for (const d of dependence) {
    if (d !== 'independent' && d !== 'dependent') throw new MisalignError('OUT_OF_RANGE', `dependence must be 'independent' or 'dependent', got '${String(d)}'`);
  }
  const labels = new Set<string>();
  for (const s of grid.settings) {
    if (labels.has(s.label)) throw new MisalignError('INVALID_GRID', `grid '${grid.name}' has two settings labelled '${s.label}'`);
    labels.add(s.label);
  }
  const preset = options.preset !== undefined ? { preset: options.preset } : {};
  const runs: GridRun[] = [];
  for (const { label, settings } of grid.settings) {
    for (const d of dependence) {
      for (let seed = 0; seed < seeds; seed++) {
        runs.push({ grid: grid.name, setting: label, dependence: d, seed, settings: { ...preset, ...options.base, ...settings, dependence: d, seed } });
      }
    }
  }
  return runs;
}

function expandImageTextGrid(grid: ImageTextGrid, options: ExpandOptions): GridRun[] {
  const seeds = options.seeds ?? 3;
  if (!Number.isInteger(seeds) || seeds < 1) throw new MisalignError('OUT_OF_RANGE', `seeds must be a positive integer, got ${seeds}`);
  if (options.dependence?.includes('dependent')) {
    throw new MisalignError('CONFLICTING_OPTIONS', `grid '${grid.name}' has no dependence setting (its scenes fix their own); drop --dependence`);
  }
  const base = options.base ?? {};
  const shared: ImageTextLevels = {
    ...(options.preset !== undefined && { preset: options.preset }),
    ...(base.steps !== undefined && { steps: base.steps }),
    ...(base.evalSamples !== undefined && { evalSamples: base.evalSamples }),
  };
  return grid.settings.flatMap(({ label, settings }) =>
    Array.from({ length: seeds }, (_, seed) => ({ experiment: grid.experiment, grid: grid.name, setting: label, dependence: 'independent' as const, seed, settings: { ...shared, ...settings, seed } })),
  );
}

/** Parses `i/n` (1-based) and keeps the i-th of n disjoint, interleaved parts of `runs`. */
export function shardOf<T>(runs: readonly T[], shard: string): T[] {
  const m = /^(\d+)\/(\d+)$/.exec(shard.trim());
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n) throw new MisalignError('OUT_OF_RANGE', `--shard must be i/n with 1 ≤ i ≤ n, got '${shard}'`);
  return runs.filter((_, k) => k % n === i - 1);
}
