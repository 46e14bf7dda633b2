/**
 * Provenance: every output a run, sweep, probe or report writes says where it
 * came from (version, commit, Node, CPU, threads, start and end, host), and a
 * run folder from before provenance was kept is still evaluated and reported.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/temp.js';
import { runCli } from './helpers/cli.js';
import { evalRunDir, trainRunDir } from '../src/experiments/run-dir.js';
import type { NumericSettings } from '../src/experiments/numeric/config.js';
import { provenanceLine, type Provenance } from '../src/experiments/provenance.js';
import { expandGrid, type Grid } from '../src/sweeps/grids.js';
import { runSweep } from '../src/sweeps/sweep.js';
import { writeReport } from '../src/reports/report.js';
import { runReport } from '../src/reports/run-report.js';
import { TINY_NUMERIC } from './helpers/tiny.js';

const tempDir = tempDirs('misalign-provenance');
const ROOT = resolve(__dirname, '..');
const TINY: NumericSettings = { ...TINY_NUMERIC, steps: 60, probe: { ...TINY_NUMERIC.probe, maxEpochs: 3 } };

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

/** What any provenance written in this process must hold. */
function expectProvenance(p: Provenance, threads: number, before: Date) {
  expect(p.misalign).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  if (existsSync(join(ROOT, '.git'))) {
    const head = spawnSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
    if (head.status === 0) expect(p.commit).toBe(head.stdout.trim());
    expect(typeof p.dirty).toBe(p.commit === null ? 'object' : 'boolean');
  } else {
    expect(p.commit).toBeNull();
  }
  expect(p.node).toBe(process.version);
  expect(p.cpu).toBe(cpus()[0]!.model.trim());
  expect(p.cores).toBe(cpus().length);
  expect(p.threads).toBe(threads);
  expect(p.host).toBe(hostname());
  expect(p.platform).toBe(`${process.platform}-${process.arch}`);
  const started = Date.parse(p.started);
  const finished = Date.parse(p.finished);
  expect(started).toBeGreaterThanOrEqual(before.getTime() - 1000);
  expect(finished).toBeGreaterThanOrEqual(started);
  expect(finished).toBeLessThanOrEqual(Date.now());
}

describe('provenance', () => {
  it('a run: metrics.json (train and eval) and the run page say where and when; an old run without it still evaluates and reports', async () => {
    const dir = join(await tempDir(), 'run');
    const before = new Date();
    const { metrics } = await trainRunDir(dir, { ...TINY, select: '1-2', threads: 1 });
    expectProvenance(metrics.provenance!, 1, before);
    const saved = await readJson(join(dir, 'metrics.json'));
    expect(saved.provenance).toEqual(metrics.provenance);
    const { page } = await runReport(dir);
    const html = await readFile(page, 'utf8');
    expect(html).toContain(`Trained and evaluated: ${provenanceLine(metrics.provenance!)}`);

    // A run folder from before provenance: its metrics.json has none.
    delete saved.provenance;
    await writeFile(join(dir, 'metrics.json'), JSON.stringify(saved));
    await runReport(dir);
    expect(await readFile(page, 'utf8')).toContain('Training: not recorded');
    const evaluated = await evalRunDir(dir, 7);
    expect(evaluated.out).toBe(join(dir, 'eval-seed-7'));
    expectProvenance((await readJson(join(evaluated.out, 'metrics.json'))).provenance, 1, before);
    expect(evaluated.metrics.factors.map((f) => f.factor)).toEqual(saved.factors.map((f: { factor: string }) => f.factor));
  }, 120_000);

  it("a sweep: summary.json has the command's provenance and the machines its runs came from; the report names both", async () => {
    const dir = await tempDir();
    const grid: Grid = {
      name: 'g',
      experiment: 'numeric',
      dependence: true,
      settings: [
        { label: '[1]', settings: { ...TINY, select: '1' } },
        { label: '[1,2]', settings: { ...TINY, select: '1-2' } },
      ],
    };
    const before = new Date();
    await runSweep(dir, expandGrid(grid, { dependence: ['independent'], seeds: 1 }), { jobs: 2 });
    const summary = await readJson(join(dir, 'summary.json'));
    expectProvenance(summary.provenance, 2, before);
    expect(summary.machines).toEqual([
      { host: hostname(), cpu: cpus()[0]!.model.trim(), misalign: summary.provenance.misalign, commit: summary.provenance.commit, runs: 2 },
    ]);
    await writeReport(dir);
    const html = await readFile(join(dir, 'report', 'index.html'), 'utf8');
    expect(html).toContain(`Trained on: ${hostname()} (${cpus()[0]!.model.trim()})`);
    expect(html).toContain(': 2 runs');
    expect(html).toMatch(/This report: misalign \d+\.\d+\.\d+/);
  }, 120_000);

  it('a probe: metrics.json and the page', async () => {
    const dir = await tempDir();
    const n = 400;
    const rows = Array.from({ length: n }, (_, i) => [Math.sin(i), Math.cos(i * 0.7), ((i * 37) % 11) / 11]);
    await writeFile(join(dir, 'emb.csv'), `${rows.map((r) => r.join(',')).join('\n')}\n`);
    await writeFile(join(dir, 'factors.csv'), `a,b\n${rows.map((r) => `${r[0]! * 2},${r[2]! + 0.5}`).join('\n')}\n`);
    const before = new Date();
    const r = await runCli('probe', '--embeddings', join(dir, 'emb.csv'), '--factors', join(dir, 'factors.csv'), '--out', join(dir, 'out'));
    expect(r.code, r.err).toBe(0);
    const metrics = await readJson(join(dir, 'out', 'metrics.json'));
    expectProvenance(metrics.provenance, 1, before);
    expect(await readFile(join(dir, 'out', 'index.html'), 'utf8')).toContain(`Provenance: ${provenanceLine(metrics.provenance)}`);
  }, 120_000);
});
