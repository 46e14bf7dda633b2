/**
 * `misalign report DIR`: the figures and one self-contained HTML page for a
 * sweep folder (Node).
 *
 *   DIR/report/<panel>.svg and .png   every heatmap the kinds of results draw
 *                                     (numeric: <grid>-<dependence>-<x|t>-<linear|nonlinear>)
 *   DIR/report/index.html             per kind of results with cells, the sections it
 *                                     describes (experiments/results.ts: agreement with the
 *                                     theory, heatmaps inline, tables); then the time, every
 *                                     run's configuration and timings, the provenance
 *
 * The page asks the registry for the kinds (experiments/registry.ts) and renders
 * what each returns; it knows no experiment (docs/experiments.md#the-grids).
 */
import { join } from 'node:path';
import { ensureWritableDir, readJsonIfExists, writeAtomic } from '../common/files.js';
import { FILES } from '../experiments/run-dir.js';
import type { BaseConfig } from '../experiments/experiment.js';
import { resultKinds } from '../experiments/registry.js';
import type { HeatmapPanel, ReportBlock, ReportSection, TableCell } from '../experiments/results.js';
import { resultGroup, type SweepSummary } from '../sweeps/summary.js';
import { readSweepRuns, summarizeEntries, sweepMachines, SWEEP_FILES, type SweepRunEntry } from '../sweeps/sweep.js';
import { provenance, provenanceLine } from '../experiments/provenance.js';
import { readSweepTime, type SweepTime } from '../sweeps/invocations.js';
import { panelSpec, renderSvg } from './heatmap.js';
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
/** Text between tags (quotes need no escape there, and read better unescaped in the page's source). */
export const escapeText = (s: string): string => s.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`);
/** A table row's cells, each already HTML: `<td>a</td><td>b</td>…` (`th`: a header's). */
export const htmlCells = (cells: readonly (string | number)[], tag: 'td' | 'th' = 'td'): string => cells.map((c) => `<${tag}>${c}</${tag}>`).join('');

const cellHtml = (c: TableCell): string =>
  typeof c === 'string' ? `<td>${escapeText(c)}</td>` : `<td${c.fail ? ' class="fail"' : ''}>${escapeText(c.text)}</td>`;

/** A section's block as HTML; `figure` writes a panel's files and returns its <figure>. */
async function blockHtml(block: ReportBlock, figure: (panel: HeatmapPanel) => Promise<string>): Promise<string> {
  switch (block.kind) {
    case 'text':
      return `<p>${escapeText(block.text)}</p>`;
    case 'heading':
      return `<h3>${escapeText(block.text)}</h3>`;
    case 'table': {
      const head = block.head.map((h) => `<th>${escapeText(h)}</th>`).join('');
      const rows = block.rows.map((r) => `<tr>${r.map(cellHtml).join('')}</tr>`).join('\n');
      return `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
    }
    case 'figures': {
      const figures: string[] = [];
      for (const panel of block.panels) figures.push(await figure(panel));
      return figures.join('\n') || (block.none === undefined ? '' : `<p>${escapeText(block.none)}</p>`);
    }
  }
}

async function sectionHtml(section: ReportSection, figure: (panel: HeatmapPanel) => Promise<string>): Promise<string> {
  const blocks: string[] = [];
  for (const block of section.blocks) blocks.push(await blockHtml(block, figure));
  return `<h2>${escapeText(section.title)}</h2>\n${blocks.join('\n')}`;
}

function runsTable(runs: readonly RunRow[]): string {
  const body = runs
    .map((r) => {
      const m = r.metrics;
      const status = m ? verdicts(r) : r.config ? 'unfinished' : 'not started';
      const config = r.config ? `<details><summary>config.json</summary><pre>${escapeHtml(JSON.stringify(r.config, null, 2))}</pre></details>` : '';
      const seconds = (s: number | undefined) => (s === undefined ? '' : s.toFixed(1));
      const times = [seconds(m?.trainSeconds), seconds(m?.evalSeconds), seconds(r.downstream?.seconds)];
      return `<tr>${htmlCells([`<code>${r.id}</code>`, escapeHtml(r.grid), escapeHtml(r.setting), r.dependence, r.seed, ...times, status, config])}</tr>`;
    })
    .join('\n');
  const head = htmlCells(['run', 'grid', 'setting', 'dependence', 'seed', 'training s', 'evaluation s', 'downstream s', 'verdicts', ''], 'th');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
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
      g.steps += r.metrics.steps ?? r.config?.steps ?? 0;
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
    `<tr>${htmlCells([name, `${g.finished}/${g.runs}`, g.steps.toLocaleString('en-US'), minutes(g.train), minutes(g.eval), minutes(g.downstream)])}</tr>`;
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
  /** Writes a panel as SVG and PNG; returns its <figure> for the page. */
  const figure = async (panel: HeatmapPanel): Promise<string> => {
    const svg = await renderSvg(panelSpec(panel));
    await writeAtomic(join(out, `${panel.name}.svg`), svg);
    await writeAtomic(join(out, `${panel.name}.png`), await svgToPng(svg));
    figures.push(panel.name);
    const caption = `<a href="${panel.name}.svg">${panel.name}.svg</a> · <a href="${panel.name}.png">.png</a>`;
    return `<figure>${svg.replace(/^<\?xml[^>]*>\s*/, '')}<figcaption>${caption}</figcaption></figure>`;
  };
  // Each kind of results with cells, in the registry's order, draws its own sections (with the downstream study of its grids).
  const sections: string[] = [];
  for (const kind of resultKinds()) {
    const group = resultGroup(summary, kind);
    if (group.cells.length === 0) continue;
    const grids = new Set(group.grids.map((g) => g.grid));
    const downstream = summary.downstream.filter((c) => grids.has(c.grid));
    for (const section of kind.sections(group, downstream)) sections.push(await sectionHtml(section, figure));
  }
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
<p>${summary.runs.complete} of ${summary.runs.expected} runs finished. Cells are means over seeds.</p>
${sections.join('\n') || '<p>No finished run yet: no cells to show.</p>'}
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
