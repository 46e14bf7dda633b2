/** `misalign reproduce`: a thin layer over reports/reproduce.ts, with one progress display for the whole study. */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { MisalignError } from '../common/errors.js';
import { reproduce, STUDY_GRIDS, studyRuns } from '../reports/reproduce.js';
import { BUILTIN_GRIDS, isBuiltinGrid } from '../sweeps/grids.js';
import { processExecutor } from '../sweeps/process-executor.js';
import type { CliIo } from './io.js';
import { stringOption } from './options.js';
import { readSweepTime } from '../sweeps/invocations.js';
import { downstreamFlag, formatShardPlan, formatSummary, parseDependence, sweepProgress, throwIfFailed, withStudyOptions } from './sweep.js';
import { resolveShard } from '../sweeps/shards.js';

export function registerReproduce(program: Command, io: CliIo): void {
  withStudyOptions(program.command('reproduce'))
    .description("the paper's numeric study: every numeric grid, independent and dependent, 3 seeds, then the report")
    .option('--grids <list>', `grids to run (default: ${STUDY_GRIDS.join(', ')}; any of ${BUILTIN_GRIDS.join(', ')})`, stringOption('--grids'))
    .option('--dependence <list>', 'independent, dependent or both (default both)', stringOption('--dependence'))
    .option('--out <dir>', 'study folder (default runs/reproduce)', stringOption('--out'))
    .option('--no-downstream', 'skip the downstream tasks')
    .action(
      async (flags: {
        preset?: 'quick' | 'long' | 'paper';
        seeds?: number;
        jobs?: number;
        shard?: string;
        dryRun?: boolean;
        out?: string;
        grids?: string;
        dependence?: string;
        downstream: boolean;
        downstreamSteps?: number;
      }) => {
        const out = flags.out ?? 'runs/reproduce';
        const grids = flags.grids?.split(',').map((g) => g.trim());
        for (const g of grids ?? []) if (!isBuiltinGrid(g)) throw new MisalignError('INVALID_GRID', `--grids takes ${BUILTIN_GRIDS.join(', ')}; got '${g}'`);
        const study = {
          preset: flags.preset,
          seeds: flags.seeds,
          grids,
          dependence: flags.dependence === undefined ? undefined : parseDependence(flags.dependence),
        };
        const runs = studyRuns(study);
        const shard = resolveShard(flags.shard);
        const downstream = downstreamFlag(flags.downstream, flags.downstreamSteps);
        if (flags.dryRun) {
          io.out(formatShardPlan(runs, shard, downstream !== false));
          return;
        }
        const { sweep, report } = await reproduce(out, {
          ...study,
          shard,
          downstream,
          jobs: flags.jobs ?? availableParallelism(),
          executor: processExecutor(),
          onEvent: sweepProgress(io, runs),
        });
        io.out(formatSummary(sweep.summary, out, await readSweepTime(out)));
        io.out(`report: ${report.figures.length} heatmaps (SVG and PNG) and ${report.dir}/index.html\n`);
        throwIfFailed(sweep);
      },
    );
}
