import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/temp.js';
import { trainRunDir } from '../src/experiments/run-dir.js';
import { resolveNumericConfig, type NumericSettings } from '../src/experiments/numeric/config.js';
import type { NumericMetrics } from '../src/experiments/numeric/index.js';
import type { C3dMetrics } from '../src/experiments/causal3d/index.js';
import type { FactorResult } from '../src/probes/evaluate.js';
import { inProcessExecutor, type RunExecutor } from '../src/sweeps/executor.js';
import { expandGrid, type Grid } from '../src/sweeps/grids.js';
import { processExecutor } from '../src/sweeps/process-executor.js';
import { summarizeSweep, type SweepSummary } from '../src/sweeps/summary.js';
import { InvocationLog, readInvocations, sweepTime } from '../src/sweeps/invocations.js';
import { runId, runSweep, summarizeSweepDir, type SweepEvent } from '../src/sweeps/sweep.js';
import { TINY_NUMERIC } from './helpers/tiny.js';

const tempDir = tempDirs('misalign-sweep');

const TINY: NumericSettings = { ...TINY_NUMERIC, checkpointEvery: 50 };
const grid = (name: string, ...selects: string[]): Grid => ({
  name,
  experiment: 'numeric',
  dependence: true,
  settings: selects.map((select) => ({ label: `[${select}]`, settings: { select } })),
});

function factor(encoding: 'x' | 't', name: string, predicted: 'kept' | 'dropped', r2: number): FactorResult {
  return { encoding, factor: name, r2Linear: r2 - 0.01, r2Nonlinear: r2, predicted, verdict: 'pass' };
}
const metrics = (factors: FactorResult[]): NumericMetrics => ({ factors, trainSeconds: 2, evalSeconds: 1 }) as NumericMetrics;
/** A summary's numeric and image-text cells (their experiments' kinds of results). */
const numeric = (s: SweepSummary) => s.results.numeric!;
const imageText = (s: SweepSummary) => s.results['image-text']!;

describe('summarizeSweep', () => {
  it('mean and sd over seeds, verdicts on the mean, agreement per dependence', () => {
    const run = (dependence: 'independent' | 'dependent', seed: number) => ({ grid: 'g', setting: '{1}', dependence, seed });
    const s = summarizeSweep([
      {
        run: run('independent', 0),
        metrics: metrics([factor('x', 's1', 'kept', 0.97), factor('x', 's2', 'dropped', 0.02), factor('x', 'm_x', 'dropped', 0.0)]),
      },
      {
        run: run('independent', 1),
        metrics: metrics([factor('x', 's1', 'kept', 0.87), factor('x', 's2', 'dropped', 0.3), factor('x', 'm_x', 'dropped', 0.0)]),
      },
      { run: run('independent', 2), metrics: null },
      { run: run('dependent', 0), metrics: metrics([factor('x', 's1', 'kept', 0.99), factor('x', 's2', 'dropped', 0.6), factor('x', 'm_x', 'dropped', 0.2)]) },
    ]);
    expect(s.runs).toEqual({ expected: 4, complete: 3 });
    expect(s.seconds).toEqual({ train: 6, eval: 3, downstream: 0 });
    expect(s.downstream).toEqual([]);
    const cell = (d: string, f: string) => numeric(s).cells.find((c) => c.dependence === d && c.factor === f)!;
    expect(cell('independent', 's1').nonlinearMean).toBeCloseTo(0.92, 12);
    expect(cell('independent', 's1').nonlinearSd).toBeCloseTo(Math.SQRT2 * 0.05, 12);
    expect(cell('independent', 's1').linearMean).toBeCloseTo(0.91, 12);
    expect(cell('independent', 's1')).toMatchObject({ seeds: 2, verdict: 'pass' });
    expect(cell('independent', 's2')).toMatchObject({ verdict: 'fail', nonlinearSd: expect.any(Number) });
    expect(cell('dependent', 's2')).toMatchObject({ seeds: 1, nonlinearSd: 0, verdict: 'n/a' });
    expect(cell('dependent', 'm_x').verdict).toBe('fail');
    expect(numeric(s).byDependence.independent).toEqual({ judged: 3, agree: 2, share: 2 / 3 });
    expect(numeric(s).byDependence.dependent).toEqual({ judged: 2, agree: 1, share: 0.5 });
  });

  it('seconds count a run that two grids list once (by id)', () => {
    const m = metrics([factor('x', 's1', 'kept', 0.97)]);
    const s = summarizeSweep([
      { id: 'aaaa', run: { grid: 'selection', setting: '[10]', dependence: 'independent', seed: 0 }, metrics: m },
      { id: 'aaaa', run: { grid: 'perturbation', setting: '∅', dependence: 'independent', seed: 0 }, metrics: m },
      { id: 'bbbb', run: { grid: 'perturbation', setting: '{1}', dependence: 'independent', seed: 0 }, metrics: m },
    ]);
    expect(s.runs.complete).toBe(3);
    expect(s.seconds).toEqual({ train: 4, eval: 2, downstream: 0 });
  });

  it('the record of a command is refreshed while it works, at most as often as asked', async () => {
    const dir = await tempDir();
    const log = await InvocationLog.start(dir, { jobs: 1, shard: '1/2', runs: 3, skipped: 1, toRun: 2 }, new Date('2026-01-01T00:00:00Z'));
    const [first] = await readInvocations(dir);
    expect(first).toMatchObject({ started: '2026-01-01T00:00:00.000Z', ended: null, shard: '1/2', runs: 3, skipped: 1, toRun: 2, done: 0, failed: 0 });
    await log.alive(); // within the minute: nothing written
    expect((await readInvocations(dir))[0]).toEqual(first);
    await log.alive(0);
    const [second] = await readInvocations(dir);
    expect(Date.parse(second!.updated)).toBeGreaterThan(Date.parse(first!.updated));
    await log.runFinished(false);
    await log.end();
    const [last] = await readInvocations(dir);
    expect(last).toMatchObject({ failed: 1, done: 0, ended: last!.updated });
    expect(await readdir(join(dir, 'invocations'))).toHaveLength(1);
  });

  it('sweep time: commands one after another add up; the span covers commands side by side', () => {
    const rec = (started: string, updated: string) => ({
      started,
      updated,
      ended: null,
      host: 'h',
      pid: 1,
      jobs: 2,
      shard: null,
      runs: 1,
      skipped: 0,
      toRun: 1,
      done: 1,
      failed: 0,
    });
    expect(sweepTime([])).toBeNull();
    expect(sweepTime([rec('2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z'), rec('2026-01-02T00:00:00Z', '2026-01-02T00:30:00Z')])).toEqual({
      commands: 2,
      busySeconds: 5400,
      spanSeconds: 88200,
    });
    expect(sweepTime([rec('2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z'), rec('2026-01-01T00:10:00Z', '2026-01-01T00:40:00Z')])).toEqual({
      commands: 2,
      busySeconds: 5400,
      spanSeconds: 3600,
    });
  });

  it('a broken probe (NaN R², saved as null in metrics.json) fails its cell, dropped or kept, numeric or image-text', () => {
    const run = (dependence: 'independent' | 'dependent') => ({ grid: 'g', setting: '{1}', dependence, seed: 0 });
    const latent = metrics([factor('x', 's1', 'kept', Number.NaN), factor('x', 's2', 'dropped', Number.NaN), factor('x', 'm_x', 'dropped', 0)]);
    const scenes = {
      trainSeconds: 1,
      evalSeconds: 1,
      finalLoss: 1,
      factors: [
        { encoding: 'image', factor: 'color', kind: 'continuous', r2Linear: Number.NaN, r2Nonlinear: Number.NaN, predicted: 'kept' },
        { encoding: 'image', factor: 'alpha', kind: 'continuous', r2Linear: Number.NaN, r2Nonlinear: Number.NaN, predicted: 'dropped' },
        { encoding: 'image', factor: 'b_color', kind: 'continuous', r2Linear: Number.NaN, r2Nonlinear: Number.NaN, predicted: 'partly' },
      ],
    };
    const viaJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
    for (const read of [<T>(v: T) => v, viaJson]) {
      const s = summarizeSweep([
        { run: run('independent'), metrics: read(latent) },
        { run: run('dependent'), metrics: read(latent) },
        { experiment: 'causal3d', run: run('independent'), metrics: read(scenes) as unknown as C3dMetrics },
      ]);
      for (const c of numeric(s).cells.filter((c) => c.factor !== 'm_x')) {
        expect(c.nonlinearMean).toBeNaN();
        expect(c.verdict).toBe('fail');
      }
      expect(numeric(s).byDependence.independent).toEqual({ judged: 3, agree: 1, share: 1 / 3 }); // only m_x agrees
      expect(numeric(s).byDependence.dependent).toEqual({ judged: 3, agree: 1, share: 1 / 3 }); // the dropped s2 is judged: it broke
      expect(imageText(s).cells.map((c) => [c.factor, c.verdict])).toEqual([
        ['color', 'fail'],
        ['alpha', 'fail'],
        ['b_color', 'fail'],
      ]);
      for (const c of imageText(s).cells) expect(c.nonlinearMean).toBeNaN();
      expect(imageText(s).agreement).toEqual({ judged: 3, agree: 0, share: 0 });
    }
  });

  it('no finished runs: no cells, agreement null', () => {
    const s = summarizeSweep([{ run: { grid: 'g', setting: 'a', dependence: 'independent', seed: 0 }, metrics: null }]);
    expect(numeric(s).cells).toEqual([]);
    expect(numeric(s).byDependence.independent.share).toBeNull();
  });
});

describe('runSweep', () => {
  it('run ids hash the whole configuration', () => {
    const a = runId(resolveNumericConfig({ ...TINY, select: '1' }));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(runId(resolveNumericConfig({ ...TINY, select: '1' }))).toBe(a);
    expect(runId(resolveNumericConfig({ ...TINY, select: '1', seed: 1 }))).not.toBe(a);
    expect(runId(resolveNumericConfig({ ...TINY, select: '1', evalSamples: 300 }))).not.toBe(a);
  });

  it('trains each distinct model once, writes the summary, and a rerun skips finished runs', async () => {
    const dir = await tempDir();
    const runs = [
      ...expandGrid(grid('a', '1', '1-2'), { seeds: 2, base: TINY }),
      ...expandGrid(grid('b', '1-2'), { seeds: 1, base: TINY }), // same model as a's [1-2] seed 0
    ];
    const events: SweepEvent[] = [];
    const first = await runSweep(dir, runs, { onEvent: (e) => events.push(e) });
    expect(first).toMatchObject({ skipped: 0, done: 4, failed: [] });
    expect(events[0]).toMatchObject({ kind: 'start', total: 4, skipped: 0, toRun: 4 });
    expect(new Set((events[0] as { pending: string[] }).pending).size).toBe(4);
    expect(events.filter((e) => e.kind === 'progress').length).toBeGreaterThan(0);
    expect((await readdir(join(dir, 'runs'))).length).toBe(4);
    expect((await readdir(join(dir, 'grids'))).sort()).toEqual(['a.json', 'b.json']);
    expect(first.summary.runs).toEqual({ expected: 5, complete: 5 });
    const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
    expect(summary.cells.filter((c: { grid: string }) => c.grid === 'b')).toHaveLength(2 * (3 + 1 + 2)); // s1..s3, s_inv, m_x, m_t per encoding
    const csv = await readFile(join(dir, 'summary.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('grid,dependence,setting,encoding,factor,seeds,r2LinearMean,r2LinearSd,r2NonlinearMean,r2NonlinearSd,predicted,verdict');
    expect(csv.trim().split('\n')).toHaveLength(summary.cells.length + 1);

    // Seconds count each distinct model once (b's run is a's [1-2] seed 0).
    let trainSeconds = 0;
    for (const id of await readdir(join(dir, 'runs'))) trainSeconds += JSON.parse(await readFile(join(dir, 'runs', id, 'metrics.json'), 'utf8')).trainSeconds;
    expect(first.summary.seconds.train).toBeCloseTo(trainSeconds, 9);

    const again = await runSweep(dir, runs);
    expect(again).toMatchObject({ skipped: 4, done: 0, failed: [] });
    expect(again.summary).toEqual(first.summary);

    // Each command left its own record of when it ran and what it did.
    const records = await readInvocations(dir);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ pid: process.pid, jobs: 1, shard: null, runs: 4, skipped: 0, toRun: 4, done: 4, failed: 0 });
    expect(records[1]).toMatchObject({ runs: 4, skipped: 4, toRun: 0, done: 0, failed: 0 });
    for (const r of records) {
      expect(r.ended).toBe(r.updated);
      expect(Date.parse(r.updated)).toBeGreaterThanOrEqual(Date.parse(r.started));
    }
    const time = sweepTime(records)!;
    expect(time.commands).toBe(2);
    expect(time.busySeconds).toBeCloseTo(
      records.reduce((s, r) => s + (Date.parse(r.updated) - Date.parse(r.started)) / 1000, 0),
      6,
    );
    expect(time.spanSeconds).toBeGreaterThanOrEqual(time.busySeconds - 1e-9);
  });

  it('an interrupted sweep, rerun, gives the results of an uninterrupted one', async () => {
    const runs = expandGrid(grid('g', '1', '1-2'), { seeds: 1, base: TINY });
    const whole = await runSweep(await tempDir(), runs);

    const dir = await tempDir();
    // The first attempt stops every run after 120 of 200 steps (as a killed process would, at a checkpoint).
    const stopping: RunExecutor = {
      async run(task) {
        const controller = new AbortController();
        await trainRunDir(task.dir, task.settings, { resume: task.resume, signal: controller.signal, onProgress: (p) => p.step >= 120 && controller.abort() });
      },
    };
    const broken = await runSweep(dir, runs, { executor: stopping });
    expect(broken.done).toBe(0);
    expect(broken.failed.map((f) => f.error)).toEqual([expect.stringMatching(/training stopped at step/), expect.stringMatching(/training stopped at step/)]);
    expect(broken.summary.runs.complete).toBe(0);

    const resumed = await runSweep(dir, runs, { executor: inProcessExecutor });
    expect(resumed).toMatchObject({ skipped: 0, done: 2, failed: [] });
    expect(numeric(resumed.summary).cells).toEqual(numeric(whole.summary).cells);
  });

  it('a rerun whose configuration changed for a setting lists its own run there, not both', async () => {
    const dir = await tempDir();
    const before = expandGrid(grid('g', '1', '1-2'), { seeds: 1, base: TINY });
    // Between the two commands a rule changed [1-2]'s recipe (here its steps): a new id for the same setting and seed.
    const after = expandGrid(grid('g', '1', '1-2'), { seeds: 1, base: TINY }).map((r) =>
      r.setting === '[1-2]' ? { ...r, settings: { ...r.settings, steps: 150 } } : r,
    );
    const oldId = runId(resolveNumericConfig(before[1]!.settings));
    const newId = runId(resolveNumericConfig(after[1]!.settings));
    expect(newId).not.toBe(oldId);
    await runSweep(dir, before);
    const second = await runSweep(dir, after);
    expect(second).toMatchObject({ skipped: 1, done: 1, failed: [] });
    const manifest = JSON.parse(await readFile(join(dir, 'grids', 'g.json'), 'utf8')) as { runs: { id: string; setting: string }[] };
    expect(manifest.runs.map((r) => [r.setting, r.id])).toEqual([
      ['[1]', runId(resolveNumericConfig(before[0]!.settings))],
      ['[1-2]', newId],
    ]);
    // The summary counts one seed per cell: the run of the configuration now in force.
    expect(second.summary.runs).toEqual({ expected: 2, complete: 2 });
    expect(numeric(second.summary).cells.every((c) => c.seeds === 1)).toBe(true);
    expect((await readdir(join(dir, 'runs'))).sort()).toEqual([oldId, newId, runId(resolveNumericConfig(before[0]!.settings))].sort());
  });

  it('a failed run is reported and the others finish', async () => {
    const dir = await tempDir();
    const runs = expandGrid(grid('g', '1', '1-2', '1-3'), { seeds: 1, base: TINY });
    const bad = runId(resolveNumericConfig(runs[1]!.settings));
    const flaky: RunExecutor = {
      async run(task, onProgress) {
        if (task.dir.endsWith(bad)) throw new Error('disk on fire');
        await inProcessExecutor.run(task, onProgress);
      },
    };
    const result = await runSweep(dir, runs, { executor: flaky, jobs: 2 });
    expect(result.done).toBe(2);
    expect(result.failed).toEqual([{ id: bad, run: expect.objectContaining({ setting: '[1-2]' }), error: 'disk on fire' }]);
    expect(result.summary.runs).toEqual({ expected: 3, complete: 2 });
    expect(await readInvocations(dir)).toEqual([expect.objectContaining({ jobs: 2, runs: 3, toRun: 3, done: 2, failed: 1 })]);
  });

  it('shards split the runs between machines sharing the folder, by estimated cost; the summary gathers them', async () => {
    const dir = await tempDir();
    const runs = expandGrid(grid('g', '1', '1-2', '1-3'), { seeds: 1, base: TINY });
    const started: string[] = [];
    const onEvent = (e: SweepEvent) => e.kind === 'run-start' && started.push(e.run.setting);
    // Equal steps; the text encoder's input grows with the selection, so [1-3] costs most and has shard 1 to itself.
    const one = await runSweep(dir, runs, { shard: '1/2', onEvent });
    expect(started).toEqual(['[1-3]']);
    expect(one.summary.runs).toEqual({ expected: 3, complete: 1 });
    const two = await runSweep(dir, runs, { shard: { index: 2, count: 2, source: 'option' }, onEvent });
    expect(started).toEqual(['[1-3]', '[1-2]', '[1]']);
    expect(two.done).toBe(2);
    expect((await summarizeSweepDir(dir)).runs).toEqual({ expected: 3, complete: 3 });
  });

  it('child processes: two runs at a time give the same results as in-process', async () => {
    const runs = expandGrid(grid('g', '1', '1-2'), { seeds: 1, base: TINY });
    const inProcess = await runSweep(await tempDir(), runs);
    const progress: number[] = [];
    const children = await runSweep(await tempDir(), runs, {
      executor: processExecutor(),
      jobs: 2,
      onEvent: (e) => e.kind === 'progress' && progress.push(e.progress.step),
    });
    expect(children).toMatchObject({ done: 2, failed: [] });
    expect(progress).toContain(200);
    expect(numeric(children.summary).cells).toEqual(numeric(inProcess.summary).cells);
  }, 60_000);

  it('refuses bad jobs and a folder without a sweep', async () => {
    await expect(runSweep(await tempDir(), [], { jobs: 0 })).rejects.toThrow(/jobs must be a positive integer/);
    await expect(summarizeSweepDir(await tempDir())).rejects.toThrow(/holds no sweep/);
  });
});
