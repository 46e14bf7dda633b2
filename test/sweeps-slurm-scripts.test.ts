/**
 * The scripts `misalign slurm` writes (the real Slurm test, slurm.test.ts,
 * submits them): what each holds, and one-line errors for bad options.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellWord, slurmScripts } from '../src/sweeps/slurm.js';
import { runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/temp.js';

const tempDir = tempDirs('misalign-slurm-scripts');
const base = { dir: '/shared/my sweep', sweepArgs: ['--grid', 'selection', '--seeds', '3'], tasks: 4, cpusPerTask: 2, node: '/usr/bin/node', cli: '/opt/misalign/bin/misalign.js' };

describe('slurmScripts', () => {
  it('an array of K requeue-safe tasks, task i is shard i+1 of K; a report after it; paths quoted', () => {
    const s = slurmScripts({ ...base, time: '2:00:00', partition: 'cpu' });
    expect(s.array).toContain('#SBATCH --array=0-3');
    expect(s.array).toContain('#SBATCH --cpus-per-task=2');
    expect(s.array).toContain('#SBATCH --requeue');
    expect(s.array).toContain('#SBATCH --time=2:00:00');
    expect(s.array).toContain('#SBATCH --partition=cpu');
    expect(s.array).toContain(`exec /usr/bin/node /opt/misalign/bin/misalign.js sweep --grid selection --seeds 3 --out '/shared/my sweep' --jobs 2 --shard "$((SLURM_ARRAY_TASK_ID + 1))/4"`);
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
      [{ dir: 'relative/dir' }, /must be an absolute path/],
      [{ sweepArgs: ['--grid', 'selection', '--shard', '1/2'] }, /--shard is set by the Slurm script/],
    ] as const) {
      expect(() => slurmScripts({ ...base, ...o } as typeof base)).toThrow(message);
    }
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

  it('bad input: one line, exit 2, nothing written', async () => {
    const dir = await tempDir();
    for (const [args, message] of [
      [['--grid', 'selection', '--time', 'soon'], /--time must be a Slurm time/],
      [['--seeds', '1'], /slurm needs --grid \(or --reproduce\)/],
      [['--reproduce', '--grid', 'selection'], /--grid does not apply to --reproduce/],
      [['--grid', 'nonsense'], /neither a grid/],
      [['--grid', 'mpi3d-selection', '--downstream'], /--downstream applies to the numeric grids/],
    ] as const) {
      const r = await runCli('slurm', join(dir, 'x'), ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    await expect(stat(join(dir, 'x', 'slurm', 'array.sbatch'))).rejects.toThrow(/ENOENT/);
  });
});
