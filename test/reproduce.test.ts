import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from './helpers/temp.js';
import { resolveNumericConfig } from '../src/experiments/numeric/config.js';
import { reproduce, studyRuns } from '../src/reports/reproduce.js';
import { runId } from '../src/sweeps/sweep.js';

const tempDir = tempDirs('misalign-reproduce');

describe('the study (misalign reproduce)', () => {
  it('every docs/experiments.md grid, both semantics, 3 seeds: 132 runs of 126 distinct models', () => {
    const runs = studyRuns();
    expect(runs).toHaveLength((10 + 10 + 1 + 1) * 2 * 3);
    const configs = runs.map((r) => resolveNumericConfig(r.settings));
    expect(new Set(configs.map(runId)).size).toBe(126); // perturbation ∅ is selection [10]
    expect(new Set(runs.map((r) => r.grid))).toEqual(new Set(['selection', 'perturbation', 'encoding-size', 'joint']));
    expect(configs.every((c) => c.preset === 'quick')).toBe(true);
    expect(studyRuns({ preset: 'paper', seeds: 1, dependence: ['independent'] }).map((r) => resolveNumericConfig(r.settings).steps)).toEqual(
      Array(22).fill(100_001),
    );
  });

  it('a rehearsal (few steps, one seed, the ablation grids) writes the sweep and the report', async () => {
    const dir = await tempDir();
    const base = { steps: 20, evalSamples: 256, probe: { batch: 128, lr: 0.003, maxEpochs: 2 } };
    const { sweep, report } = await reproduce(dir, {
      seeds: 2,
      dependence: ['independent'],
      base,
      grids: ['encoding-size', 'joint'],
      downstream: { steps: 30 },
    });
    expect(sweep).toMatchObject({ done: 4, failed: [] });
    expect(sweep.summary.runs).toEqual({ expected: 4, complete: 4 });
    expect(sweep.summary.results.numeric!.cells.every((c) => c.seeds === 2)).toBe(true);
    // the downstream study runs by default: 6 metrics for each grid's one setting, over both seeds
    expect(sweep.summary.downstream.map((c) => [c.grid, c.metric, c.seeds])).toHaveLength(12);
    expect(sweep.summary.downstream.every((c) => c.seeds === 2)).toBe(true);
    expect(report.figures).toEqual([]); // one setting each: tables, not heatmaps
    const html = await readFile(join(dir, 'report', 'index.html'), 'utf8');
    expect(html).toContain('encoding-size: [3], encoding 5 (independent)');
    expect(html).toContain('joint: I_θ = [8], I_ρ = [2] (independent)');
    expect(html).toContain('<th>downstream (ẑ_x)</th><th>y1</th>');
  }, 120_000);
});
