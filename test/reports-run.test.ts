// One run folder's report: the loss curve, the factor scores with the theory's verdicts, and index.html,
// written by `misalign train` after a run and by `misalign report RUNDIR`.
import { copyFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FactorRow, RunMetrics } from '../src/experiments/experiment.js';
import { FILES, trainRunDir } from '../src/experiments/run-dir.js';
import { experimentOf } from '../src/experiments/registry.js';
import { renderSvg } from '../src/reports/heatmap.js';
import { AGREEMENT_LABELS, factorScoresSpec, lossCurveSpec, MAX_LOSS_POINTS, type ScoredFactor } from '../src/reports/run-figures.js';
import { runReport } from '../src/reports/run-report.js';
import { runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/temp.js';

const tempDir = tempDirs('misalign-run-report');

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A PNG's width and height from its IHDR chunk, after checking the signature. */
async function pngSize(path: string): Promise<{ width: number; height: number; bytes: number }> {
  const png = await readFile(path);
  expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), bytes: png.length };
}

/** The bars of a scores SVG (Vega labels each mark for screen readers): one per factor row. */
const bars = (svg: string) => [...svg.matchAll(/<path aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="bar"/g)].map((m) => m[1]!);

const FIGURES = ['loss.svg', 'loss.png', 'scores.svg', 'scores.png', 'index.html'];

describe('misalign train: a numeric run folder gets its figures and page', () => {
  let dir: string;
  let trainOut: string;
  beforeAll(async () => {
    dir = join(await tempDir(), 'run');
    const r = await runCli(
      'train',
      '--ns',
      '3',
      '--nm',
      '1',
      '--select',
      '1-2',
      '--hidden',
      '4,4',
      '--batch',
      '64',
      '--steps',
      '60',
      '--eval-samples',
      '256',
      '--seed',
      '2',
      '--out',
      dir,
    );
    expect(r.code, r.err).toBe(0);
    trainOut = r.out;
  });

  it('writes loss.svg/.png, scores.svg/.png and index.html, and says where', async () => {
    for (const f of FIGURES) expect((await stat(join(dir, f))).size, f).toBeGreaterThan(1000);
    expect(trainOut).toMatch(/^results in .*\/run$/m);
    expect(trainOut).toMatch(/^figures: loss\.svg\/\.png, scores\.svg\/\.png; page: .*\/run\/index\.html$/m);
  });

  it('the scores figure has one bar per factor row of metrics.json, with its value, prediction and verdict', async () => {
    const metrics = JSON.parse(await readFile(join(dir, FILES.metricsJson), 'utf8')) as RunMetrics<FactorRow & { r2Linear: number; r2Nonlinear: number }>;
    const svg = await readFile(join(dir, 'scores.svg'), 'utf8');
    const labels = bars(svg);
    expect(labels).toHaveLength(metrics.factors.length); // 2 encodings × (s1..s3, s_inv, m_x, m_t)
    expect(metrics.factors.length).toBe(12);
    for (const f of metrics.factors) {
      const label = labels.find(
        (l) => l.includes(`factor: ${f.factor};`) && l.includes(`row: ${f.factor} (${f.predicted});`) && l.includes(`MLP probe: ${f.r2Nonlinear.toFixed(3)};`),
      );
      expect(label, `${f.encoding} ${f.factor}`).toBeDefined();
      expect(label).toContain(`theory: ${f.predicted}; verdict: ${f.verdict}`);
      expect(label).toContain(`with the theory: ${AGREEMENT_LABELS[f.verdict]};`);
    }
    for (const text of ['ẑ_x', 'ẑ_t', 's1 (kept)', 's3 (dropped)', 'm_x (dropped)', 'with the theory', `verdicts passed ${metrics.passed}/${metrics.judged}`])
      expect(svg).toContain(text);
  });

  it('the loss figure draws train_log.csv (one line: loss and the two directions)', async () => {
    const svg = await readFile(join(dir, 'loss.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(3);
    for (const text of ['training loss', 'contrastive loss', 'step', 'x → t', 't → x']) expect(svg).toContain(text);
    const last = (await readFile(join(dir, FILES.log), 'utf8')).trim().split('\n').at(-1)!.split(',');
    expect(svg).toContain(`loss at step ${last[0]}: ${Number(last[1]).toFixed(4)}`);
  });

  it('the PNGs decode as PNG at twice the SVG size', async () => {
    for (const name of ['loss', 'scores']) {
      const svg = await readFile(join(dir, `${name}.svg`), 'utf8');
      const width = Number(/^<svg[^>]* width="(\d+)"/.exec(svg)![1]);
      const height = Number(/^<svg[^>]* height="(\d+)"/.exec(svg)![1]);
      const png = await pngSize(join(dir, `${name}.png`));
      expect(png).toMatchObject({ width: 2 * width, height: 2 * height });
      expect(png.width).toBeGreaterThan(400);
      expect(png.bytes).toBeGreaterThan(5000);
    }
  });

  it('index.html holds both figures inline, the result table and the configuration, and loads nothing', async () => {
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html).toContain('<a href="loss.png">');
    expect(html).toContain('<a href="scores.png">');
    expect(html).toMatch(/Verdicts passed: <b>\d+\/\d+<\/b>/);
    expect(html).toContain('numeric; ns 3, nm 1, selected {1,2}, perturbed {∅}, independent; 60 steps, batch 64, seed 2');
    expect(html).toMatch(/<tr><th>selected<\/th><td>1, 2<\/td><\/tr>/);
    expect(html).toMatch(/<tr><th>steps<\/th><td>60<\/td><\/tr>/);
    expect(html).toContain('<summary>config.json</summary>');
    expect(html).toMatch(/identified \(theory\): s1, s2/); // the CLI's result table
    expect(html).not.toMatch(/<script|<img|<link/);
  });

  it('misalign report RUNDIR rewrites the same files; an unfinished run gets its loss curve; a folder with neither a run nor a sweep is refused', async () => {
    const before = await readFile(join(dir, 'scores.svg'), 'utf8');
    for (const f of FIGURES) await rm(join(dir, f));
    const r = await runCli('report', dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^report: loss and scores \(SVG and PNG\) and .*\/run\/index\.html\n$/);
    for (const f of FIGURES) expect((await stat(join(dir, f))).size, f).toBeGreaterThan(1000);
    expect(await readFile(join(dir, 'scores.svg'), 'utf8')).toBe(before); // the same run gives the same figure

    const unfinished = join(await tempDir(), 'unfinished');
    await mkdir(unfinished);
    for (const f of [FILES.config, FILES.log]) await copyFile(join(dir, f), join(unfinished, f));
    const u = await runCli('report', unfinished);
    expect(u.code, u.err).toBe(0);
    expect(u.out).toMatch(/^report: loss \(SVG and PNG\) of an unfinished run and /);
    await expect(stat(join(unfinished, 'scores.svg'))).rejects.toThrow(/ENOENT/);
    expect(await readFile(join(unfinished, 'index.html'), 'utf8')).toMatch(/Unfinished: logged up to step 60 of 60/);

    const empty = await tempDir();
    const e = await runCli('report', empty);
    expect(e.code).toBe(2);
    expect(e.err.trim().split('\n')).toEqual([expect.stringMatching(/holds no sweep \(no grids\/ folder\) and no run \(no config\.json\)$/)]);
  });
});

describe('image-text run folders (MCC and R², image and text embedding)', () => {
  it.each([
    { experiment: 'mpi3d', selectionLevel: 2 },
    { experiment: 'causal3d', perturbationLevel: 3 },
  ])("$experiment: scores per factor of both embeddings, with the theory's verdicts", async (settings) => {
    const dir = join(await tempDir(), settings.experiment);
    const { config, metrics } = await trainRunDir(dir, { ...settings, steps: 4, batch: 8, evalSamples: 48 });
    const report = await runReport(dir);
    expect(report.figures).toEqual(['loss', 'scores']);
    expect(report.files.map((f) => f.slice(dir.length + 1))).toEqual(FIGURES);
    const svg = await readFile(join(dir, 'scores.svg'), 'utf8');
    const labels = bars(svg);
    const experiment = experimentOf(config);
    const finite = metrics.factors.filter((f) => Number.isFinite(experiment.values(f).nonlinear));
    expect(labels).toHaveLength(finite.length);
    expect(finite.length).toBe(metrics.factors.length);
    for (const f of metrics.factors) {
      const v = experiment.values(f);
      expect(
        labels.some(
          (l) =>
            l.includes(`factor: ${f.factor};`) &&
            l.includes(`metric: ${v.metric === 'mcc' ? 'MCC' : 'R²'};`) &&
            l.includes(`theory: ${f.predicted}; verdict: ${f.verdict}`),
        ),
        `${f.encoding} ${f.factor}`,
      ).toBe(true);
    }
    for (const text of ['image embedding', 'text embedding', 'MCC', 'kept ≥ 0.8, dropped ≤ 0.1']) expect(svg).toContain(text);
    const png = await pngSize(join(dir, 'scores.png'));
    expect(png.width).toBeGreaterThan(400);
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    expect(html).toContain(`<tr><th>experiment</th><td>${settings.experiment}</td></tr>`);
    expect(html).toContain('"partly" (a kept cause or effect) is not judged');
  });
});

describe('the figures, from values', () => {
  const row = (
    encoding: string,
    factor: string,
    predicted: FactorRow['predicted'],
    verdict: FactorRow['verdict'],
    nonlinear: number,
    metric: 'r2' | 'mcc' = 'mcc',
  ): ScoredFactor => ({
    row: { encoding, factor, predicted, verdict },
    values: { metric, linear: nonlinear / 2, nonlinear },
  });

  it('shows the verdicts the run gives (not recomputed), negative MCC on the axis, and a broken probe as NaN without a bar', async () => {
    // the verdicts here disagree with the values on purpose: the figure must show the run's own
    const factors = [
      row('image', 'color', 'kept', 'fail', 0.95),
      row('image', 'size', 'dropped', 'pass', -0.25),
      row('image', 'shape', 'partly', 'n/a', Number.NaN),
      row('text', 'color', 'kept', 'pass', 0.5),
    ];
    const spec = factorScoresSpec(factors, { keptMin: 0.8, droppedMax: 0.1 }, 'test') as unknown as {
      hconcat: { layer: { data: { values: Record<string, unknown>[] }; encoding: { x: { scale: { domain: number[] } } } }[] }[];
    };
    expect(spec.hconcat).toHaveLength(2);
    const image = spec.hconcat[0]!.layer[0]!;
    expect(image.encoding.x.scale.domain).toEqual([-0.3, 1]);
    expect(image.data.values.map((v) => [v.factor, v.agreement])).toEqual([
      ['color', 'disagrees'],
      ['size', 'agrees'],
      ['shape', 'not judged'],
    ]);
    const svg = await renderSvg(spec as never);
    expect(bars(svg)).toHaveLength(3); // shape's NaN draws no bar
    expect(svg).toContain('NaN');
    expect(svg).toContain('−0.2'); // the axis reaches below zero
  });

  it('thins a long loss log to at most MAX_LOSS_POINTS points, keeping the first and last steps', () => {
    const log = Array.from({ length: 10_001 }, (_, i) => ({ step: 10 * i + 1, loss: 1 / (i + 1) }));
    const spec = lossCurveSpec(log, 'long') as unknown as { data: { values: { step: number }[] } };
    expect(spec.data.values).toHaveLength(MAX_LOSS_POINTS);
    expect(spec.data.values[0]!.step).toBe(1);
    expect(spec.data.values.at(-1)!.step).toBe(100_001);
  });
});
