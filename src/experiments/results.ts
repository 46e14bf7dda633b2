/**
 * What a sweep's results are, for every experiment (docs/evaluation.md#averaging-over-seeds-and-agreement):
 *
 *   ResultCell   one factor of one grid setting, read from one embedding: mean
 *                and sd over seeds of the linear and the nonlinear probe's value,
 *                the theory's prediction, and the verdict on the mean
 *   ResultKind   how an experiment's cells are summarised and drawn: its fields
 *                of summary.json, its CSV, its lines in `misalign sweep`, its
 *                sections of the report page (text, tables, heatmaps)
 *
 * Each experiment names its kind (`Experiment.results`); experiments whose
 * cells are shown together share one (MPI3D and Causal3DIdent: the image-text
 * kind, docs/experiments.md#the-grids). sweeps/summary.ts fills the cells and
 * counts the agreement; reports/report.ts renders the sections a kind returns.
 * Nothing outside an experiment's folder decides how its cells look.
 */
import type { Dependence } from '../latent/model.js';
import type { Verdict } from '../probes/verdicts.js';

/** One factor of one grid setting (and dependence setting), read from one embedding, over the seeds that finished. */
export interface ResultCell {
  grid: string;
  /** 'independent' for experiments without the setting (their scenes fix their own). */
  dependence: Dependence;
  setting: string;
  /** Which embedding: 'x'/'t' (numeric), 'image'/'text' (image-text). */
  encoding: string;
  factor: string;
  /** What the values are (the experiment's `values`): R², or MCC. */
  metric: 'r2' | 'mcc';
  /** Seeds that finished (the means and sds are over these). */
  seeds: number;
  linearMean: number;
  linearSd: number;
  nonlinearMean: number;
  nonlinearSd: number;
  predicted: 'kept' | 'partly' | 'dropped';
  /** The experiment's `judge` on the mean nonlinear value. */
  verdict: Verdict;
}

/** Cells with a verdict, and how many agree with the theory. */
export interface Agreement {
  judged: number;
  agree: number;
  /** agree / judged (null when nothing is judged). */
  share: number | null;
}

/** A grid's agreement, with its finished runs and their training and evaluation seconds (a run two grids list counts in both). */
export interface GridAgreement extends Agreement {
  grid: string;
  runs: number;
  seconds: number;
}

/** The cells of one kind of results in a sweep, in the order the runs list them, and their agreement: over all, per dependence setting, per grid. */
export interface ResultGroup {
  cells: ResultCell[];
  agreement: Agreement;
  byDependence: Record<Dependence, Agreement>;
  grids: GridAgreement[];
}

/**
 * One downstream metric of one setting, over seeds (docs/evaluation.md#downstream-tasks): R² of
 * y1..y4 in distribution, MCC of y5 in and out of distribution.
 */
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

/** One heatmap of a report (reports/heatmap.ts draws it with Vega-Lite): cells (row, setting) → value in [0, 1], coloured and printed. */
export interface HeatmapPanel {
  /** The figure's file name without extension (report/<name>.svg and .png). */
  name: string;
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

/** A table cell: its text, or its text marked as disagreeing with the theory. */
export type TableCell = string | { text: string; fail: boolean };

/** Part of a report section, in order. Text is plain: the report escapes it. */
export type ReportBlock =
  | { kind: 'text'; text: string }
  | { kind: 'heading'; text: string }
  | { kind: 'table'; head: readonly string[]; rows: readonly (readonly TableCell[])[] }
  /** Heatmaps, drawn as SVG and PNG files and inline; `none` is said when there are none. */
  | { kind: 'figures'; panels: readonly HeatmapPanel[]; none?: string };

/** A section of the report page: a heading and what follows it. */
export interface ReportSection {
  title: string;
  blocks: ReportBlock[];
}

/** The CSV of a sweep folder that lists a kind's cells. */
export interface ResultCsv {
  file: string;
  columns: readonly string[];
  /** A cell as a CSV row (keys: the columns). */
  row(cell: ResultCell): Record<string, unknown>;
  /** Written even when the sweep has no cell of the kind (summary.csv always has been). */
  always?: boolean;
}

/**
 * A kind of results: how the cells of the experiments that name it are
 * written, printed and drawn. Sweeps, summaries, reports and the CLI find it
 * through the registry (registry.ts: `resultKinds`, `experimentNamed(...).results`).
 */
export interface ResultKind {
  /** Its key in a summary's `results`; unique among the registered kinds. */
  readonly name: string;
  /** The verdicts' thresholds on the nonlinear probe's value (probes/verdicts.ts), drawn on a run's scores figure. */
  readonly thresholds: { keptMin: number; droppedMax: number };
  /** The verdict rule in a sentence, for a run's page. */
  readonly rule: string;
  /** The kind's fields of summary.json (written for every registered kind, with or without cells). */
  json(group: ResultGroup): Record<string, unknown>;
  readonly csv: ResultCsv;
  /** `misalign sweep`'s lines on the kind's cells (a sweep with some). */
  lines(group: ResultGroup): string[];
  /** The report's sections on the kind's cells (a sweep with some); `downstream`: the downstream study's cells of the same grids. */
  sections(group: ResultGroup, downstream: readonly DownstreamCell[]): ReportSection[];
}

/** A value as the summaries print it: three decimals. */
export const fmt = (v: number): string => v.toFixed(3);

/** An agreement share as the summaries print it ('–' when nothing is judged). */
export const shareOf = (share: number | null): string => (share === null ? '–' : fmt(share));
