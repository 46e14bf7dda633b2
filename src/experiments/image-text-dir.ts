/**
 * An image-text run on disk (Node), for either experiment (mpi3d-dir.ts,
 * causal3d-dir.ts):
 *
 *   DIR/config.json      the configuration (written first)
 *   DIR/vocabulary.json  the text encoder's tokens, index by index
 *   DIR/metrics.json     factors and timings (written last: a run is finished when it exists)
 *   DIR/metrics.csv      the factor rows
 *
 * Runs have no checkpoint to resume from: a folder that holds a run is
 * refused, and an interrupted one (config.json without metrics.json) is
 * trained again from the start with `restart` (sweeps do this; runs are
 * deterministic, so the result is the one an uninterrupted run gives).
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { MisalignError } from '../common/errors.js';
import { ensureWritableDir, writeCsv, writeJson } from './files.js';

/** Checks that `dir` may receive a run, creates it, and writes config.json. */
export async function startImageTextRun(dir: string, config: object, restart = false): Promise<void> {
  const has = (name: string) => access(join(dir, name)).then(() => true, () => false);
  if (await has('config.json')) {
    if (!restart || (await has('metrics.json'))) throw new MisalignError('RUN_EXISTS', `${dir} already holds a run; choose another --out`);
  }
  await ensureWritableDir(dir);
  await writeJson(join(dir, 'config.json'), config);
}

/** Writes the finished run's vocabulary and metrics (metrics.json last). */
export async function finishImageTextRun<F extends object>(dir: string, vocabulary: readonly string[], metrics: { factors: F[] }, columns: readonly (keyof F & string)[]): Promise<void> {
  await writeJson(join(dir, 'vocabulary.json'), vocabulary);
  await writeCsv(join(dir, 'metrics.csv'), metrics.factors, [...columns]);
  await writeJson(join(dir, 'metrics.json'), metrics);
}
