/**
 * Shards: which one this process is (an option, a Slurm array task, a
 * Kubernetes Indexed Job), and how the runs are dealt by estimated cost.
 */
import { describe, expect, it } from 'vitest';
import { studyRuns } from '../src/reports/reproduce.js';
import { builtinGrid, expandGrid } from '../src/sweeps/grids.js';
import { estimatedSeconds, planShards, resolveShard, shardFromEnv } from '../src/sweeps/shards.js';
import { gridRunConfig, gridRunId, runsOfShard } from '../src/sweeps/sweep.js';
import { runCli } from './helpers/cli.js';
import { expectMisalignError } from './helpers/errors.js';

const slurm = (id: number, min = 0, count = 4, extra: Record<string, string> = {}) => ({
  SLURM_ARRAY_TASK_ID: String(id),
  SLURM_ARRAY_TASK_MIN: String(min),
  SLURM_ARRAY_TASK_MAX: String(min + count - 1),
  SLURM_ARRAY_TASK_COUNT: String(count),
  SLURM_ARRAY_TASK_STEP: '1',
  ...extra,
});

describe('which shard this process is', () => {
  it('reads i/n, auto, or the environment when no option is given', () => {
    expect(resolveShard('2/5', {})).toEqual({ index: 2, count: 5, source: 'option' });
    expect(resolveShard(undefined, {})).toBeNull();
    // A Slurm array task: the task's place in the array (--array=10-13 → tasks 10..13 are shards 1..4).
    expect(resolveShard('auto', slurm(12, 10))).toEqual({ index: 3, count: 4, source: 'slurm' });
    expect(resolveShard(undefined, slurm(0))).toEqual({ index: 1, count: 4, source: 'slurm' });
    // An explicit option wins over the environment.
    expect(resolveShard('1/1', slurm(3))).toEqual({ index: 1, count: 1, source: 'option' });
    // A Kubernetes Indexed Job: JOB_COMPLETION_INDEX (0-based) and the count the Job passes.
    expect(resolveShard('auto', { JOB_COMPLETION_INDEX: '15', MISALIGN_SHARD_COUNT: '16' })).toEqual({ index: 16, count: 16, source: 'kubernetes' });
  });

  it('refuses a malformed option, a missing or inconsistent variable, with one line naming it', () => {
    for (const bad of ['0/3', '4/3', '1/0', '1', 'a/b', '-1/2', 'automatic'])
      expectMisalignError(() => resolveShard(bad, {}), 'OUT_OF_RANGE', /--shard must be i\/n/);
    expectMisalignError(() => resolveShard('auto', {}), 'OUT_OF_RANGE', /--shard auto needs a Slurm array task .* neither is set/);
    expectMisalignError(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '3' }), 'OUT_OF_RANGE', /needs SLURM_ARRAY_TASK_MIN/);
    expectMisalignError(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '0' }), 'OUT_OF_RANGE', /needs SLURM_ARRAY_TASK_COUNT/);
    expectMisalignError(
      () => shardFromEnv(slurm(1, 0, 4, { SLURM_ARRAY_TASK_COUNT: 'four' })),
      'OUT_OF_RANGE',
      /SLURM_ARRAY_TASK_COUNT must be a non-negative integer, got 'four'/,
    );
    expectMisalignError(() => shardFromEnv(slurm(2, 0, 4, { SLURM_ARRAY_TASK_STEP: '2' })), 'OUT_OF_RANGE', /without gaps or steps/);
    expectMisalignError(() => shardFromEnv(slurm(2, 0, 3, { SLURM_ARRAY_TASK_MAX: '5' })), 'OUT_OF_RANGE', /without gaps or steps/); // --array=0,1,5
    expectMisalignError(() => shardFromEnv(slurm(9, 0, 4)), 'OUT_OF_RANGE', /SLURM_ARRAY_TASK_ID 9 is outside the array 0\.\.3/);
    expectMisalignError(() => shardFromEnv({ JOB_COMPLETION_INDEX: '0' }), 'OUT_OF_RANGE', /needs MISALIGN_SHARD_COUNT/);
    expectMisalignError(
      () => shardFromEnv({ JOB_COMPLETION_INDEX: '4', MISALIGN_SHARD_COUNT: '4' }),
      'OUT_OF_RANGE',
      /JOB_COMPLETION_INDEX 4 is not below MISALIGN_SHARD_COUNT 4/,
    );
  });
});

describe('shards balanced by estimated cost', () => {
  const study = studyRuns({}).map((r) => ({ ...r, id: gridRunId(r) }));
  const cost = (r: (typeof study)[number]) => estimatedSeconds(r, true);

  it('costs more for more steps, wider encoders, larger batches and the downstream study', () => {
    const [quick16k, quick96k, paper] = [{ theta: 386 }, { theta: 1023 }, { theta: 386, preset: 'paper' }].map((settings) => ({
      grid: 'g',
      setting: 's',
      dependence: 'independent' as const,
      seed: 0,
      experiment: 'numeric' as const,
      settings,
    }));
    expect(gridRunConfig(quick96k!).steps).toBe(96_000);
    expect(estimatedSeconds(quick96k!, false)).toBeGreaterThan(5 * estimatedSeconds(quick16k!, false));
    expect(estimatedSeconds(paper!, false)).toBeGreaterThan(1000 * estimatedSeconds(quick16k!, false));
    expect(estimatedSeconds(quick16k!, true)).toBeGreaterThan(estimatedSeconds(quick16k!, false));
  });

  it('deals every distinct run to exactly one shard, the same way every time, evenly', () => {
    expect(study.length).toBe(132);
    for (const n of [1, 2, 4, 16]) {
      const plan = planShards(study, n, cost);
      const ids = plan.shards.flatMap((s) => s.runs.map((r) => r.id));
      expect(ids.length).toBe(126); // the perturbation grid's ∅ is the selection grid's [10]: one run
      expect(new Set(ids).size).toBe(126);
      // The order of the list does not matter (a model two grids list is dealt once, under whichever label came first).
      const idsOf = (p: typeof plan) => p.shards.map((s) => s.runs.map((r) => r.id));
      expect(idsOf(planShards([...study].reverse(), n, cost))).toEqual(idsOf(plan));
      const hours = plan.shards.map((s) => s.seconds);
      const longest = Math.max(...plan.shards.flatMap((s) => s.runs.map((r) => r.seconds)));
      // Longest-first: no shard exceeds the mean by more than one run's cost.
      expect(Math.max(...hours) - hours.reduce((a, b) => a + b, 0) / n).toBeLessThanOrEqual(longest);
      for (const s of plan.shards) for (let k = 1; k < s.runs.length; k++) expect(s.runs[k]!.seconds).toBeLessThanOrEqual(s.runs[k - 1]!.seconds);
    }
  });

  it('runsOfShard gives each process its shard of the distinct runs, and all of them without a shard', () => {
    const grid = expandGrid(builtinGrid('selection'), { seeds: 2 }).map((r) => ({ ...r, id: gridRunId(r) }));
    const parts = [1, 2, 3].map((index) => runsOfShard(grid, { index, count: 3, source: 'option' }, false));
    expect(
      parts
        .flat()
        .map((r) => r.id)
        .sort(),
    ).toEqual(grid.map((r) => r.id).sort());
    expect(runsOfShard([...grid, ...grid], null, false).map((r) => r.id)).toEqual(grid.map((r) => r.id));
  });
});

describe('--dry-run', () => {
  it("prints every shard's runs and estimated hours, marks this process's, and trains nothing", async () => {
    const r = await runCli('reproduce', '--dry-run', '--shard', '2/4', '--out', '/nonexistent/never-written');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^132 grid runs, 126 distinct; estimated \d+\.\d\d h .*4 shards \(this process: 2\/4, from --shard\)/);
    expect(r.out.match(/^shard \d\/4: \d+ runs, \d+\.\d\d h/gm)).toHaveLength(4);
    expect(r.out).toMatch(/^shard 2\/4: .*<- this process$/m);
    expect(r.out.match(/^ {2}\S+ .* seed \d {2}\d+ steps {2}\d+\.\d min {2}[0-9a-f]{16}$/gm)).toHaveLength(126);
  });

  it('inside a Slurm array task, a sweep without --shard takes its shard from the environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, slurm(3, 0, 4));
    try {
      const r = await runCli('sweep', '--grid', 'selection', '--seeds', '1', '--dry-run', '--out', '/nonexistent/x');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/4 shards \(this process: 4\/4, from slurm\)/);
      const auto = await runCli('sweep', '--grid', 'selection', '--dry-run', '--out', '/nonexistent/x', '--shard', 'auto');
      expect(auto.out).toMatch(/this process: 4\/4, from slurm/);
      process.env.SLURM_ARRAY_TASK_COUNT = 'x';
      const broken = await runCli('sweep', '--grid', 'selection', '--dry-run', '--out', '/nonexistent/x');
      expect(broken.code).toBe(2);
      expect(broken.err.trim()).toMatch(/^misalign: SLURM_ARRAY_TASK_COUNT must be a non-negative integer, got 'x'$/);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
