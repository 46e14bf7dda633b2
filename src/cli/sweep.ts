/**
 * `misalign sweep`: a thin layer over sweeps/sweep.ts. One progress display
 * for the whole sweep (runs finished, steps, ETA) on stderr; the agreement
 * summary on stdout. Exit status 1 if any run failed (the others still ran).
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { MisalignError } from '../common/errors.js';
import type { Dependence } from '../latent/model.js';
import { BUILTIN_GRIDS, expandGrid, type Grid, type GridRun } from '../sweeps/grids.js';
import { processExecutor } from '../sweeps/process-executor.js';
import type { DownstreamRunOptions } from '../experiments/experiment.js';
import { experimentNamed, resultKinds } from '../experiments/registry.js';
import { gridRunConfig, gridRunId, loadGrid, runSweep, summarizeSweepDir, type SweepEvent, type SweepResult } from '../sweeps/sweep.js';
import { estimatedSeconds, planShards, resolveShard, type Shard } from '../sweeps/shards.js';
import { resultGroup, summaryCsvs, type SweepSummary } from '../sweeps/summary.js';
import { readSweepTime, type SweepTime } from '../sweeps/invocations.js';
import { duration, type CliIo } from './io.js';
import { integerOption, stringOption, presetOption } from './options.js';

interface SweepFlags {
  grid?: string;
  dependence?: string;
  seeds?: number;
  preset?: 'quick' | 'long' | 'paper';
  jobs?: number;
  shard?: string;
  steps?: number;
  evalSamples?: number;
  out?: string;
  summarize?: string;
  dryRun?: boolean;
  downstream?: boolean;
  downstreamSteps?: number;
}

export function parseDependence(value: string): Dependence[] {
  const items = value.split(',').map((v) => v.trim());
  for (const d of items) {
    if (d !== 'independent' && d !== 'dependent')
      throw new MisalignError('OUT_OF_RANGE', `--dependence takes independent, dependent or both (comma-separated), got '${d}'`);
  }
  return [...new Set(items)] as Dependence[];
}

/** What `misalign sweep` prints of a summary: runs and time, then each kind of results with cells in its own words (experiments/results.ts), the files. */
export function formatSummary(summary: SweepSummary, dir: string, time: SweepTime | null = null): string {
  const kinds = resultKinds().flatMap((kind) => {
    const group = resultGroup(summary, kind);
    return group.cells.length > 0 ? kind.lines(group) : [];
  });
  const csvs = summaryCsvs(summary).map((c) => c.file);
  const minutes = (seconds: number) => `${(seconds / 60).toFixed(1)} min`;
  const downstreamSettings = new Set(summary.downstream.map((c) => c.grid + c.dependence + c.setting)).size;
  return [
    `runs finished: ${summary.runs.complete}/${summary.runs.expected}; ` +
      `training ${minutes(summary.seconds.train)}, evaluation ${minutes(summary.seconds.eval)} (summed over runs)`,
    ...(time ? [`wall time: ${duration(time.busySeconds)}${time.commands > 1 ? ` over ${time.commands} sweep commands` : ''}`] : []),
    ...kinds,
    `summary in ${dir}/summary.json${csvs.length > 0 ? ` and ${csvs.join(', ')}` : ''}`,
    ...(summary.downstream.length > 0
      ? [`downstream study: ${downstreamSettings} settings, ${minutes(summary.seconds.downstream)}, in summary.json and summary_downstream.csv`]
      : []),
    '',
  ].join('\n');
}

/** Whole-sweep progress: steps done over steps to do, from the runs' own progress. */
function sweepReporter(io: CliIo, stepsOf: (id: string) => number) {
  const stepsNow = new Map<string, number>();
  let total = 0;
  let runsLeft = 0;
  let finished = 0;
  let lastLine = 0;
  const t0 = performance.now();
  // Steps a run had when this command first heard of it (a resumed run's checkpoint), not counted as this command's work.
  const before = new Map<string, number>();
  const line = (force: boolean) => {
    if (!force && performance.now() - lastLine < 10_000) return;
    lastLine = performance.now();
    const done = [...stepsNow.values()].reduce((a, b) => a + b, 0);
    const doneHere = done - [...before.values()].reduce((a, b) => a + b, 0);
    const elapsed = (performance.now() - t0) / 1000;
    // Time per step so far includes the finished runs' evaluation, so the ETA covers it too.
    const eta = doneHere > 0 ? duration((elapsed * (total - done)) / doneHere) : '?';
    io.err(`sweep: ${finished}/${runsLeft} runs, ${done}/${total} steps, ${duration(elapsed)} elapsed, ETA ${eta}\n`);
  };
  return (e: SweepEvent) => {
    switch (e.kind) {
      case 'start': {
        runsLeft = e.toRun;
        total = e.pending.reduce((a, id) => a + stepsOf(id), 0);
        const source = e.shard && e.shard.source !== 'option' ? ` (${e.shard.source})` : '';
        const shard = e.shard ? `shard ${e.shard.index}/${e.shard.count}${source}: ` : '';
        io.err(`sweep: ${shard}${e.total} runs, ${e.skipped} already finished, ${e.toRun} to run\n`);
        break;
      }
      case 'run-start':
        stepsNow.set(e.id, 0);
        break;
      case 'progress':
        if (!before.has(e.id)) before.set(e.id, e.progress.step);
        stepsNow.set(e.id, e.progress.step);
        line(false);
        break;
      case 'run-done':
        finished++;
        if (!before.has(e.id)) before.set(e.id, stepsOf(e.id)); // trained before: only its evaluation ran here
        stepsNow.set(e.id, stepsOf(e.id));
        io.err(`sweep: done ${e.run.grid} ${e.run.setting} ${e.run.dependence} seed ${e.run.seed} (${e.id}, ${e.seconds.toFixed(0)} s)\n`);
        line(true);
        break;
      case 'run-held':
        io.err(
          `sweep: ${e.run.grid} ${e.run.setting} ${e.run.dependence} seed ${e.run.seed} (${e.id}) is held by ` +
            (e.holder ? `${e.holder.host} pid ${e.holder.pid} since ${e.holder.started}` : 'another process') +
            '; coming back to it at the end\n',
        );
        break;
      case 'run-failed':
        finished++;
        io.err(`sweep: FAILED ${e.run.grid} ${e.run.setting} ${e.run.dependence} seed ${e.run.seed} (${e.id}): ${e.error}\n`);
        break;
    }
  };
}

/** Exit status 1 (after the summary is out) when some runs failed. */
export function throwIfFailed(result: SweepResult): void {
  if (result.failed.length > 0) {
    throw new MisalignError(
      'RUN_FAILED',
      `${result.failed.length} of ${result.done + result.failed.length} runs failed (listed above); rerun the same command to retry them`,
    );
  }
}

/** The whole-sweep progress display for these runs. */
export function sweepProgress(io: CliIo, runs: readonly GridRun[]): (e: SweepEvent) => void {
  const stepsById = new Map(runs.map((r) => [gridRunId(r), gridRunConfig(r).steps] as const));
  return sweepReporter(io, (id) => stepsById.get(id) ?? 0);
}

/** The options `sweep` and `reproduce` share: seeds, preset, parallel runs, shards. */
export function withStudyOptions(command: Command): Command {
  return command
    .option('--seeds <n>', 'seeds 0..n-1 per setting (default 3)', integerOption('--seeds'))
    .addOption(presetOption())
    .option('--jobs <n>', 'runs at the same time (default: one per core)', integerOption('--jobs'))
    .option(
      '--shard <i/n|auto>',
      'run only the i-th of n disjoint parts, balanced by estimated cost (for many machines sharing --out); ' +
        "'auto', or no --shard inside a Slurm array task: from SLURM_ARRAY_TASK_ID/_MIN/_COUNT, " +
        'or JOB_COMPLETION_INDEX and MISALIGN_SHARD_COUNT (Kubernetes)',
      stringOption('--shard'),
    )
    .option('--dry-run', "print which runs go to which shard and each shard's estimated hours, and stop")
    .option('--downstream-steps <n>', 'full-batch steps of the downstream probes (default: 10000 paper, 2000 quick)', integerOption('--downstream-steps'));
}

/** `--dry-run`: every shard's runs (longest first) and estimated hours; this process's shard marked. */
export function formatShardPlan(runs: readonly GridRun[], shard: Shard | null, downstream: boolean): string {
  const withIds = runs.map((r) => ({ ...r, id: gridRunId(r) }));
  const count = shard?.count ?? 1;
  const plan = planShards(withIds, count, (r) => estimatedSeconds(r, downstream));
  const hours = (s: number) => `${(s / 3600).toFixed(2)} h`;
  const total = plan.shards.reduce((a, s) => a + s.seconds, 0);
  const distinct = plan.shards.reduce((a, s) => a + s.runs.length, 0);
  const thisProcess = shard ? ` (this process: ${shard.index}/${shard.count}, from ${shard.source === 'option' ? '--shard' : shard.source})` : '';
  const lines = [
    `${withIds.length} grid runs, ${distinct} distinct; ` +
      `estimated ${hours(total)} on one core of the reference machine (docs/cluster.md#cost-estimates), ` +
      `${count} shard${count === 1 ? '' : 's'}${thisProcess}`,
  ];
  for (const s of plan.shards) {
    lines.push(`shard ${s.index}/${count}: ${s.runs.length} runs, ${hours(s.seconds)}${shard?.index === s.index ? '  <- this process' : ''}`);
    for (const r of s.runs) {
      lines.push(`  ${r.grid} ${r.setting} ${r.dependence} seed ${r.seed}  ${gridRunConfig(r).steps} steps  ${(r.seconds / 60).toFixed(1)} min  ${r.id}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The flags of one grid's runs, as `sweep` and `slurm` take them. */
export interface GridFlags {
  dependence?: string;
  seeds?: number;
  preset?: 'quick' | 'long' | 'paper';
  steps?: number;
  evalSamples?: number;
  downstream?: boolean;
}

/** A grid (name or file) and its runs for these flags; --downstream on a grid without the study is one line. */
export async function gridRunsOf(nameOrPath: string, flags: GridFlags): Promise<{ grid: Grid; runs: GridRun[]; dependence: Dependence[] }> {
  const grid = await loadGrid(nameOrPath);
  if (flags.downstream && !experimentNamed(grid.experiment).downstream)
    throw new MisalignError('CONFLICTING_OPTIONS', `--downstream applies to the numeric grids, not to ${grid.name}`);
  const base = { ...(flags.steps !== undefined && { steps: flags.steps }), ...(flags.evalSamples !== undefined && { evalSamples: flags.evalSamples }) };
  const dependence = parseDependence(flags.dependence ?? 'independent');
  return { grid, runs: expandGrid(grid, { dependence, seeds: flags.seeds ?? 3, preset: flags.preset, base }), dependence };
}

/** The downstream option of runSweep from the flags (`on`: whether the study runs at all). */
export function downstreamFlag(on: boolean, steps: number | undefined): DownstreamRunOptions | false {
  if (!on) {
    if (steps !== undefined) throw new MisalignError('CONFLICTING_OPTIONS', '--downstream-steps needs the downstream study (--downstream)');
    return false;
  }
  return steps === undefined ? {} : { steps };
}

export function registerSweep(program: Command, io: CliIo): void {
  withStudyOptions(program.command('sweep'))
    .description("train and evaluate a grid of models (one of the paper's, or a grid file) into one folder; resumable, shardable")
    .option('--grid <name|file>', `${BUILTIN_GRIDS.join(', ')}, or a JSON/YAML grid file`, stringOption('--grid'))
    .option('--dependence <list>', 'independent, dependent or both (default independent)', stringOption('--dependence'))
    .option('--steps <n>', 'steps of every run (where its grid setting names none)', integerOption('--steps'))
    .option('--eval-samples <n>', 'samples in each evaluation set (default 20480 with the paper preset, 8192 otherwise)', integerOption('--eval-samples'))
    .option('--out <dir>', 'sweep folder (grids/, runs/<id>/, summary.json, summary.csv)', stringOption('--out'))
    .option('--summarize <dir>', 'only aggregate the finished runs in a sweep folder', stringOption('--summarize'))
    .option('--downstream', 'also run the downstream tasks on every (numeric) run (DIR/runs/<id>/downstream.json)')
    .action(async (flags: SweepFlags) => {
      if (flags.summarize !== undefined) {
        const others = Object.entries(flags).filter(([k, v]) => k !== 'summarize' && v !== undefined);
        if (others.length > 0) throw new MisalignError('CONFLICTING_OPTIONS', '--summarize takes no other option');
        io.out(formatSummary(await summarizeSweepDir(flags.summarize), flags.summarize, await readSweepTime(flags.summarize)));
        return;
      }
      if (flags.grid === undefined) throw new MisalignError('MISSING_OPTION', 'sweep needs --grid (or --summarize DIR)');
      if (flags.out === undefined) throw new MisalignError('MISSING_OPTION', 'sweep needs --out DIR');
      const { runs } = await gridRunsOf(flags.grid, flags);
      const shard = resolveShard(flags.shard);
      const downstream = downstreamFlag(flags.downstream ?? false, flags.downstreamSteps);
      if (flags.dryRun) {
        io.out(formatShardPlan(runs, shard, downstream !== false));
        return;
      }
      const result = await runSweep(flags.out, runs, {
        jobs: flags.jobs ?? availableParallelism(),
        shard,
        executor: processExecutor(),
        downstream,
        onEvent: sweepProgress(io, runs),
      });
      io.out(formatSummary(result.summary, flags.out, await readSweepTime(flags.out)));
      throwIfFailed(result);
    });
}
