// Image-text experiment 2 (Causal3DIdent) end to end at toy scale: the
// theory's kept / partly / dropped prediction, the run folder, the command line.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { c3dPrediction, resolveC3dConfig, type C3dMetrics } from '../src/experiments/causal3d/index.js';
import { trainRunDir } from '../src/experiments/run-dir.js';
import { c3dBiasSets } from '../src/scenes/causal3d-captions.js';
import { runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/temp.js';

const tempDir = tempDirs('misalign-c3d');

describe('the causal3d experiment', () => {
  it('predicts kept, partly (a kept cause or effect) and dropped factors', () => {
    const sel3 = c3dBiasSets({ selection: 3 });
    expect(['shape', 'x_pos', 'y_pos', 'color', 's_pos', 's_color', 'b_color', 'alpha', 'phrase'].map((f) => c3dPrediction(f as 'shape', sel3))).toEqual([
      'kept',
      'kept',
      'kept',
      'partly',
      'dropped',
      'dropped',
      'dropped',
      'dropped',
      'dropped',
    ]);
    // Perturbing {s_color, b_color}: both are effects of the kept s_pos.
    const pert3 = c3dBiasSets({ perturbation: 3 });
    expect(['color', 's_color', 'b_color'].map((f) => c3dPrediction(f as 'shape', pert3))).toEqual(['kept', 'partly', 'partly']);
    expect(resolveC3dConfig({ selectionLevel: 3 })).toMatchObject({
      experiment: 'causal3d',
      bias: { selection: 3 },
      encodingSize: 4,
      imageSize: 32,
      tau: 0.02,
      probeOutputs: 'unit',
    });
    expect(resolveC3dConfig({ selectionLevel: 3 })).not.toHaveProperty('tauEnd');
    // The perturbation level that perturbs nothing is the selection level that mentions all seven: one run, one id.
    expect(resolveC3dConfig({ perturbationLevel: 1 })).toEqual(resolveC3dConfig({ selectionLevel: 7 }));
    // The public code (main_causal3dident.py): its encoding-size table (as the quick preset's), 100,001 steps, raw outputs.
    expect(resolveC3dConfig({ perturbationLevel: 2, preset: 'paper' })).toMatchObject({
      encodingSize: 6,
      steps: 100_001,
      batch: 256,
      lr: 1e-5,
      tau: 1,
      probeOutputs: 'raw',
    });
    expect(() => resolveC3dConfig({})).toThrow(/exactly one of a selection level and a perturbation level/);
  });

  it('trains and evaluates a toy run into a folder: MCC for discrete factors, R² for continuous ones', async () => {
    const dir = join(await tempDir(), 'run');
    // τ = 0.1 and the 32, 64, 64 encoder: the recipe the toy observations below were made with.
    const metrics = (
      await trainRunDir(dir, { experiment: 'causal3d', selectionLevel: 3, steps: 6, batch: 16, evalSamples: 96, tau: 0.1, imageFilters: [32, 64, 64] })
    ).metrics as C3dMetrics;
    expect(metrics.factors).toHaveLength(21);
    const row = (encoding: string, factor: string) => metrics.factors.find((f) => f.encoding === encoding && f.factor === factor)!;
    expect(row('text', 'phrase')).toMatchObject({ kind: 'discrete', predicted: 'dropped' });
    expect(row('image', 'color')).toMatchObject({ kind: 'continuous', predicted: 'partly' });
    expect(metrics.factors.some((f) => f.encoding === 'image' && f.factor === 'phrase')).toBe(false);
    // Every probe worked (a broken one gives NaN), and each row has the values of its kind only.
    for (const f of metrics.factors) {
      const [present, absent] =
        f.kind === 'discrete'
          ? [
              [f.mccLinear, f.mccNonlinear],
              [f.r2Linear, f.r2Nonlinear],
            ]
          : [
              [f.r2Linear, f.r2Nonlinear],
              [f.mccLinear, f.mccNonlinear],
            ];
      for (const v of present) expect(Number.isFinite(v), `${f.encoding} ${f.factor}`).toBe(true);
      expect(absent).toEqual([undefined, undefined]);
    }
    // What even a 6-step model shows. The text embedding is a function of the caption, which
    // (selection level 3) says nothing about the spotlight, the background or the rotations:
    // none of them can be read from it (R² ≈ 0 on held-out samples, whatever the training).
    for (const f of ['s_pos', 's_color', 'b_color', 'alpha', 'beta', 'gamma']) {
      expect(row('text', f).predicted).toBe('dropped');
      expect(row('text', f).r2Linear, f).toBeLessThan(0.05);
      expect(row('text', f).r2Nonlinear, f).toBeLessThan(0.05);
    }
    // The caption's phrasing is in its tokens, so the text embedding carries it (not yet discarded after 6 steps)...
    expect(row('text', 'phrase').mccLinear).toBeGreaterThan(0.5);
    // ...and the background colour, most of the image's pixels, can be read from any image encoder.
    expect(row('image', 'b_color').r2Nonlinear).toBeGreaterThan(0.5);
    const saved = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'));
    expect(saved.factors).toEqual(metrics.factors);
    const csv = (await readFile(join(dir, 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('encoding,factor,kind,mccLinear,mccNonlinear,r2Linear,r2Nonlinear,predicted,verdict');
    expect(csv).toHaveLength(22);
    expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))).toMatchObject({ experiment: 'causal3d', steps: 6 });
    expect(JSON.parse(await readFile(join(dir, 'vocabulary.json'), 'utf8'))).toContain('tetrahedron');
    await expect(trainRunDir(dir, { experiment: 'causal3d', selectionLevel: 3, steps: 6, batch: 16, evalSamples: 96 })).rejects.toThrow(/already holds a run/);
  }, 120_000);

  it('the command line trains it and refuses what does not apply, in one line', async () => {
    const dir = await tempDir();
    const ok = await runCli(
      'train',
      '--experiment',
      'causal3d',
      '--selection-level',
      '2',
      '--steps',
      '4',
      '--batch',
      '8',
      '--eval-samples',
      '48',
      '--out',
      join(dir, 'ok'),
    );
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/x_pos\s+MCC/);
    for (const [argv, message] of [
      [['--experiment', 'causal3d', '--selection-level', '2', '--data', 'x.npz'], /--data does not apply to --experiment causal3d/],
      [['--experiment', 'causal3d', '--selection-level', '8'], /Causal3D selection level must be 1\.\.7, got 8/],
    ] as const) {
      const r = await runCli('train', ...argv, '--out', join(dir, 'x'));
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    }
  }, 120_000);
});
