/**
 * Aggregating a sweep: one cell per (grid, dependence, setting, encoding,
 * factor), mean and standard deviation over seeds, the theory's prediction,
 * and a verdict on the mean nonlinear R² (the rule of SPEC §6, as for one
 * run). `agreement` is, per dependence setting, the share of cells with a
 * verdict whose verdict agrees with the theory. Pure: `sweep.ts` reads the
 * runs from disk.
 */
import type { Metrics } from '../experiments/run.js';
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
  /** Training and evaluation seconds summed over the finished runs. */
  seconds: { train: number; eval: number };
}

/** A run of a grid and, once it has finished, its metrics. */
export interface RunRecord {
  run: Pick<GridRun, 'grid' | 'setting' | 'dependence' | 'seed'>;
  metrics: Metrics | null;
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
  const seconds = { train: 0, eval: 0 };
  for (const { run, metrics } of records) {
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
  return { cells, agreement, runs: { expected: records.length, complete }, seconds };
}
