/**
 * `misalign report DIR`: the figures and one self-contained HTML page for a
 * sweep folder (Node).
 *
 *   DIR/report/<grid>-<dependence>-<x|t>-<linear|nonlinear>.svg and .png
 *   DIR/report/index.html   the figures (inline SVG), the agreement with the
 *                           theory, the ablation tables, every run's
 *                           configuration and timings
 */
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { ensureWritableDir, readJsonIfExists, writeAtomic } from '../common/files.js';
import { FILES } from '../experiments/run-dir.js';
import type { BaseConfig } from '../experiments/experiment.js';
import { DROPPED_MAX_R2, IMAGE_TEXT_DROPPED_MAX, IMAGE_TEXT_KEPT_MIN, KEPT_MIN_R2 } from '../probes/verdicts.js';
import type { DownstreamCell, ImageTextCell, SummaryCell, SweepSummary } from '../sweeps/summary.js';
import { readSweepRuns, summarizeEntries, sweepMachines, SWEEP_FILES, type SweepRunEntry } from '../sweeps/sweep.js';
import { provenance, provenanceLine } from '../experiments/provenance.js';
import { readSweepTime, type SweepTime } from '../sweeps/invocations.js';
import {
  downstreamKeys,
  downstreamName,
  downstreamSpec,
  heatmapKeys,
  heatmapName,
  heatmapSpec,
  imageTextHeatmapSpec,
  imageTextKeys,
  imageTextName,
  renderSvg,
} from './heatmap.js';
import { svgToPng } from './png.js';

export const REPORT_DIR = 'report';

export interface ReportResult {
  /** Folder holding the report. */
  dir: string;
  /** Figure file names (without extension), each written as .svg and .png. */
  figures: string[];
  summary: SweepSummary;
}

interface RunRow extends SweepRunEntry {
  config: BaseConfig | null;
}

/** A finished run's verdicts: passed / judged. */
function verdicts(r: SweepRunEntry): string {
  return r.metrics ? `${r.metrics.passed}/${r.metrics.judged}` : '';
}

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (v: number): string => v.toFixed(3);

/** The image-text cells whose mean is on the wrong side of the theory's threshold, with their seed spread (sample sd). */
function imageTextMisses(cells: readonly ImageTextCell[]): string {
  const misses = cells.filter((c) => c.verdict === 'fail');
  if (misses.length === 0) return '<p>Every judged cell agrees with the theory.</p>';
  const rows = misses
    .map(
      (c) =>
        `<tr><td>${c.grid}</td><td>${c.setting}</td><td>${c.encoding}</td><td>${c.factor}</td><td>${c.predicted}</td><td>${fmt(c.nonlinearMean)}</td><td>${fmt(c.nonlinearSd)}</td><td>${c.seeds}</td></tr>`,
    )
    .join('');
  return `<h3>Cells on the wrong side</h3>
<table><thead><tr><th>grid</th><th>setting</th><th>embedding</th><th>factor</th><th>theory</th><th>mean (nonlinear)</th><th>sd over seeds</th><th>seeds</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Grids with one setting are the ablations: shown as tables, factor by factor. */
function ablationTable(cells: readonly SummaryCell[], downstream: readonly DownstreamCell[], grid: string): string {
  const mine = cells.filter((c) => c.grid === grid);
  const groups = [...new Set(mine.map((c) => `${c.dependence}\u0000${c.setting}`))];
  return groups
    .map((g) => {
      const [dependence, setting] = g.split('\u0000') as [string, string];
      const rows = mine.filter((c) => c.dependence === dependence && c.setting === setting);
      const factors = [...new Set(rows.map((c) => c.factor))];
      const cell = (f: string, e: 'x' | 't') => rows.find((c) => c.factor === f && c.encoding === e);
      const body = factors
        .map((f) => {
          const x = cell(f, 'x');
          const t = cell(f, 't');
          const show = (c: SummaryCell | undefined, lin: boolean) =>
            c ? `${fmt(lin ? c.r2LinearMean : c.r2NonlinearMean)} ± ${fmt(lin ? c.r2LinearSd : c.r2NonlinearSd)}` : '–';
          const verdicts = [x?.verdict, t?.verdict].filter(Boolean).join(' / ');
          return `<tr><td>${escapeHtml(f)}</td><td>${show(x, true)}</td><td>${show(x, false)}</td><td>${show(t, true)}</td><td>${show(t, false)}</td><td>${(x ?? t)?.predicted ?? ''}</td><td class="${verdicts.includes('fail') ? 'fail' : ''}">${verdicts}</td></tr>`;
        })
        .join('\n');
      const tasks = downstream.filter((c) => c.grid === grid && c.dependence === dependence && c.setting === setting);
      const tasksTable =
        tasks.length === 0
          ? ''
          : `
<table><thead><tr><th>downstream (ẑ_x)</th>${tasks.map((c) => `<th>${c.metric}</th>`).join('')}</tr></thead>
<tbody><tr><td>mean ± sd</td>${tasks.map((c) => `<td>${fmt(c.mean)} ± ${fmt(c.sd)}</td>`).join('')}</tr></tbody></table>`;
      return `<h3>${escapeHtml(grid)}: ${escapeHtml(setting)} (${dependence})</h3>
<table><thead><tr><th>factor</th><th>ẑ_x linear</th><th>ẑ_x nonlinear</th><th>ẑ_t linear</th><th>ẑ_t nonlinear</th><th>theory</th><th>verdict (x / t)</th></tr></thead>
<tbody>${body}</tbody></table>${tasksTable}`;
    })
    .join('\n');
}

function runsTable(runs: readonly RunRow[]): string {
  const body = runs
    .map((r) => {
      const m = r.metrics;
      const status = m ? verdicts(r) : r.config ? 'unfinished' : 'not started';
      const config = r.config ? `<details><summary>config.json</summary><pre>${escapeHtml(JSON.stringify(r.config, null, 2))}</pre></details>` : '';
      return `<tr><td><code>${r.id}</code></td><td>${escapeHtml(r.grid)}</td><td>${escapeHtml(r.setting)}</td><td>${r.dependence}</td><td>${r.seed}</td><td>${m ? m.trainSeconds.toFixed(1) : ''}</td><td>${m ? m.evalSeconds.toFixed(1) : ''}</td><td>${r.downstream ? r.downstream.seconds.toFixed(1) : ''}</td><td>${status}</td><td>${config}</td></tr>`;
    })
    .join('\n');
  return `<table><thead><tr><th>run</th><th>grid</th><th>setting</th><th>dependence</th><th>seed</th><th>training s</th><th>evaluation s</th><th>downstream s</th><th>verdicts</th><th></th></tr></thead><tbody>${body}</tbody></table>`;
}

/** What the study took: the sweep commands' wall time, then a table by grid of time summed over distinct runs. */
function timeSection(runs: readonly RunRow[], time: SweepTime | null): string {
  const minutes = (seconds: number) => (seconds / 60).toFixed(1);
  // Per grid, every model it lists (one that two grids list counts in both); the last row counts each model once.
  type Time = { runs: number; finished: number; steps: number; train: number; eval: number; downstream: number };
  const zero = (): Time => ({ runs: 0, finished: 0, steps: 0, train: 0, eval: 0, downstream: 0 });
  const add = (g: Time, r: RunRow) => {
    g.runs++;
    if (r.metrics) {
      g.finished++;
      g.steps += r.config?.steps ?? 0;
      g.train += r.metrics.trainSeconds;
      g.eval += r.metrics.evalSeconds;
    }
    g.downstream += r.downstream?.seconds ?? 0;
  };
  const byGrid = new Map<string, { time: Time; ids: Set<string> }>();
  const distinct = new Set<string>();
  const total = zero();
  for (const r of runs) {
    const g = byGrid.get(r.grid) ?? { time: zero(), ids: new Set<string>() };
    byGrid.set(r.grid, g);
    if (!g.ids.has(r.id)) {
      g.ids.add(r.id);
      add(g.time, r);
    }
    if (!distinct.has(r.id)) {
      distinct.add(r.id);
      add(total, r);
    }
  }
  const rows = [...byGrid.entries()];
  const row = (name: string, g: Time) =>
    `<tr><td>${name}</td><td>${g.finished}/${g.runs}</td><td>${g.steps.toLocaleString('en-US')}</td><td>${minutes(g.train)}</td><td>${minutes(g.eval)}</td><td>${minutes(g.downstream)}</td></tr>`;
  const wall = time
    ? time.commands === 1
      ? `Wall time ${minutes(time.busySeconds)} min (one sweep command).`
      : `Wall time ${minutes(time.busySeconds)} min summed over ${time.commands} sweep commands (first start to last record: ${minutes(time.spanSeconds)} min).`
    : 'No record of the sweep commands (a folder from before they were kept).';
  return `<h2>Time</h2>
<p>${wall} Summed over runs, per grid (a model two grids list counts in both) and over the ${total.runs} distinct models:</p>
<table><thead><tr><th>grid</th><th>runs finished</th><th>training steps</th><th>training min</th><th>evaluation min</th><th>downstream min</th></tr></thead>
<tbody>${rows.map(([grid, g]) => row(escapeHtml(grid), g.time)).join('\n')}
${row('<b>all (distinct models)</b>', total)}</tbody></table>`;
}

/** The machines a sweep's runs were trained on, for the page. */
function machinesLine(machines: ReturnType<typeof sweepMachines>): string {
  if (machines.length === 0) return 'not recorded (runs from before misalign kept their provenance)';
  return machines
    .map((m) =>
      escapeHtml(`${m.host} (${m.cpu}), misalign ${m.misalign}${m.commit ? ` at ${m.commit.slice(0, 10)}` : ''}: ${m.runs} run${m.runs === 1 ? '' : 's'}`),
    )
    .join('; ');
}

/** Writes the figures and index.html for the sweep in `dir`; returns what it wrote. */
export async function writeReport(dir: string): Promise<ReportResult> {
  const started = new Date();
  const entries = await readSweepRuns(dir);
  const summary = await summarizeEntries(dir, entries, { started });
  const out = join(dir, REPORT_DIR);
  await ensureWritableDir(out);
  const runs: RunRow[] = [];
  for (const e of entries) runs.push({ ...e, config: await readJsonIfExists<BaseConfig>(join(dir, SWEEP_FILES.runs, e.id, FILES.config)) });
  const figures: string[] = [];
  const sections: string[] = [];
  const ablations = new Set<string>();
  for (const grid of new Set(summary.cells.map((c) => c.grid))) {
    if (new Set(summary.cells.filter((c) => c.grid === grid).map((c) => c.setting)).size === 1) ablations.add(grid);
  }
  /** Writes a figure as SVG and PNG; returns its <figure> for the page. */
  const figure = async (name: string, spec: TopLevelSpec): Promise<string> => {
    const svg = await renderSvg(spec);
    await writeAtomic(join(out, `${name}.svg`), svg);
    await writeAtomic(join(out, `${name}.png`), await svgToPng(svg));
    figures.push(name);
    return `<figure>${svg.replace(/^<\?xml[^>]*>\s*/, '')}<figcaption><a href="${name}.svg">${name}.svg</a> · <a href="${name}.png">.png</a></figcaption></figure>`;
  };
  for (const key of heatmapKeys(summary.cells)) {
    if (!ablations.has(key.grid)) sections.push(await figure(heatmapName(key), heatmapSpec(summary.cells, key)));
  }
  const downstreamSections: string[] = [];
  for (const key of downstreamKeys(summary.downstream)) {
    if (!ablations.has(key.grid)) downstreamSections.push(await figure(downstreamName(key), downstreamSpec(summary.downstream, key)));
  }
  const imageTextSections: string[] = [];
  for (const key of imageTextKeys(summary.imageText)) imageTextSections.push(await figure(imageTextName(key), imageTextHeatmapSpec(summary.imageText, key)));
  const it = summary.imageTextAgreement;
  const agreement = (['independent', 'dependent'] as const)
    .map((d) => {
      const a = summary.agreement[d];
      return `<tr><td>${d}</td><td>${a.share === null ? '–' : fmt(a.share)}</td><td>${a.agree}/${a.judged}</td></tr>`;
    })
    .join('');
  const time = timeSection(runs, await readSweepTime(dir));
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>misalign report</title>
<style>
body { font-family: 'DejaVu Sans', system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
td.fail { color: #b00; font-weight: bold; }
figure { display: inline-block; margin: 0.5em; vertical-align: top; }
pre { font-size: 0.8em; }
</style></head><body>
<h1>misalign report</h1>
<p>${summary.runs.complete} of ${summary.runs.expected} runs finished.
Cells are means over seeds; verdicts use the mean nonlinear R² (kept ≥ ${KEPT_MIN_R2}; dropped ≤ ${DROPPED_MAX_R2} in the independent setting; m_x, m_t ≤ ${DROPPED_MAX_R2} always).</p>
${
  summary.cells.length > 0 || summary.imageText.length === 0
    ? `<h2>Agreement with the theory</h2>
<table><thead><tr><th>semantics</th><th>share of cells</th><th>agree / judged</th></tr></thead><tbody>${agreement}</tbody></table>
<h2>Heatmaps</h2>
${sections.join('\n') || '<p>No grid with more than one setting.</p>'}`
    : ''
}
${
  downstreamSections.length > 0
    ? `<h2>Downstream tasks (Figs. 4 and 10)</h2>
<p>MLP probes on frozen ẑ_x: R² of y1..y4 = F(s[1..3]), F(s[1..5]), F(s[1..7]), F(s[1..9]) in distribution; MCC of y5 (y2 binarised) in distribution and with s9, s10 shifted (OOD).</p>
${downstreamSections.join('\n')}`
    : ''
}
${
  imageTextSections.length > 0
    ? `<h2>Image-text experiments: MPI3D (Fig. 5) and Causal3DIdent (Fig. 6) scenes with biased captions</h2>
<p>From the image and the text embedding (as unit vectors), per factor: MCC of a logistic regression (linear) and an MLP classifier (nonlinear) for discrete factors, R² of a linear regression and an MLP regressor for continuous ones; means over seeds.
Verdicts use the mean nonlinear value: factors the captions mention correctly need ≥ ${IMAGE_TEXT_KEPT_MIN}; the others (omitted, perturbed, image- or text-specific) ≤ ${IMAGE_TEXT_DROPPED_MAX}; a dropped factor with a kept cause or effect (Causal3D: "partly") has no verdict.
Agreement: ${it.share === null ? '–' : fmt(it.share)} (${it.agree}/${it.judged} cells).</p>
<table><thead><tr><th>grid</th><th>agree / judged</th><th>share</th><th>runs</th><th>training and evaluation (min, summed over runs)</th></tr></thead><tbody>${summary.imageTextGrids
        .map(
          (g) =>
            `<tr><td>${g.grid}</td><td>${g.agree}/${g.judged}</td><td>${g.share === null ? '–' : fmt(g.share)}</td><td>${g.runs}</td><td>${(g.seconds / 60).toFixed(1)}</td></tr>`,
        )
        .join('')}</tbody></table>
${imageTextMisses(summary.imageText)}
${imageTextSections.join('\n')}`
    : ''
}
${ablations.size > 0 ? `<h2>Ablations</h2>\n${[...ablations].map((g) => ablationTable(summary.cells, summary.downstream, g)).join('\n')}` : ''}
${time}
<h2>Runs</h2>
${runsTable(runs)}
<h2>Provenance</h2>
<p>Trained on: ${machinesLine(sweepMachines(entries))}.<br>
This report: ${escapeHtml(provenanceLine(provenance(1, started)))}.</p>
</body></html>
`;
  await writeAtomic(join(out, 'index.html'), html);
  return { dir: out, figures, summary };
}
