import { beforeAll, describe, expect, it } from 'vitest';
import fixtures from './fixtures/reference-values.json' with { type: 'json' };
import { Rng } from '../src/common/rng.js';
import { LpSimclr } from '../src/kernels/lpsimclr.js';
import { Kernels } from '../src/kernels/module.js';
import * as ref from '../src/kernels/reference/lpsimclr.js';
import { relError, tf } from './helpers/tf.js';
import { randn } from './helpers/random.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});

/** The kernel's symmetric loss and gradients for (B, d) inputs. */
function kernelSymmetric(hx: Float32Array, ht: Float32Array, hxNeg: Float32Array, htNeg: Float32Array, B: number, d: number, tau: number, alpha: number) {
  const mark = k.arena.mark();
  const loss = new LpSimclr(k, B, d, { tau, alpha });
  const grads = { hx: k.arena.alloc(B * d), ht: k.arena.alloc(B * d), hxNeg: k.arena.alloc(B * d), htNeg: k.arena.alloc(B * d) };
  const losses = loss.symmetric(k.arena.from(hx), k.arena.from(ht), k.arena.from(hxNeg), k.arena.from(htNeg), grads);
  const out = { ...losses, gHx: grads.hx.toArray(), gHt: grads.ht.toArray(), gHxNeg: grads.hxNeg.toArray(), gHtNeg: grads.htNeg.toArray() };
  k.arena.release(mark);
  return out;
}

/** The same loss in tfjs ops, its gradients by tfjs autodiff. */
function tfSymmetric(hx: Float32Array, ht: Float32Array, hxNeg: Float32Array, htNeg: Float32Array, B: number, d: number, tau: number, alpha: number) {
  const L = (a: tf.Tensor2D, b: tf.Tensor2D, c: tf.Tensor2D) => {
    const pos = a.sub(b).square().sum(1); // (B)
    const neg = a.expandDims(1).sub(c.expandDims(0)).square().sum(2); // (B, B): fine at test sizes
    const scores = tf
      .concat([neg, pos.expandDims(1)], 1)
      .neg()
      .div(tau);
    const lme = tf.logSumExp(scores, 1).sub(Math.log(B + 1));
    return pos
      .div(tau)
      .mul(alpha)
      .add(lme.mul(1 - alpha))
      .mul(2)
      .mean();
  };
  return tf.tidy(() => {
    const inputs = [hx, ht, hxNeg, htNeg].map((v) => tf.tensor2d(v, [B, d]));
    const f = (x: tf.Tensor, t: tf.Tensor, xn: tf.Tensor, tn: tf.Tensor) =>
      L(x as tf.Tensor2D, t as tf.Tensor2D, xn as tf.Tensor2D)
        .add(L(t as tf.Tensor2D, x as tf.Tensor2D, tn as tf.Tensor2D))
        .mul(0.5) as tf.Scalar;
    const { value, grads } = tf.valueAndGrads(f)(inputs);
    return { loss: value.dataSync()[0]!, grads: grads.map((g) => g.dataSync()) };
  });
}

describe('fused LpSimCLR loss', () => {
  it("matches the public PyTorch code's outputs (fixtures)", () => {
    expect(fixtures.lpsimclrSymmetric.length).toBeGreaterThan(0);
    for (const fx of fixtures.lpsimclrSymmetric) {
      const [hx, ht, hxNeg, htNeg] = [fx.hx, fx.ht, fx.hxNeg, fx.htNeg].map((m) => Float32Array.from(m.flat()));
      const got = kernelSymmetric(hx!, ht!, hxNeg!, htNeg!, fx.B, fx.d, fx.tau, fx.alpha);
      expect(Math.abs(got.loss - fx.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fx.loss)));
      expect(Math.abs(got.lossXT - fx.lossXT)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fx.lossXT)));
      expect(Math.abs(got.lossTX - fx.lossTX)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fx.lossTX)));
      expect(relError(got.gHx, fx.grad.hx.flat())).toBeLessThan(1e-5);
      expect(relError(got.gHt, fx.grad.ht.flat())).toBeLessThan(1e-5);
      expect(relError(got.gHxNeg, fx.grad.hxNeg.flat())).toBeLessThan(1e-5);
      expect(relError(got.gHtNeg, fx.grad.htNeg.flat())).toBeLessThan(1e-5);
      // and the plain reference reproduces PyTorch to f64 precision
      const r = ref.lpsimclrSymmetric(fx.hx.flat(), fx.ht.flat(), fx.hxNeg.flat(), fx.htNeg.flat(), fx.B, fx.d, fx.tau, fx.alpha);
      expect(r.loss).toBeCloseTo(fx.loss, 12);
      expect(relError(r.gHx, fx.grad.hx.flat())).toBeLessThan(1e-12);
    }
  });

  // Odd batch sizes (rows are processed 4 at a time, negatives 8 at a time) and dimensions.
  it.each([
    [1, 1, 1, 0.5],
    [3, 2, 0.5, 0.5],
    [7, 10, 1, 0.3],
    [33, 5, 2, 0.5],
    [130, 10, 1, 0.5],
    [257, 3, 0.7, 0.9],
  ])('matches tfjs autodiff for B = %i, d = %i, τ = %f, α = %f', (B, d, tau, alpha) => {
    const rng = Rng.fromSeed(B * 100 + d);
    const inputs = [0, 1, 2, 3].map(() => randn(B * d, rng)) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const got = kernelSymmetric(...inputs, B, d, tau, alpha);
    const want = tfSymmetric(...inputs, B, d, tau, alpha);
    expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want.loss)));
    expect(relError(got.gHx, want.grads[0]!)).toBeLessThan(1e-4);
    expect(relError(got.gHt, want.grads[1]!)).toBeLessThan(1e-4);
    expect(relError(got.gHxNeg, want.grads[2]!)).toBeLessThan(1e-4);
    expect(relError(got.gHtNeg, want.grads[3]!)).toBeLessThan(1e-4);
  });

  it('has gradients equal to central finite differences of the f64 loss', () => {
    const B = 9,
      d = 4,
      tau = 0.8,
      alpha = 0.4;
    const rng = Rng.fromSeed(77);
    const inputs = [0, 1, 2, 3].map(() => randn(B * d, rng)) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const got = kernelSymmetric(...inputs, B, d, tau, alpha);
    const analytic = [got.gHx, got.gHt, got.gHxNeg, got.gHtNeg];
    const x64 = inputs.map((v) => Float64Array.from(v));
    const lossAt = () => ref.lpsimclrSymmetric(x64[0]!, x64[1]!, x64[2]!, x64[3]!, B, d, tau, alpha).loss;
    const h = 1e-6;
    for (let which = 0; which < 4; which++) {
      const fd = new Float64Array(B * d);
      for (let i = 0; i < B * d; i++) {
        const v = x64[which]![i]!;
        x64[which]![i] = v + h;
        const up = lossAt();
        x64[which]![i] = v - h;
        const down = lossAt();
        x64[which]![i] = v;
        fd[i] = (up - down) / (2 * h);
      }
      expect(relError(analytic[which]!, fd)).toBeLessThan(1e-4);
    }
  });

  it('stays finite and exact when every negative is far away (no underflow to log 0)', () => {
    const B = 8,
      d = 3;
    const rng = Rng.fromSeed(5);
    const hx = randn(B * d, rng);
    const ht = hx.map((v) => v + 0.01);
    const far = randn(B * d, rng, 100); // squared distances ~ 10^4 ≫ 87
    // α = 0.3 so the positive term keeps a non-zero gradient (at α = 0.5 it cancels exactly here)
    const got = kernelSymmetric(hx, ht, far, far, B, d, 1, 0.3);
    const want = ref.lpsimclrSymmetric(hx, ht, far, far, B, d, 1, 0.3);
    expect(Number.isFinite(got.loss)).toBe(true);
    expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want.loss)));
    expect(relError(got.gHx, want.gHx)).toBeLessThan(1e-4);
    expect(relError(got.gHt, want.gHt)).toBeLessThan(1e-4);
    for (const g of got.gHxNeg) expect(Math.abs(g)).toBeLessThan(1e-30); // exp(−10^4) is 0 in any precision
  });

  it.each([
    [5, 3],
    [37, 10],
  ])('with in-batch negatives (own pair excluded) matches the reference and finite differences, B = %i, d = %i', (B, d) => {
    const rng = Rng.fromSeed(B + d);
    const a = randn(B * d, rng);
    const b = randn(B * d, rng);
    const mark = k.arena.mark();
    const loss = new LpSimclr(k, B, d, { tau: 0.9, alpha: 0.4 });
    const ga = k.arena.alloc(B * d);
    const gb = k.arena.alloc(B * d);
    const value = loss.inBatch(k.arena.from(a), k.arena.from(b), ga, gb);
    const want = ref.lpsimclrInBatch(a, b, B, d, 0.9, 0.4);
    expect(Math.abs(value - want.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want.loss)));
    expect(relError(ga.toArray(), want.ga)).toBeLessThan(1e-4);
    expect(relError(gb.toArray(), want.gb)).toBeLessThan(1e-4);
    const a64 = Float64Array.from(a);
    const fd = a64.map((v, i) => {
      const h = 1e-6;
      a64[i] = v + h;
      const up = ref.lpsimclrInBatch(a64, b, B, d, 0.9, 0.4).loss;
      a64[i] = v - h;
      const down = ref.lpsimclrInBatch(a64, b, B, d, 0.9, 0.4).loss;
      a64[i] = v;
      return (up - down) / (2 * h);
    });
    expect(relError(ga.toArray(), fd)).toBeLessThan(1e-4);
    k.arena.release(mark);
  });

  it('rejects bad options and undersized buffers', () => {
    expect(() => new LpSimclr(k, 4, 2, { tau: 0 })).toThrow(/temperature must be positive/);
    expect(() => new LpSimclr(k, 4, 2, { alpha: 2 })).toThrow(/alpha/);
    const mark = k.arena.mark();
    const loss = new LpSimclr(k, 4, 2);
    const small = k.arena.alloc(7);
    const ok = k.arena.alloc(8);
    expect(() => loss.directional(small, ok, ok, ok, ok, ok)).toThrow(/LpSimCLR a holds 7 floats, needs 8/);
    k.arena.release(mark);
  });
});

describe('fused LpSimCLR loss on a trained model (far negatives)', () => {
  // A model late in training: every positive pair close, the negatives tens
  // of units apart, so most scores are below e^-40. WebAssembly cannot flush
  // subnormals to zero, and on x86 each one costs ~100 cycles: the kernel
  // must keep them out of its arithmetic (docs/performance.md). Its outputs
  // are where they would show.
  it('writes no subnormal gradient and still matches the f64 reference', () => {
    const B = 64;
    const d = 5;
    const hx = randn(B * d, 11, 12);
    const ht = Float32Array.from(hx, (v, i) => v + 0.01 * Math.sin(i));
    const mark = k.arena.mark();
    const loss = new LpSimclr(k, B, d, { tau: 1, alpha: 0.5 });
    const grads = { hx: k.arena.alloc(B * d), ht: k.arena.alloc(B * d) };
    const got = loss.symmetricInBatch(k.arena.from(hx), k.arena.from(ht), grads);
    const [gHx, gHt] = [grads.hx.toArray(), grads.ht.toArray()];
    k.arena.release(mark);
    const subnormal = [...gHx, ...gHt].filter((v) => v !== 0 && Math.abs(v) < 1.1754944e-38);
    expect(subnormal).toEqual([]);
    const xt = ref.lpsimclrInBatch(hx, ht, B, d, 1, 0.5);
    const tx = ref.lpsimclrInBatch(ht, hx, B, d, 1, 0.5);
    expect(Math.abs(got.loss - 0.5 * (xt.loss + tx.loss))).toBeLessThan(1e-5);
    expect(
      relError(
        gHx,
        xt.ga.map((v, i) => 0.5 * (v + tx.gb[i]!)),
      ),
    ).toBeLessThan(1e-4);
    expect(
      relError(
        gHt,
        xt.gb.map((v, i) => 0.5 * (v + tx.ga[i]!)),
      ),
    ).toBeLessThan(1e-4);
  });
});

describe('fused LpSimCLR loss when most negatives are far (the sparse pass)', () => {
  // Clusters of 8 points, 10 units apart: each row's only live negatives are
  // its cluster's, so the kernel takes its sparse pass for most row blocks;
  // the result must not depend on which pass ran. Tolerance: scores come from
  // 2a·c − |a|² − |c|² in f32 with |a|² near 600 here, which alone leaves
  // 7e-5 of relative error in the gradients (the same with only the dense pass).
  it('matches the f64 reference on clustered embeddings, in-batch and with fresh negatives', () => {
    const B = 96;
    const d = 6;
    const centres = randn((B / 8) * d, 21, 10);
    const noise = randn(B * d, 22, 0.4);
    const hx = Float32Array.from(noise, (v, i) => v + centres[Math.floor(i / d / 8) * d + (i % d)]!);
    const ht = Float32Array.from(hx, (v, i) => v + 0.2 * Math.cos(3 * i));
    const hxNeg = Float32Array.from(hx, (v, i) => v + 0.3 * Math.sin(5 * i));
    const htNeg = Float32Array.from(ht, (v, i) => v - 0.3 * Math.sin(7 * i));
    const got = kernelSymmetric(hx, ht, hxNeg, htNeg, B, d, 1, 0.5);
    const r = ref.lpsimclrSymmetric(hx, ht, hxNeg, htNeg, B, d, 1, 0.5);
    expect(Math.abs(got.loss - r.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(r.loss)));
    for (const [g, want] of [
      [got.gHx, r.gHx],
      [got.gHt, r.gHt],
      [got.gHxNeg, r.gHxNeg],
      [got.gHtNeg, r.gHtNeg],
    ] as const) {
      expect(relError(g, want)).toBeLessThan(2e-4);
    }
    const mark = k.arena.mark();
    const loss = new LpSimclr(k, B, d, { tau: 1, alpha: 0.5 });
    const grads = { hx: k.arena.alloc(B * d), ht: k.arena.alloc(B * d) };
    const inBatch = loss.symmetricInBatch(k.arena.from(hx), k.arena.from(ht), grads);
    const xt = ref.lpsimclrInBatch(hx, ht, B, d, 1, 0.5);
    const tx = ref.lpsimclrInBatch(ht, hx, B, d, 1, 0.5);
    expect(Math.abs(inBatch.loss - 0.5 * (xt.loss + tx.loss))).toBeLessThan(1e-5);
    expect(
      relError(
        grads.hx.toArray(),
        xt.ga.map((v, i) => 0.5 * (v + tx.gb[i]!)),
      ),
    ).toBeLessThan(2e-4);
    expect(
      relError(
        grads.ht.toArray(),
        xt.gb.map((v, i) => 0.5 * (v + tx.ga[i]!)),
      ),
    ).toBeLessThan(2e-4);
    k.arena.release(mark);
  });
});
