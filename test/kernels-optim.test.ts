import { beforeAll, describe, expect, it } from 'vitest';
import { Kernels } from '../src/kernels/module.js';
import { Adam, clipGradNorm } from '../src/kernels/optim.js';
import * as ref from '../src/kernels/reference/optim.js';
import { relError, tf } from './helpers/tf.js';
import { randn } from './helpers/random.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});

describe('gradient-norm clipping', () => {
  it.each([1, 7, 1023, 5000])('clips like PyTorch, n = %i', (n) => {
    const mark = k.arena.mark();
    const g = randn(n, n);
    const buf = k.arena.from(g);
    const norm = clipGradNorm(k, buf, 2.0);
    const want = ref.clipGradNorm(g, 2.0);
    expect(norm).toBeCloseTo(want.norm, 4);
    expect(relError(buf.toArray(), want.g)).toBeLessThan(1e-6);
    // below the threshold nothing changes
    const small = k.arena.from(g.map((v) => v * 1e-3));
    const before = small.toArray();
    clipGradNorm(k, small, 1e6);
    expect(small.toArray()).toEqual(before);
    k.arena.release(mark);
  });

  it('reports a non-finite norm and leaves the gradient alone', () => {
    const mark = k.arena.mark();
    const buf = k.arena.from([1, Number.NaN, 3]);
    expect(clipGradNorm(k, buf, 1)).toBeNaN();
    expect(buf.toArray()[0]).toBe(1);
    k.arena.release(mark);
  });
});

describe('Adam', () => {
  it('follows the f64 reference and tfjs train.adam over 20 steps', () => {
    const mark = k.arena.mark();
    const n = 1031;
    const p0 = randn(n, 1);
    const params = k.arena.from(p0);
    const adam = new Adam(k, params, { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-7 });
    const grads = k.arena.alloc(n);
    let p: Float64Array = Float64Array.from(p0);
    let m: Float64Array = new Float64Array(n);
    let v: Float64Array = new Float64Array(n);
    const tfVar = tf.variable(tf.tensor1d(p0));
    const tfOpt = tf.train.adam(1e-2, 0.8, 0.99, 1e-7);
    for (let t = 1; t <= 20; t++) {
      const g = randn(n, 100 + t, t % 3 === 0 ? 10 : 0.1);
      grads.set(g);
      adam.step(grads);
      ({ p, m, v } = ref.adamStep(p, g, m, v, t, 1e-2, 0.8, 0.99, 1e-7));
      tfOpt.applyGradients([{ name: tfVar.name, tensor: tf.tensor1d(g) }]);
    }
    expect(adam.t).toBe(20);
    // compare the updates (params − start), which is what the optimiser computes
    const delta = (q: ArrayLike<number>) => Float64Array.from({ length: n }, (_, i) => q[i]! - p0[i]!);
    expect(relError(delta(params.toArray()), delta(p))).toBeLessThan(1e-4);
    expect(relError(delta(params.toArray()), delta(tfVar.dataSync()))).toBeLessThan(1e-4);
    expect(relError(adam.m.toArray(), m)).toBeLessThan(1e-5);
    expect(relError(adam.v.toArray(), v)).toBeLessThan(1e-5);
    k.arena.release(mark);
  });

  it('rejects bad hyperparameters and short gradients', () => {
    const mark = k.arena.mark();
    const params = k.arena.alloc(4);
    expect(() => new Adam(k, params, { lr: 0 })).toThrow(/learning rate/);
    expect(() => new Adam(k, params, { beta2: 1 })).toThrow(/beta2/);
    expect(() => new Adam(k, params).step(k.arena.alloc(3))).toThrow(/holds 3 floats, needs 4/);
    k.arena.release(mark);
  });
});

describe('vector exp (used by the loss kernels)', () => {
  it('is within 3e-7 relative of Math.exp on [−24, 0] and gives exactly 0 below (no subnormals)', () => {
    const mark = k.arena.mark();
    const n = 40_000;
    const x = Float32Array.from({ length: n }, (_, i) => -24 * (i / (n - 1)));
    const xb = k.arena.from(x);
    const out = k.arena.alloc(n);
    k.exports.expBatch(xb.ptr, out.ptr, n);
    const got = out.toArray();
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! / Math.exp(x[i]!) - 1));
    expect(worst).toBeLessThan(3e-7);
    // x is not clamped before the exponent trick: every lane below −24, even where 2^n would wrap
    // (−88.7, −1000, −3.4e38) or the arithmetic gives NaN (−∞), must come out +0.
    const lowIn = [-24.001, -87.5, -88.7, -150, -1000, -3.4e38, -Infinity, -25];
    const low = k.arena.from(lowIn);
    const lowOut = k.arena.alloc(lowIn.length);
    k.exports.expBatch(low.ptr, lowOut.ptr, lowIn.length);
    expect(Array.from(lowOut.toArray())).toEqual(lowIn.map(() => 0));
    for (const v of lowOut.toArray()) expect(Object.is(v, 0)).toBe(true);
    k.arena.release(mark);
  });
});
