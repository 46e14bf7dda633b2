// The image-text grids (MPI3D, the paper's Fig. 5) in sweeps: expansion,
// a toy sweep with its summary, an interrupted run finished from its
// checkpoint, the report's heatmaps, and the command line's refusals.
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILES } from '../src/experiments/run-dir.js';
import { writeReport } from '../src/reports/report.js';
import { imageTextVerdict } from '../src/probes/verdicts.js';
import { builtinGrid, expandGrid, type Grid } from '../src/sweeps/grids.js';
import { runSweep, SWEEP_FILES } from '../src/sweeps/sweep.js';
import { runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/temp.js';

const tempDir = tempDirs('misalign-sweep-it');

describe('image-text grids', () => {
  it('are the five selection and perturbation levels, labelled as in Fig. 5, one run per seed', () => {
    const sel = builtinGrid('mpi3d-selection');
    expect(sel.settings.map((s) => s.label)).toEqual(['{color}', '+shape', '+size', '+camera', '+background']);
    expect(sel.settings.map((s) => s.settings)).toEqual([1, 2, 3, 4, 5].map((selectionLevel) => ({ selectionLevel })));
    const pert = builtinGrid('mpi3d-perturbation');
    expect(pert.settings[4]).toEqual({ label: '{shape, size, cam, back}', settings: { perturbationLevel: 5 } });
    const runs = expandGrid(sel, { seeds: 2, preset: 'quick', base: { steps: 50, evalSamples: 64, lr: 0.5 } });
    expect(runs).toHaveLength(10);
    expect(runs[3]).toEqual({
      experiment: 'mpi3d',
      grid: 'mpi3d-selection',
      setting: '+shape',
      dependence: 'independent',
      seed: 1,
      settings: { experiment: 'mpi3d', preset: 'quick', steps: 50, evalSamples: 64, lr: 0.5, selectionLevel: 2, seed: 1 },
    });
    // base settings the experiment does not take are left out
    expect(expandGrid(sel, { seeds: 1, base: { ns: 4, steps: 7 } })[0]!.settings).toEqual({ experiment: 'mpi3d', steps: 7, selectionLevel: 1, seed: 0 });
    expect(() => expandGrid(sel, { dependence: ['independent', 'dependent'] })).toThrow(/has no dependence setting/);
  });

  it('judge MCC: kept ≥ 0.8, dropped ≤ 0.1', () => {
    expect([imageTextVerdict('kept', 0.8), imageTextVerdict('kept', 0.79), imageTextVerdict('dropped', 0.1), imageTextVerdict('dropped', 0.11)]).toEqual([
      'pass',
      'fail',
      'pass',
      'fail',
    ]);
  });

  it('sweep into one folder: summary cells per level, encoding and factor; a rerun skips; an interrupted run starts again with the same result; the report draws Fig. 5', async () => {
    const dir = await tempDir();
    const toy = { steps: 12, batch: 16, evalSamples: 96 };
    const grid: Grid = {
      ...builtinGrid('mpi3d-selection'),
      settings: builtinGrid('mpi3d-selection')
        .settings.slice(0, 2)
        .map((s) => ({ ...s, settings: { ...s.settings, ...toy } })),
    };
    const runs = expandGrid(grid, { seeds: 1 });
    const first = await runSweep(dir, runs);
    expect(first).toMatchObject({ skipped: 0, done: 2, failed: [] });
    const { cells: imageText, agreement: imageTextAgreement, grids } = first.summary.results['image-text']!;
    const counts = first.summary.runs;
    expect(first.summary.results.numeric!.cells).toEqual([]);
    expect(counts).toEqual({ expected: 2, complete: 2 });
    expect(imageText).toHaveLength(2 * 2 * 7);
    expect(imageText.filter((c) => c.predicted === 'kept').map((c) => `${c.setting} ${c.encoding} ${c.factor}`)).toEqual([
      '{color} image color',
      '{color} text color',
      '+shape image color',
      '+shape image shape',
      '+shape text color',
      '+shape text shape',
    ]);
    expect(imageTextAgreement.judged).toBe(28);
    expect(grids).toEqual([
      { grid: 'mpi3d-selection', judged: 28, agree: imageTextAgreement.agree, share: imageTextAgreement.share, runs: 2, seconds: expect.any(Number) },
    ]);
    expect(grids[0]!.seconds).toBeGreaterThan(0);
    // summary.json keeps the names it has always had
    const written = JSON.parse(await readFile(join(dir, SWEEP_FILES.summaryJson), 'utf8'));
    expect(written).toMatchObject({ cells: [], imageTextAgreement, imageTextGrids: grids });
    expect(written.imageText[0]).toEqual({ ...imageText[0], dependence: undefined });
    const csv = (await readFile(join(dir, 'summary_image_text.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('grid,setting,encoding,factor,metric,seeds,linearMean,linearSd,nonlinearMean,nonlinearSd,predicted,verdict');
    expect(csv).toHaveLength(29);
    const manifest = JSON.parse(await readFile(join(dir, SWEEP_FILES.grids, 'mpi3d-selection.json'), 'utf8'));
    expect(manifest.runs.map((r: { experiment: string }) => r.experiment)).toEqual(['mpi3d', 'mpi3d']);

    expect(await runSweep(dir, runs)).toMatchObject({ skipped: 2, done: 0 });

    // Interrupted after its last checkpoint: no metrics yet. The rerun resumes it and evaluates it to the same result.
    const id = manifest.runs[1].id as string;
    const metricsPath = join(dir, SWEEP_FILES.runs, id, FILES.metricsJson);
    const before = await readFile(metricsPath, 'utf8');
    await rm(metricsPath);
    expect(await runSweep(dir, runs)).toMatchObject({ skipped: 1, done: 1 });
    const after = JSON.parse(await readFile(metricsPath, 'utf8'));
    expect(after.factors).toEqual(JSON.parse(before).factors);

    const report = await writeReport(dir);
    expect(report.figures).toEqual([
      'mpi3d-selection-image-nonlinear',
      'mpi3d-selection-text-nonlinear',
      'mpi3d-selection-image-linear',
      'mpi3d-selection-text-linear',
    ]);
    for (const name of report.figures) {
      expect((await stat(join(report.dir, `${name}.png`))).size).toBeGreaterThan(1000);
      const svg = await readFile(join(report.dir, `${name}.svg`), 'utf8');
      expect(svg).toContain('+shape');
      expect(svg).toContain('vertical');
    }
    const html = await readFile(join(report.dir, 'index.html'), 'utf8');
    expect(html).toContain('MPI3D (Fig. 5) and Causal3DIdent (Fig. 6) scenes');
    expect(html).toMatch(/Agreement: \d\.\d{3} \(\d+\/28 cells\)/);
    expect(html).toMatch(/<tr><td>mpi3d-selection<\/td><td>\d+\/28<\/td><td>\d\.\d{3}<\/td><td>2<\/td>/);
    // Every failed cell is listed with its mean and seed spread (a 12-step model misses some).
    const misses = imageText.filter((c) => c.verdict === 'fail');
    expect(misses.length).toBeGreaterThan(0);
    for (const c of misses)
      expect(html).toContain(`<td>${c.setting}</td><td>${c.encoding}</td><td>${c.factor}</td><td>${c.predicted}</td><td>${c.nonlinearMean.toFixed(3)}</td>`);
    const missTable = html.slice(html.indexOf('Cells on the wrong side'));
    expect(missTable.slice(0, missTable.indexOf('</table>')).match(/<tr><td>mpi3d-selection<\/td>/g)).toHaveLength(misses.length);
    expect(html).not.toContain('No grid with more than one setting');
  });

  it("trains the perturbation grid's ∅ once: it is the selection grid's last level; each grid counts it", async () => {
    const dir = await tempDir();
    const toy = { steps: 4, batch: 16, evalSamples: 96 };
    const pick = (name: 'mpi3d-selection' | 'mpi3d-perturbation', index: number): Grid => {
      const g = builtinGrid(name);
      return { ...g, settings: [g.settings.at(index)!].map((s) => ({ ...s, settings: { ...s.settings, ...toy } })) };
    };
    const runs = [...expandGrid(pick('mpi3d-selection', -1), { seeds: 1 }), ...expandGrid(pick('mpi3d-perturbation', 0), { seeds: 1 })];
    const result = await runSweep(dir, runs);
    expect(result).toMatchObject({ done: 1, failed: [] });
    const { grids } = result.summary.results['image-text']!;
    expect(grids.map((g) => [g.grid, g.runs, g.judged]).sort()).toEqual([
      ['mpi3d-perturbation', 1, 14],
      ['mpi3d-selection', 1, 14],
    ]);
    expect(grids[0]!.seconds).toBeCloseTo(result.summary.seconds.train + result.summary.seconds.eval, 9);
  });

  it('causal3d grids: MCC and R² cells, no verdict where a kept cause makes a dropped factor partly predictable, Fig. 6 heatmaps', async () => {
    const dir = await tempDir();
    const toy = { steps: 6, batch: 16, evalSamples: 96 };
    const full = builtinGrid('causal3d-selection');
    expect(full.settings.map((s) => s.label)).toEqual(['{shape}', '+x_pos', '+y_pos', '+s_pos', '+color', '+s_color', '+b_color']);
    const grid: Grid = { ...full, settings: full.settings.slice(1, 3).map((s) => ({ ...s, settings: { ...s.settings, ...toy } })) };
    const result = await runSweep(dir, expandGrid(grid, { seeds: 1 }));
    expect(result).toMatchObject({ done: 2, failed: [] });
    const { cells, agreement } = result.summary.results['image-text']!;
    expect(cells).toHaveLength(2 * 21);
    const cell = (setting: string, encoding: string, factor: string) =>
      cells.find((c) => c.setting === setting && c.encoding === encoding && c.factor === factor)!;
    expect(cell('+y_pos', 'image', 'shape')).toMatchObject({ metric: 'mcc', predicted: 'kept' });
    expect(cell('+y_pos', 'image', 'color')).toMatchObject({ metric: 'r2', predicted: 'partly', verdict: 'n/a' });
    expect(cell('+x_pos', 'text', 'phrase')).toMatchObject({ metric: 'mcc', predicted: 'dropped' });
    expect(agreement.judged).toBe(42 - 4);
    const report = await writeReport(dir);
    expect(report.figures).toContain('causal3d-selection-image-nonlinear');
    const svg = await readFile(join(report.dir, 'causal3d-selection-text-nonlinear.svg'), 'utf8');
    expect(svg).toContain('MCC / R²');
    expect(svg).toContain('phrase');
  });

  it('the command line refuses dependence and the downstream study for image-text grids, in one line', async () => {
    const out = join(await tempDir(), 'out');
    let r = await runCli('sweep', '--grid', 'mpi3d-selection', '--dependence', 'dependent', '--out', out);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual([expect.stringMatching(/grid 'mpi3d-selection' has no dependence setting/)]);
    r = await runCli('sweep', '--grid', 'mpi3d-perturbation', '--downstream', '--out', out);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual([expect.stringMatching(/--downstream applies to the numeric grids, not to mpi3d-perturbation/)]);
  });
});
