// The report page and the sweep command state the verdict thresholds the verdicts use: with
// other thresholds (mocked here), they must say the new numbers.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { formatSummary } from '../src/cli/sweep.js';
import { writeReport } from '../src/reports/report.js';
import { tempDirs } from './helpers/temp.js';

vi.mock('../src/probes/verdicts.js', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  KEPT_MIN_R2: 0.93,
  DROPPED_MAX_R2: 0.07,
  IMAGE_TEXT_KEPT_MIN: 0.85,
  IMAGE_TEXT_DROPPED_MAX: 0.15,
}));

const tempDir = tempDirs('misalign-thresholds');

/** A sweep folder written by hand: one numeric run and one MPI3D run, finished. */
async function sweepFolder(): Promise<string> {
  const dir = await tempDir();
  const json = async (path: string, value: unknown) => {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), JSON.stringify(value));
  };
  await json('grids/g.json', { grid: 'g', runs: [{ id: 'numeric', setting: '{1}', dependence: 'independent', seed: 0 }] });
  await json('grids/mpi3d-selection.json', {
    grid: 'mpi3d-selection',
    runs: [{ id: 'mpi3d', setting: 'color', dependence: 'independent', seed: 0, experiment: 'mpi3d' }],
  });
  const numeric = (factor: string, predicted: string, r2: number) => ({ encoding: 'x', factor, r2Linear: r2, r2Nonlinear: r2, predicted, verdict: 'pass' });
  await json('runs/numeric/metrics.json', {
    factors: [numeric('s1', 'kept', 0.95), numeric('s2', 'dropped', 0.05)],
    trainSeconds: 1,
    evalSeconds: 1,
    passed: 2,
    judged: 2,
  });
  const mpi3d = (encoding: string, factor: string, predicted: string, v: number) => ({ encoding, factor, mccLinear: v, mccNonlinear: v, predicted });
  await json('runs/mpi3d/metrics.json', {
    factors: [mpi3d('image', 'color', 'kept', 0.9), mpi3d('image', 'shape', 'dropped', 0.1), mpi3d('text', 'color', 'kept', 0.9)],
    trainSeconds: 1,
    evalSeconds: 1,
    finalLoss: 1,
  });
  return dir;
}

describe('the verdict thresholds, as the report and the sweep command state them', () => {
  it('are the ones the verdicts use', async () => {
    const dir = await sweepFolder();
    const { summary } = await writeReport(dir);
    expect(summary.results['image-text']!.cells.length).toBeGreaterThan(0);
    const html = await readFile(join(dir, 'report', 'index.html'), 'utf8');
    expect(html).toContain('kept ≥ 0.93; dropped ≤ 0.07 in the independent setting; m_x, m_t ≤ 0.07 always');
    expect(html).toContain('factors the captions mention correctly need ≥ 0.85; the others (omitted, perturbed, image- or text-specific) ≤ 0.15;');
    expect(formatSummary(summary, dir)).toContain('cells agree: MCC or R² ≥ 0.85 kept, ≤ 0.15 dropped)');
  });
});
