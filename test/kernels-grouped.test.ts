import { beforeAll, describe, expect, it } from 'vitest';
import { Kernels } from '../src/kernels/module.js';
import { GroupedLayout, squaredErrorGrad } from '../src/kernels/grouped.js';
import * as ref from '../src/kernels/reference/grouped.js';
import { relError } from './helpers/tf.js';
import { randn } from './helpers/random.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});

describe('grouped dense layer (probe heads) vs its TypeScript reference', () => {
  // Hidden units per group that are and are not multiples of 4; one-column and multi-column heads.
  it.each([
    [[1], 4, 1],
    [[1, 1, 5, 1], 100, 7],
    [[3, 2], 7, 13],
    [[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, 5, 5], 10, 200],
  ])('outputs %j, %i units per group, %i rows', (outputs, Hd, rows) => {
    const mark = k.arena.mark();
    const layout = new GroupedLayout(k, outputs, Hd);
    const { O, G } = layout;
    const group = outputs.flatMap((o, g) => Array<number>(o).fill(g));
    const H = randn(rows * G * Hd, 1);
    const Wt = randn(O * Hd, 2);
    const dY = randn(rows * O, 3);
    const hb = k.arena.from(H);
    const wb = k.arena.from(Wt);
    const yb = k.arena.alloc(rows * O);
    layout.forward(hb, wb, yb, rows);
    expect(relError(yb.toArray(), ref.groupedForward(H, Wt, group, rows, O, G, Hd))).toBeLessThan(1e-5);
    // backward overwrites whatever its outputs held
    const dWt = k.arena.from(randn(O * Hd, 4));
    const dH = k.arena.from(randn(rows * G * Hd, 5));
    layout.backward(hb, wb, k.arena.from(dY), dWt, dH, rows);
    const want = ref.groupedBackward(H, Wt, dY, group, rows, O, G, Hd);
    expect(relError(dWt.toArray(), want.dWt)).toBeLessThan(1e-5);
    expect(relError(dH.toArray(), want.dH)).toBeLessThan(1e-5);
    k.arena.release(mark);
  });

  it('reads strided rows (a wider H and Y than the layer uses)', () => {
    const mark = k.arena.mark();
    const layout = new GroupedLayout(k, [2, 1], 5);
    const rows = 3;
    const ldh = 13;
    const ldy = 4;
    const H = randn(rows * ldh, 6);
    const Wt = randn(3 * 5, 7);
    const yb = k.arena.from(new Float32Array(rows * ldy).fill(42));
    layout.forward(k.arena.from(H), k.arena.from(Wt), yb, rows, ldh, ldy);
    const packed = new Float32Array(rows * 10);
    for (let r = 0; r < rows; r++) packed.set(H.subarray(r * ldh, r * ldh + 10), r * 10);
    const want = ref.groupedForward(packed, Wt, [0, 0, 1], rows, 3, 2, 5);
    const got = yb.toArray();
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < 3; c++) expect(got[r * ldy + c]).toBeCloseTo(want[r * 3 + c]!, 5);
      expect(got[r * ldy + 3]).toBe(42); // the column past O is untouched
    }
    expect(() => layout.forward(k.arena.from(H), k.arena.from(Wt), yb, rows, 9, ldy)).toThrow(/strides/);
    expect(() => new GroupedLayout(k, [1, 0], 5)).toThrow(/group 1/);
    k.arena.release(mark);
  });

  it('squared-error gradient and column losses', () => {
    const mark = k.arena.mark();
    const rows = 37;
    const O = 6;
    const Yhat = randn(rows * O, 8);
    const Y = randn(rows * O, 9);
    const scale = Float32Array.from([1, 0.5, 0.25, 2, 1 / 3, 0.1]);
    const dY = k.arena.alloc(rows * O);
    const colLoss = k.arena.from(new Float32Array(O).fill(7)); // overwritten, not accumulated
    squaredErrorGrad(k, k.arena.from(Yhat), k.arena.from(Y), dY, k.arena.from(scale), colLoss, rows, O);
    const want = ref.squaredErrorGrad(Yhat, Y, scale, rows, O);
    expect(relError(dY.toArray(), want.dY)).toBeLessThan(1e-6);
    expect(relError(colLoss.toArray(), want.colLoss)).toBeLessThan(1e-5);
    k.arena.release(mark);
  });
});
