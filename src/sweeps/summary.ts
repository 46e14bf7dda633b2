/**
 * Aggregating a sweep: one cell per (grid, dependence, setting, encoding,
 * factor), mean and standard deviation over seeds, the theory's prediction,
 * and a verdict on the mean nonlinear R² (the rule of SPEC §6, as for one
 * run). `agreement` is, per dependence setting, the share of cells with a
 * verdict whose verdict agrees with the theory. Pure: `sweep.ts` reads the
 * runs from disk.
 */
import type { Metrics } from '../experiments/run.js';
import type { DownstreamResult } from '../probes/downstream.js';
import { verdictFor, type Verdict } from '../probes/evaluate.js';
import type { Dependence } from '../latent/model.js';
import type { GridRun } from './grids.js';

export interface SummaryCell {
  grid: string;
  dependence: Dependence;
  setting: string;
  encoding: 'x' | 't';
  factor: string;
  /** Seeds that finished (the mean and sd are over these). */
  seeds: number;
  r2LinearMean: number;
  r2LinearSd: number;
  r2NonlinearMean: number;
  r2NonlinearSd: number;
  predicted: 'kept' | 'dropped';
  verdict: Verdict;
}

/** Column order of summary.csv. */
export const CELL_COLUMNS: readonly (keyof SummaryCell)[] = [
  'grid', 'dependence', 'setting', 'encoding', 'factor', 'seeds',
  'r2LinearMean', 'r2LinearSd', 'r2NonlinearMean', 'r2NonlinearSd', 'predicted', 'verdict',
];

/** One downstream metric of one setting, over seeds: R² of y1..y4 in distribution, MCC of y5 in and out of distribution. */
export interface DownstreamCell {
  grid: string;
  dependence: Dependence;
  setting: string;
  metric: DownstreamMetric;
  seeds: number;
  mean: number;
  sd: number;
}

export const DOWNSTREAM_METRICS = ['y1', 'y2', 'y3', 'y4', 'mccId', 'mccOod'] as const;
export type DownstreamMetric = (typeof DOWNSTREAM_METRICS)[number];

/** Column order of summary_downstream.csv. */
export const DOWNSTREAM_COLUMNS: readonly (keyof DownstreamCell)[] = ['grid', 'dependence', 'setting', 'metric', 'seeds', 'mean', 'sd'];

export interface Agreement {
  /** Cells with a verdict. */
  judged: number;
  agree: number;
  /** agree / judged (null when nothing is judged). */
  share: number | null;
}

export interface SweepSummary {
  cells: SummaryCell[];
  agreement: Record<Dependence, Agreement>;
  /** Runs the grids list, and how many of them have finished. */
  runs: { expected: number; complete: number };
  /** Training and evaluation seconds summed over the finished runs (and the downstream study's). */
  seconds: { train: number; eval: number; downstream: number };
  /** The downstream study over seeds, for the settings where it ran (empty if it did not). */
  downstream: DownstreamCell[];
}

/** A run of a grid and, once it has finished, its metrics. */
export interface RunRecord {
  run: Pick<GridRun, 'grid' | 'setting' | 'dependence' | 'seed'>;
  metrics: Metrics | null;
  downstream?: DownstreamResult | null;
}

function meanSd(values: readonly number[]): [number, number] {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return [mean, 0];
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return [mean, Math.sqrt(ss / (n - 1))];
}

export function summarizeSweep(records: readonly RunRecord[]): SweepSummary {
  const groups = new Map<string, { cell: Omit<SummaryCell, 'seeds' | 'r2LinearMean' | 'r2LinearSd' | 'r2NonlinearMean' | 'r2NonlinearSd' | 'verdict'>; lin: number[]; nl: number[] }>();
  let complete = 0;
  const seconds = { train: 0, eval: 0, downstream: 0 };
  const downstreamGroups = new Map<string, { cell: Pick<DownstreamCell, 'grid' | 'dependence' | 'setting' | 'metric'>; values: number[] }>();
  for (const { run, metrics, downstream } of records) {
    if (downstream) {
      const r = downstream.regression;
      const c = downstream.classification;
      const values: Record<DownstreamMetric, number> = { y1: r.y1, y2: r.y2, y3: r.y3, y4: r.y4, mccId: c.mccId, mccOod: c.mccOod };
      for (const metric of DOWNSTREAM_METRICS) {
        const key = JSON.stringify([run.grid, run.dependence, run.setting, metric]);
        const g = downstreamGroups.get(key) ?? { cell: { grid: run.grid, dependence: run.dependence, setting: run.setting, metric }, values: [] };
        g.values.push(values[metric]);
        downstreamGroups.set(key, g);
      }
      seconds.downstream += downstream.seconds;
    }
    if (metrics === null) continue;
    complete++;
    seconds.train += metrics.trainSeconds;
    seconds.eval += metrics.evalSeconds;
    for (const f of metrics.factors) {
      const key = JSON.stringify([run.grid, run.dependence, run.setting, f.encoding, f.factor]);
      let g = groups.get(key);
      if (!g) {
        g = { cell: { grid: run.grid, dependence: run.dependence, setting: run.setting, encoding: f.encoding, factor: f.factor, predicted: f.predicted }, lin: [], nl: [] };
        groups.set(key, g);
      }
      g.lin.push(f.r2Linear);
      g.nl.push(f.r2Nonlinear);
    }
  }
  const cells: SummaryCell[] = [];
  const agreement: Record<Dependence, Agreement> = {
    independent: { judged: 0, agree: 0, share: null },
    dependent: { judged: 0, agree: 0, share: null },
  };
  for (const { cell, lin, nl } of groups.values()) {
    const [r2LinearMean, r2LinearSd] = meanSd(lin);
    const [r2NonlinearMean, r2NonlinearSd] = meanSd(nl);
    const modalitySpecific = cell.factor === 'm_x' || cell.factor === 'm_t';
    const verdict = verdictFor(cell.predicted, modalitySpecific, cell.dependence, r2NonlinearMean);
    cells.push({ ...cell, seeds: nl.length, r2LinearMean, r2LinearSd, r2NonlinearMean, r2NonlinearSd, verdict });
    if (verdict !== 'n/a') {
      const a = agreement[cell.dependence];
      a.judged++;
      if (verdict === 'pass') a.agree++;
    }
  }
  for (const a of Object.values(agreement)) a.share = a.judged > 0 ? a.agree / a.judged : null;
  const downstreamCells = [...downstreamGroups.values()].map(({ cell, values }) => {
    const [mean, sd] = meanSd(values);
    return { ...cell, seeds: values.length, mean, sd };
  });
  return { cells, agreement, runs: { expected: records.length, complete }, seconds, downstream: downstreamCells };
}
