// The engines with the image-text experiments' towers (convolutional nets,
// InfoNCE): the WebAssembly core and tfjs train the same nets from the same
// parameters to the same losses, parameters and embeddings; the tfjs InfoNCE
// matches the f64 reference in both forms.
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/common/rng.js';
import { initNetParams, netParamCount, type NetSpec } from '../src/encoders/net.js';
import { Kernels } from '../src/kernels/module.js';
import { infonceClip, infonceNtXent } from '../src/kernels/reference/infonce.js';
import { CoreEngine } from '../src/training/core-engine.js';
import type { Engine, TwoTowerSpec } from '../src/training/engine.js';
import { probeSets, type PairBatch, type PairData } from '../src/experiments/image-text/model.js';
import { TfjsEngine } from '../src/training/tfjs-engine.js';
import { temperatureAt } from '../src/training/schedule.js';
import { train } from '../src/training/trainer.js';
import { resolveMpi3dConfig } from '../src/experiments/mpi3d/index.js';
import { infonceTfjs } from '../src/training/tfjs-losses.js';
import { randn } from './helpers/random.js';
import { relError, tf } from './helpers/tf.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});

const image: NetSpec = {
  input: [8, 8, 3],
  slope: 0.2,
  layers: [
    { kind: 'conv', kernel: [4, 4], filters: 6, stride: 2, pad: 1 },
    { kind: 'conv', kernel: [4, 4], filters: 8, stride: 2, pad: 1 },
    { kind: 'dense', units: 12 },
    { kind: 'dense', units: 3 },
  ],
};
const text: NetSpec = {
  input: [1, 6, 9],
  slope: 0.2,
  layers: [{ kind: 'conv', kernel: [1, 3], filters: 10, stride: 1, pad: 0 }, { kind: 'meanPool' }, { kind: 'dense', units: 3 }],
};

describe('tfjs InfoNCE', () => {
  it.each(['clip', 'ntxent'] as const)('matches the f64 reference, loss and gradients (%s)', (form) => {
    const B = 7,
      d = 4,
      tau = 0.3;
    const x = randn(B * d, 1),
      y = randn(B * d, 2);
    const ref = (form === 'clip' ? infonceClip : infonceNtXent)(x, y, B, d, tau);
    const f = (...t: tf.Tensor[]) => infonceTfjs(tf, t[0] as tf.Tensor2D, t[1] as tf.Tensor2D, tau, form);
    const { value, grads } = tf.valueAndGrads(f)([tf.tensor2d(x, [B, d]), tf.tensor2d(y, [B, d])]);
    expect(value.dataSync()[0]).toBeCloseTo(ref.loss, 5);
    expect(relError(grads[0]!.dataSync(), ref.gx)).toBeLessThan(1e-4);
    expect(relError(grads[1]!.dataSync(), ref.gy)).toBeLessThan(1e-4);
  });
});

describe('both engines with image-text towers', () => {
  it.each(['clip', 'ntxent'] as const)('core and tfjs take the same steps: losses, parameters and embeddings (%s)', async (form) => {
    const B = 6;
    const params = new Float32Array(netParamCount(image) + netParamCount(text));
    const rng = Rng.fromSeed(3);
    initNetParams(image, rng.fork('img'), params, 0);
    initNetParams(text, rng.fork('txt'), params, netParamCount(image));
    const spec: TwoTowerSpec = { x: image, t: text, loss: { kind: 'infonce', form }, batch: B, clip: 2, params };
    const mark = k.arena.mark();
    const core = new CoreEngine(k, spec);
    const tfjs = await TfjsEngine.create(spec, 'cpu');
    try {
      for (let s = 0; s < 5; s++) {
        const images = Float32Array.from(randn(B * 8 * 8 * 3, 10 + s), (v) => Math.abs(v) / 3);
        const tokens = new Float32Array(B * 6 * 9);
        for (let i = 0; i < B * 6; i++) tokens[i * 9 + ((i * 7 + s) % 9)] = 1;
        // Odd steps at a temperature of their own (a schedule's), even ones at 0.2.
        const tau = s % 2 === 1 ? 0.05 * s : 0.2;
        const a = core.step({ x: images, t: tokens }, 3e-3, tau);
        const b = tfjs.step({ x: images, t: tokens }, 3e-3, tau);
        expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(a.loss)));
        expect(Math.abs(a.gradNorm - b.gradNorm)).toBeLessThan(1e-4 * a.gradNorm);
      }
      expect(relError(tfjs.state().params, core.state().params)).toBeLessThan(1e-4);
      const images = Float32Array.from(randn(B * 8 * 8 * 3, 99), (v) => Math.abs(v) / 3);
      const tokens = new Float32Array(B * 6 * 9).map((_, i) => (i % 9 === (i / 9) % 5 ? 1 : 0));
      expect(relError(tfjs.encode('x', images, B), core.encode('x', images, B))).toBeLessThan(1e-4);
      expect(relError(tfjs.encode('t', tokens, B), core.encode('t', tokens, B))).toBeLessThan(1e-4);
    } finally {
      tfjs.close();
      core.close();
      k.arena.release(mark);
    }
  });
});

describe('a step at a given temperature', () => {
  it("takes the step's τ, which may move for InfoNCE; LpSimCLR refuses a τ that moves", () => {
    const B = 4;
    const params = new Float32Array(netParamCount(image) + netParamCount(text));
    initNetParams(image, Rng.fromSeed(5).fork('img'), params, 0);
    initNetParams(text, Rng.fromSeed(5).fork('txt'), params, netParamCount(image));
    const spec = (): TwoTowerSpec => ({ x: image, t: text, loss: { kind: 'infonce', form: 'ntxent' }, batch: B, clip: 2, params: params.slice() });
    const images = Float32Array.from(randn(B * 8 * 8 * 3, 4), (v) => Math.abs(v) / 3);
    const tokens = new Float32Array(B * 6 * 9).map((_, i) => (i % 9 === (i / 9) % 7 ? 1 : 0));
    const batch = { x: images, t: tokens };
    const mark = k.arena.mark();
    try {
      const a = new CoreEngine(k, spec());
      const b = new CoreEngine(k, spec());
      const first = a.step(batch, 1e-3, 0.07);
      expect(b.step(batch, 1e-3, 0.07)).toEqual(first);
      // the same parameters at another τ: another loss (τ reaches the loss through the step alone)
      expect(a.step(batch, 1e-3, 0.14).loss).not.toEqual(b.step(batch, 1e-3, 0.07).loss);
      expect(() => a.step(batch, 1e-3, 0)).toThrow(/temperature must be positive, got 0/);
      const lp = new CoreEngine(k, {
        ...spec(),
        x: { input: [1, 1, 4], slope: 0.2, layers: [{ kind: 'dense', units: 3 }] },
        t: { input: [1, 1, 4], slope: 0.2, layers: [{ kind: 'dense', units: 3 }] },
        loss: { kind: 'lpsimclr', alpha: 0.5, negatives: 'in-batch' },
        params: new Float32Array(30),
      });
      const numeric = { x: new Float32Array(16), t: new Float32Array(16) };
      lp.step(numeric, 1e-3, 0.5);
      lp.step(numeric, 1e-3, 0.5);
      expect(() => lp.step(numeric, 1e-3, 0.6)).toThrow(
        /a temperature schedule is for a loss whose τ may move \(InfoNCE\); lpsimclr trains at one constant τ \(0\.5\), not 0\.6/,
      );
    } finally {
      k.arena.release(mark);
    }
  });

  it('follows τ from tau to tauEnd geometrically over the run (temperatureAt), through the training loop', async () => {
    expect(temperatureAt({ tau: 0.1, steps: 10 }, 5)).toBe(0.1);
    expect(temperatureAt({ tau: 0.05, tauEnd: 0.5, steps: 11 }, 1)).toBeCloseTo(0.05, 12);
    expect(temperatureAt({ tau: 0.05, tauEnd: 0.5, steps: 11 }, 6)).toBeCloseTo(Math.sqrt(0.05 * 0.5), 12);
    expect(temperatureAt({ tau: 0.05, tauEnd: 0.5, steps: 11 }, 11)).toBeCloseTo(0.5, 12);
    const seen: (number | undefined)[] = [];
    const engine = {
      step: (_b: unknown, _lr: number, tau?: number) => {
        seen.push(tau);
        return { loss: 1, gradNorm: 1 };
      },
      state: () => ({}),
    } as unknown as Engine;
    const plan = { steps: 3, lr: 1e-3, schedule: { kind: 'constant' as const }, tau: 0.1, logEvery: 1, checkpointEvery: 10 };
    const batches = () => ({ x: new Float32Array(1), t: new Float32Array(1) });
    await train({ ...plan, tauEnd: 0.4 }, engine, batches);
    expect(seen.map((t) => +t!.toFixed(12))).toEqual([0.1, 0.2, 0.4]);
    seen.length = 0;
    await train(plan, engine, batches); // every step gets its τ, constant or not
    expect(seen).toEqual([0.1, 0.1, 0.1]);
    expect(resolveMpi3dConfig({ selectionLevel: 1, tau: 0.05, tauEnd: 0.5 })).toMatchObject({ tau: 0.05, tauEnd: 0.5 });
    expect(resolveMpi3dConfig({ selectionLevel: 1 })).not.toHaveProperty('tauEnd');
    expect(() => resolveMpi3dConfig({ selectionLevel: 1, tauEnd: 0 })).toThrow(/final temperature/);
  });
});

describe('the probe sets of an image-text run', () => {
  // An engine stub whose embeddings are known: row i of a batch is (i + 1)·(1, 2) for images and (i + 1)·(−3, 4) for captions.
  const stubEngine = {
    encode: (which: 'x' | 't', _input: Float32Array, B: number) =>
      Float32Array.from({ length: 2 * B }, (_, j) => (Math.floor(j / 2) + 1) * (which === 'x' ? [1, 2] : [-3, 4])[j % 2]!),
  } as unknown as Engine;
  const data: PairData<PairBatch & { ids: number[] }> = {
    vocabulary: { size: 2, tokens: ['a', 'b'] },
    length: 1,
    batch: (size) => ({ images: new Float32Array(size), tokens: new Float32Array(size), ids: Array.from({ length: size }, (_, i) => i) }),
  };

  it('are unit vectors with probeOutputs unit (the quick preset) and the raw outputs with raw (the paper preset, the public code)', async () => {
    const config = { evalSamples: 6, batch: 4, encodingSize: 2 };
    const unit = await probeSets(stubEngine, data, { ...config, probeOutputs: 'unit' }, 1, (b, i) => b.ids[i]!);
    const raw = await probeSets(stubEngine, data, { ...config, probeOutputs: 'raw' }, 1, (b, i) => b.ids[i]!);
    // 6 samples from batches of 4: rows 0–3, then rows 0–1 of the second batch.
    expect(raw.fit.values).toEqual([0, 1, 2, 3, 0, 1]);
    expect(Array.from(raw.fit.img)).toEqual([1, 2, 2, 4, 3, 6, 4, 8, 1, 2, 2, 4]);
    expect(Array.from(raw.fit.txt.subarray(0, 4))).toEqual([-3, 4, -6, 8]);
    for (let i = 0; i < 6; i++) {
      expect(unit.fit.img[2 * i]).toBeCloseTo(1 / Math.sqrt(5), 6);
      expect(unit.fit.txt[2 * i + 1]).toBeCloseTo(0.8, 6);
    }
    // Standardised with the fitting set's statistics, raw rows keep their spread: their length tells the rows apart.
    const [zRaw] = raw.standardised('image');
    expect(new Set(Array.from(zRaw).map((v) => v.toFixed(3))).size).toBeGreaterThan(2);
  });
});
