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
 *
 * Each job: the #SBATCH directives (partition, account, time, mem, ...), then
 * the setup lines (`module load nodejs/20`), then a check that node and
 * misalign's bin/misalign.js are there (one line on stderr and exit 127 if
 * not), then misalign. node is the one on the job's PATH unless `node` names
 * a path; misalign is this installation unless `cli` names another path.
 */
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MisalignError } from '../common/errors.js';
import { ensureWritableDir, writeAtomic } from '../common/files.js';

/**
 * The CLI script of this installation (bin/misalign.js, absolute): the
 * default of SlurmOptions.cli. src/sweeps/ and dist/sweeps/ both sit two
 * levels below the package root.
 */
export const INSTALLED_CLI = fileURLToPath(new URL('../../bin/misalign.js', import.meta.url));

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
  /** `#SBATCH --partition=` of every job (a name, or a comma-separated list of names). */
  partition?: string;
  /** `#SBATCH --account=` of every job. */
  account?: string;
  /** `#SBATCH --mem=` of every job (memory per node): digits with an optional K, M, G or T suffix (Slurm's default unit is M). */
  mem?: string;
  /**
   * Shell lines run in every job before misalign starts, in order, e.g.
   * `module load nodejs/20` or `source ~/env.sh`. Inserted verbatim (one line
   * each, no newline inside), with `set -u` off around them since such
   * scripts often read unset variables; a line that fails stops the job.
   */
  setup?: string[];
  /**
   * The node binary, an absolute path on the compute nodes. Default: the
   * `node` on the job's PATH at run time (after the setup lines), because
   * the node that wrote the scripts (say ~/.nvm/... on a login node) is often
   * not there on the compute nodes, where node comes from a module.
   */
  node?: string;
  /**
   * misalign's CLI script (bin/misalign.js), an absolute path on the compute
   * nodes. Default: INSTALLED_CLI, the installation that writes the scripts.
   * Not `npx misalign`: that depends on the job's working folder and, when it
   * finds nothing, downloads the package, which compute nodes often cannot,
   * and which might be another version than the one that planned the shards
   * (every task must split the runs the same way). Pinning this install keeps
   * every task on one version; the scripts check that the file exists.
   */
  cli?: string;
  /** The job name (default misalign). */
  name?: string;
}

export interface SlurmScripts {
  array: string;
  report: string;
  submit: string;
}

const TIME = /^(\d+-)?\d+(:\d{1,2}){0,2}$/;
/** Slurm's --mem: a whole number, optionally with a unit (K, M, G, T; case as Slurm accepts it). */
const MEM = /^\d+[KMGTkmgt]?$/;
/** A partition or account name (a partition may be a comma-separated list): no whitespace, quotes or backslashes. */
const NAME = /^[^\s'"`\\,]+(,[^\s'"`\\,]+)*$/;

/** A shell word: quoted unless it is plainly safe. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}

/** Control characters (a path or value must hold none). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: it looks for them
const CONTROL = /[\x00-\x1f\x7f]/;

/** A value inside an error message, on one line whatever it holds. */
function shown(value: string): string {
  return CONTROL.test(value) ? JSON.stringify(value) : `'${value}'`;
}

function checkOptions(o: SlurmOptions): void {
  const bad = (message: string) => new MisalignError('OUT_OF_RANGE', message);
  if (!Number.isInteger(o.tasks) || o.tasks < 1) throw bad(`--tasks must be a positive integer, got ${o.tasks}`);
  if (!Number.isInteger(o.cpusPerTask) || o.cpusPerTask < 1) throw bad(`--cpus-per-task must be a positive integer, got ${o.cpusPerTask}`);
  if (o.time !== undefined && !TIME.test(o.time)) throw bad(`--time must be a Slurm time such as 90, 2:00:00 or 1-12:00:00, got ${shown(o.time)}`);
  if (o.partition !== undefined && !NAME.test(o.partition))
    throw bad(`--partition must be a partition name (or a comma-separated list) without spaces, quotes or newlines, got ${shown(o.partition)}`);
  if (o.account !== undefined && !NAME.test(o.account))
    throw bad(`--account must be an account name without spaces, quotes or newlines, got ${shown(o.account)}`);
  if (o.mem !== undefined && !MEM.test(o.mem)) throw bad(`--mem must be a Slurm memory size such as 4000, 8G or 512M, got ${shown(o.mem)}`);
  for (const line of o.setup ?? []) {
    if (/[\r\n]/.test(line)) throw bad(`--setup takes one shell line per value (give --setup again for another line), got ${shown(line)}`);
    if (line.trim() === '') throw bad(`--setup must not be empty`);
  }
  if (o.node !== undefined && !o.node.startsWith('/'))
    throw bad(`--node must be an absolute path on the compute nodes (default: the node on their PATH), got ${shown(o.node)}`);
  if (o.cli !== undefined && !o.cli.startsWith('/'))
    throw bad(`--misalign must be the absolute path of bin/misalign.js on the compute nodes, got ${shown(o.cli)}`);
  for (const [flag, path] of [
    ['--node', o.node],
    ['--misalign', o.cli],
  ] as const) {
    if (path !== undefined && CONTROL.test(path)) throw bad(`${flag} must not contain control characters, got ${shown(path)}`);
  }
  if (!o.dir.startsWith('/')) throw bad(`the sweep folder must be an absolute path (every node opens it), got ${shown(o.dir)}`);
  for (const flag of ['--out', '--shard', '--jobs']) {
    if (o.sweepArgs.includes(flag)) throw new MisalignError('CONFLICTING_OPTIONS', `${flag} is set by the Slurm script, not by the sweep arguments`);
  }
}

/** The three scripts for these options. */
/** What a job script says when its compute node finds no node (on PATH, or at --node). */
const NO_NODE = 'no node on PATH: write the scripts with --setup (e.g. --setup "module load nodejs/20") or --node /path/to/node';
const ANOTHER_NODE = 'write the scripts with another --node (or without it, for the node on PATH)';

export function slurmScripts(o: SlurmOptions): SlurmScripts {
  checkOptions(o);
  const name = o.name ?? 'misalign';
  const slurmDir = join(o.dir, 'slurm');
  const cli = o.cli ?? INSTALLED_CLI;
  const misalign = [o.node ?? 'node', cli].map(shellWord).join(' ');
  const fail = (message: string) => `{ echo "misalign on $HOSTNAME: "${shellWord(message)} >&2; exit 127; }`;
  const header = (job: string, extra: string[]) =>
    [
      '#!/bin/bash',
      `#SBATCH --job-name=${job}`,
      ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
      ...(o.account ? [`#SBATCH --account=${o.account}`] : []),
      ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
      ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
      ...extra,
      'set -euo pipefail',
      ...(o.setup?.length
        ? ['# setup (misalign slurm --setup), with set -u off: module and activate scripts read unset variables', 'set +u', ...o.setup, 'set -u']
        : []),
      o.node === undefined
        ? `command -v node >/dev/null || ${fail(NO_NODE)}`
        : `[ -x ${shellWord(o.node)} ] || ${fail(`${o.node} is not an executable here: ${ANOTHER_NODE}`)}`,
      `[ -f ${shellWord(cli)} ] || ${fail(`${cli} not found: write the scripts with --misalign <bin/misalign.js as the compute nodes see it>`)}`,
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
    [
      'exec',
      misalign,
      o.command ?? 'sweep',
      ...o.sweepArgs.map(shellWord),
      '--out',
      shellWord(o.dir),
      '--jobs',
      String(o.cpusPerTask),
      `--shard "$((SLURM_ARRAY_TASK_ID + 1))/${o.tasks}"`,
    ].join(' '),
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
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    'array=${array%%;*}',
    `report=$(sbatch --parsable --dependency=afterok:$array ${shellWord(join(slurmDir, 'report.sbatch'))})`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
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
