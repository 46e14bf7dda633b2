/**
 * The scripts `misalign slurm` writes (the real Slurm test, slurm.test.ts,
 * submits them): what each holds, and one-line errors for bad options.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSTALLED_CLI, shellWord, slurmScripts, type SlurmOptions } from '../src/sweeps/slurm.js';
import { runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/temp.js';

const tempDir = tempDirs('misalign-slurm-scripts');
const base: SlurmOptions = {
  dir: '/shared/my sweep',
  sweepArgs: ['--grid', 'selection', '--seeds', '3'],
  tasks: 4,
  cpusPerTask: 2,
  node: '/usr/bin/node',
  cli: '/opt/misalign/bin/misalign.js',
};
/** The index of each needle in text, failing on a missing one. */
const positions = (text: string, needles: string[]) =>
  needles.map((n) => {
    const i = text.indexOf(n);
    expect(i, n).toBeGreaterThanOrEqual(0);
    return i;
  });
const ascending = (xs: number[]) => expect(xs).toEqual([...xs].sort((a, b) => a - b));

describe('slurmScripts', () => {
  it('an array of K requeue-safe tasks, task i is shard i+1 of K; a report after it; paths quoted', () => {
    const s = slurmScripts({ ...base, time: '2:00:00', partition: 'cpu' });
    expect(s.array).toContain('#SBATCH --array=0-3');
    expect(s.array).toContain('#SBATCH --cpus-per-task=2');
    expect(s.array).toContain('#SBATCH --requeue');
    expect(s.array).toContain('#SBATCH --time=2:00:00');
    expect(s.array).toContain('#SBATCH --partition=cpu');
    expect(s.array).toContain(
      `exec /usr/bin/node /opt/misalign/bin/misalign.js sweep --grid selection --seeds 3 --out '/shared/my sweep' --jobs 2 --shard "$((SLURM_ARRAY_TASK_ID + 1))/4"`,
    );
    expect(s.report).toContain(`misalign.js sweep --summarize '/shared/my sweep'`);
    expect(s.report).toContain(`misalign.js report '/shared/my sweep'`);
    expect(s.submit).toMatch(/sbatch --parsable --dependency=afterok:\$array '\/shared\/my sweep\/slurm\/report.sbatch'/);
    expect(slurmScripts(base).array).not.toContain('--partition');
    expect(shellWord("it's")).toBe(`'it'"'"'s'`);
  });

  it('refuses bad options with one line', () => {
    for (const [o, message] of [
      [{ tasks: 0 }, /--tasks must be a positive integer/],
      [{ cpusPerTask: 1.5 }, /--cpus-per-task must be a positive integer/],
      [{ time: 'two hours' }, /--time must be a Slurm time/],
      [{ partition: 'a b' }, /--partition must be a partition name/],
      [{ partition: '' }, /--partition must be a partition name/],
      [{ partition: 'cpu\n#SBATCH --qos=high' }, /--partition must be a partition name/],
      [{ account: 'my lab' }, /--account must be an account name/],
      [{ account: '' }, /--account must be an account name/],
      [{ mem: '8 G' }, /--mem must be a Slurm memory size/],
      [{ mem: '8GB' }, /--mem must be a Slurm memory size/],
      [{ mem: '1.5G' }, /--mem must be a Slurm memory size/],
      [{ mem: 'lots' }, /--mem must be a Slurm memory size/],
      [{ setup: ['module load nodejs/20\nrm -rf ~'] }, /--setup takes one shell line per value/],
      [{ setup: ['  '] }, /--setup must not be empty/],
      [{ node: 'bin/node' }, /--node must be an absolute path/],
      [{ cli: 'node_modules/misalign/bin/misalign.js' }, /--misalign must be the absolute path/],
      [{ dir: 'relative/dir' }, /must be an absolute path/],
      [{ sweepArgs: ['--grid', 'selection', '--shard', '1/2'] }, /--shard is set by the Slurm script/],
    ] as const) {
      expect(() => slurmScripts({ ...base, ...o } as SlurmOptions)).toThrow(message);
      try {
        slurmScripts({ ...base, ...o } as SlurmOptions);
      } catch (e) {
        expect((e as Error).name).toBe('MisalignError');
        expect((e as Error).message.split('\n'), (e as Error).message).toHaveLength(1);
      }
    }
  });

  it('partition, account, mem and the setup lines: directives first, then setup in order, then the checks, then misalign', () => {
    const setup = ['module load nodejs/20', 'source ~/venv/bin/activate'];
    const s = slurmScripts({ ...base, partition: 'cpu,long', account: 'proj-42', mem: '8G', time: '1-00:00:00', setup });
    for (const script of [s.array, s.report]) {
      expect(script.startsWith('#!/bin/bash\n')).toBe(true);
      const lines = script.split('\n');
      // Every directive comes before the first command (sbatch stops reading them there).
      const lastDirective = lines.map((l) => l.startsWith('#SBATCH')).lastIndexOf(true);
      expect(lines.slice(1, lastDirective + 1).every((l) => l.startsWith('#SBATCH '))).toBe(true);
      expect(lines).toEqual(
        expect.arrayContaining(['#SBATCH --partition=cpu,long', '#SBATCH --account=proj-42', '#SBATCH --mem=8G', '#SBATCH --time=1-00:00:00']),
      );
      ascending(
        positions(script, [
          '#SBATCH --partition=cpu,long',
          '#SBATCH --account=proj-42',
          'set -euo pipefail',
          'set +u\nmodule load nodejs/20\nsource ~/venv/bin/activate\nset -u\n',
          '[ -x /usr/bin/node ]',
          '/usr/bin/node /opt/misalign/bin/misalign.js',
        ]),
      );
    }
    ascending(positions(s.array, ['#SBATCH --mem=8G', '#SBATCH --array=0-3', 'module load nodejs/20', 'exec /usr/bin/node']));
    const plain = slurmScripts(base);
    for (const flag of ['--partition', '--account', '--mem', 'set +u']) expect(plain.array).not.toContain(flag);
    expect(slurmScripts({ ...base, mem: '4000' }).array).toContain('#SBATCH --mem=4000\n');
  });

  it('node: the one on PATH at run time unless --node names a path; misalign: this install unless --misalign names one', () => {
    const { node: _node, cli: _cli, ...rest } = base;
    const s = slurmScripts({ ...rest, setup: ['module load nodejs/20'] });
    for (const script of [s.array, s.report]) {
      expect(script).toContain('command -v node >/dev/null || {');
      expect(script).not.toContain(`${process.execPath} `);
      ascending(positions(script, ['module load nodejs/20', 'command -v node', `[ -f ${shellWord(INSTALLED_CLI)} ]`]));
    }
    expect(s.array).toContain(`exec node ${shellWord(INSTALLED_CLI)} sweep --grid selection`);
    expect(s.report).toContain(`\nnode ${shellWord(INSTALLED_CLI)} report '/shared/my sweep'\n`);
    expect(INSTALLED_CLI.endsWith('/bin/misalign.js')).toBe(true);

    const told = slurmScripts({ ...rest, node: '/sw/node 20/bin/node', cli: '/sw/misalign/bin/misalign.js' });
    expect(told.array).toContain(`exec '/sw/node 20/bin/node' /sw/misalign/bin/misalign.js sweep`);
    expect(told.array).toContain(`[ -x '/sw/node 20/bin/node' ] || {`);
    expect(told.array).toContain('[ -f /sw/misalign/bin/misalign.js ] || {');
    expect(told.array).not.toContain('command -v node');
  });
});

describe('misalign slurm', () => {
  it('writes the scripts (executable) into DIR/slurm and prints how to submit them, with hours per task', async () => {
    const dir = await tempDir();
    const r = await runCli('slurm', join(dir, 'study'), '--grid', 'selection', '--seeds', '1', '--tasks', '3', '--cpus-per-task', '1', '--time', '30');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`bash ${join(dir, 'study', 'slurm', 'submit.sh')}`);
    expect(r.out.match(/^ {2}task \d: \d+ runs?, \d+\.\d\d h$/gm)).toHaveLength(3);
    const array = await readFile(join(dir, 'study', 'slurm', 'array.sbatch'), 'utf8');
    expect(array).toContain('--grid selection --dependence independent --seeds 1');
    expect(array).toContain('#SBATCH --time=30');
    expect((await stat(join(dir, 'study', 'slurm', 'submit.sh'))).mode & 0o111).not.toBe(0);
  });

  it('passes --partition, --account, --mem, --setup (repeatable, in order), --node and --misalign to the scripts', async () => {
    const dir = await tempDir();
    const r = await runCli(
      'slurm',
      join(dir, 'study'),
      '--grid',
      'selection',
      '--seeds',
      '1',
      '--tasks',
      '2',
      '--partition',
      'cpu',
      '--account',
      'lab',
      '--mem',
      '16G',
      '--setup',
      'module load nodejs/20',
      '--setup',
      'export OMP_NUM_THREADS=1',
    );
    expect(r.code, r.err).toBe(0);
    const array = await readFile(join(dir, 'study', 'slurm', 'array.sbatch'), 'utf8');
    const report = await readFile(join(dir, 'study', 'slurm', 'report.sbatch'), 'utf8');
    for (const script of [array, report]) {
      ascending(
        positions(script, [
          '#SBATCH --partition=cpu\n',
          '#SBATCH --account=lab\n',
          '#SBATCH --mem=16G\n',
          'module load nodejs/20\nexport OMP_NUM_THREADS=1\n',
          'command -v node',
        ]),
      );
    }
    expect(array).toContain(`exec node ${shellWord(INSTALLED_CLI)} sweep`);
    expect(array).not.toContain(`${process.execPath} `);

    const told = await runCli('slurm', join(dir, 'other'), '--grid', 'selection', '--node', '/sw/node/bin/node', '--misalign', '/sw/misalign/bin/misalign.js');
    expect(told.code, told.err).toBe(0);
    expect(await readFile(join(dir, 'other', 'slurm', 'array.sbatch'), 'utf8')).toContain('exec /sw/node/bin/node /sw/misalign/bin/misalign.js sweep');
  });

  it('bad input: one line, exit 2, nothing written', async () => {
    const dir = await tempDir();
    for (const [args, message] of [
      [['--grid', 'selection', '--time', 'soon'], /--time must be a Slurm time/],
      [['--seeds', '1'], /slurm needs --grid \(or --reproduce\)/],
      [['--reproduce', '--grid', 'selection'], /--grid does not apply to --reproduce/],
      [['--grid', 'nonsense'], /neither a grid/],
      [['--grid', 'mpi3d-selection', '--downstream'], /--downstream applies to the numeric grids/],
      [['--grid', 'selection', '--mem', '8 GB'], /--mem must be a Slurm memory size/],
      [['--grid', 'selection', '--partition', 'gpu debug'], /--partition must be a partition name/],
      [['--grid', 'selection', '--account', 'a\nb'], /--account must be an account name/],
      [['--grid', 'selection', '--setup', 'module load a\nmodule load b'], /--setup takes one shell line per value/],
      [['--grid', 'selection', '--node', 'node'], /--node must be an absolute path/],
      [['--grid', 'selection', '--misalign', 'misalign.js'], /--misalign must be the absolute path/],
      [['--grid', 'selection', '--mem', '8G', '--mem', '16G'], /--mem is given more than once/],
    ] as const) {
      const r = await runCli('slurm', join(dir, 'x'), ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    await expect(stat(join(dir, 'x', 'slurm', 'array.sbatch'))).rejects.toThrow(/ENOENT/);
  });
});
