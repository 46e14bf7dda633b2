/**
 * The numeric experiment's heatmaps in a sweep's report (the paper's Figs. 3,
 * 7, 8, 9; docs/experiments.md#the-grids), as panels reports/heatmap.ts draws:
 *
 *   one per (grid, dependence, encoding, probe): rows m_x, m_t, s1..sN;
 *   columns the grid's settings in order; each cell its mean R² over seeds
 *
 * and the downstream panels (Figs. 4 and 10; docs/evaluation.md#downstream-tasks):
 * one per (grid, dependence), rows y1..y4 and y5's MCC in and out of distribution.
 */
import type { Dependence } from '../../latent/model.js';
import { DOWNSTREAM_METRICS, type DownstreamCell, type DownstreamMetric, type HeatmapPanel, type ResultCell } from '../results.js';

interface HeatmapKey {
  grid: string;
  dependence: Dependence;
  encoding: string;
  probe: 'linear' | 'nonlinear';
}

/** The heatmaps the cells have data for, grid by grid, in the order the paper shows them. */
function heatmapKeys(cells: readonly ResultCell[]): HeatmapKey[] {
  const keys: HeatmapKey[] = [];
  const seen = new Set<string>();
  for (const c of cells) {
    for (const probe of ['nonlinear', 'linear'] as const) {
      const key = { grid: c.grid, dependence: c.dependence, encoding: c.encoding, probe };
      const id = JSON.stringify(key);
      if (!seen.has(id)) {
        seen.add(id);
        keys.push(key);
      }
    }
  }
  // Within a grid: independent before dependent, nonlinear before linear, ẑ_x before ẑ_t.
  const rank = (k: HeatmapKey) => (k.dependence === 'independent' ? 0 : 4) + (k.probe === 'nonlinear' ? 0 : 2) + (k.encoding === 'x' ? 0 : 1);
  const grids = [...new Set(keys.map((k) => k.grid))];
  return keys.sort((a, b) => grids.indexOf(a.grid) - grids.indexOf(b.grid) || rank(a) - rank(b));
}

/** Rows of a numeric heatmap: m_x, m_t, then s1..sN in numeric order (as the paper; s_inv and the s̃ are left out). */
export function latentRowOrder(factors: readonly string[]): string[] {
  const s = factors.filter((f) => /^s\d+$/.test(f)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  return [...['m_x', 'm_t'].filter((m) => factors.includes(m)), ...s];
}

function heatmapPanel(cells: readonly ResultCell[], key: HeatmapKey): HeatmapPanel {
  const mine = cells.filter((c) => c.grid === key.grid && c.dependence === key.dependence && c.encoding === key.encoding);
  const rows = latentRowOrder([...new Set(mine.map((c) => c.factor))]);
  return {
    // a file-name-safe name: selection-independent-x-nonlinear
    name: `${key.grid}-${key.dependence}-${key.encoding}-${key.probe}`.replace(/[^\w.-]+/g, '_'),
    title: `ẑ_${key.encoding}: ${key.probe} R², ${key.dependence}`,
    subtitle: `grid: ${key.grid}`,
    values: mine
      .filter((c) => rows.includes(c.factor))
      .map((c) => ({
        setting: c.setting,
        factor: c.factor,
        value: key.probe === 'linear' ? c.linearMean : c.nonlinearMean,
        sd: key.probe === 'linear' ? c.linearSd : c.nonlinearSd,
        seeds: c.seeds,
        predicted: c.predicted,
        verdict: c.verdict,
      })),
    rowField: 'factor',
    rows,
    settings: [...new Set(mine.map((c) => c.setting))],
    scheme: 'blues',
    legend: 'R²',
    tooltip: [
      { field: 'factor' },
      { field: 'setting' },
      { field: 'value', format: '.3f', title: 'mean R²' },
      { field: 'sd', format: '.3f', title: 'sd' },
      { field: 'seeds' },
      { field: 'predicted' },
      { field: 'verdict' },
    ],
  };
}

/** Every R² heatmap of the cells, in the paper's order, but for the grids in `skip` (the ablations, shown as tables). */
export function numericHeatmaps(cells: readonly ResultCell[], skip: ReadonlySet<string> = new Set()): HeatmapPanel[] {
  return heatmapKeys(cells)
    .filter((key) => !skip.has(key.grid))
    .map((key) => heatmapPanel(cells, key));
}

const DOWNSTREAM_LABELS: Record<DownstreamMetric, string> = {
  y1: 'y1 R² (s1..s3)',
  y2: 'y2 R² (s1..s5)',
  y3: 'y3 R² (s1..s7)',
  y4: 'y4 R² (s1..s9)',
  mccId: 'y5 MCC, ID',
  mccOod: 'y5 MCC, OOD',
};

/**
 * One downstream panel per (grid, dependence) but for the grids in `skip`: rows y1..y4 (R² in
 * distribution) and y5's MCC in and out of distribution; columns the settings.
 */
export function downstreamHeatmaps(cells: readonly DownstreamCell[], skip: ReadonlySet<string> = new Set()): HeatmapPanel[] {
  const keys = new Map<string, { grid: string; dependence: Dependence }>();
  for (const c of cells) keys.set(JSON.stringify([c.grid, c.dependence]), { grid: c.grid, dependence: c.dependence });
  return [...keys.values()]
    .filter((key) => !skip.has(key.grid))
    .map((key) => {
      const mine = cells.filter((c) => c.grid === key.grid && c.dependence === key.dependence);
      return {
        name: `downstream-${key.grid}-${key.dependence}`.replace(/[^\w.-]+/g, '_'),
        title: `downstream tasks on ẑ_x, ${key.dependence}`,
        subtitle: `grid: ${key.grid}; OOD: s9, s10 shifted`,
        values: mine.map((c) => ({ setting: c.setting, metric: DOWNSTREAM_LABELS[c.metric], value: c.mean, sd: c.sd, seeds: c.seeds })),
        rowField: 'metric',
        rows: DOWNSTREAM_METRICS.map((m) => DOWNSTREAM_LABELS[m]),
        settings: [...new Set(mine.map((c) => c.setting))],
        scheme: 'greens',
        legend: 'R² / MCC',
        tooltip: [
          { field: 'metric' },
          { field: 'setting' },
          { field: 'value', format: '.3f', title: 'mean' },
          { field: 'sd', format: '.3f' },
          { field: 'seeds' },
        ],
      };
    });
}
