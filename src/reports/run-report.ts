/**
 * One run folder's figures and page (Node): what `misalign train` writes
 * after a run, and `misalign report RUNDIR` (re)writes.
 *
 *   DIR/loss.svg, loss.png      the training loss by step (train_log.csv)
 *   DIR/scores.svg, scores.png  each factor's R² or MCC from each embedding,
 *                               with the theory's prediction and verdict (metrics.json)
 *   DIR/index.html              both figures (inline SVG), the result table,
 *                               the configuration and the timings
 *
 * Every file is written atomically. A run that has not finished (no
 * metrics.json) gets its loss curve so far and no scores; one that has not
 * logged a step yet, no loss curve.
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { TopLevelSpec } from 'vega-lite';
import { MisalignError } from '../common/errors.js';
import type { BaseConfig, RunMetrics } from '../experiments/experiment.js';
import { readJsonIfExists, writeAtomic } from '../common/files.js';
import { experimentOf } from '../experiments/registry.js';
import { FILES, readRunConfig } from '../experiments/run-dir.js';
import { provenance, provenanceLine } from '../experiments/provenance.js';
import type { DownstreamResult } from '../probes/downstream.js';
import { renderSvg } from './heatmap.js';
import { svgToPng } from './png.js';
import { escapeHtml, escapeText, htmlCells } from './report.js';
import { factorScoresSpec, lossCurveSpec, type LossPoint, type ScoredFactor } from './run-figures.js';

/** The files a run report writes into the run folder. */
export const RUN_REPORT_FILES = {
  loss: 'loss',
  scores: 'scores',
  page: 'index.html',
} as const;

export interface RunReportResult {
  /** The run folder. */
  dir: string;
  /** Figure names (without extension) written as .svg and .png: 'loss' and/or 'scores'. */
  figures: string[];
  /** Every file written, as paths (the figures' .svg and .png, then the page). */
  files: string[];
  /** The page: DIR/index.html. */
  page: string;
  /** Whether the run has finished (metrics.json exists). */
  finished: boolean;
}

/** Reads train_log.csv's step and loss columns; [] if the run has not logged a step. */
async function readLossLog(dir: string): Promise<LossPoint[]> {
  let text: string;
  try {
    text = await readFile(join(dir, FILES.log), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  } catch {
    throw new MisalignError('FILE_CORRUPT', `${join(dir, FILES.log)} is not a training log (CSV)`);
  }
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  return records
    .map((r) => ({ step: Number(r.step), loss: Number(r.loss), lossXT: num(r.lossXT), lossTX: num(r.lossTX) }))
    .filter((p) => Number.isFinite(p.step))
    .map(({ lossXT, lossTX, ...p }) => ({ ...p, ...(lossXT !== undefined && { lossXT }), ...(lossTX !== undefined && { lossTX }) }));
}

/** The run's factor rows with their values as its experiment reads them (R² or MCC, linear and nonlinear). */
export function scoredFactors(config: BaseConfig, metrics: RunMetrics): ScoredFactor[] {
  const experiment = experimentOf(config);
  return metrics.factors.map((row) => {
    const v = experiment.values(row);
    // metrics.json stores a non-finite value as null
    const value = (x: number | null) => (x === null ? Number.NaN : x);
    return { row, values: { metric: v.metric, linear: value(v.linear), nonlinear: value(v.nonlinear) } };
  });
}

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : 'NaN');

/** One line saying what the run is: its experiment, what the experiment says of it (`about`), its recipe. */
function runLine(config: BaseConfig): string {
  const parts = [
    config.experiment,
    experimentOf(config).about(config),
    `${config.steps.toLocaleString('en-US')} steps, batch ${config.batch}, seed ${config.seed}`,
  ];
  return parts.filter((p) => p !== '').join('; ');
}

/** The configuration's settings as table rows (nested values as compact JSON). */
function configRows(config: BaseConfig): string {
  return Object.entries(config)
    .map(([k, v]) => {
      const shown = v === null ? 'null' : Array.isArray(v) ? (v.length > 0 ? v.join(', ') : '∅') : typeof v === 'object' ? JSON.stringify(v) : String(v);
      return `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(shown)}</td></tr>`;
    })
    .join('\n');
}

function downstreamTable(d: DownstreamResult): string {
  const r = d.regression;
  const c = d.classification;
  const cells: [string, number][] = [
    ['y1 R² (s1..s3)', r.y1],
    ['y2 R² (s1..s5)', r.y2],
    ['y3 R² (s1..s7)', r.y3],
    ['y4 R² (s1..s9)', r.y4],
    ['y5 MCC, ID', c.mccId],
    ['y5 MCC, OOD', c.mccOod],
  ];
  const labels = cells.map(([k]) => k);
  const values = cells.map(([, v]) => fmt(v));
  return `<h2>Downstream tasks on ẑ_x</h2>
<table><thead><tr>${htmlCells(labels, 'th')}</tr></thead><tbody><tr>${htmlCells(values)}</tr></tbody></table>`;
}

/**
 * Writes the run folder `dir`'s figures (loss and factor scores, SVG and PNG)
 * and index.html; returns what it wrote. Throws FILE_MISSING if `dir`
 * holds no run (no config.json).
 */
export async function runReport(dir: string): Promise<RunReportResult> {
  const started = new Date();
  const config = await readRunConfig(dir);
  const experiment = experimentOf(config);
  const metrics = await readJsonIfExists<RunMetrics>(join(dir, FILES.metricsJson));
  const downstream = await readJsonIfExists<DownstreamResult>(join(dir, FILES.downstream));
  const log = await readLossLog(dir);
  const about = runLine(config);
  const figures: string[] = [];
  const files: string[] = [];
  /** Writes a figure as SVG and PNG; returns its <figure> for the page. */
  const figure = async (name: string, spec: TopLevelSpec): Promise<string> => {
    const svg = await renderSvg(spec);
    await writeAtomic(join(dir, `${name}.svg`), svg);
    await writeAtomic(join(dir, `${name}.png`), await svgToPng(svg));
    figures.push(name);
    files.push(join(dir, `${name}.svg`), join(dir, `${name}.png`));
    const caption = `<figcaption><a href="${name}.svg">${name}.svg</a> · <a href="${name}.png">.png</a></figcaption>`;
    return `<figure>${svg.replace(/^<\?xml[^>]*>\s*/, '')}${caption}</figure>`;
  };
  const lossFigure =
    log.length > 0
      ? await figure(
          RUN_REPORT_FILES.loss,
          lossCurveSpec(log, [about, `loss at step ${log[log.length - 1]!.step.toLocaleString('en-US')}: ${fmt(log[log.length - 1]!.loss, 4)}`]),
        )
      : '<p>No training step logged yet (no train_log.csv).</p>';
  // the thresholds and rule of the experiment's kind of results (experiments/results.ts)
  const { thresholds, rule } = experiment.results;
  const scoresFigure = metrics
    ? await figure(
        RUN_REPORT_FILES.scores,
        factorScoresSpec(scoredFactors(config, metrics), thresholds, [
          about,
          `verdicts passed ${metrics.passed}/${metrics.judged} (MLP probe: kept ≥ ${thresholds.keptMin}, dropped ≤ ${thresholds.droppedMax}; dashed lines)`,
        ]),
      )
    : '<p>The run has not finished (no metrics.json): no scores yet.</p>';
  const logged =
    log.length > 0 ? `logged up to step ${log[log.length - 1]!.step.toLocaleString('en-US')} of ${config.steps.toLocaleString('en-US')}` : 'no step logged';
  const status = metrics
    ? `Verdicts passed: <b>${metrics.passed}/${metrics.judged}</b>. ` +
      `Training ${metrics.trainSeconds.toFixed(1)} s, evaluation ${metrics.evalSeconds.toFixed(1)} s, final loss ${fmt(metrics.finalLoss, 4)}.`
    : `Unfinished: ${logged}; resume it with <code>misalign train --out DIR --resume</code>.`;
  const trained = metrics?.provenance
    ? `Trained and evaluated: ${escapeHtml(provenanceLine(metrics.provenance))}.`
    : 'Training: not recorded (unfinished, or a run from before misalign kept its provenance).';
  const name = basename(resolve(dir));
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>misalign run ${escapeHtml(name)}</title>
<style>
body { font-family: 'DejaVu Sans', system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
figure { display: inline-block; margin: 0.5em; vertical-align: top; }
pre { font-size: 0.85em; }
</style></head><body>
<h1>misalign run: ${escapeHtml(name)}</h1>
<p>${escapeHtml(about)}.</p>
<p>${status}</p>
<h2>What the run keeps</h2>
<p>${escapeText(rule)}</p>
${scoresFigure}
${metrics ? `<details open><summary>result table</summary><pre>${escapeHtml(experiment.format(metrics))}</pre></details>` : ''}
<h2>Training loss</h2>
${lossFigure}
${downstream ? downstreamTable(downstream) : ''}
<h2>Configuration</h2>
<table><tbody>
${configRows(config)}
</tbody></table>
<details><summary>config.json</summary><pre>${escapeHtml(JSON.stringify(config, null, 2))}</pre></details>
<h2>Provenance</h2>
<p>${trained}<br>
This page: ${escapeHtml(provenanceLine(provenance(1, started)))}.</p>
</body></html>
`;
  const page = join(dir, RUN_REPORT_FILES.page);
  await writeAtomic(page, html);
  files.push(page);
  return { dir, figures, files, page, finished: metrics !== null };
}
