// The downstream study in sweeps: aggregation over seeds, a sweep that adds it
// to finished runs without retraining them, and the report's panels.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/temp.js';
import type { NumericSettings } from '../src/experiments/numeric/config.js';
import type { DownstreamResult } from '../src/probes/downstream.js';
import { writeReport } from '../src/reports/report.js';
import { inProcessExecutor, type RunExecutor } from '../src/sweeps/executor.js';
import { expandGrid, type Grid } from '../src/sweeps/grids.js';
import { summarizeSweep } from '../src/sweeps/summary.js';
import { runSweep } from '../src/sweeps/sweep.js';

const tempDir = tempDirs('misalign-downstream');

const result = (y4: number, mccOod: number): DownstreamResult => ({
  regression: { y1: 0.9, y2: 0.8, y3: 0.7, y4 },
  classification: { mccId: 0.8, mccOod },
  settings: { seed: 1, samples: 10, steps: 5, lr: 1e-3, hidden: 100, expWeight: 0.6, binarize: 'median', shiftDims: [9, 10] },
  seconds: 2,
});

describe('the downstream study in sweeps', () => {
  it('aggregates each metric over seeds', () => {
    const run = (setting: string, seed: number) => ({ grid: 'selection', setting, dependence: 'independent' as const, seed });
    const s = summarizeSweep([
      { run: run('[8]', 0), metrics: null, downstream: result(0.5, 0.7) },
      { run: run('[8]', 1), metrics: null, downstream: result(0.7, 0.5) },
      { run: run('[10]', 0), metrics: null, downstream: null },
    ]);
    expect(s.downstream).toHaveLength(6);
    const y4 = s.downstream.find((c) => c.metric === 'y4')!;
    expect(y4).toMatchObject({ grid: 'selection', setting: '[8]', seeds: 2 });
    expect(y4.mean).toBeCloseTo(0.6, 12);
    expect(y4.sd).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    expect(s.seconds.downstream).toBe(4);
  });

  it('adds the study to finished runs without retraining them, then skips them; the report shows it', async () => {
    const dir = await tempDir();
    const tiny: NumericSettings = {
      ns: 10,
      nm: 1,
      hidden: [4],
      batch: 32,
      steps: 40,
      evalSamples: 256,
      checkpointEvery: 20,
      probe: { batch: 128, maxEpochs: 2 },
    };
    const grid: Grid = {
      name: 'selection',
      experiment: 'numeric',
      dependence: true,
      settings: [
        { label: '[3]', settings: { select: '1-3' } },
        { label: '[9]', settings: { select: '1-9' } },
      ],
    };
    const runs = expandGrid(grid, { dependence: ['independent'], seeds: 1, base: tiny });
    const tasks: { trained: boolean; downstream: boolean }[] = [];
    const spy: RunExecutor = {
      run: (task, onProgress) => {
        tasks.push({ trained: task.trained ?? false, downstream: !!task.downstream });
        return inProcessExecutor.run(task, onProgress);
      },
    };
    const first = await runSweep(dir, runs, { executor: spy });
    expect(first.summary.downstream).toEqual([]);
    expect(tasks).toEqual([
      { trained: false, downstream: false },
      { trained: false, downstream: false },
    ]);

    tasks.length = 0;
    const second = await runSweep(dir, runs, { executor: spy, downstream: { steps: 20 } });
    expect(second).toMatchObject({ skipped: 0, done: 2, failed: [] });
    expect(tasks).toEqual([
      { trained: true, downstream: true },
      { trained: true, downstream: true },
    ]);
    expect(second.summary.downstream.map((c) => `${c.setting} ${c.metric}`)).toEqual(
      ['[3]', '[9]'].flatMap((s) => ['y1', 'y2', 'y3', 'y4', 'mccId', 'mccOod'].map((m) => `${s} ${m}`)),
    );
    const csv = await readFile(join(dir, 'summary_downstream.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('grid,dependence,setting,metric,seeds,mean,sd');

    tasks.length = 0;
    const third = await runSweep(dir, runs, { executor: spy, downstream: true });
    expect(third.skipped).toBe(2);
    expect(tasks).toEqual([]);

    const report = await writeReport(dir);
    expect(report.figures).toContain('downstream-selection-independent');
    for (const ext of ['svg', 'png']) expect((await stat(join(report.dir, `downstream-selection-independent.${ext}`))).size).toBeGreaterThan(1000);
    expect(await readFile(join(report.dir, 'index.html'), 'utf8')).toContain('Downstream tasks (Figs. 4 and 10)');
  }, 120_000);
});

describe('misalign eval DIR --downstream', () => {
  it('writes downstream.json for a saved run; misplaced options get one line', async () => {
    const { trainRunDir } = await import('../src/experiments/run-dir.js');
    const { runCli } = await import('./helpers/cli.js');
    const dir = join(await tempDir(), 'run');
    await trainRunDir(dir, { select: '1-9', ns: 10, nm: 1, hidden: [4], batch: 32, steps: 30, evalSamples: 256, probe: { batch: 128, maxEpochs: 2 } });
    const ok = await runCli('eval', dir, '--downstream', '--downstream-steps', '15', '--exp-weight', '0.4', '--binarize', 'kmeans');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/y4\s+s1\.\.s9\s+R² \(ID\)/);
    const saved = JSON.parse(await readFile(join(dir, 'downstream.json'), 'utf8')) as DownstreamResult;
    expect(saved.settings).toMatchObject({ steps: 15, expWeight: 0.4, binarize: 'kmeans', samples: 256 });
    expect(Object.keys(saved.regression)).toEqual(['y1', 'y2', 'y3', 'y4']);
    expect(Object.keys(saved.classification)).toEqual(['mccId', 'mccOod']);
    // without --downstream-steps, the run's preset's steps (2,000 for the quick preset), not the paper's 10,000
    expect((await runCli('eval', dir, '--downstream')).code).toBe(0);
    const byPreset = JSON.parse(await readFile(join(dir, 'downstream.json'), 'utf8')) as DownstreamResult;
    expect(byPreset.settings).toMatchObject({ steps: 2000, expWeight: 0.6, binarize: 'median' });
    const sweepBad = await runCli('sweep', '--grid', 'selection', '--out', join(dir, 'sweep'), '--downstream-steps', '5');
    expect(sweepBad.code).toBe(2);
    expect(sweepBad.err).toMatch(/--downstream-steps needs the downstream study/);
    for (const [argv, message] of [
      [['--exp-weight', '0.4'], /need --downstream/],
      [['--downstream', '--seed', '7'], /run’s own evaluation seed/],
      [['--downstream', '--binarize', 'mean'], /binarize/],
      [['--downstream', '--downstream-steps', '0'], /downstream steps must be a positive integer/],
    ] as const) {
      const bad = await runCli('eval', dir, ...argv);
      expect(bad.code).toBe(2);
      expect(bad.err.trim().split('\n')).toHaveLength(1);
      expect(bad.err).toMatch(message);
    }
  }, 60_000);
});
