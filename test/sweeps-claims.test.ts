/**
 * Run claims: one holder at a time (O_EXCL, also across processes), taken
 * over when the holder is gone, and a sweep that never trains a run twice
 * when two copies of it share a folder.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { NumericSettings } from '../src/experiments/numeric/config.js';
import { CLAIM_FILE, claimRun, readRunClaim } from '../src/sweeps/claims.js';
import { inProcessExecutor, type RunExecutor } from '../src/sweeps/executor.js';
import { expandGrid, type Grid } from '../src/sweeps/grids.js';
import { runSweep, summarizeSweepDir } from '../src/sweeps/sweep.js';
import { tempDirs } from './helpers/temp.js';
import { TINY_NUMERIC } from './helpers/tiny.js';

const tempDir = tempDirs('misalign-claims');
const run = promisify(execFile);

describe('claimRun', () => {
  it('writes host, pid and times; a second claimant gets nothing while the holder lives; release frees it', async () => {
    const dir = join(await tempDir(), 'run');
    const a = await claimRun(dir, { host: 'h1', pid: 11, alive: () => true });
    expect(a).not.toBeNull();
    const record = await readRunClaim(dir);
    expect(record).toMatchObject({ host: 'h1', pid: 11, started: expect.any(String), heartbeat: expect.any(String) });
    expect(await claimRun(dir, { host: 'h1', pid: 12, alive: () => true })).toBeNull();
    await a!.release();
    expect(await readRunClaim(dir)).toBeNull();
    expect(await claimRun(dir, { host: 'h1', pid: 12, alive: () => true })).not.toBeNull();
  });

  it('takes over a claim whose process is gone (same host) or whose heartbeat is stale (another host)', async () => {
    const dir = join(await tempDir(), 'run');
    await claimRun(dir, { host: 'h1', pid: 11 });
    // Same host: the pid decides.
    expect(await claimRun(dir, { host: 'h1', pid: 12, alive: (pid) => pid !== 11 })).not.toBeNull();
    expect(await readRunClaim(dir)).toMatchObject({ host: 'h1', pid: 12 });
    // Another host cannot see the pid: the heartbeat's age decides.
    let now = Date.now();
    expect(await claimRun(dir, { host: 'h2', pid: 7, staleMs: 60_000, now: () => now })).toBeNull();
    now += 61_000;
    const taken = await claimRun(dir, { host: 'h2', pid: 7, staleMs: 60_000, now: () => now });
    expect(taken).not.toBeNull();
    expect(await readRunClaim(dir)).toMatchObject({ host: 'h2', pid: 7 });
  });

  it('a holder that was taken over neither refreshes nor releases the new claim', async () => {
    const dir = join(await tempDir(), 'run');
    let now = Date.now();
    const old = (await claimRun(dir, { host: 'h1', pid: 1, now: () => now }))!;
    now += 10 * 60_000;
    const fresh = await claimRun(dir, { host: 'h2', pid: 2, staleMs: 60_000, now: () => now });
    expect(fresh).not.toBeNull();
    await old.beat();
    await old.release();
    expect(await readRunClaim(dir)).toMatchObject({ host: 'h2', pid: 2 });
  });

  it('a heartbeat keeps the claim fresh', async () => {
    const dir = join(await tempDir(), 'run');
    let now = Date.now();
    const claim = (await claimRun(dir, { host: 'h1', pid: 1, now: () => now }))!;
    now += 50_000;
    await claim.beat();
    now += 50_000;
    expect(await claimRun(dir, { host: 'h2', pid: 2, staleMs: 60_000, now: () => now })).toBeNull();
    expect(JSON.parse(await readFile(join(dir, CLAIM_FILE), 'utf8')).heartbeat).toBe(new Date(now - 50_000).toISOString());
  });

  it('of many processes racing for a run, or for a stale claim, exactly one wins', async () => {
    const root = await tempDir();
    const script = join(root, 'claim.mjs');
    const claims = new URL('../src/sweeps/claims.ts', import.meta.url).pathname;
    // Each process claims as host 'race' with its own pid; in the takeover round pid 1, the old holder, counts as dead.
    await writeFile(
      script,
      `import { claimRun } from ${JSON.stringify(claims)};
const [dir, mode] = process.argv.slice(2);
const start = Number(process.env.START_AT);
while (Date.now() < start) {}
const claim = await claimRun(dir, { host: 'race', alive: (pid) => mode !== 'takeover' || pid !== 1 });
process.stdout.write(claim ? 'won' : 'lost');
`,
    );
    const race = async (dir: string, mode: string) => {
      const env = { ...process.env, START_AT: String(Date.now() + 3000) };
      const results = await Promise.all(Array.from({ length: 8 }, () => run(process.execPath, ['--import', 'tsx', script, dir, mode], { env })));
      return results.map((r) => r.stdout);
    };
    const fresh = join(root, 'fresh');
    expect((await race(fresh, 'fresh')).filter((o) => o === 'won')).toHaveLength(1);
    // A stale claim (its holder, pid 1 on host 'race', counts as dead): one of the racers takes it over.
    const stale = join(root, 'stale');
    await claimRun(stale, { host: 'race', pid: 1 });
    const outcome = await race(stale, 'takeover');
    expect(outcome.filter((o) => o === 'won')).toHaveLength(1);
    expect((await readRunClaim(stale))!.pid).not.toBe(1);
  }, 60_000);
});

describe('two copies of a sweep in one folder', () => {
  const TINY: NumericSettings = { ...TINY_NUMERIC, steps: 150, checkpointEvery: 50 };
  const grid: Grid = {
    name: 'g',
    experiment: 'numeric',
    dependence: false,
    settings: ['1', '1-2', '1-3'].map((select) => ({ label: select, settings: { select } })),
  };

  it('train every run exactly once, and the second waits for what the first holds', async () => {
    const dir = await tempDir();
    const runs = expandGrid(grid, { seeds: 2, base: TINY });
    const started: string[] = [];
    const counting: RunExecutor = {
      async run(task, onProgress) {
        started.push(task.dir);
        await new Promise((r) => setTimeout(r, 50)); // both copies are inside a run at the same time
        return inProcessExecutor.run(task, onProgress);
      },
    };
    const held: string[] = [];
    const [a, b] = await Promise.all([
      runSweep(dir, runs, { executor: counting, jobs: 2, pollMs: 50 }),
      runSweep(dir, runs, { executor: counting, jobs: 2, pollMs: 50, onEvent: (e) => e.kind === 'run-held' && held.push(e.id) }),
    ]);
    expect(started.length).toBe(6);
    expect(new Set(started).size).toBe(6);
    expect(a.done + b.done).toBe(6);
    expect(a.failed.concat(b.failed)).toEqual([]);
    expect(held.length).toBeGreaterThan(0);
    expect((await summarizeSweepDir(dir)).runs).toEqual({ expected: 6, complete: 6 });
    for (const r of runs) expect(await readRunClaim(join(dir, 'runs', (await import('../src/sweeps/sweep.js')).gridRunId(r)))).toBeNull();
  }, 120_000);
});
