import { spawn, spawnSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/temp.js';

const tempDir = tempDirs('misalign-sweep-cli');

const GRID = `name: tiny
base: { ns: 3, nm: 1, hidden: [4, 4], batch: 64, steps: 600, lr: 0.01, checkpointEvery: 50, evalSamples: 256 }
settings:
  - select: 1
  - select: 1-2
  - select: 1-3
    perturb: 3
`;

async function cli(...args: string[]): Promise<{ status: number; out: string; err: string }> {
  const { code, out, err } = await runCli(...args);
  return { status: code, out, err };
}

describe('misalign sweep', () => {
  it('runs a grid file, shows progress, summarises; a rerun skips everything; --summarize re-aggregates', async () => {
    const dir = await tempDir();
    const file = join(dir, 'grid.yaml');
    await writeFile(file, GRID);
    const out = join(dir, 'out');
    const first = await cli('sweep', '--grid', file, '--seeds', '1', '--jobs', '2', '--out', out);
    expect(first.err).toMatch(/^sweep: 3 runs, 0 already finished, 3 to run$/m);
    expect(first.err).toMatch(/sweep: done tiny select 1-2 independent seed 0/);
    expect(first.err).toMatch(/sweep: 3\/3 runs, 1800\/1800 steps, \d+ s elapsed, ETA 0 s/);
    expect(first.out).toMatch(/^runs finished: 3\/3;/);
    expect(first.out).toMatch(/agreement {2}independent: \d\.\d{3} \(\d+\/\d+ cells agree with the theory\)/);
    expect(first.status).toBe(0);
    expect(first.out).toMatch(/^wall time: \d+ s$/m);
    const again = await cli('sweep', '--grid', file, '--seeds', '1', '--out', out);
    expect(again.err).toMatch(/sweep: 3 runs, 3 already finished, 0 to run/);
    expect(again.out).toMatch(/^wall time: \d+ s over 2 sweep commands$/m);
    const withoutWall = (text: string) => text.replace(/^wall time: .*\n/m, '');
    expect(withoutWall(again.out)).toBe(withoutWall(first.out));
    const summarized = await cli('sweep', '--summarize', out);
    expect(summarized.status).toBe(0);
    expect(withoutWall(summarized.out)).toBe(withoutWall(first.out));
  }, 60_000);

  it('after the sweep is killed at any moment (SIGKILL), the same command finishes it with the same results', async () => {
    const dir = await tempDir();
    const file = join(dir, 'grid.yaml');
    await writeFile(file, GRID);
    const args = (out: string) => [BIN, 'sweep', '--grid', file, '--seeds', '1', '--jobs', '2', '--out', out];
    const whole = join(dir, 'whole');
    expect(spawnSync(process.execPath, args(whole), { encoding: 'utf8' }).status).toBe(0);

    const killed = join(dir, 'killed');
    const child = spawn(process.execPath, args(killed), { stdio: 'ignore' });
    const hasCheckpoint = async () => {
      const runs = await readdir(join(killed, 'runs')).catch(() => [] as string[]);
      for (const r of runs)
        if (
          await stat(join(killed, 'runs', r, 'checkpoint.bin')).then(
            () => true,
            () => false,
          )
        )
          return true;
      return false;
    };
    for (let i = 0; i < 600 && !(await hasCheckpoint()); i++) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const rerun = spawnSync(process.execPath, args(killed), { encoding: 'utf8' });
    expect(rerun.stderr).toMatch(/sweep: 3 runs, [0-2] already finished/); // it was killed mid-sweep
    expect(rerun.stderr).not.toMatch(/misalign:|FAILED/);
    expect(rerun.status).toBe(0);
    const s1 = JSON.parse(await readFile(join(whole, 'summary.json'), 'utf8'));
    const s2 = JSON.parse(await readFile(join(killed, 'summary.json'), 'utf8'));
    expect(s2.cells).toEqual(s1.cells);
    expect(s2.runs).toEqual({ expected: 3, complete: 3 });
  }, 120_000);

  it('bad input: one line, exit 2, nothing written', async () => {
    const dir = await tempDir();
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'name: x\nsettings:\n  - select: 1\n    stepz: 5\n');
    const out = join(dir, 'never');
    const cases: [string[], RegExp][] = [
      [['sweep', '--grid', 'nope', '--out', out], /'nope' is neither a grid .* nor a grid file/],
      [['sweep', '--grid', bad, '--out', out], /bad\.yaml: settings\[0\]: unknown setting 'stepz'/],
      [['sweep', '--grid', 'selection', '--dependence', 'both', '--out', out], /--dependence takes independent, dependent/],
      [['sweep', '--grid', 'selection', '--shard', '0/2', '--out', out], /--shard must be i\/n/],
      [['sweep', '--grid', 'selection', '--seeds', '0', '--out', out], /seeds must be a positive integer/],
      [['sweep', '--grid', 'selection'], /sweep needs --out DIR/],
      [['sweep', '--out', out], /sweep needs --grid/],
      [['sweep', '--summarize', out, '--seeds', '2'], /--summarize takes no other option/],
      [['sweep', '--summarize', out], /holds no sweep/],
      [['sweep', '--grid', 'selection', '--out', out, '--colour'], /unknown option '--colour'/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect(
      await stat(out).then(
        () => true,
        () => false,
      ),
    ).toBe(false);
  });
});
