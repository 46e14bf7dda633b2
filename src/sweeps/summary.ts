/**
 * Aggregating a sweep: one cell per (grid, dependence, setting, encoding,
 * factor), mean and standard deviation over seeds, the theory's prediction,
 * and a verdict on the mean nonlinear R² (the rule of SPEC §6, as for one
 * run). `agreement` is, per dependence setting, the share of cells with a
 * verdict whose verdict agrees with the theory. Image-text runs (MPI3D,
 * Causal3D) give `imageText` cells instead: MCC (discrete factors) or R²
 * (continuous ones) over seeds per (grid, setting, encoding, factor), judged
 * on the mean nonlinear value (kept ≥ 0.8, dropped ≤ 0.1, the paper's Figs. 5
 * and 6 reading; factors predictable through kept causes or effects, `partly`,
 * get no verdict). Pure: `sweep.ts` reads the runs from disk.
 */
import type { Metrics } from '../experiments/run.js';
import type { Mpi3dMetrics } from '../experiments/mpi3d-run.js';
import type { C3dMetrics } from '../experiments/causal3d-run.js';
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

/** One factor of one image-text setting over seeds: MCC (discrete factor) or R² (continuous) from the image or the text embedding. */
export interface ImageTextCell {
  grid: string;
  setting: string;
  encoding: 'image' | 'text';
  factor: string;
  metric: 'mcc' | 'r2';
  seeds: number;
  linearMean: number;
  linearSd: number;
  nonlinearMean: number;
  nonlinearSd: number;
  predicted: 'kept' | 'partly' | 'dropped';
  verdict: Verdict;
}

/** Column order of summary_image_text.csv. */
export const IMAGE_TEXT_COLUMNS: readonly (keyof ImageTextCell)[] = [
  'grid', 'setting', 'encoding', 'factor', 'metric', 'seeds', 'linearMean', 'linearSd', 'nonlinearMean', 'nonlinearSd', 'predicted', 'verdict',
];

/** Image-text verdicts: a kept factor needs ≥ 0.8, a dropped one (biased, or image-specific) ≤ 0.1; `partly` has none; a non-finite value (a broken probe) fails. */
export const IMAGE_TEXT_KEPT_MIN = 0.8;
export const IMAGE_TEXT_DROPPED_MAX = 0.1;

export function imageTextVerdict(predicted: 'kept' | 'partly' | 'dropped', value: number): Verdict {
  if (!Number.isFinite(value)) return 'fail'; // a broken probe never agrees with the theory
  if (predicted === 'partly') return 'n/a';
  return predicted === 'kept' ? (value >= IMAGE_TEXT_KEPT_MIN ? 'pass' : 'fail') : value <= IMAGE_TEXT_DROPPED_MAX ? 'pass' : 'fail';
}

/** One image-text factor row as (metric, linear, nonlinear), whichever experiment wrote it. */
export function imageTextValues(f: { mccLinear?: number; mccNonlinear?: number; r2Linear?: number; r2Nonlinear?: number }): { metric: 'mcc' | 'r2'; linear: number; nonlinear: number } {
  return f.mccNonlinear !== undefined ? { metric: 'mcc', linear: f.mccLinear!, nonlinear: f.mccNonlinear } : { metric: 'r2', linear: f.r2Linear!, nonlinear: f.r2Nonlinear! };
}

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
  /** Training and evaluation seconds summed over the finished runs (and the downstream study's), each distinct run once. */
  seconds: { train: number; eval: number; downstream: number };
  /** The downstream study over seeds, for the settings where it ran (empty if it did not). */
  downstream: DownstreamCell[];
  /** The image-text grids' cells (empty without them) and their agreement with the theory. */
  imageText: ImageTextCell[];
  imageTextAgreement: Agreement;
}

type RunKey = Pick<GridRun, 'grid' | 'setting' | 'dependence' | 'seed'>;
export interface NumericRecord {
  experiment?: 'numeric';
  run: RunKey;
  /** The run's id: a model two grids list is counted once in `seconds`. */
  id?: string;
  metrics: Metrics | null;
  downstream?: DownstreamResult | null;
}
export interface ImageTextRecord {
  experiment: 'mpi3d' | 'causal3d';
  run: RunKey;
  id?: string;
  metrics: Mpi3dMetrics | C3dMetrics | null;
}

/** A run of a grid and, once it has finished, its metrics. */
export type RunRecord = NumericRecord | ImageTextRecord;

const isImageTextRecord = (r: RunRecord): r is ImageTextRecord => r.experiment === 'mpi3d' || r.experiment === 'causal3d';

/** A probe's value as read back: JSON writes a NaN (a broken probe) as null, which must stay NaN, not add up as 0. */
const probeValue = (v: number | null | undefined): number => (typeof v === 'number' ? v : Number.NaN);

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
  const timed = new Set<string>();
  /** Whether this record's seconds are still to be counted (not if a record with its id was). */
  const firstOf = (record: RunRecord, what: string): boolean => {
    if (record.id === undefined) return true;
    const key = `${what}:${record.id}`;
    if (timed.has(key)) return false;
    timed.add(key);
    return true;
  };
  const downstreamGroups = new Map<string, { cell: Pick<DownstreamCell, 'grid' | 'dependence' | 'setting' | 'metric'>; values: number[] }>();
  const imageTextGroups = new Map<string, { cell: Pick<ImageTextCell, 'grid' | 'setting' | 'encoding' | 'factor' | 'metric' | 'predicted'>; lin: number[]; nl: number[] }>();
  for (const record of records) {
    if (isImageTextRecord(record)) {
      const { run, metrics } = record;
      if (metrics === null) continue;
      complete++;
      if (firstOf(record, 'run')) {
        seconds.train += metrics.trainSeconds;
        seconds.eval += metrics.evalSeconds;
      }
      for (const f of metrics.factors as (Mpi3dMetrics | C3dMetrics)['factors'][number][]) {
        const key = JSON.stringify([run.grid, run.setting, f.encoding, f.factor]);
        const v = imageTextValues(f);
        const g = imageTextGroups.get(key) ?? { cell: { grid: run.grid, setting: run.setting, encoding: f.encoding, factor: f.factor, metric: v.metric, predicted: f.predicted }, lin: [], nl: [] };
        g.lin.push(probeValue(v.linear));
        g.nl.push(probeValue(v.nonlinear));
        imageTextGroups.set(key, g);
      }
      continue;
    }
    const { run, metrics, downstream } = record;
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
      if (firstOf(record, 'downstream')) seconds.downstream += downstream.seconds;
    }
    if (metrics === null) continue;
    complete++;
    if (firstOf(record, 'run')) {
      seconds.train += metrics.trainSeconds;
      seconds.eval += metrics.evalSeconds;
    }
    for (const f of metrics.factors) {
      const key = JSON.stringify([run.grid, run.dependence, run.setting, f.encoding, f.factor]);
      let g = groups.get(key);
      if (!g) {
        g = { cell: { grid: run.grid, dependence: run.dependence, setting: run.setting, encoding: f.encoding, factor: f.factor, predicted: f.predicted }, lin: [], nl: [] };
        groups.set(key, g);
      }
      g.lin.push(probeValue(f.r2Linear));
      g.nl.push(probeValue(f.r2Nonlinear));
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
  const imageTextAgreement: Agreement = { judged: 0, agree: 0, share: null };
  const imageText = [...imageTextGroups.values()].map(({ cell, lin, nl }): ImageTextCell => {
    const [linearMean, linearSd] = meanSd(lin);
    const [nonlinearMean, nonlinearSd] = meanSd(nl);
    const verdict = imageTextVerdict(cell.predicted, nonlinearMean);
    if (verdict !== 'n/a') imageTextAgreement.judged++;
    if (verdict === 'pass') imageTextAgreement.agree++;
    return { ...cell, seeds: nl.length, linearMean, linearSd, nonlinearMean, nonlinearSd, verdict };
  });
  imageTextAgreement.share = imageTextAgreement.judged > 0 ? imageTextAgreement.agree / imageTextAgreement.judged : null;
  return { cells, agreement, runs: { expected: records.length, complete }, seconds, downstream: downstreamCells, imageText, imageTextAgreement };
}
