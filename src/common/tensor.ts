/**
 * A row-major f32 matrix: the unit of data passed between stages and into the
 * compute core. Row r, column c is data[r * shape[1] + c].
 */
import { MisalignError } from './errors.js';

export interface Tensor2D {
  readonly data: Float32Array;
  /** [rows, cols] */
  readonly shape: readonly [number, number];
}

/** A (rows, cols) tensor, zero-filled or wrapping `data` (which must have rows*cols entries). */
export function tensor2d(rows: number, cols: number, data?: Float32Array): Tensor2D {
  const buffer = data ?? new Float32Array(rows * cols);
  if (buffer.length !== rows * cols) {
    throw new MisalignError('SHAPE_MISMATCH', `a (${rows}, ${cols}) tensor needs ${rows * cols} values, got ${buffer.length}`);
  }
  return { data: buffer, shape: [rows, cols] };
}

/** Column `c` of `t` as a new array of length rows. */
export function column(t: Tensor2D, c: number): Float32Array {
  const [rows, cols] = t.shape;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) out[r] = t.data[r * cols + c]!;
  return out;
}
