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
 */
import { MisalignError } from '../common/errors.js';
import type { RunSettings } from '../experiments/run.js';
import type { Dependence } from '../latent/model.js';
import type { PresetName } from '../training/config.js';

export const BUILTIN_GRIDS = ['selection', 'perturbation', 'encoding-size', 'joint'] as const;
export type BuiltinGridName = (typeof BUILTIN_GRIDS)[number];

/** One column of a grid: a label (shown in reports) and the run's settings. */
export interface GridSetting {
  label: string;
  settings: RunSettings;
}

export interface Grid {
  name: string;
  settings: GridSetting[];
}

/** One model of a sweep. */
export interface GridRun {
  grid: string;
  setting: string;
  dependence: Dependence;
  seed: number;
  settings: RunSettings;
}

/** `{1}` for one factor, `[k]` for 1..k, `∅` for none (the paper's notation). */
export function prefixLabel(k: number): string {
  return k === 0 ? '∅' : k === 1 ? '{1}' : `[${k}]`;
}

const prefix = (k: number): string => (k === 1 ? '1' : `1-${k}`);

/** A built-in grid of SPEC §7 for a world of `ns` semantic factors (default 10). */
export function builtinGrid(name: BuiltinGridName, ns = 10): Grid {
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
      throw new MisalignError('INVALID_GRID', `unknown grid '${String(name)}'; expected ${BUILTIN_GRIDS.join(', ')} or a grid file`);
  }
}

export function isBuiltinGrid(name: string): name is BuiltinGridName {
  return (BUILTIN_GRIDS as readonly string[]).includes(name);
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
 * fastest). Each run's settings are complete for `resolveRunConfig`.
 */
export function expandGrid(grid: Grid, options: ExpandOptions = {}): GridRun[] {
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

/** Parses `i/n` (1-based) and keeps the i-th of n disjoint, interleaved parts of `runs`. */
export function shardOf<T>(runs: readonly T[], shard: string): T[] {
  const m = /^(\d+)\/(\d+)$/.exec(shard.trim());
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n) throw new MisalignError('OUT_OF_RANGE', `--shard must be i/n with 1 ≤ i ≤ n, got '${shard}'`);
  return runs.filter((_, k) => k % n === i - 1);
}
