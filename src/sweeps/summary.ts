/**
 * Aggregating a sweep: one cell per (grid, dependence, setting, encoding,
 * factor), mean and standard deviation over seeds, the theory's prediction,
 * and a verdict on the mean nonlinear value by the experiment's own rule
 * (probes/verdicts.ts, as for one run). Experiments of the 'latent' family
 * (numeric) give `cells` (R² per dependence setting); `agreement` is, per
 * dependence setting, the share of cells with a verdict that agrees with the
 * theory. The 'scene' family (MPI3D, Causal3D) gives `imageText` cells: MCC
 * (discrete factors) or R² (continuous ones) per (grid, setting, encoding,
 * factor), and `imageTextAgreement`. Pure: `sweep.ts` reads the runs from disk.
 */
import type { RunMetrics } from '../experiments/experiment.js';
import { experimentNamed } from '../experiments/registry.js';
import type { DownstreamResult } from '../probes/downstream.js';
import type { Verdict } from '../probes/verdicts.js';
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
  'grid',
  'setting',
  'encoding',
  'factor',
  'metric',
  'seeds',
  'linearMean',
  'linearSd',
  'nonlinearMean',
  'nonlinearSd',
  'predicted',
  'verdict',
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
  /** Training and evaluation seconds summed over the finished runs (and the downstream study's), each distinct run once. */
  seconds: { train: number; eval: number; downstream: number };
  /** The downstream study over seeds, for the settings where it ran (empty if it did not). */
  downstream: DownstreamCell[];
  /** The image-text grids' cells (empty without them) and their agreement with the theory. */
  imageText: ImageTextCell[];
  imageTextAgreement: Agreement;
  /** Each image-text grid's agreement, and the training and evaluation seconds of its finished runs (a run two grids list counts in both). */
  imageTextGrids: ImageTextGridSummary[];
}

export interface ImageTextGridSummary extends Agreement {
  grid: string;
  runs: number;
  seconds: number;
}

type RunKey = Pick<GridRun, 'grid' | 'setting' | 'dependence' | 'seed'>;

/** A run of a grid and, once it has finished, its metrics. */
export interface RunRecord {
  /** The run's experiment (default numeric). */
  experiment?: string;
  run: RunKey;
  /** The run's id: a model two grids list is counted once in `seconds`. */
  id?: string;
  metrics: RunMetrics | null;
  downstream?: DownstreamResult | null;
}

/** A probe's value as read back: JSON writes a NaN (a broken probe) as null, which must stay NaN, not add up as 0. */
const probeValue = (v: number | null | undefined): number => (typeof v === 'number' ? v : Number.NaN);

function meanSd(values: readonly number[]): [number, number] {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return [mean, 0];
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return [mean, Math.sqrt(ss / (n - 1))];
}

/** Adds a cell's verdict to an agreement count ('n/a' is not judged). */
function count(a: Agreement, verdict: Verdict): void {
  if (verdict === 'n/a') return;
  a.judged++;
  if (verdict === 'pass') a.agree++;
}

const setShare = (a: Agreement): void => {
  a.share = a.judged > 0 ? a.agree / a.judged : null;
};

export function summarizeSweep(records: readonly RunRecord[]): SweepSummary {
  type Judge = (value: number) => Verdict;
  const groups = new Map<
    string,
    {
      cell: Omit<SummaryCell, 'seeds' | 'r2LinearMean' | 'r2LinearSd' | 'r2NonlinearMean' | 'r2NonlinearSd' | 'verdict'>;
      lin: number[];
      nl: number[];
      judge: Judge;
    }
  >();
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
  const imageTextGroups = new Map<
    string,
    { cell: Pick<ImageTextCell, 'grid' | 'setting' | 'encoding' | 'factor' | 'metric' | 'predicted'>; lin: number[]; nl: number[]; judge: Judge }
  >();
  const imageTextGrids = new Map<string, ImageTextGridSummary>();
  for (const record of records) {
    const { run, metrics, downstream } = record;
    const experiment = experimentNamed(record.experiment);
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
    if (experiment.family === 'scene') {
      const g = imageTextGrids.get(run.grid) ?? { grid: run.grid, judged: 0, agree: 0, share: null, runs: 0, seconds: 0 };
      g.runs++;
      g.seconds += metrics.trainSeconds + metrics.evalSeconds;
      imageTextGrids.set(run.grid, g);
    }
    for (const f of metrics.factors) {
      const v = experiment.values(f);
      const judge = (value: number) => experiment.judge({ ...f, dependence: run.dependence }, value) as Verdict;
      if (experiment.family === 'scene') {
        const key = JSON.stringify([run.grid, run.setting, f.encoding, f.factor]);
        const g = imageTextGroups.get(key) ?? {
          cell: {
            grid: run.grid,
            setting: run.setting,
            encoding: f.encoding as ImageTextCell['encoding'],
            factor: f.factor,
            metric: v.metric,
            predicted: f.predicted,
          },
          lin: [],
          nl: [],
          judge,
        };
        g.lin.push(probeValue(v.linear));
        g.nl.push(probeValue(v.nonlinear));
        imageTextGroups.set(key, g);
        continue;
      }
      const key = JSON.stringify([run.grid, run.dependence, run.setting, f.encoding, f.factor]);
      const g = groups.get(key) ?? {
        cell: {
          grid: run.grid,
          dependence: run.dependence,
          setting: run.setting,
          encoding: f.encoding as SummaryCell['encoding'],
          factor: f.factor,
          predicted: f.predicted as SummaryCell['predicted'],
        },
        lin: [],
        nl: [],
        judge,
      };
      g.lin.push(probeValue(v.linear));
      g.nl.push(probeValue(v.nonlinear));
      groups.set(key, g);
    }
  }
  const cells: SummaryCell[] = [];
  const agreement: Record<Dependence, Agreement> = {
    independent: { judged: 0, agree: 0, share: null },
    dependent: { judged: 0, agree: 0, share: null },
  };
  for (const { cell, lin, nl, judge } of groups.values()) {
    const [r2LinearMean, r2LinearSd] = meanSd(lin);
    const [r2NonlinearMean, r2NonlinearSd] = meanSd(nl);
    const verdict = judge(r2NonlinearMean);
    cells.push({ ...cell, seeds: nl.length, r2LinearMean, r2LinearSd, r2NonlinearMean, r2NonlinearSd, verdict });
    count(agreement[cell.dependence], verdict);
  }
  for (const a of Object.values(agreement)) setShare(a);
  const downstreamCells = [...downstreamGroups.values()].map(({ cell, values }) => {
    const [mean, sd] = meanSd(values);
    return { ...cell, seeds: values.length, mean, sd };
  });
  const imageTextAgreement: Agreement = { judged: 0, agree: 0, share: null };
  const imageText = [...imageTextGroups.values()].map(({ cell, lin, nl, judge }): ImageTextCell => {
    const [linearMean, linearSd] = meanSd(lin);
    const [nonlinearMean, nonlinearSd] = meanSd(nl);
    const verdict = judge(nonlinearMean);
    count(imageTextAgreement, verdict);
    count(imageTextGrids.get(cell.grid)!, verdict);
    return { ...cell, seeds: nl.length, linearMean, linearSd, nonlinearMean, nonlinearSd, verdict };
  });
  for (const a of [imageTextAgreement, ...imageTextGrids.values()]) setShare(a);
  return {
    cells,
    agreement,
    runs: { expected: records.length, complete },
    seconds,
    downstream: downstreamCells,
    imageText,
    imageTextAgreement,
    imageTextGrids: [...imageTextGrids.values()],
  };
}
