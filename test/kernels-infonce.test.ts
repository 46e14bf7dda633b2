import { beforeAll, describe, expect, it } from 'vitest';
import fixtures from './fixtures/reference-values.json' with { type: 'json' };
import { Rng } from '../src/common/rng.js';
import { InfoNce, type InfoNceForm } from '../src/kernels/infonce.js';
import { Kernels } from '../src/kernels/module.js';
import * as ref from '../src/kernels/reference/infonce.js';
import { relError, tf } from './helpers/tf.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});

function kernelLoss(x: Float32Array, y: Float32Array, B: number, d: number, tau: number, form: InfoNceForm) {
  const mark = k.arena.mark();
  const loss = new InfoNce(k, B, d, { tau, form });
  const gx = k.arena.alloc(B * d);
  const gy = k.arena.alloc(B * d);
  const value = loss.lossAndGrad(k.arena.from(x), k.arena.from(y), gx, gy);
  const out = { loss: value, gx: gx.toArray(), gy: gy.toArray() };
  k.arena.release(mark);
  return out;
}

/** Both forms in tfjs ops; gradients by tfjs autodiff. */
function tfLoss(x: Float32Array, y: Float32Array, B: number, d: number, tau: number, form: InfoNceForm) {
  return tf.tidy(() => {
    const f = (xt: tf.Tensor, yt: tf.Tensor) => {
      const z = tf.div(xt, tf.norm(xt, 'euclidean', 1, true)) as tf.Tensor2D;
      const w = tf.div(yt, tf.norm(yt, 'euclidean', 1, true)) as tf.Tensor2D;
      if (form === 'clip') {
        const S = tf.matMul(z, w, false, true).div(tau) as tf.Tensor2D;
        const labels = tf.oneHot(tf.range(0, B, 1, 'int32'), B);
        const rows = tf.losses.softmaxCrossEntropy(labels, S);
        const cols = tf.losses.softmaxCrossEntropy(labels, S.transpose());
        return rows.add(cols).mul(0.5) as tf.Scalar;
      }
      const u = tf.concat([z, w], 0);
      const G = tf
        .matMul(u, u, false, true)
        .div(tau)
        .add(tf.eye(2 * B).mul(-1e9)); // diagonal excluded
      const partner = tf.concat([tf.range(B, 2 * B, 1, 'int32'), tf.range(0, B, 1, 'int32')]);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(partner, 2 * B), G) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(f)([tf.tensor2d(x, [B, d]), tf.tensor2d(y, [B, d])]);
    return { loss: value.dataSync()[0]!, gx: grads[0]!.dataSync(), gy: grads[1]!.dataSync() };
  });
}

describe('InfoNCE with cosine similarity', () => {
  it("matches the public PyTorch code's NT-Xent outputs (fixtures)", () => {
    expect(fixtures.ntxentSymmetric.length).toBeGreaterThan(0);
    for (const fx of fixtures.ntxentSymmetric) {
      const x = Float32Array.from(fx.image.flat());
      const y = Float32Array.from(fx.text.flat());
      const got = kernelLoss(x, y, fx.B, fx.d, fx.tau, 'ntxent');
      expect(Math.abs(got.loss - fx.loss)).toBeLessThan(1e-5 * Math.max(1, fx.loss));
      expect(relError(got.gx, fx.grad.image.flat())).toBeLessThan(1e-4);
      expect(relError(got.gy, fx.grad.text.flat())).toBeLessThan(1e-4);
      const r = ref.infonceNtXent(fx.image.flat(), fx.text.flat(), fx.B, fx.d, fx.tau);
      expect(r.loss).toBeCloseTo(fx.loss, 12);
      expect(relError(r.gx, fx.grad.image.flat())).toBeLessThan(1e-12);
    }
  });

  for (const form of ['clip', 'ntxent'] as const) {
    it.each([
      [2, 3, 1],
      [5, 3, 1],
      [17, 8, 0.5],
      [64, 5, 0.1],
      [130, 7, 1],
    ])(`${form}: matches tfjs autodiff for B = %i, d = %i, τ = %f`, (B, d, tau) => {
      const rng = Rng.fromSeed(B * 10 + d);
      const x = new Float32Array(B * d);
      const y = new Float32Array(B * d);
      rng.fillNormal(x);
      rng.fillNormal(y);
      const got = kernelLoss(x, y, B, d, tau, form);
      const want = tfLoss(x, y, B, d, tau, form);
      expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-4 * Math.max(1, want.loss));
      expect(relError(got.gx, want.gx)).toBeLessThan(1e-4);
      expect(relError(got.gy, want.gy)).toBeLessThan(1e-4);
    });
  }

  it('has gradients equal to central finite differences of the f64 loss, in both forms', () => {
    const B = 6,
      d = 4,
      tau = 0.7;
    const rng = Rng.fromSeed(9);
    const x = new Float32Array(B * d);
    const y = new Float32Array(B * d);
    rng.fillNormal(x);
    rng.fillNormal(y);
    for (const form of ['clip', 'ntxent'] as const) {
      const f = form === 'clip' ? ref.infonceClip : ref.infonceNtXent;
      const got = kernelLoss(x, y, B, d, tau, form);
      const x64 = [Float64Array.from(x), Float64Array.from(y)];
      const h = 1e-6;
      [got.gx, got.gy].forEach((analytic, which) => {
        const fd = new Float64Array(B * d);
        for (let i = 0; i < B * d; i++) {
          const v = x64[which]![i]!;
          x64[which]![i] = v + h;
          const up = f(x64[0]!, x64[1]!, B, d, tau).loss;
          x64[which]![i] = v - h;
          const down = f(x64[0]!, x64[1]!, B, d, tau).loss;
          x64[which]![i] = v;
          fd[i] = (up - down) / (2 * h);
        }
        expect(relError(analytic, fd)).toBeLessThan(1e-4);
      });
    }
  });

  it('with a single pair: the CLIP loss is 0, the NT-Xent loss is 0 (the partner is the only candidate)', () => {
    const got = kernelLoss(Float32Array.from([1, 2]), Float32Array.from([3, -1]), 1, 2, 1, 'clip');
    expect(got.loss).toBeCloseTo(0, 6);
    const nt = kernelLoss(Float32Array.from([1, 2]), Float32Array.from([3, -1]), 1, 2, 1, 'ntxent');
    expect(nt.loss).toBeCloseTo(0, 6);
  });

  it('rejects bad options', () => {
    expect(() => new InfoNce(k, 4, 2, { tau: -1 })).toThrow(/temperature/);
    expect(() => new InfoNce(k, 4, 2, { form: 'simclr' as InfoNceForm })).toThrow(/'clip' or 'ntxent'/);
  });
});
