/**
 * `misalign slurm DIR`: writes the Slurm scripts of a sweep (sweeps/slurm.ts)
 * and prints how to submit them, with each task's estimated hours.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { MisalignError } from '../common/errors.js';
import { BUILTIN_GRIDS, isBuiltinGrid } from '../sweeps/grids.js';
import { estimatedSeconds, planShards } from '../sweeps/shards.js';
import { writeSlurmScripts } from '../sweeps/slurm.js';
import { gridRunId } from '../sweeps/sweep.js';
import { studyRuns } from '../reports/reproduce.js';
import type { CliIo } from './io.js';
import { integerOption, stringOption, presetOption } from './options.js';
import { downstreamFlag, gridRunsOf, parseDependence, type GridFlags } from './sweep.js';

interface SlurmFlags extends GridFlags {
  grid?: string;
  downstreamSteps?: number;
  reproduce?: boolean;
  partition?: string;
  account?: string;
  mem?: string;
  setup?: string[];
  node?: string;
  misalign?: string;
  time?: string;
  cpusPerTask?: number;
  tasks?: number;
}

/** The runs and `misalign sweep` arguments of one grid. */
async function gridPlan(flags: SlurmFlags) {
  if (flags.grid === undefined) throw new MisalignError('MISSING_OPTION', 'slurm needs --grid (or --reproduce)');
  const gridArg = isBuiltinGrid(flags.grid) ? flags.grid : resolve(flags.grid);
  const { grid, runs, dependence } = await gridRunsOf(gridArg, flags);
  const downstream = downstreamFlag(flags.downstream ?? false, flags.downstreamSteps);
  const sweepArgs = [
    '--grid',
    gridArg,
    '--dependence',
    dependence.join(','),
    '--seeds',
    String(flags.seeds ?? 3),
    ...(flags.preset ? ['--preset', flags.preset] : []),
    ...(flags.steps !== undefined ? ['--steps', String(flags.steps)] : []),
    ...(flags.evalSamples !== undefined ? ['--eval-samples', String(flags.evalSamples)] : []),
    ...(flags.downstream ? ['--downstream'] : []),
    ...(flags.downstreamSteps !== undefined ? ['--downstream-steps', String(flags.downstreamSteps)] : []),
  ];
  return { runs, sweepArgs, downstream: downstream !== false, name: grid.name };
}

/** The runs and `misalign reproduce` arguments of the numeric study (with its downstream study). */
function studyPlan(flags: SlurmFlags) {
  for (const [flag, value] of [
    ['--grid', flags.grid],
    ['--steps', flags.steps],
    ['--eval-samples', flags.evalSamples],
    ['--downstream', flags.downstream],
  ] as const) {
    if (value !== undefined) throw new MisalignError('CONFLICTING_OPTIONS', `${flag} does not apply to --reproduce (the study fixes its grids and recipe)`);
  }
  const dependence = flags.dependence === undefined ? undefined : parseDependence(flags.dependence);
  const runs = studyRuns({ preset: flags.preset, seeds: flags.seeds, dependence });
  const sweepArgs = [
    ...(flags.seeds !== undefined ? ['--seeds', String(flags.seeds)] : []),
    ...(flags.preset ? ['--preset', flags.preset] : []),
    ...(flags.dependence !== undefined ? ['--dependence', dependence!.join(',')] : []),
    ...(flags.downstreamSteps !== undefined ? ['--downstream-steps', String(flags.downstreamSteps)] : []),
  ];
  return { runs, sweepArgs, downstream: true, name: 'reproduce' };
}

export function registerSlurm(program: Command, io: CliIo): void {
  program
    .command('slurm')
    .description('write a Slurm array job that runs a sweep in shards on a shared folder, plus a report job after it')
    .argument('<dir>', 'the sweep folder, on a filesystem every node mounts (the scripts go to DIR/slurm/)')
    .option('--grid <name|file>', `${BUILTIN_GRIDS.join(', ')}, or a JSON/YAML grid file`, stringOption('--grid'))
    .option('--reproduce', "instead of one grid, the paper's numeric study (misalign reproduce: every numeric grid, both semantics, the downstream study)")
    .option('--dependence <list>', 'independent, dependent or both (default independent)', stringOption('--dependence'))
    .option('--seeds <n>', 'seeds 0..n-1 per setting (default 3)', integerOption('--seeds'))
    .addOption(presetOption())
    .option('--steps <n>', 'steps of every run (where its grid setting names none)', integerOption('--steps'))
    .option('--eval-samples <n>', 'samples in each evaluation set', integerOption('--eval-samples'))
    .option('--downstream', 'also run the downstream tasks on every (numeric) run')
    .option('--downstream-steps <n>', 'full-batch steps of the downstream probes', integerOption('--downstream-steps'))
    .option('--partition <name>', 'Slurm partition (default: the cluster default)', stringOption('--partition'))
    .option('--account <name>', 'Slurm account to charge (default: your default account)', stringOption('--account'))
    .option('--mem <size>', 'memory per job, e.g. 8G or 4000 (megabytes) (default: the partition default)', stringOption('--mem'))
    .option(
      '--setup <line>',
      'a shell line each job runs before misalign, e.g. "module load nodejs/20" (repeat for more lines, run in order)',
      (line: string, previous: string[] | undefined) => [...(previous ?? []), line],
    )
    .option(
      '--node <path>',
      'the node binary on the compute nodes, absolute (default: the node on their PATH at run time, after --setup)',
      stringOption('--node'),
    )
    .option(
      '--misalign <path>',
      "misalign's bin/misalign.js as the compute nodes see it, absolute (default: this installation, which must be on a shared filesystem)",
      stringOption('--misalign'),
    )
    .option('--time <limit>', 'time limit per task, e.g. 12:00:00 (default: the partition default)', stringOption('--time'))
    .option('--cpus-per-task <n>', 'CPUs per task, one run on each (default 2)', integerOption('--cpus-per-task'))
    .option('--tasks <n>', 'array tasks, one shard each (default 4)', integerOption('--tasks'))
    .action(async (dirArg: string, flags: SlurmFlags) => {
      const dir = resolve(dirArg);
      const { runs, sweepArgs, downstream, name } = flags.reproduce ? studyPlan(flags) : await gridPlan(flags);
      const tasks = flags.tasks ?? 4;
      const cpusPerTask = flags.cpusPerTask ?? 2;
      const paths = await writeSlurmScripts({
        dir,
        command: flags.reproduce ? 'reproduce' : 'sweep',
        sweepArgs,
        tasks,
        cpusPerTask,
        time: flags.time,
        partition: flags.partition,
        account: flags.account,
        mem: flags.mem,
        setup: flags.setup,
        // Not process.execPath (a login node's node is often not on the compute nodes): the
        // library's default is the node on the job's PATH; its default misalign is this install.
        node: flags.node,
        cli: flags.misalign,
        name: `misalign-${name}`,
      });
      const plan = planShards(
        runs.map((r) => ({ ...r, id: gridRunId(r) })),
        tasks,
        (r) => estimatedSeconds(r, downstream),
      );
      const hours = (s: number) => (s / 3600).toFixed(2);
      io.out(
        [
          `wrote ${paths.array}, ${paths.report} and ${paths.submit}`,
          `${plan.shards.reduce((a, s) => a + s.runs.length, 0)} runs in ${tasks} tasks of ${cpusPerTask} CPUs; ` +
            `estimated hours per task on one core of the reference machine (about 1/${cpusPerTask} of it with ${cpusPerTask} CPUs):`,
          ...plan.shards.map((s) => `  task ${s.index - 1}: ${s.runs.length} run${s.runs.length === 1 ? '' : 's'}, ${hours(s.seconds)} h`),
          'submit with:',
          `  bash ${paths.submit}`,
          'which runs:',
          `  sbatch --parsable ${paths.array}                                   # prints the array job id A`,
          `  sbatch --dependency=afterok:A ${paths.report}`,
          `rerun task i alone (resumes where it stopped): sbatch --array=i ${paths.array}`,
          '',
        ].join('\n'),
      );
    });
}
