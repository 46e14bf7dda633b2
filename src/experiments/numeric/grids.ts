/**
 * The numeric experiment's built-in grids (docs/experiments.md), for the
 * paper's world of ns = 10 semantic factors; each crosses its settings with
 * the dependence settings and the seeds a sweep asks for.
 *
 *   selection      I_θ = {1}, [2], ..., [10], no perturbation        (Fig. 3 / 8)
 *   perturbation   I_θ = [10], I_ρ = ∅, {1}, [2], ..., [9]           (Fig. 7 / 9)
 *   encoding-size  I_θ = [3] with an encoding of 5 dimensions         (ablation)
 *   joint          I_θ = [8], I_ρ = [2]: keeps exactly s3..s8         (ablation)
 */
import type { GridSpec } from '../experiment.js';
import type { NumericSettings } from './config.js';

/** `{1}` for one factor, `[k]` for 1..k, `∅` for none (the paper's notation). */
export function prefixLabel(k: number): string {
  return k === 0 ? '∅' : k === 1 ? '{1}' : `[${k}]`;
}

const prefix = (k: number): string => (k === 1 ? '1' : `1-${k}`);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The grids for a world of `ns` semantic factors. */
export function numericGridsFor(ns = 10): Record<'selection' | 'perturbation' | 'encoding-size' | 'joint', GridSpec<NumericSettings>> {
  const grid = (settings: GridSpec<NumericSettings>['settings']) => ({ settings, dependence: true });
  return {
    selection: grid(range(1, ns).map((k) => ({ label: prefixLabel(k), settings: { ns, select: prefix(k) } }))),
    perturbation: grid(range(0, ns - 1).map((k) => ({ label: prefixLabel(k), settings: { ns, select: prefix(ns), perturb: k === 0 ? 'none' : prefix(k) } }))),
    'encoding-size': grid([{ label: '[3], encoding 5', settings: { ns, select: '1-3', encodingSize: 5 } }]),
    joint: grid([{ label: 'I_θ = [8], I_ρ = [2]', settings: { ns, select: '1-8', perturb: '1-2' } }]),
  };
}

export const numericGrids = numericGridsFor();
