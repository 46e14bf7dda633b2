/**
 * Binding for assembly/grouped.ts: a grouped dense layer, one small head per
 * group of Hd hidden units (the output layers of a probe bank), and the
 * squared-error gradient (reference: reference/grouped.ts).
 */
import { MisalignError } from '../common/errors.js';
import type { F32Buffer } from './arena.js';
import { checkBuffer, type Kernels } from './module.js';

/** The layout of a grouped layer: which group each of the O output columns reads. */
export class GroupedLayout {
  readonly O: number;
  readonly G: number;
  /** (O,) i32 group of each column, in the module's memory. */
  readonly groups: F32Buffer;

  /** `outputs[g]` columns for group g, in order; each group has Hd hidden units. */
  constructor(
    private readonly k: Kernels,
    outputs: readonly number[],
    readonly Hd: number,
  ) {
    if (!Number.isInteger(Hd) || Hd < 1) throw new MisalignError('OUT_OF_RANGE', `hidden units per group must be a positive integer, got ${Hd}`);
    const group: number[] = [];
    outputs.forEach((o, g) => {
      if (!Number.isInteger(o) || o < 1) throw new MisalignError('OUT_OF_RANGE', `group ${g} needs a positive number of outputs, got ${o}`);
      for (let i = 0; i < o; i++) group.push(g);
    });
    this.O = group.length;
    this.G = outputs.length;
    this.groups = k.arena.alloc(this.O);
    new Int32Array(k.memory.buffer, this.groups.ptr, this.O).set(group);
  }

  /** Y (rows, O) with row stride ldy = Σ_h H[r, group·Hd + h]·Wt[c, h]; H (rows, G·Hd) with stride ldh, Wt (O, Hd). */
  forward(H: F32Buffer, Wt: F32Buffer, Y: F32Buffer, rows: number, ldh = this.G * this.Hd, ldy = this.O): void {
    this.check(H, Wt, Y, rows, ldh, ldy);
    this.k.exports.groupedForward(H.ptr, ldh, Wt.ptr, Y.ptr, ldy, this.groups.ptr, rows, this.O, this.Hd);
  }

  /** dWt (O, Hd) and dH (rows, G·Hd, stride ldh) from dY (rows, O, stride ldy); both overwritten. */
  backward(H: F32Buffer, Wt: F32Buffer, dY: F32Buffer, dWt: F32Buffer, dH: F32Buffer, rows: number, ldh = this.G * this.Hd, ldy = this.O): void {
    this.check(H, Wt, dY, rows, ldh, ldy);
    checkBuffer('grouped dWt', dWt, this.O * this.Hd);
    if (rows > 0) checkBuffer('grouped dH', dH, (rows - 1) * ldh + this.G * this.Hd);
    this.k.exports.groupedBackward(H.ptr, ldh, Wt.ptr, dY.ptr, ldy, this.groups.ptr, rows, this.O, this.G, this.Hd, dWt.ptr, dH.ptr);
  }

  private check(H: F32Buffer, Wt: F32Buffer, Y: F32Buffer, rows: number, ldh: number, ldy: number): void {
    if (ldh < this.G * this.Hd || ldy < this.O) throw new MisalignError('SHAPE_MISMATCH', 'grouped layer strides are shorter than the rows');
    checkBuffer('grouped Wt', Wt, this.O * this.Hd);
    if (rows > 0) {
      checkBuffer('grouped H', H, (rows - 1) * ldh + this.G * this.Hd);
      checkBuffer('grouped Y', Y, (rows - 1) * ldy + this.O);
    }
  }
}

/** dY = (Ŷ − Y)·scale per column and colLoss[c] = Σ_r (Ŷ − Y)²; all (rows, O) packed, scale and colLoss (O,). */
export function squaredErrorGrad(
  k: Kernels,
  Yhat: F32Buffer,
  Y: F32Buffer,
  dY: F32Buffer,
  scale: F32Buffer,
  colLoss: F32Buffer,
  rows: number,
  O: number,
): void {
  for (const [what, b] of [
    ['prediction', Yhat],
    ['target', Y],
    ['gradient', dY],
  ] as const)
    checkBuffer(`squared error ${what}`, b, rows * O);
  checkBuffer('squared error scale', scale, O);
  checkBuffer('squared error column losses', colLoss, O);
  k.exports.squaredErrorGrad(Yhat.ptr, Y.ptr, dY.ptr, scale.ptr, colLoss.ptr, rows, O);
}
