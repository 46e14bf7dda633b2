/**
 * An MPI3D image-text run on disk (Node): what `misalign train --experiment
 * mpi3d --out DIR` writes.
 *
 *   DIR/config.json      the Mpi3dConfig (and the real data file, if one was used)
 *   DIR/vocabulary.json  the text encoder's tokens, index by index
 *   DIR/metrics.json     factors (encoding, factor, mccLinear, mccNonlinear, predicted), timings
 *   DIR/metrics.csv      the factor rows
 *
 * Runs are short (minutes with the quick preset), so there is no checkpoint
 * to resume from: a folder that already holds a run is refused, and an
 * interrupted one (config.json without metrics.json) is trained again from
 * the start with `restart` (sweeps do this; runs are deterministic, so the
 * result is the one an uninterrupted run gives).
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { MisalignError } from '../common/errors.js';
import type { ImageSource } from '../scenes/mpi3d-data.js';
import { Mpi3dFile } from '../scenes/mpi3d-file.js';
import { ensureWritableDir, writeCsv, writeJson } from './files.js';
import { resolveMpi3dConfig, runMpi3d, type Mpi3dConfig, type Mpi3dHooks, type Mpi3dMetrics, type Mpi3dSettings } from './mpi3d-run.js';

export interface Mpi3dRunOptions extends Omit<Mpi3dHooks, 'images'> {
  /** The real MPI3D-Complex .npz; default: the procedural renderer. */
  data?: string;
  /** Train a folder that holds an unfinished run (no metrics.json) again from the start. */
  restart?: boolean;
}

/** Images of the real file at `size` pixels: as stored, or averaged 2×2 (64 → 32). */
function fileImages(file: Mpi3dFile): ImageSource {
  let full: Uint8Array | null = null;
  return async (index, size, out) => {
    if (file.height !== file.width) throw new MisalignError('SHAPE_MISMATCH', `MPI3D images must be square, the file's are ${file.height}×${file.width}`);
    if (file.height === size) return file.image(index, out);
    if (file.height !== 2 * size) throw new MisalignError('SHAPE_MISMATCH', `the file's images are ${file.height}×${file.width}; this run needs ${size}×${size} (or twice that)`);
    full ??= new Uint8Array(file.imageBytes);
    const src = await file.image(index, full);
    const W = file.width;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let c = 0; c < 3; c++) {
          const at = (yy: number, xx: number) => src[(yy * W + xx) * 3 + c]!;
          out[(y * size + x) * 3 + c] = Math.round((at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4);
        }
    return out;
  };
}

export async function trainMpi3dRunDir(dir: string, settings: Mpi3dSettings, options: Mpi3dRunOptions = {}): Promise<{ config: Mpi3dConfig; metrics: Mpi3dMetrics }> {
  const config = resolveMpi3dConfig(settings);
  const has = (name: string) => access(join(dir, name)).then(() => true, () => false);
  if (await has('config.json')) {
    if (!options.restart || (await has('metrics.json'))) throw new MisalignError('RUN_EXISTS', `${dir} already holds a run; choose another --out`);
  }
  const file = options.data ? await Mpi3dFile.open(options.data) : null;
  try {
    await ensureWritableDir(dir);
    await writeJson(join(dir, 'config.json'), { ...config, data: options.data ?? null });
    const result = await runMpi3d(config, { onProgress: options.onProgress, ...(file && { images: fileImages(file) }) });
    await writeJson(join(dir, 'vocabulary.json'), result.vocabulary);
    await writeJson(join(dir, 'metrics.json'), result.metrics);
    await writeCsv(join(dir, 'metrics.csv'), result.metrics.factors, ['encoding', 'factor', 'mccLinear', 'mccNonlinear', 'predicted']);
    return { config, metrics: result.metrics };
  } finally {
    await file?.close();
  }
}
