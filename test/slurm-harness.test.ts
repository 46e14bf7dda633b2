// The Slurm test harness itself (test/helpers/slurm.ts): a real one-node cluster
// runs an array of 4 tasks and a job that depends on it, then stops cleanly.
// Needs the Debian packages slurm-wlm and munge (.ci/run installs them) and root.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlurm, type LocalSlurm } from './helpers/slurm.js';

describe('local Slurm cluster', () => {
  let slurm: LocalSlurm | undefined;
  let out = '';

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'misalign-slurm-out-'));
    slurm = await startSlurm();
  }, 60_000);

  afterAll(async () => {
    await slurm?.stop();
    await rm(out, { recursive: true, force: true });
  }, 30_000);

  async function sbatch(...args: string[]): Promise<string> {
    const r = await slurm!.run('sbatch', ['--parsable', ...args]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  }

  it('runs an array job and a job that waits for it (afterok)', async () => {
    const array = await sbatch(
      '--array=0-3',
      `--output=${out}/task-%a.log`,
      '--wrap',
      `echo "$SLURM_ARRAY_TASK_ID $SLURM_ARRAY_TASK_MIN $SLURM_ARRAY_TASK_COUNT" > ${out}/task-$SLURM_ARRAY_TASK_ID`,
    );
    expect(array).toMatch(/^\d+$/);
    const after = await sbatch(`--dependency=afterok:${array}`, `--output=${out}/after.log`, '--wrap', `touch ${out}/marker`);

    const states = await slurm!.waitForJobs([array, after], 40_000);
    expect(Object.fromEntries(states)).toEqual({
      [array]: 'COMPLETED',
      [`${array}_0`]: 'COMPLETED',
      [`${array}_1`]: 'COMPLETED',
      [`${array}_2`]: 'COMPLETED',
      [`${array}_3`]: 'COMPLETED',
      [after]: 'COMPLETED',
    });
    for (const i of [0, 1, 2, 3]) {
      expect(await readFile(join(out, `task-${i}`), 'utf8')).toBe(`${i} 0 4\n`);
    }
    expect(existsSync(join(out, 'marker'))).toBe(true);
  }, 50_000);

  it('stop() ends the daemons and removes its folder, and may be called again', async () => {
    const pids = await Promise.all(['slurmd.pid', 'slurmctld.pid'].map(async (f) => Number(await readFile(join(slurm!.dir, f), 'utf8'))));
    await slurm!.stop();
    await slurm!.stop();
    expect(existsSync(slurm!.dir)).toBe(false);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 30_000);
});
