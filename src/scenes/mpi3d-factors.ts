/**
 * The factors of MPI3D-Complex (docs/experiments.md): an object on a robot arm, photographed.
 * Seven discrete factors; an image's index is its position in the dataset's
 * factor order (row-major over the factors in this order, as the real file's
 * 4×4×2×3×3×40×40 array), so index ↔ factors is a bijection.
 *
 *   color 4 · shape 4 · size 2 · camera 3 · background 3 · horizontal 40 · vertical 40
 *
 * horizontal and vertical (the arm's two joints, i.e. where the object is in
 * the image) are image-specific: no caption ever mentions them.
 */
import { MisalignError } from '../common/errors.js';

export const MPI3D_FACTORS = ['color', 'shape', 'size', 'camera', 'background', 'horizontal', 'vertical'] as const;
export type Mpi3dFactor = (typeof MPI3D_FACTORS)[number];

/** Number of values of each factor. */
export const MPI3D_SIZES: Readonly<Record<Mpi3dFactor, number>> = { color: 4, shape: 4, size: 2, camera: 3, background: 3, horizontal: 40, vertical: 40 };

/** The words captions use for each value of the factors they can mention. */
export const MPI3D_WORDS = {
  color: ['yellow', 'green', 'olive', 'red'],
  shape: ['ball', 'cube', 'cone', 'ring'],
  size: ['small', 'large'],
  camera: ['top', 'center', 'bottom'],
  background: ['purple', 'teal', 'salmon'],
} as const satisfies Partial<Record<Mpi3dFactor, readonly string[]>>;
export type CaptionFactor = keyof typeof MPI3D_WORDS;
export const CAPTION_FACTORS: readonly CaptionFactor[] = ['color', 'shape', 'size', 'camera', 'background'];

/** An image's factor values, each an integer index into its factor's values. */
export type Mpi3dValues = Record<Mpi3dFactor, number>;

export const MPI3D_COUNT = MPI3D_FACTORS.reduce((n, f) => n * MPI3D_SIZES[f], 1); // 460,800

/** The factor values of image `index` (0 ≤ index < 460,800), last factor fastest. */
export function mpi3dValues(index: number): Mpi3dValues {
  if (!Number.isInteger(index) || index < 0 || index >= MPI3D_COUNT) {
    throw new MisalignError('INDEX_OUT_OF_RANGE', `MPI3D image index ${index} is outside 0..${MPI3D_COUNT - 1}`);
  }
  const values = {} as Mpi3dValues;
  let rest = index;
  for (let i = MPI3D_FACTORS.length - 1; i >= 0; i--) {
    const f = MPI3D_FACTORS[i]!;
    values[f] = rest % MPI3D_SIZES[f];
    rest = Math.floor(rest / MPI3D_SIZES[f]);
  }
  return values;
}

/** The index of the image with these factor values. */
export function mpi3dIndex(values: Mpi3dValues): number {
  let index = 0;
  for (const f of MPI3D_FACTORS) {
    const v = values[f];
    if (!Number.isInteger(v) || v < 0 || v >= MPI3D_SIZES[f])
      throw new MisalignError('INDEX_OUT_OF_RANGE', `MPI3D ${f} ${v} is outside 0..${MPI3D_SIZES[f] - 1}`);
    index = index * MPI3D_SIZES[f] + v;
  }
  return index;
}
