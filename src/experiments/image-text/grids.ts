/**
 * The image-text experiments' built-in grids (docs/experiments.md): one run
 * per caption level, selection or perturbation, labelled as the paper's
 * Figs. 5 and 6 label their columns. Their scenes fix their own
 * dependencies, so the grids are not crossed with dependence settings.
 */
import type { GridSpec } from '../experiment.js';

export function imageTextGrid(
  kind: 'selection' | 'perturbation',
  labels: readonly string[],
): GridSpec<{ selectionLevel?: number; perturbationLevel?: number }> {
  const key = kind === 'selection' ? 'selectionLevel' : 'perturbationLevel';
  return { settings: labels.map((label, i) => ({ label, settings: { [key]: i + 1 } })), dependence: false };
}
