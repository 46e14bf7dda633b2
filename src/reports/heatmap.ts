/**
 * Heatmaps as Vega-Lite specifications, rendered to SVG with Vega (no DOM, no
 * canvas: runs in Node and browsers): every cell (row, setting) coloured and
 * labelled with its value in [0, 1].
 *
 *   panelSpec             a panel a kind of results describes (a sweep's
 *                         heatmaps: the paper's Figs. 3–10, docs/experiments.md)
 *   runHeatmapSpec        one numeric run's (the web page's)
 *   embeddingHeatmapSpec  probed embeddings' (`misalign probe`, docs/evaluation.md#your-own-embeddings)
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { latentRowOrder } from '../experiments/numeric/heatmaps.js';
import type { HeatmapPanel } from '../experiments/results.js';
import type { EmbeddingProbeRow } from '../probes/embeddings.js';
import type { FactorResult } from '../probes/evaluate.js';

/** A heatmap as panels describe it (experiments/results.ts), its file name aside. */
export type LabelledHeatmap = Omit<HeatmapPanel, 'name'>;

/** A heatmap panel (a sweep's, from its experiments' kind of results, or one of those below) as a Vega-Lite specification. */
export function panelSpec(h: LabelledHeatmap): TopLevelSpec {
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

/** The columns of one run's heatmap: the theory's prediction, then ẑ_x and ẑ_t. */
export const RUN_HEATMAP_COLUMNS = ['theory', 'ẑ_x', 'ẑ_t'] as const;

/**
 * One run's heatmap (the web page's): rows m_x, m_t, s1..sN; columns the
 * theory's prediction (1 kept, 0 dropped) and the R² of each factor from ẑ_x
 * and ẑ_t with the chosen probe.
 */
export function runHeatmapSpec(factors: readonly FactorResult[], probe: 'linear' | 'nonlinear', subtitle: string): TopLevelSpec {
  const rows = latentRowOrder([...new Set(factors.map((f) => f.factor))]);
  const mine = factors.filter((f) => rows.includes(f.factor));
  const r2 = (f: FactorResult) => (probe === 'linear' ? f.r2Linear : f.r2Nonlinear);
  const values = [
    ...mine
      .filter((f) => f.encoding === 'x')
      .map((f) => ({ setting: 'theory', factor: f.factor, value: f.predicted === 'kept' ? 1 : 0, predicted: f.predicted })),
    ...mine.map((f) => ({ setting: f.encoding === 'x' ? 'ẑ_x' : 'ẑ_t', factor: f.factor, value: r2(f), predicted: f.predicted, verdict: f.verdict })),
  ];
  return panelSpec({
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
  return panelSpec({
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
