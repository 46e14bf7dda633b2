/**
 * The numeric experiment's kind of results (results.ts): R² of every factor
 * from ẑ_x and ẑ_t, judged per dependence setting (docs/evaluation.md#verdicts).
 *
 *   summary.json   `cells` (r2LinearMean, ..., per dependence) and `agreement` per dependence
 *   summary.csv    the cells, one per row (always written)
 *   misalign sweep the agreement per dependence
 *   report         the agreement, the R² heatmaps (Figs. 3, 7, 8, 9), the
 *                  downstream panels (Figs. 4, 10), grids of one setting as
 *                  ablation tables (docs/experiments.md#the-grids)
 */
import type { Dependence } from '../../latent/model.js';
import { DROPPED_MAX_R2, KEPT_MIN_R2 } from '../../probes/verdicts.js';
import {
  fmt,
  shareOf,
  type DownstreamCell,
  type ReportBlock,
  type ReportSection,
  type ResultCell,
  type ResultGroup,
  type ResultKind,
  type TableCell,
} from '../results.js';
import { downstreamHeatmaps, numericHeatmaps } from './heatmaps.js';

const DEPENDENCE: readonly Dependence[] = ['independent', 'dependent'];

/** A cell as summary.json and summary.csv have always written numeric cells (R² named so, no metric). */
function numericRow(c: ResultCell): Record<string, unknown> {
  return {
    grid: c.grid,
    dependence: c.dependence,
    setting: c.setting,
    encoding: c.encoding,
    factor: c.factor,
    seeds: c.seeds,
    r2LinearMean: c.linearMean,
    r2LinearSd: c.linearSd,
    r2NonlinearMean: c.nonlinearMean,
    r2NonlinearSd: c.nonlinearSd,
    predicted: c.predicted,
    verdict: c.verdict,
  };
}

/** The grids with one setting: the ablations, shown as tables, factor by factor. */
function ablationGrids(cells: readonly ResultCell[]): Set<string> {
  const grids = new Set<string>();
  for (const grid of new Set(cells.map((c) => c.grid))) {
    if (new Set(cells.filter((c) => c.grid === grid).map((c) => c.setting)).size === 1) grids.add(grid);
  }
  return grids;
}

/** An ablation grid's tables: per (dependence, setting), each factor's R² from ẑ_x and ẑ_t, and the downstream tasks when they ran. */
function ablationBlocks(cells: readonly ResultCell[], downstream: readonly DownstreamCell[], grid: string): ReportBlock[] {
  const mine = cells.filter((c) => c.grid === grid);
  const groups = [...new Set(mine.map((c) => `${c.dependence}\u0000${c.setting}`))];
  return groups.flatMap((g): ReportBlock[] => {
    const [dependence, setting] = g.split('\u0000') as [Dependence, string];
    const rows = mine.filter((c) => c.dependence === dependence && c.setting === setting);
    const factors = [...new Set(rows.map((c) => c.factor))];
    const show = (c: ResultCell | undefined, linear: boolean) =>
      c ? `${fmt(linear ? c.linearMean : c.nonlinearMean)} ± ${fmt(linear ? c.linearSd : c.nonlinearSd)}` : '–';
    const body = factors.map((f): TableCell[] => {
      const x = rows.find((c) => c.factor === f && c.encoding === 'x');
      const t = rows.find((c) => c.factor === f && c.encoding === 't');
      const verdicts = [x?.verdict, t?.verdict].filter(Boolean).join(' / ');
      return [f, show(x, true), show(x, false), show(t, true), show(t, false), (x ?? t)?.predicted ?? '', { text: verdicts, fail: verdicts.includes('fail') }];
    });
    const tasks = downstream.filter((c) => c.grid === grid && c.dependence === dependence && c.setting === setting);
    return [
      { kind: 'heading', text: `${grid}: ${setting} (${dependence})` },
      { kind: 'table', head: ['factor', 'ẑ_x linear', 'ẑ_x nonlinear', 'ẑ_t linear', 'ẑ_t nonlinear', 'theory', 'verdict (x / t)'], rows: body },
      ...(tasks.length === 0
        ? []
        : [
            {
              kind: 'table' as const,
              head: ['downstream (ẑ_x)', ...tasks.map((c) => c.metric)],
              rows: [['mean ± sd', ...tasks.map((c) => `${fmt(c.mean)} ± ${fmt(c.sd)}`)]],
            },
          ]),
    ];
  });
}

function sections(group: ResultGroup, downstream: readonly DownstreamCell[]): ReportSection[] {
  const ablations = ablationGrids(group.cells);
  const tasks = downstreamHeatmaps(downstream, ablations);
  return [
    {
      title: 'Agreement with the theory',
      blocks: [
        {
          kind: 'text',
          text:
            `Verdicts use the mean nonlinear R² (kept ≥ ${KEPT_MIN_R2}; ` +
            `dropped ≤ ${DROPPED_MAX_R2} in the independent setting; m_x, m_t ≤ ${DROPPED_MAX_R2} always).`,
        },
        {
          kind: 'table',
          head: ['semantics', 'share of cells', 'agree / judged'],
          rows: DEPENDENCE.map((d) => [d, shareOf(group.byDependence[d].share), `${group.byDependence[d].agree}/${group.byDependence[d].judged}`]),
        },
      ],
    },
    { title: 'Heatmaps', blocks: [{ kind: 'figures', panels: numericHeatmaps(group.cells, ablations), none: 'No grid with more than one setting.' }] },
    ...(tasks.length === 0
      ? []
      : [
          {
            title: 'Downstream tasks (Figs. 4 and 10)',
            blocks: [
              {
                kind: 'text' as const,
                text:
                  'MLP probes on frozen ẑ_x: R² of y1..y4 = F(s[1..3]), F(s[1..5]), F(s[1..7]), F(s[1..9]) in distribution; ' +
                  'MCC of y5 (y2 binarised) in distribution and with s9, s10 shifted (OOD).',
              },
              { kind: 'figures' as const, panels: tasks },
            ],
          },
        ]),
    ...(ablations.size === 0 ? [] : [{ title: 'Ablations', blocks: [...ablations].flatMap((g) => ablationBlocks(group.cells, downstream, g)) }]),
  ];
}

export const numericResults: ResultKind = {
  name: 'numeric',
  thresholds: { keptMin: KEPT_MIN_R2, droppedMax: DROPPED_MAX_R2 },
  rule:
    `The verdict checks the MLP probe's R² against the theory: kept ≥ ${KEPT_MIN_R2}, dropped ≤ ${DROPPED_MAX_R2} ` +
    '(a dropped semantic factor is not judged with dependent semantics; m_x, m_t always are).',
  json: (group) => ({ cells: group.cells.map(numericRow), agreement: group.byDependence }),
  csv: {
    file: 'summary.csv',
    columns: [
      'grid',
      'dependence',
      'setting',
      'encoding',
      'factor',
      'seeds',
      'r2LinearMean',
      'r2LinearSd',
      'r2NonlinearMean',
      'r2NonlinearSd',
      'predicted',
      'verdict',
    ],
    row: numericRow,
    always: true,
  },
  lines: (group) =>
    DEPENDENCE.map((d, i) => {
      const a = group.byDependence[d];
      const share = a.share === null ? `${d}: no cells` : `${d}: ${a.share.toFixed(3)} (${a.agree}/${a.judged} cells agree with the theory)`;
      return `${i === 0 ? 'agreement  ' : '           '}${share}`;
    }),
  sections,
};
