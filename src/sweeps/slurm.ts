/**
 * A sweep as a Slurm array job (docs/cluster.md): the scripts `misalign slurm`
 * writes into DIR/slurm/.
 *
 *   array.sbatch   K tasks; task i runs `misalign sweep ... --shard (i+1)/K`
 *                  (or `misalign reproduce ...`, the whole study)
 *                  on the shared folder DIR (requeue-safe: a rerun resumes
 *                  from checkpoints, and run claims keep two copies apart)
 *   report.sbatch  `misalign sweep --summarize DIR` and `misalign report DIR`
 *   submit.sh      submits the array, then the report with --dependency=afterok
 *
 * The shard is the task's own index, not `--shard auto`, so that one task can
 * be submitted again on its own (`sbatch --array=2 array.sbatch`) and still
 * be shard 3 of K.
 */
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { MisalignError } from '../common/errors.js';
import { ensureWritableDir, writeAtomic } from '../experiments/files.js';

export interface SlurmOptions {
  /** The sweep folder, absolute: every node must see it at this path. */
  dir: string;
  /** What each task runs: `misalign sweep` (default) or `misalign reproduce`. */
  command?: 'sweep' | 'reproduce';
  /** Its arguments other than --out, --shard and --jobs (e.g. ['--grid', '/abs/grid.yaml', '--seeds', '3']). */
  sweepArgs: string[];
  /** Array tasks (shards). */
  tasks: number;
  /** CPUs per task: that many runs at a time in each task. */
  cpusPerTask: number;
  /** Slurm time limit per task (`--time`), e.g. `2:00:00` or `1-00:00:00`. */
  time?: string;
  partition?: string;
  /** How to start misalign on a node: the node binary and the CLI script (absolute). */
  node: string;
  cli: string;
  /** The job name (default misalign). */
  name?: string;
}

export interface SlurmScripts {
  array: string;
  report: string;
  submit: string;
}

const TIME = /^(\d+-)?\d+(:\d{1,2}){0,2}$/;

/** A shell word: quoted unless it is plainly safe. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}

function checkOptions(o: SlurmOptions): void {
  const bad = (message: string) => new MisalignError('OUT_OF_RANGE', message);
  if (!Number.isInteger(o.tasks) || o.tasks < 1) throw bad(`--tasks must be a positive integer, got ${o.tasks}`);
  if (!Number.isInteger(o.cpusPerTask) || o.cpusPerTask < 1) throw bad(`--cpus-per-task must be a positive integer, got ${o.cpusPerTask}`);
  if (o.time !== undefined && !TIME.test(o.time)) throw bad(`--time must be a Slurm time such as 90, 2:00:00 or 1-12:00:00, got '${o.time}'`);
  if (o.partition !== undefined && !/^[\w.-]+$/.test(o.partition)) throw bad(`--partition must be a partition name, got '${o.partition}'`);
  if (!o.dir.startsWith('/')) throw bad(`the sweep folder must be an absolute path (every node opens it), got '${o.dir}'`);
  for (const flag of ['--out', '--shard', '--jobs']) {
    if (o.sweepArgs.includes(flag)) throw new MisalignError('CONFLICTING_OPTIONS', `${flag} is set by the Slurm script, not by the sweep arguments`);
  }
}

/** The three scripts for these options. */
export function slurmScripts(o: SlurmOptions): SlurmScripts {
  checkOptions(o);
  const name = o.name ?? 'misalign';
  const slurmDir = join(o.dir, 'slurm');
  const misalign = [o.node, o.cli].map(shellWord).join(' ');
  const header = (job: string, extra: string[]) =>
    [
      '#!/bin/bash',
      `#SBATCH --job-name=${job}`,
      ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
      ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
      ...extra,
      'set -euo pipefail',
    ].join('\n');
  const array = [
    header(name, [
      `#SBATCH --array=0-${o.tasks - 1}`,
      `#SBATCH --cpus-per-task=${o.cpusPerTask}`,
      '#SBATCH --requeue',
      '#SBATCH --open-mode=append',
      `#SBATCH --output=${slurmDir}/logs/%A_%a.out`,
    ]),
    `# Task i is shard i+1 of ${o.tasks} (balanced by estimated cost). A rerun, a requeue or a second copy of a`,
    '# task resumes from the checkpoints in the shared folder, and never trains a run another process holds.',
    ['exec', misalign, o.command ?? 'sweep', ...o.sweepArgs.map(shellWord), '--out', shellWord(o.dir), '--jobs', String(o.cpusPerTask), `--shard "$((SLURM_ARRAY_TASK_ID + 1))/${o.tasks}"`].join(' '),
    '',
  ].join('\n');
  const report = [
    header(`${name}-report`, ['#SBATCH --cpus-per-task=1', `#SBATCH --output=${slurmDir}/logs/report_%j.out`, '#SBATCH --kill-on-invalid-dep=yes']),
    `${misalign} sweep --summarize ${shellWord(o.dir)}`,
    `${misalign} report ${shellWord(o.dir)}`,
    '',
  ].join('\n');
  const submit = [
    '#!/bin/bash',
    '# Submits the array job, then the report once every task has succeeded.',
    'set -euo pipefail',
    `array=$(sbatch --parsable ${shellWord(join(slurmDir, 'array.sbatch'))})`,
    'array=${array%%;*}',
    `report=$(sbatch --parsable --dependency=afterok:$array ${shellWord(join(slurmDir, 'report.sbatch'))})`,
    'echo "array job $array, report job ${report%%;*}"',
    '',
  ].join('\n');
  return { array, report, submit };
}

/** Writes DIR/slurm/{array.sbatch, report.sbatch, submit.sh} and DIR/slurm/logs/; returns their paths. */
export async function writeSlurmScripts(o: SlurmOptions): Promise<{ array: string; report: string; submit: string }> {
  const scripts = slurmScripts(o);
  const slurmDir = join(o.dir, 'slurm');
  await ensureWritableDir(join(slurmDir, 'logs'));
  const paths = { array: join(slurmDir, 'array.sbatch'), report: join(slurmDir, 'report.sbatch'), submit: join(slurmDir, 'submit.sh') };
  for (const key of ['array', 'report', 'submit'] as const) {
    await writeAtomic(paths[key], scripts[key]);
    await chmod(paths[key], 0o755);
  }
  return paths;
}
