/**
 * Plain TypeScript references for assembly/activations.ts: the same
 * definitions, written for reading. Tests compare the kernels with these.
 * Scalars are rounded to f32 first (Math.fround), as the kernels receive them,
 * so elementwise results agree bit for bit.
 */

/** y = leaky_relu(x): y[i] = x[i] > 0 ? x[i] : slope * x[i]. */
export function leakyReluForward(x: Float32Array, slope: number): Float32Array {
  const a = Math.fround(slope);
  return x.map((v) => (v > 0 ? v : a * v));
}

/** dx = dy * leaky_relu'(x), x being the forward input. */
export function leakyReluBackward(x: Float32Array, dy: Float32Array, slope: number): Float32Array {
  const a = Math.fround(slope);
  return dy.map((g, i) => (x[i]! > 0 ? g : a * g));
}

/** y[r, c] + b[c]; y is (rows, cols) row-major. */
export function biasAdd(y: Float32Array, b: Float32Array, rows: number, cols: number): Float32Array {
  const out = y.slice();
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c]! += b[c]!;
  return out;
}

/** out[c] = beta * prev[c] + Σ_r x[r, c]; x is (rows, cols) row-major. */
export function columnSums(x: Float32Array, rows: number, cols: number, prev: Float32Array, beta: number): Float32Array {
  const out = new Float32Array(cols);
  for (let c = 0; c < cols; c++) {
    let acc = 0;
    for (let r = 0; r < rows; r++) acc += x[r * cols + c]!;
    out[c] = Math.fround(beta) * prev[c]! + acc;
  }
  return out;
}
