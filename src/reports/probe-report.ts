/**
 * The results of `misalign probe` as a run's (Node): DIR/metrics.json (the
 * options, the row counts and every factor's values), DIR/metrics.csv, the
 * heatmap DIR/heatmap.svg and .png, and DIR/index.html with both.
 */
import { join } from 'node:path';
import { ensureWritableDir, writeAtomic, writeCsv, writeJson } from '../common/files.js';
import { provenance, provenanceLine } from '../experiments/provenance.js';
import type { ProbeFilesOptions, ProbeFilesResult } from '../probes/embedding-files.js';
import { IMAGE_TEXT_DROPPED_MAX, IMAGE_TEXT_KEPT_MIN } from '../probes/verdicts.js';
import { embeddingHeatmapSpec, renderSvg } from './heatmap.js';
import { svgToPng } from './png.js';
import { escapeHtml, htmlCells } from './report.js';

const STYLE = [
  'body{font-family:DejaVu Sans,sans-serif;max-width:60em;margin:2em auto}',
  'td,th{padding:2px 8px;text-align:right}',
  'td:nth-child(-n+2){text-align:left}',
  '.fail{color:#b00}',
].join('');

export const PROBE_COLUMNS = ['encoding', 'factor', 'kind', 'metric', 'linear', 'nonlinear', 'predicted', 'verdict'] as const;

/** `started`: when the probe command started (for the provenance in metrics.json and the page); `threads`: the core's threads. */
export async function writeProbeResults(
  dir: string,
  options: ProbeFilesOptions,
  result: ProbeFilesResult,
  origin: { started?: Date; threads?: number } = {},
): Promise<{ files: string[] }> {
  await ensureWritableDir(dir);
  const { rows, ...counts } = result;
  const run = provenance(origin.threads ?? 1, origin.started ?? new Date());
  await writeJson(join(dir, 'metrics.json'), { options, ...counts, rows, provenance: run });
  await writeCsv(join(dir, 'metrics.csv'), rows, [...PROBE_COLUMNS]);
  const embeddings = options.embeddingsText ? `${options.embeddings} and ${options.embeddingsText}` : options.embeddings;
  const subtitle = `${embeddings}; ${result.fitRows} fitting and ${result.scoreRows} scoring rows`;
  const svg = await renderSvg(embeddingHeatmapSpec(rows, subtitle));
  await writeAtomic(join(dir, 'heatmap.svg'), svg);
  await writeAtomic(join(dir, 'heatmap.png'), await svgToPng(svg));
  const cell = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'NaN');
  const table = rows
    .map((r) => {
      const values = [escapeHtml(r.encoding), escapeHtml(r.factor), r.metric === 'r2' ? 'R²' : 'MCC', cell(r.linear), cell(r.nonlinear), r.predicted ?? ''];
      return `<tr>${htmlCells(values)}<td class="${r.verdict}">${r.verdict}</td></tr>`;
    })
    .join('\n');
  const verdicts =
    result.judged > 0
      ? `<p>Verdicts: ${result.passed} of ${result.judged} agree ` +
        `(kept ≥ ${IMAGE_TEXT_KEPT_MIN}, dropped ≤ ${IMAGE_TEXT_DROPPED_MAX} on the MLP probe; partly not judged).</p>`
      : '<p>No expectations given (<code>--expect-kept</code>): no verdicts.</p>';
  const sampled = result.readRows < result.totalRows ? ` (a random ${result.readRows} of them read)` : '';
  await writeAtomic(
    join(dir, 'index.html'),
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>misalign probe</title>
<style>${STYLE}</style></head>
<body><h1>What the embeddings keep</h1>
<p>${escapeHtml(subtitle)}. ${result.totalRows} rows${sampled}${result.droppedRows > 0 ? `, ${result.droppedRows} dropped for NaN or Inf` : ''}.</p>
${verdicts}
${svg}
<table><tr><th>embedding</th><th>factor</th><th>metric</th><th>linear</th><th>MLP</th><th>expected</th><th>verdict</th></tr>
${table}
</table>
<p>Provenance: ${escapeHtml(provenanceLine(run))}.</p>
</body></html>
`,
  );
  return { files: ['metrics.json', 'metrics.csv', 'heatmap.svg', 'heatmap.png', 'index.html'].map((f) => join(dir, f)) };
}
