/**
 * An MPI3D image-text run on disk (Node): what `misalign train --experiment
 * mpi3d --out DIR` writes (image-text-dir.ts: config.json, vocabulary.json,
 * metrics.json, metrics.csv; config.json also names the real data file, if
 * one was used).
 */
import { MisalignError } from '../common/errors.js';
import type { ImageSource } from '../scenes/mpi3d-data.js';
import { Mpi3dFile } from '../scenes/mpi3d-file.js';
import { finishImageTextRun, startImageTextRun } from './image-text-dir.js';
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
  const file = options.data ? await Mpi3dFile.open(options.data) : null;
  try {
    await startImageTextRun(dir, { ...config, data: options.data ?? null }, options.restart);
    const result = await runMpi3d(config, { onProgress: options.onProgress, ...(file && { images: fileImages(file) }) });
    await finishImageTextRun(dir, result.vocabulary, result.metrics, ['encoding', 'factor', 'mccLinear', 'mccNonlinear', 'predicted']);
    return { config, metrics: result.metrics };
  } finally {
    await file?.close();
  }
}
