/**
 * Aggregating a sweep (docs/evaluation.md#averaging-over-seeds-and-agreement):
 * one result cell (experiments/results.ts) per (grid, dependence, setting,
 * encoding, factor), mean and standard deviation over seeds of the values the
 * run's experiment reads (`values`: R² or MCC), the theory's prediction, and a
 * verdict on the mean nonlinear value by the experiment's own rule (`judge`,
 * as for one run). Cells are grouped by their experiment's kind of results,
 * with their agreement (the share of judged cells that pass) over all, per
 * dependence setting and per grid; the kind says which of these summary.json
 * and its CSV hold (`summaryJson`, `summaryCsvs`). Pure: `sweep.ts` reads the
 * runs from disk and writes the files.
 */
import type { RunMetrics } from '../experiments/experiment.js';
import { experimentNamed, resultKinds } from '../experiments/registry.js';
import {
  DOWNSTREAM_METRICS,
  type Agreement,
  type DownstreamCell,
  type DownstreamMetric,
  type GridAgreement,
  type ResultCell,
  type ResultGroup,
} from '../experiments/results.js';
import type { DownstreamResult } from '../probes/downstream.js';
import type { Verdict } from '../probes/verdicts.js';
import type { Dependence } from '../latent/model.js';
import type { GridRun } from './grids.js';

/** Column order of summary_downstream.csv. */
export const DOWNSTREAM_COLUMNS: readonly (keyof DownstreamCell)[] = ['grid', 'dependence', 'setting', 'metric', 'seeds', 'mean', 'sd'];

export interface SweepSummary {
  /** Each registered kind of results (by ResultKind.name: 'numeric', 'image-text', ...) with its cells, empty if the sweep has none. */
  results: Record<string, ResultGroup>;
  /** Runs the grids list, and how many of them have finished. */
  runs: { expected: number; complete: number };
  /** Training and evaluation seconds summed over the finished runs (and the downstream study's), each distinct run once. */
  seconds: { train: number; eval: number; downstream: number };
  /** The downstream study over seeds, for the settings where it ran (empty if it did not). */
  downstream: DownstreamCell[];
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

const noAgreement = (): Agreement => ({ judged: 0, agree: 0, share: null });

/** A kind's cells being gathered: per cell, its values over seeds and its experiment's judge; per grid, runs and seconds. */
interface Gathering {
  cells: Map<
    string,
    {
      cell: Omit<ResultCell, 'seeds' | 'linearMean' | 'linearSd' | 'nonlinearMean' | 'nonlinearSd' | 'verdict'>;
      lin: number[];
      nl: number[];
      judge: (value: number) => Verdict;
    }
  >;
  grids: Map<string, GridAgreement>;
}

/** A kind's cells with their means, verdicts and agreement. */
function finish({ cells, grids }: Gathering): ResultGroup {
  const agreement = noAgreement();
  const byDependence: Record<Dependence, Agreement> = { independent: noAgreement(), dependent: noAgreement() };
  const done = [...cells.values()].map(({ cell, lin, nl, judge }): ResultCell => {
    const [linearMean, linearSd] = meanSd(lin);
    const [nonlinearMean, nonlinearSd] = meanSd(nl);
    const verdict = judge(nonlinearMean);
    for (const a of [agreement, byDependence[cell.dependence], grids.get(cell.grid)!]) count(a, verdict);
    const { predicted, ...key } = cell;
    return { ...key, seeds: nl.length, linearMean, linearSd, nonlinearMean, nonlinearSd, predicted, verdict };
  });
  for (const a of [agreement, ...Object.values(byDependence), ...grids.values()]) setShare(a);
  return { cells: done, agreement, byDependence, grids: [...grids.values()] };
}

export function summarizeSweep(records: readonly RunRecord[]): SweepSummary {
  const kinds = new Map<string, Gathering>(resultKinds().map((k) => [k.name, { cells: new Map(), grids: new Map() }]));
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
    const kind = kinds.get(experiment.results.name) ?? { cells: new Map(), grids: new Map() };
    kinds.set(experiment.results.name, kind);
    const grid = kind.grids.get(run.grid) ?? { grid: run.grid, ...noAgreement(), runs: 0, seconds: 0 };
    grid.runs++;
    grid.seconds += metrics.trainSeconds + metrics.evalSeconds;
    kind.grids.set(run.grid, grid);
    for (const f of metrics.factors) {
      const v = experiment.values(f);
      const key = JSON.stringify([experiment.name, run.grid, run.dependence, run.setting, f.encoding, f.factor]);
      const g = kind.cells.get(key) ?? {
        cell: {
          grid: run.grid,
          dependence: run.dependence,
          setting: run.setting,
          encoding: f.encoding,
          factor: f.factor,
          metric: v.metric,
          predicted: f.predicted,
        },
        lin: [],
        nl: [],
        judge: (value: number) => experiment.judge({ ...f, dependence: run.dependence }, value) as Verdict,
      };
      g.lin.push(probeValue(v.linear));
      g.nl.push(probeValue(v.nonlinear));
      kind.cells.set(key, g);
    }
  }
  const downstreamCells = [...downstreamGroups.values()].map(({ cell, values }) => {
    const [mean, sd] = meanSd(values);
    return { ...cell, seeds: values.length, mean, sd };
  });
  return {
    results: Object.fromEntries([...kinds].map(([name, gathering]) => [name, finish(gathering)])),
    runs: { expected: records.length, complete },
    seconds,
    downstream: downstreamCells,
  };
}

/** A kind's group in a summary (empty if the summary has none of its cells). */
export function resultGroup(summary: SweepSummary, kind: { name: string }): ResultGroup {
  return summary.results[kind.name] ?? finish({ cells: new Map(), grids: new Map() });
}

/** summary.json's content: every registered kind's fields (results.ts: the names sweeps have always written), the runs, seconds and downstream cells. */
export function summaryJson(summary: SweepSummary): Record<string, unknown> {
  const kinds = resultKinds().map((kind) => kind.json(resultGroup(summary, kind)));
  return { ...Object.assign({}, ...kinds), runs: summary.runs, seconds: summary.seconds, downstream: summary.downstream };
}

/** The CSVs of a summary's cells: each kind's that has cells, or is always written; file name, rows and columns. */
export function summaryCsvs(summary: SweepSummary): { file: string; rows: Record<string, unknown>[]; columns: string[] }[] {
  return resultKinds()
    .map((kind) => ({ kind, cells: resultGroup(summary, kind).cells }))
    .filter(({ kind, cells }) => cells.length > 0 || kind.csv.always)
    .map(({ kind, cells }) => ({ file: kind.csv.file, rows: cells.map((c) => kind.csv.row(c)), columns: [...kind.csv.columns] }));
}
