/**
 * The cluster path against a real Slurm (slurm-wlm and munge from Debian,
 * started on localhost by test/helpers/slurm.ts, stopped at the end even
 * when a test fails). It follows the README's "On a cluster" section: write
 * the scripts with `misalign slurm`, submit them with submit.sh, wait for the
 * array and the report. The summary must equal an in-process sweep of the
 * same grid; after one task is cancelled mid-run and submitted again, too.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandGrid } from '../src/sweeps/grids.js';
import { estimatedSeconds, planShards } from '../src/sweeps/shards.js';
import { gridRunId, loadGrid, runSweep } from '../src/sweeps/sweep.js';
import { BIN } from './helpers/cli.js';
import { startSlurm, type LocalSlurm } from './helpers/slurm.js';
import { tempDirs } from './helpers/temp.js';

const tempDir = tempDirs('misalign-slurm');
const exec = promisify(execFile);

/** Four settings × 2 seeds of a tiny world: 8 runs of 400 steps, 2 per task. */
const GRID = `name: tiny
experiment: numeric
base: { ns: 3, nm: 1, hidden: [4, 4], batch: 128, steps: 400, lr: 0.01, evalSamples: 256, checkpointEvery: 20, probe: { batch: 128, lr: 0.003, maxEpochs: 5 } }
settings:
  - select: "1"
  - select: 1-2
  - select: 1-3
  - { select: 1-3, perturb: "3" }
`;

let slurm: LocalSlurm;
let gridPath: string;
/** summary.json as a sweep writes it: the numeric cells and agreement under their old names. */
interface SummaryFile {
  runs: { expected: number; complete: number };
  cells: unknown[];
  agreement: unknown;
}
let reference: SummaryFile;

const readSummary = async (dir: string) => JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as SummaryFile;

/** `misalign slurm` as the README shows it, then submit.sh; the array's and the report's job ids. */
async function submitStudy(dir: string): Promise<{ array: string; report: string }> {
  const written = await exec(
    process.execPath,
    [BIN, 'slurm', dir, '--grid', gridPath, '--seeds', '2', '--tasks', '4', '--cpus-per-task', '1', '--time', '10:00'],
    { env: slurm.env },
  );
  expect(written.stdout).toContain(`bash ${join(dir, 'slurm', 'submit.sh')}`);
  const submitted = await slurm.run('bash', [join(dir, 'slurm', 'submit.sh')]);
  expect(submitted.code, submitted.stderr).toBe(0);
  const m = /array job (\d+), report job (\d+)/.exec(submitted.stdout);
  expect(m, submitted.stdout).not.toBeNull();
  return { array: m![1]!, report: m![2]! };
}

beforeAll(async () => {
  slurm = await startSlurm({ cpus: 2 });
  gridPath = join(await tempDir(), 'tiny.yaml');
  await writeFile(gridPath, GRID);
  const runs = expandGrid(await loadGrid(gridPath), { seeds: 2 });
  const referenceDir = await tempDir();
  await runSweep(referenceDir, runs);
  reference = await readSummary(referenceDir);
}, 180_000);

afterAll(async () => {
  await slurm?.stop();
}, 60_000);

describe('a sweep as a Slurm array job', () => {
  it('the array of 4 tasks and the report job after it give the summary of an in-process sweep', async () => {
    const dir = join(await tempDir(), 'study');
    const t0 = performance.now();
    const jobs = await submitStudy(dir);
    const states = await slurm.waitForJobs([jobs.array, jobs.report], 150_000);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`slurm: the 4-task array and its report took ${seconds.toFixed(1)} s of wall time`);
    expect(states.get(jobs.array)).toBe('COMPLETED');
    expect(states.get(jobs.report)).toBe('COMPLETED');
    const summary = await readSummary(dir);
    expect(summary.runs).toEqual({ expected: 8, complete: 8 });
    expect(summary.cells).toEqual(reference.cells);
    expect(summary.agreement).toEqual(reference.agreement);
    // The report job drew the report; each task logged its shard.
    await expect(readFile(join(dir, 'report', 'index.html'), 'utf8')).resolves.toContain('<html');
    const logs = await Promise.all([0, 1, 2, 3].map((i) => readFile(join(dir, 'slurm', 'logs', `${jobs.array}_${i}.out`), 'utf8')));
    logs.forEach((log, i) => expect(log).toContain(`shard ${i + 1}/4`));
  }, 200_000);

  it('a task cancelled mid-run and submitted again ends with the same summary', async () => {
    const dir = join(await tempDir(), 'study');
    const runs = expandGrid(await loadGrid(gridPath), { seeds: 2 }).map((r) => ({ ...r, id: gridRunId(r) }));
    const task1 = planShards(runs, 4, (r) => estimatedSeconds(r, false)).shards[1]!.runs.map((r) => r.id);
    const jobs = await submitStudy(dir);
    // Wait until task 1 has a checkpoint of its first run, and cancel it there.
    const first = join(dir, 'runs', task1[0]!);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const checkpointed = await readFile(join(first, 'checkpoint.bin')).then(
        () => true,
        () => false,
      );
      if (checkpointed) break;
      if (Date.now() > deadline) throw new Error('task 1 never wrote a checkpoint');
      await new Promise((r) => setTimeout(r, 50));
    }
    const cancelled = await slurm.run('scancel', [`${jobs.array}_1`]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const states = await slurm.waitForJobs([`${jobs.array}_1`, jobs.report], 150_000);
    expect(states.get(`${jobs.array}_1`)).toBe('CANCELLED');
    await expect(readFile(join(first, 'metrics.json')), 'the run was cancelled mid-run').rejects.toThrow(/ENOENT/);
    expect(states.get(jobs.report)).not.toBe('COMPLETED'); // afterok failed: Slurm removed the report
    const before = await readSummary(dir).catch(() => null);
    expect(before?.runs.complete ?? 0).toBeLessThan(8);
    // As the README says: the task again on its own, then the report after it.
    const again = await slurm.run('sbatch', ['--parsable', '--array=1', join(dir, 'slurm', 'array.sbatch')]);
    expect(again.code, again.stderr).toBe(0);
    const task = again.stdout.trim().split(';')[0]!;
    const report = await slurm.run('sbatch', ['--parsable', `--dependency=afterok:${task}`, join(dir, 'slurm', 'report.sbatch')]);
    expect(report.code, report.stderr).toBe(0);
    const reportId = report.stdout.trim().split(';')[0]!;
    const done = await slurm.waitForJobs([task, reportId], 150_000);
    expect([done.get(task), done.get(reportId)]).toEqual(['COMPLETED', 'COMPLETED']);
    const summary = await readSummary(dir);
    expect(summary.runs).toEqual({ expected: 8, complete: 8 });
    expect(summary.cells).toEqual(reference.cells);
    // The resubmitted task resumed the cancelled run from its checkpoint, under a claim of its own, and released it.
    const log = await readFile(join(dir, 'slurm', 'logs', `${task}_1.out`), 'utf8');
    expect(log).toContain('shard 2/4');
    await expect(readFile(join(first, 'claim.json'))).rejects.toThrow(/ENOENT/);
  }, 300_000);
});
