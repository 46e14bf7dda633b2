/** Bindings for assembly/activations.ts (references: reference/activations.ts). */
import type { F32Buffer } from './arena.js';
import { checkBuffer, type Kernels } from './module.js';

/** y = leaky_relu(x) over n floats (default: all of x); y may be x. */
export function leakyReluForward(k: Kernels, x: F32Buffer, y: F32Buffer, slope: number, n = x.length): void {
  checkBuffer('leaky_relu input', x, n);
  checkBuffer('leaky_relu output', y, n);
  k.exports.leakyReluForward(x.ptr, y.ptr, n, slope);
}

/** dx = dy * leaky_relu'(x); x is the forward input; dx may be dy. */
export function leakyReluBackward(k: Kernels, x: F32Buffer, dy: F32Buffer, dx: F32Buffer, slope: number, n = x.length): void {
  for (const [what, b] of [
    ['x', x],
    ['dy', dy],
    ['dx', dx],
  ] as const)
    checkBuffer(`leaky_relu backward ${what}`, b, n);
  k.exports.leakyReluBackward(x.ptr, dy.ptr, dx.ptr, n, slope);
}

/** y (rows, cols) += b (cols) on every row. */
export function biasAdd(k: Kernels, y: F32Buffer, b: F32Buffer, rows: number, cols: number): void {
  checkBuffer('bias add target', y, rows * cols);
  checkBuffer('bias', b, cols);
  k.exports.biasAdd(y.ptr, b.ptr, rows, cols);
}

/** out (cols) = beta * out + column sums of x (rows, cols): a dense layer's bias gradient. */
export function columnSums(k: Kernels, x: F32Buffer, out: F32Buffer, rows: number, cols: number, beta = 0): void {
  checkBuffer('column sums input', x, rows * cols);
  checkBuffer('column sums output', out, cols);
  k.exports.columnSums(x.ptr, out.ptr, rows, cols, beta);
}
