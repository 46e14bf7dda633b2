// Image-text experiment 1 end to end at toy scale, the multiclass MCC, and
// the command line's checks.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { netForwardMacs } from '../src/encoders/net.js';
import { imageEncoderSpec } from '../src/experiments/image-text/model.js';
import { resolveMpi3dConfig, type Mpi3dMetrics } from '../src/experiments/mpi3d/index.js';
import { trainRunDir } from '../src/experiments/run-dir.js';
import * as classify from '../src/probes/classify.js';
import { mcc, mccMulticlass } from '../src/probes/mcc.js';
import { runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/temp.js';

const tempDir = tempDirs('misalign-mpi3d');

describe('multiclass MCC', () => {
  it('matches hand-computed values and the binary MCC', () => {
    // c = 5, s = 6, t = (2, 2, 2), p = (2, 1, 3): (30 − 12)/√((36 − 14)(36 − 12))
    expect(mccMulticlass([0, 0, 1, 1, 2, 2], [0, 0, 1, 2, 2, 2], 3)).toBeCloseTo(18 / Math.sqrt(22 * 24), 12);
    expect(mccMulticlass([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], 3)).toBe(0);
    expect(mccMulticlass([2, 2, 2], [2, 2, 2], 3)).toBe(0); // undefined: one class only
    const truth = [1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0];
    const pred = [1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0];
    expect(mccMulticlass(truth, pred, 2)).toBeCloseTo(mcc(truth, pred), 12);
    expect(() => mccMulticlass([0, 1], [0], 2)).toThrow(/as many predictions as labels, got 1 and 2/);
  });

  it('lives with the binary MCC in probes/mcc.ts (the classifiers only use it), and the package exports that one', async () => {
    expect(mccMulticlass).toBeTypeOf('function');
    expect('mccMulticlass' in classify).toBe(false);
    expect((await import('../src/index.js')).mccMulticlass).toBe(mccMulticlass);
  });
});

describe('the mpi3d experiment', () => {
  it('resolves its configuration: one level; the quick preset: encoding size max(3, |unbiased|), unit vectors probed; the paper preset: the public code', () => {
    expect(resolveMpi3dConfig({ selectionLevel: 3 })).toMatchObject({
      bias: { selection: 3 },
      encodingSize: 3,
      imageSize: 32,
      batch: 128,
      steps: 3000,
      tau: 0.1,
      probeOutputs: 'unit',
    });
    // The perturbation level that perturbs nothing is the selection level that mentions all five: one run, one id.
    expect(resolveMpi3dConfig({ perturbationLevel: 1 })).toEqual(resolveMpi3dConfig({ selectionLevel: 5 }));
    expect(resolveMpi3dConfig({ perturbationLevel: 2 }).bias).toEqual({ perturbation: 2 });
    expect(resolveMpi3dConfig({ selectionLevel: 1 }).encodingSize).toBe(3);
    // τ: 0.5 where the captions name one factor correctly ({color}; the last perturbation level), 0.1 elsewhere;
    // a set τ wins, and the paper preset keeps 1.
    expect([1, 2, 3, 4, 5].map((selectionLevel) => resolveMpi3dConfig({ selectionLevel }).tau)).toEqual([0.5, 0.1, 0.1, 0.1, 0.1]);
    expect([2, 3, 4, 5].map((perturbationLevel) => resolveMpi3dConfig({ perturbationLevel }).tau)).toEqual([0.1, 0.1, 0.1, 0.5]);
    expect(resolveMpi3dConfig({ selectionLevel: 1, preset: 'long' }).tau).toBe(0.5);
    expect(resolveMpi3dConfig({ selectionLevel: 1, tau: 0.2 }).tau).toBe(0.2);
    expect(resolveMpi3dConfig({ selectionLevel: 1, preset: 'paper' }).tau).toBe(1);
    // The public code (main_mpi3dreal.py): encoding size |unbiased|, 200,001 steps, batch 256, lr 1e-5, τ = 1, raw outputs standardised.
    expect(resolveMpi3dConfig({ perturbationLevel: 2, preset: 'paper' })).toMatchObject({
      encodingSize: 4,
      imageSize: 64,
      batch: 256,
      lr: 1e-5,
      tau: 1,
      steps: 200_001,
      probeOutputs: 'raw',
    });
    expect(resolveMpi3dConfig({ selectionLevel: 1, preset: 'paper' }).encodingSize).toBe(1);
    expect(resolveMpi3dConfig({ perturbationLevel: 5, preset: 'paper' }).encodingSize).toBe(1);
    // Explicit settings win.
    expect(resolveMpi3dConfig({ selectionLevel: 1, encodingSize: 2, probeOutputs: 'raw' })).toMatchObject({ encodingSize: 2, probeOutputs: 'raw' });
    expect(resolveMpi3dConfig({ selectionLevel: 1, preset: 'paper', steps: 10 }).steps).toBe(10);
    expect(() => resolveMpi3dConfig({ selectionLevel: 1, probeOutputs: 'normalised' })).toThrow(/probe outputs/);
    expect(() => resolveMpi3dConfig({ selectionLevel: 1, encodingSize: 0 })).toThrow(/encoding size/);
    // The image encoder's widths: three convolutions at 32 px, four at 64; the encoder has the filters asked for.
    expect(resolveMpi3dConfig({ selectionLevel: 1 }).imageFilters).toEqual([16, 32, 64]);
    expect(resolveMpi3dConfig({ selectionLevel: 1, imageSize: 64 }).imageFilters).toEqual([32, 32, 64, 64]);
    expect(resolveMpi3dConfig({ selectionLevel: 1, preset: 'paper' }).imageFilters).toEqual([32, 32, 64, 64]);
    const narrow = resolveMpi3dConfig({ selectionLevel: 1, imageFilters: [16, 32, 32] });
    expect(
      imageEncoderSpec(narrow)
        .layers.slice(0, 3)
        .map((l) => (l as { filters: number }).filters),
    ).toEqual([16, 32, 32]);
    expect(netForwardMacs(imageEncoderSpec(narrow))).toBeLessThan(
      netForwardMacs(imageEncoderSpec(resolveMpi3dConfig({ selectionLevel: 1, imageFilters: [32, 64, 64] }))) / 3,
    );
    // A config.json from before the setting names no filters: its run had 32, 64, 64.
    expect(
      imageEncoderSpec({ imageSize: 32, encodingSize: 3 })
        .layers.slice(0, 3)
        .map((l) => (l as { filters: number }).filters),
    ).toEqual([32, 64, 64]);
    expect(() => resolveMpi3dConfig({ selectionLevel: 1, imageFilters: [16, 32] })).toThrow(
      /3 convolutions at 32×32, so image filters must list 3 numbers, got 2/,
    );
    expect(() => resolveMpi3dConfig({ selectionLevel: 1, imageFilters: [16, 0, 32] })).toThrow(/image encoder filters/);
    expect(() => resolveMpi3dConfig({})).toThrow(/exactly one of a selection level and a perturbation level/);
    expect(() => resolveMpi3dConfig({ selectionLevel: 1, perturbationLevel: 1 })).toThrow(/exactly one/);
    expect(() => resolveMpi3dConfig({ selectionLevel: 9 })).toThrow(/selection level must be 1\.\.5/);
  });

  it('trains and evaluates a toy run into a folder; the folder is not overwritten', async () => {
    const dir = join(await tempDir(), 'run');
    const metrics = (await trainRunDir(dir, { experiment: 'mpi3d', selectionLevel: 2, steps: 12, batch: 16, evalSamples: 96 })).metrics as Mpi3dMetrics;
    expect(metrics.factors).toHaveLength(14);
    expect(metrics.factors.filter((f) => f.predicted === 'kept').map((f) => `${f.encoding} ${f.factor}`)).toEqual([
      'image color',
      'image shape',
      'text color',
      'text shape',
    ]);
    for (const f of metrics.factors) for (const v of [f.mccLinear, f.mccNonlinear]) expect(Number.isFinite(v), `${f.encoding} ${f.factor}`).toBe(true);
    const mcc = (encoding: string, factor: string) => metrics.factors.find((f) => f.encoding === encoding && f.factor === factor)!.mccNonlinear;
    // What even a 12-step model shows. The text embedding is a function of the caption, which
    // (selection level 2) names the colour and the shape only: those can be read from it, the
    // other factors not (|MCC| near 0 on held-out samples, whatever the training)...
    const dropped = ['size', 'camera', 'background', 'horizontal', 'vertical'].map((f) => Math.abs(mcc('text', f)));
    for (const v of dropped) expect(v).toBeLessThan(0.3);
    for (const f of ['color', 'shape']) expect(mcc('text', f), f).toBeGreaterThan(Math.max(...dropped));
    // ...and the background colour, most of the image's pixels, can be read from any image encoder.
    expect(mcc('image', 'background')).toBeGreaterThan(0.5);
    const saved = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'));
    expect(saved.factors).toEqual(metrics.factors);
    expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))).toMatchObject({ experiment: 'mpi3d', bias: { selection: 2 }, steps: 12, data: null });
    const vocabulary = JSON.parse(await readFile(join(dir, 'vocabulary.json'), 'utf8')) as string[];
    expect(vocabulary.slice(0, 2)).toEqual(['<pad>', '<unk>']);
    expect(vocabulary).toContain('olive');
    expect(vocabulary).not.toContain('salmon'); // level 2 never mentions the background
    await expect(trainRunDir(dir, { experiment: 'mpi3d', selectionLevel: 2, steps: 12, batch: 16, evalSamples: 96 })).rejects.toThrow(/already holds a run/);
  }, 120_000);

  it('trains on tfjs with --engine tfjs (the same run as on the core, up to float rounding)', async () => {
    const dir = await tempDir();
    const args = ['train', '--experiment', 'mpi3d', '--selection-level', '2', '--steps', '3', '--batch', '8', '--eval-samples', '32'];
    const core = await runCli(...args, '--out', join(dir, 'core'));
    const tfjs = await runCli(...args, '--engine', 'tfjs', '--backend', 'cpu', '--out', join(dir, 'tfjs'));
    expect([core.code, tfjs.code]).toEqual([0, 0]);
    const config = JSON.parse(await readFile(join(dir, 'tfjs', 'config.json'), 'utf8'));
    expect(config).toMatchObject({ engine: 'tfjs', backend: 'cpu' });
    const [a, b] = await Promise.all(['core', 'tfjs'].map(async (d) => JSON.parse(await readFile(join(dir, d, 'metrics.json'), 'utf8'))));
    expect(Math.abs(a.finalLoss - b.finalLoss)).toBeLessThan(1e-3);
    expect(() => resolveMpi3dConfig({ selectionLevel: 1, backend: 'cpu' })).toThrow(/a tfjs backend needs the tfjs engine/);
  }, 120_000);

  it("the command line keeps the two experiments' options apart, with one line", async () => {
    const dir = await tempDir();
    for (const [argv, message] of [
      [['--selection-level', '3'], /--selection-level belongs to --experiment mpi3d/],
      [['--experiment', 'mpi3d', '--selection-level', '3', '--theta', '5'], /--theta does not apply to --experiment mpi3d/],
      [['--experiment', 'mpi3d'], /exactly one of a selection level and a perturbation level/],
      [['--experiment', 'mpi3d', '--perturbation-level', '3', '--data', join(dir, 'none.npz')], /none\.npz does not exist/],
    ] as const) {
      const r = await runCli('train', ...argv, '--out', join(dir, 'x'));
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
    }
  });
});
