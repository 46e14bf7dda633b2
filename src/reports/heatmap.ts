/**
 * The paper's R² heatmaps (Fig. 3, 7, 8, 9) as Vega-Lite specifications,
 * rendered to SVG with Vega (no DOM, no canvas: runs in Node and browsers).
 *
 * One heatmap per (grid, dependence, encoding, probe): rows m_x, m_t,
 * s1..sN; columns the grid's settings in order; each cell coloured and
 * labelled with its mean R² over seeds. And the downstream panels (Figs. 4
 * and 10): one per (grid, dependence), rows y1..y4 and y5's MCC in and out
 * of distribution.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Dependence } from '../latent/model.js';
import type { EmbeddingProbeRow } from '../probes/embeddings.js';
import type { FactorResult } from '../probes/evaluate.js';
import { DOWNSTREAM_METRICS, type DownstreamCell, type DownstreamMetric, type ImageTextCell, type SummaryCell } from '../sweeps/summary.js';

export interface HeatmapKey {
  grid: string;
  dependence: Dependence;
  encoding: 'x' | 't';
  probe: 'linear' | 'nonlinear';
}

/** The heatmaps a summary has data for, grid by grid, in the order the paper shows them. */
export function heatmapKeys(cells: readonly SummaryCell[]): HeatmapKey[] {
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

/** A file-name-safe name for a heatmap: `selection-independent-x-nonlinear`. */
export function heatmapName(key: HeatmapKey): string {
  return `${key.grid}-${key.dependence}-${key.encoding}-${key.probe}`.replace(/[^\w.-]+/g, '_');
}

/** Rows of the heatmap: m_x, m_t, then s1..sN in numeric order (as the paper). */
function rowOrder(factors: readonly string[]): string[] {
  const s = factors.filter((f) => /^s\d+$/.test(f)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  return [...['m_x', 'm_t'].filter((m) => factors.includes(m)), ...s];
}

/** What a labelled heatmap shows: cells (row, setting) → value in [0, 1], coloured and printed. */
interface LabelledHeatmap {
  title: string;
  subtitle: string;
  /** Each value has `setting`, the row field, `value`, and any tooltip fields. */
  values: Record<string, unknown>[];
  rowField: string;
  rows: readonly string[];
  settings: readonly string[];
  scheme: 'blues' | 'greens' | 'purples';
  legend: string;
  tooltip: { field: string; format?: string; title?: string }[];
}

function labelledHeatmap(h: LabelledHeatmap): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: h.title, subtitle: h.subtitle },
    data: { values: h.values },
    width: Math.max(60, 40 * h.settings.length),
    height: 25 * h.rows.length,
    encoding: {
      x: { field: 'setting', type: 'ordinal', sort: [...h.settings], title: null, axis: { labelAngle: h.settings.some((s) => s.length > 6) ? -30 : 0 } },
      y: { field: h.rowField, type: 'ordinal', sort: [...h.rows], title: null },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: 'value', type: 'quantitative', scale: { domain: [0, 1], scheme: h.scheme, clamp: true }, title: h.legend },
          tooltip: h.tooltip,
        },
      },
      {
        mark: { type: 'text', fontSize: 9 },
        encoding: {
          text: { field: 'value', type: 'quantitative', format: '.2f' },
          color: { condition: { test: 'datum.value > 0.5', value: 'white' }, value: 'black' },
        },
      },
    ],
    config: { font: 'DejaVu Sans', view: { stroke: null } },
  };
}

export function heatmapSpec(cells: readonly SummaryCell[], key: HeatmapKey): TopLevelSpec {
  const mine = cells.filter((c) => c.grid === key.grid && c.dependence === key.dependence && c.encoding === key.encoding);
  const rows = rowOrder([...new Set(mine.map((c) => c.factor))]);
  return labelledHeatmap({
    title: `ẑ_${key.encoding}: ${key.probe} R², ${key.dependence}`,
    subtitle: `grid: ${key.grid}`,
    values: mine
      .filter((c) => rows.includes(c.factor))
      .map((c) => ({
        setting: c.setting,
        factor: c.factor,
        value: key.probe === 'linear' ? c.r2LinearMean : c.r2NonlinearMean,
        sd: key.probe === 'linear' ? c.r2LinearSd : c.r2NonlinearSd,
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
  });
}

/** An image-text heatmap (the paper's Fig. 5): one per (grid, encoding, probe). */
export interface ImageTextKey {
  grid: string;
  encoding: 'image' | 'text';
  probe: 'linear' | 'nonlinear';
}

/** The image-text heatmaps a summary has data for: per grid, image before text, nonlinear before linear. */
export function imageTextKeys(cells: readonly ImageTextCell[]): ImageTextKey[] {
  const grids = [...new Set(cells.map((c) => c.grid))];
  return grids.flatMap((grid) =>
    (['nonlinear', 'linear'] as const).flatMap((probe) =>
      (['image', 'text'] as const)
        .filter((encoding) => cells.some((c) => c.grid === grid && c.encoding === encoding))
        .map((encoding) => ({ grid, encoding, probe })),
    ),
  );
}

export function imageTextName(key: ImageTextKey): string {
  return `${key.grid}-${key.encoding}-${key.probe}`.replace(/[^\w.-]+/g, '_');
}

/**
 * Rows: the factors in the order of the first cells (MPI3D's: color … vertical; Causal3D's: the discrete
 * factors, then the continuous ones); columns: the levels in grid order; cells: mean MCC (discrete
 * factors) or R² (continuous ones), the tooltip says which.
 */
export function imageTextHeatmapSpec(cells: readonly ImageTextCell[], key: ImageTextKey): TopLevelSpec {
  const mine = cells.filter((c) => c.grid === key.grid && c.encoding === key.encoding);
  const metrics = [...new Set(mine.map((c) => (c.metric === 'mcc' ? 'MCC' : 'R²')))].join(' / ');
  return labelledHeatmap({
    title: `${key.encoding} embedding: ${key.probe} ${metrics}`,
    subtitle: `grid: ${key.grid}`,
    values: mine.map((c) => ({
      setting: c.setting,
      factor: c.factor,
      value: key.probe === 'linear' ? c.linearMean : c.nonlinearMean,
      sd: key.probe === 'linear' ? c.linearSd : c.nonlinearSd,
      metric: c.metric === 'mcc' ? 'MCC' : 'R²',
      seeds: c.seeds,
      predicted: c.predicted,
      verdict: c.verdict,
    })),
    rowField: 'factor',
    rows: [...new Set(mine.map((c) => c.factor))],
    settings: [...new Set(mine.map((c) => c.setting))],
    scheme: 'purples',
    legend: metrics,
    tooltip: [
      { field: 'factor' },
      { field: 'setting' },
      { field: 'metric' },
      { field: 'value', format: '.3f', title: 'mean' },
      { field: 'sd', format: '.3f', title: 'sd' },
      { field: 'seeds' },
      { field: 'predicted' },
      { field: 'verdict' },
    ],
  });
}

/** The columns of one run's heatmap: the theory's prediction, then ẑ_x and ẑ_t. */
export const RUN_HEATMAP_COLUMNS = ['theory', 'ẑ_x', 'ẑ_t'] as const;

/**
 * One run's heatmap (the web page's): rows m_x, m_t, s1..sN; columns the
 * theory's prediction (1 kept, 0 dropped) and the R² of each factor from ẑ_x
 * and ẑ_t with the chosen probe.
 */
export function runHeatmapSpec(factors: readonly FactorResult[], probe: 'linear' | 'nonlinear', subtitle: string): TopLevelSpec {
  const rows = rowOrder([...new Set(factors.map((f) => f.factor))]);
  const mine = factors.filter((f) => rows.includes(f.factor));
  const r2 = (f: FactorResult) => (probe === 'linear' ? f.r2Linear : f.r2Nonlinear);
  const values = [
    ...mine
      .filter((f) => f.encoding === 'x')
      .map((f) => ({ setting: 'theory', factor: f.factor, value: f.predicted === 'kept' ? 1 : 0, predicted: f.predicted })),
    ...mine.map((f) => ({ setting: f.encoding === 'x' ? 'ẑ_x' : 'ẑ_t', factor: f.factor, value: r2(f), predicted: f.predicted, verdict: f.verdict })),
  ];
  return labelledHeatmap({
    title: `${probe} R² of each factor`,
    subtitle,
    values,
    rowField: 'factor',
    rows,
    settings: [...RUN_HEATMAP_COLUMNS],
    scheme: 'blues',
    legend: 'R²',
    tooltip: [
      { field: 'factor' },
      { field: 'setting', title: 'column' },
      { field: 'value', format: '.3f', title: 'R²' },
      { field: 'predicted' },
      { field: 'verdict' },
    ],
  });
}

/**
 * The heatmap of probed embeddings (`misalign probe`, probes/embeddings.ts):
 * rows the factors in the table's order; columns the expectation (1 kept,
 * 0.5 partly, 0 dropped) when one was given, then each embedding's nonlinear
 * R² or MCC.
 */
export function embeddingHeatmapSpec(rows: readonly EmbeddingProbeRow[], subtitle: string): TopLevelSpec {
  const factors = [...new Set(rows.map((r) => r.factor))];
  const encodings = [...new Set(rows.map((r) => r.encoding))];
  const expected = rows.some((r) => r.predicted !== null);
  const first = rows.filter((r) => r.encoding === encodings[0]);
  const values = [
    ...(expected
      ? first.map((r) => ({
          setting: 'expected',
          factor: r.factor,
          value: r.predicted === 'kept' ? 1 : r.predicted === 'partly' ? 0.5 : 0,
          predicted: r.predicted,
        }))
      : []),
    ...rows.map((r) => ({
      setting: r.encoding,
      factor: r.factor,
      value: r.nonlinear,
      metric: r.metric === 'r2' ? 'R²' : 'MCC',
      predicted: r.predicted,
      verdict: r.verdict,
    })),
  ];
  return labelledHeatmap({
    title: 'what each embedding keeps (MLP probe: R² or MCC)',
    subtitle,
    values,
    rowField: 'factor',
    rows: factors,
    settings: [...(expected ? ['expected'] : []), ...encodings],
    scheme: 'blues',
    legend: 'R² / MCC',
    tooltip: [
      { field: 'factor' },
      { field: 'setting', title: 'column' },
      { field: 'value', format: '.3f' },
      { field: 'metric' },
      { field: 'predicted' },
      { field: 'verdict' },
    ],
  });
}

/** Renders a Vega-Lite specification to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The downstream panels of the paper's Figs. 4 and 10: one per (grid, dependence). */
export interface DownstreamKey {
  grid: string;
  dependence: Dependence;
}

export function downstreamKeys(cells: readonly DownstreamCell[]): DownstreamKey[] {
  const seen = new Map<string, DownstreamKey>();
  for (const c of cells) seen.set(JSON.stringify([c.grid, c.dependence]), { grid: c.grid, dependence: c.dependence });
  return [...seen.values()];
}

export function downstreamName(key: DownstreamKey): string {
  return `downstream-${key.grid}-${key.dependence}`.replace(/[^\w.-]+/g, '_');
}

const DOWNSTREAM_LABELS: Record<DownstreamMetric, string> = {
  y1: 'y1 R² (s1..s3)',
  y2: 'y2 R² (s1..s5)',
  y3: 'y3 R² (s1..s7)',
  y4: 'y4 R² (s1..s9)',
  mccId: 'y5 MCC, ID',
  mccOod: 'y5 MCC, OOD',
};

/** Rows y1..y4 (in-distribution R²) and y5's MCC in and out of distribution; columns the settings. */
export function downstreamSpec(cells: readonly DownstreamCell[], key: DownstreamKey): TopLevelSpec {
  const mine = cells.filter((c) => c.grid === key.grid && c.dependence === key.dependence);
  return labelledHeatmap({
    title: `downstream tasks on ẑ_x, ${key.dependence}`,
    subtitle: `grid: ${key.grid}; OOD: s9, s10 shifted`,
    values: mine.map((c) => ({ setting: c.setting, metric: DOWNSTREAM_LABELS[c.metric], value: c.mean, sd: c.sd, seeds: c.seeds })),
    rowField: 'metric',
    rows: DOWNSTREAM_METRICS.map((m) => DOWNSTREAM_LABELS[m]),
    settings: [...new Set(mine.map((c) => c.setting))],
    scheme: 'greens',
    legend: 'R² / MCC',
    tooltip: [{ field: 'metric' }, { field: 'setting' }, { field: 'value', format: '.3f', title: 'mean' }, { field: 'sd', format: '.3f' }, { field: 'seeds' }],
  });
}
