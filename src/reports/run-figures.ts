/**
 * One run's figures as Vega-Lite specifications (no Node: they render
 * anywhere with renderSvg, reports/heatmap.ts):
 *
 *   the loss curve     train_log.csv's loss by step (numeric runs also show
 *                      the two directions, x→t and t→x)
 *   the factor scores  per embedding (ẑ_x and ẑ_t, or the image and the text
 *                      embedding), one bar per factor: the nonlinear probe's
 *                      R² or MCC, coloured by whether it agrees with the
 *                      theory; a tick for the linear probe; the verdict
 *                      thresholds as dashed rules; each row labelled with the
 *                      theory's prediction (kept, dropped, partly)
 *
 * The values, predictions and verdicts are the run's own (metrics.json, as
 * its experiment's `evaluate` judged them); nothing is recomputed here.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { FactorRow, FactorValues } from '../experiments/experiment.js';
import type { Verdict } from '../probes/verdicts.js';

/** A point of the loss curve: one train_log.csv row's step and loss terms. */
export interface LossPoint {
  step: number;
  loss: number;
  /** Numeric runs: the loss of each direction. */
  lossXT?: number;
  lossTX?: number;
}

/** At most this many points are drawn; longer logs are thinned evenly (the first and last rows always kept). */
export const MAX_LOSS_POINTS = 2000;

function thin<T>(rows: readonly T[], max: number): T[] {
  if (rows.length <= max) return [...rows];
  const out: T[] = [];
  const stride = (rows.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(rows[Math.round(i * stride)]!);
  return out;
}

const SERIES: readonly { key: keyof LossPoint; label: string }[] = [
  { key: 'loss', label: 'loss' },
  { key: 'lossXT', label: 'x → t' },
  { key: 'lossTX', label: 't → x' },
];

/** The training loss by step; `subtitle` (one line, or several) says which run. */
export function lossCurveSpec(log: readonly LossPoint[], subtitle: string | string[]): TopLevelSpec {
  const points = thin(log, MAX_LOSS_POINTS);
  const series = SERIES.filter((s) => points.some((p) => typeof p[s.key] === 'number' && Number.isFinite(p[s.key])));
  // the directions first, so the loss itself is drawn on top
  const values = [...series]
    .reverse()
    .flatMap((s) =>
      points
        .filter((p) => typeof p[s.key] === 'number' && Number.isFinite(p[s.key]))
        .map((p) => ({ step: p.step, value: p[s.key] as number, series: s.label })),
    );
  const several = series.length > 1;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'training loss', subtitle, anchor: 'start' },
    data: { values },
    width: 480,
    height: 240,
    mark: { type: 'line', interpolate: 'linear', strokeWidth: 1.5, clip: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step', scale: { nice: false }, axis: { tickCount: 5, labelFlush: true } },
      y: { field: 'value', type: 'quantitative', title: 'contrastive loss', scale: { zero: false } },
      color: several
        ? {
            field: 'series',
            type: 'nominal',
            title: null,
            sort: series.map((s) => s.label),
            scale: { domain: series.map((s) => s.label), range: ['#1f4e9c', '#e08a1e', '#3a9a5b'] },
          }
        : { value: '#1f4e9c' },
      ...(several && {
        strokeWidth: { condition: { test: "datum.series === 'loss'", value: 2 }, value: 1 },
        opacity: { condition: { test: "datum.series === 'loss'", value: 1 }, value: 0.7 },
      }),
    },
    config: { font: 'DejaVu Sans', view: { stroke: null } },
  };
}

/** A factor row as the scores figure reads it: the run's row and its experiment's values. */
export interface ScoredFactor {
  row: FactorRow;
  values: FactorValues;
}

/** The verdict thresholds the scores are judged by (probes/verdicts.ts). */
export interface ScoreThresholds {
  keptMin: number;
  droppedMax: number;
}

/** How a verdict reads in the figure's legend. */
export const AGREEMENT_LABELS: Record<Verdict, string> = { pass: 'agrees', fail: 'disagrees', 'n/a': 'not judged' };
const AGREEMENT_COLOURS: Record<Verdict, string> = { pass: '#3a9a5b', fail: '#c8362b', 'n/a': '#9a9a9a' };

/** How an embedding is named in the figure: ẑ_x, ẑ_t, or the image and the text embedding. */
export function embeddingLabel(encoding: string): string {
  if (encoding === 'x' || encoding === 't') return `ẑ_${encoding}`;
  return `${encoding} embedding`;
}

/** The y-axis label of a factor row: the factor and what the theory expects of it. */
export const scoreRowLabel = (row: FactorRow): string => `${row.factor} (${row.predicted})`;

/**
 * Per embedding, one bar per factor in the run's order: the nonlinear probe's value (R² or MCC),
 * coloured agrees / disagrees / not judged; a black tick at the linear probe's value; dashed rules
 * at the thresholds; the value printed at the bar's end.
 */
export function factorScoresSpec(factors: readonly ScoredFactor[], thresholds: ScoreThresholds, subtitle: string | string[]): TopLevelSpec {
  const encodings = [...new Set(factors.map((f) => f.row.encoding))];
  const finite = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const all = factors.flatMap((f) => [finite(f.values.linear), finite(f.values.nonlinear)]).filter((v): v is number => v !== null);
  const lowest = Math.min(0, ...all);
  const domain = [lowest < 0 ? Math.floor(lowest * 10) / 10 : 0, 1];
  const metrics = [...new Set(factors.map((f) => (f.values.metric === 'mcc' ? 'MCC' : 'R²')))];
  const metricTitle = metrics.join(' / ') || 'R²';
  const verdicts = Object.keys(AGREEMENT_LABELS) as Verdict[];
  const rules = [
    { threshold: thresholds.keptMin, label: `kept ≥ ${thresholds.keptMin}` },
    { threshold: thresholds.droppedMax, label: `dropped ≤ ${thresholds.droppedMax}` },
  ];
  const panel = (encoding: string) => {
    const mine = factors.filter((f) => f.row.encoding === encoding);
    const rows = mine.map((f) => scoreRowLabel(f.row));
    const values = mine.map((f) => {
      const nonlinear = finite(f.values.nonlinear);
      const linear = finite(f.values.linear);
      return {
        factor: f.row.factor,
        row: scoreRowLabel(f.row),
        predicted: f.row.predicted,
        verdict: f.row.verdict,
        agreement: AGREEMENT_LABELS[f.row.verdict] ?? f.row.verdict,
        metric: f.values.metric === 'mcc' ? 'MCC' : 'R²',
        nonlinear,
        linear,
        label: nonlinear === null ? 'NaN' : nonlinear.toFixed(2),
        labelAt: Math.max(nonlinear ?? 0, 0),
      };
    });
    const y = { field: 'row', type: 'ordinal' as const, sort: rows, title: null };
    const x = { type: 'quantitative' as const, scale: { domain, clamp: true, nice: false }, title: `${metricTitle} (bars: MLP probe; ticks: linear)` };
    return {
      title: { text: embeddingLabel(encoding), anchor: 'middle' as const, fontSize: 12 },
      width: 300,
      height: 20 * rows.length,
      layer: [
        {
          data: { values },
          transform: [{ filter: 'datum.nonlinear !== null' }],
          mark: { type: 'bar' as const, height: 14 },
          encoding: {
            y,
            x: { ...x, field: 'nonlinear' },
            color: {
              field: 'agreement',
              type: 'nominal' as const,
              title: 'with the theory',
              scale: { domain: verdicts.map((v) => AGREEMENT_LABELS[v]), range: verdicts.map((v) => AGREEMENT_COLOURS[v]) },
            },
            tooltip: [
              { field: 'factor' },
              { field: 'metric' },
              { field: 'nonlinear', format: '.3f', title: 'MLP probe' },
              { field: 'linear', format: '.3f', title: 'linear probe' },
              { field: 'predicted', title: 'theory' },
              { field: 'verdict' },
            ],
          },
        },
        {
          data: { values },
          transform: [{ filter: 'datum.linear !== null' }],
          mark: { type: 'tick' as const, color: '#222', thickness: 2, size: 16 },
          encoding: { y, x: { ...x, field: 'linear' } },
        },
        {
          data: { values },
          mark: { type: 'text' as const, align: 'left' as const, dx: 3, fontSize: 9 },
          encoding: { y, x: { ...x, field: 'labelAt' }, text: { field: 'label' } },
        },
        {
          data: { values: rules },
          mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#555' },
          encoding: { x: { ...x, field: 'threshold' }, tooltip: [{ field: 'label', title: 'threshold' }] },
        },
      ],
    };
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `what the run keeps: ${metricTitle} of each factor`, subtitle, anchor: 'start' },
    hconcat: encodings.map(panel),
    resolve: { scale: { color: 'shared' } },
    config: { font: 'DejaVu Sans', view: { stroke: null }, concat: { spacing: 40 } },
  } as TopLevelSpec;
}
