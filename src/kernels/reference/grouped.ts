/**
 * Plain TypeScript references for assembly/grouped.ts: a grouped dense layer
 * (one small head per group of hidden units) and the squared-error gradient.
 * Shapes as in the kernel: H (rows, G·Hd), Wt (O, Hd), Y (rows, O), group (O,).
 */

/** Y[r, c] = Σ_h H[r, group[c]·Hd + h] · Wt[c, h]. */
export function groupedForward(H: Float32Array, Wt: Float32Array, group: ArrayLike<number>, rows: number, O: number, G: number, Hd: number): Float64Array {
  const Y = new Float64Array(rows * O);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < O; c++) {
      let s = 0;
      for (let h = 0; h < Hd; h++) s += H[r * G * Hd + group[c]! * Hd + h]! * Wt[c * Hd + h]!;
      Y[r * O + c] = s;
    }
  }
  return Y;
}

/** dWt[c, h] = Σ_r dY[r, c]·H[r, group[c]·Hd + h];  dH[r, g·Hd + h] = Σ_{c in g} dY[r, c]·Wt[c, h]. */
export function groupedBackward(
  H: Float32Array,
  Wt: Float32Array,
  dY: Float32Array,
  group: ArrayLike<number>,
  rows: number,
  O: number,
  G: number,
  Hd: number,
): { dWt: Float64Array; dH: Float64Array } {
  const dWt = new Float64Array(O * Hd);
  const dH = new Float64Array(rows * G * Hd);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < O; c++) {
      const g = group[c]!;
      for (let h = 0; h < Hd; h++) {
        dWt[c * Hd + h]! += dY[r * O + c]! * H[r * G * Hd + g * Hd + h]!;
        dH[r * G * Hd + g * Hd + h]! += dY[r * O + c]! * Wt[c * Hd + h]!;
      }
    }
  }
  return { dWt, dH };
}

/** dY = (Ŷ − Y)·scale per column, and each column's sum of squared errors. */
export function squaredErrorGrad(
  Yhat: Float32Array,
  Y: Float32Array,
  scale: ArrayLike<number>,
  rows: number,
  O: number,
): { dY: Float64Array; colLoss: Float64Array } {
  const dY = new Float64Array(rows * O);
  const colLoss = new Float64Array(O);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < O; c++) {
      const e = Yhat[r * O + c]! - Y[r * O + c]!;
      dY[r * O + c] = e * scale[c]!;
      colLoss[c]! += e * e;
    }
  }
  return { dY, colLoss };
}
