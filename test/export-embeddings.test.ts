/**
 * `misalign export-embeddings` then `misalign probe --config`: probing a run's
 * exported embeddings gives that run's own metrics (same seed, same sets,
 * same probes), for a numeric, an MPI3D and a Causal3D run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../src/common/npy.js';
import { trainRunDir } from '../src/experiments/run-dir.js';
import { runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/temp.js';

const tempDir = tempDirs('misalign-export');

interface Row {
  encoding: string;
  factor: string;
  linear: number;
  nonlinear: number;
}

async function probeExport(run: string): Promise<Row[]> {
  const exported = await runCli('export-embeddings', run);
  expect(exported.code, exported.err).toBe(0);
  const probe = await runCli('probe', '--config', join(run, 'embeddings', 'probe.json'), '--out', join(run, 'probe'));
  expect(probe.code, probe.err).toBe(0);
  return JSON.parse(await readFile(join(run, 'probe', 'metrics.json'), 'utf8')).rows as Row[];
}

describe('probing a run’s exported embeddings', () => {
  it('a numeric run: every factor’s linear and MLP R², from ẑ_x and ẑ_t, as the run measured them', async () => {
    const run = join(await tempDir(), 'run');
    const { metrics } = await trainRunDir(run, {
      ns: 3,
      nm: 2,
      select: '1-2',
      perturb: '2',
      hidden: [4, 4],
      batch: 64,
      steps: 200,
      evalSamples: 256,
      probe: { batch: 128, lr: 0.003, maxEpochs: 8 },
    });
    const rows = await probeExport(run);
    const own = (metrics.factors as unknown as { encoding: 'x' | 't'; factor: string; r2Linear: number; r2Nonlinear: number }[]).map((f) => ({
      encoding: f.encoding,
      factor: f.factor,
      linear: f.r2Linear,
      nonlinear: f.r2Nonlinear,
    }));
    // ẑ_x is the first file (its rows are named 'image' by the probe), ẑ_t the second ('text').
    const probed = rows.map((r) => ({ encoding: r.encoding === 'image' ? 'x' : 't', factor: r.factor, linear: r.linear, nonlinear: r.nonlinear }));
    expect(probed).toEqual(own);
    expect(own.map((r) => r.factor)).toEqual(['s1', 's2', 's3', 's2_tilde', 's_inv', 'm_x', 'm_t', 's1', 's2', 's3', 's2_tilde', 's_inv', 'm_x', 'm_t']);
    // The files: (2n, d) float32 embeddings, the factors with their split.
    const x = readNpy(new Uint8Array(await readFile(join(run, 'embeddings', 'x.npy'))));
    expect([x.rows, x.cols, x.header.descr]).toEqual([512, 1, '<f4']);
    const csv = (await readFile(join(run, 'embeddings', 'factors.csv'), 'utf8')).split('\n');
    expect(csv[0]).toBe('split,s1,s2,s3,s2_tilde,s_inv,m_x_1,m_x_2,m_t_1,m_t_2'); // s_inv is s1 alone here: one column
    expect(csv[1]!.startsWith('fit,')).toBe(true);
    expect(csv[257]!.startsWith('score,')).toBe(true);
  }, 120_000);

  it('an MPI3D run: every factor’s MCC from the image and the text embedding, as the run measured them', async () => {
    const run = join(await tempDir(), 'run');
    const { metrics } = await trainRunDir(run, { experiment: 'mpi3d', selectionLevel: 2, steps: 6, batch: 16, evalSamples: 96 });
    const rows = await probeExport(run);
    const own = (metrics.factors as unknown as { encoding: string; factor: string; mccLinear: number; mccNonlinear: number }[]).map((f) => ({
      encoding: f.encoding,
      factor: f.factor,
      linear: f.mccLinear,
      nonlinear: f.mccNonlinear,
    }));
    expect(rows.map(({ encoding, factor, linear, nonlinear }) => ({ encoding, factor, linear, nonlinear }))).toEqual(own);
  }, 120_000);

  it('a Causal3D run: MCC and R² from both embeddings as the run measured them (the phrasing from the text only)', async () => {
    const run = join(await tempDir(), 'run');
    const { metrics } = await trainRunDir(run, { experiment: 'causal3d', selectionLevel: 4, steps: 6, batch: 16, evalSamples: 96 });
    const rows = await probeExport(run);
    type C3dRow = {
      encoding: string;
      factor: string;
      kind: string;
      mccLinear?: number;
      mccNonlinear?: number;
      r2Linear?: number;
      r2Nonlinear?: number;
      predicted: string;
      verdict: string;
    };
    const own = (metrics.factors as unknown as C3dRow[]).map((f) => ({
      encoding: f.encoding,
      factor: f.factor,
      linear: f.kind === 'discrete' ? f.mccLinear! : f.r2Linear!,
      nonlinear: f.kind === 'discrete' ? f.mccNonlinear! : f.r2Nonlinear!,
      predicted: f.predicted,
      verdict: f.verdict,
    }));
    const key = (r: { encoding: string; factor: string }) => `${r.encoding}:${r.factor}`;
    const probed = new Map(rows.map((r) => [key(r), r as Row & { predicted: string; verdict: string }]));
    for (const o of own) {
      const p = probed.get(key(o))!;
      expect({ ...o, linear: p.linear, nonlinear: p.nonlinear, predicted: p.predicted, verdict: p.verdict }, key(o)).toEqual(o);
    }
    expect(rows.map(key).sort()).toEqual(own.map(key).sort());
    expect(JSON.parse(await readFile(join(run, 'embeddings', 'probe.json'), 'utf8')).textOnly).toEqual(['phrase']);
  }, 120_000);

  it('refuses a folder without a run, in one line', async () => {
    const r = await runCli('export-embeddings', join(await tempDir(), 'nothing'));
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
