/**
 * Images of the real MPI3D-Complex file (Node) for the MPI3D experiment, at
 * the run's size: as stored (64 px), or averaged 2×2 (64 → 32).
 */
import { MisalignError } from '../../common/errors.js';
import type { ImageSource } from '../../scenes/mpi3d-data.js';
import type { Mpi3dFile } from '../../scenes/mpi3d-file.js';

export function fileImages(file: Mpi3dFile): ImageSource {
  let full: Uint8Array | null = null;
  return async (index, size, out) => {
    if (file.height !== file.width) throw new MisalignError('SHAPE_MISMATCH', `MPI3D images must be square, the file's are ${file.height}×${file.width}`);
    if (file.height === size) return file.image(index, out);
    if (file.height !== 2 * size)
      throw new MisalignError('SHAPE_MISMATCH', `the file's images are ${file.height}×${file.width}; this run needs ${size}×${size} (or twice that)`);
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
