// Convolution on the core (im2col + GEMM) against its f64 reference and
// against tfjs (conv2d and its gradients), NHWC.
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/common/rng.js';
import { Conv2d, type Conv2dShape } from '../src/kernels/conv.js';
import { Kernels } from '../src/kernels/module.js';
import * as ref from '../src/kernels/reference/conv.js';
import { randn } from './helpers/random.js';
import { relError, tf } from './helpers/tf.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});

const shapes: [string, Conv2dShape][] = [
  ['3×3, stride 1, pad 1, RGB in', { N: 2, H: 9, W: 7, C: 3, KH: 3, KW: 3, F: 5, stride: 1, pad: 1 }],
  ['4×4, stride 2, pad 1 (a downsampling layer)', { N: 3, H: 16, W: 16, C: 8, KH: 4, KW: 4, F: 16, stride: 2, pad: 1 }],
  ['5×5, stride 2, no padding, odd sizes', { N: 1, H: 13, W: 11, C: 6, KH: 5, KW: 5, F: 7, stride: 2, pad: 0 }],
  ['1×k over one-hot tokens (the text encoder)', { N: 4, H: 1, W: 12, C: 21, KH: 1, KW: 3, F: 9, stride: 1, pad: 1 }],
  ['padding wider than a kernel row half', { N: 1, H: 4, W: 4, C: 2, KH: 3, KW: 3, F: 2, stride: 1, pad: 2 }],
];

describe('2-D convolution', () => {
  it.each(shapes)('forward and backward match the reference: %s', (_, s) => {
    const mark = k.arena.mark();
    const conv = new Conv2d(k, s);
    const xv = randn(s.N * s.H * s.W * s.C, 1);
    const wv = randn(conv.patch * s.F, 2, 0.3);
    const bv = randn(s.F, 3);
    const dyv = randn(conv.rows * s.F, 4);
    const [x, w, b, y, dy] = [xv, wv, bv, new Float32Array(conv.rows * s.F), dyv].map((v) => k.arena.from(v));
    const [dw, db, dx] = [conv.patch * s.F, s.F, xv.length].map((n) => k.arena.alloc(n));
    conv.forward(x!, w!, b!, y!);
    expect(relError(y!.toArray(), ref.conv2dForward(xv, wv, bv, s))).toBeLessThan(1e-5);
    conv.backward(w!, dy!, dw!, db!, dx!);
    const want = ref.conv2dBackward(xv, wv, dyv, s);
    expect(relError(dw!.toArray(), want.dw)).toBeLessThan(1e-5);
    expect(relError(db!.toArray(), want.db)).toBeLessThan(1e-5);
    expect(relError(dx!.toArray(), want.dx)).toBeLessThan(1e-5);
    k.arena.release(mark);
  });

  it.each(shapes.slice(0, 3))('matches tfjs conv2d and its gradients: %s', (_, s) => {
    const mark = k.arena.mark();
    const conv = new Conv2d(k, s);
    const xv = randn(s.N * s.H * s.W * s.C, 5);
    const wv = randn(conv.patch * s.F, 6, 0.3);
    const dyv = randn(conv.rows * s.F, 7);
    // tfjs pads explicitly here: [[0,0],[p,p],[p,p],[0,0]]
    const pad = [
      [0, 0],
      [s.pad, s.pad],
      [s.pad, s.pad],
      [0, 0],
    ] as [[number, number], [number, number], [number, number], [number, number]];
    const xt = tf.tensor4d(xv, [s.N, s.H, s.W, s.C]);
    const wt = tf.tensor4d(wv, [s.KH, s.KW, s.C, s.F]);
    const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, s.stride, pad);
    const yt = f(xt, wt);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), tf.tensor(dyv, yt.shape))))([xt, wt]);
    const [x, w, y, dy] = [xv, wv, new Float32Array(conv.rows * s.F), dyv].map((v) => k.arena.from(v));
    const [dw, dx] = [conv.patch * s.F, xv.length].map((n) => k.arena.alloc(n));
    conv.forward(x!, w!, null, y!);
    conv.backward(w!, dy!, dw!, null, dx!);
    expect(yt.shape).toEqual([s.N, conv.OH, conv.OW, s.F]);
    expect(relError(y!.toArray(), yt.dataSync())).toBeLessThan(1e-5);
    expect(relError(dx!.toArray(), gx!.dataSync())).toBeLessThan(1e-5);
    expect(relError(dw!.toArray(), gw!.dataSync())).toBeLessThan(1e-5);
    tf.dispose([xt, wt, yt, gx!, gw!]);
    k.arena.release(mark);
  });

  // Patches move in chunks of whole 256-row K blocks: the same bits as one im2col matrix, in all three products.
  it('in chunks of patches gives the results of one im2col matrix, bit for bit (forward, filter and input gradients)', () => {
    const s = { N: 5, H: 32, W: 32, C: 3, KH: 4, KW: 4, F: 16, stride: 2, pad: 1 }; // 1,280 rows: chunks of 256 and a last one
    const mark = k.arena.mark();
    const run = (chunkFloats: number) => {
      const conv = new Conv2d(k, s, { chunkFloats, direct: false });
      const [x, w, b, dy] = [randn(s.N * s.H * s.W * s.C, 11), randn(conv.patch * s.F, 12, 0.3), randn(s.F, 13), randn(conv.rows * s.F, 14)].map((v) =>
        k.arena.from(v),
      );
      const [y, dw, db, dx] = [conv.rows * s.F, conv.patch * s.F, s.F, s.N * s.H * s.W * s.C].map((n) => k.arena.alloc(n));
      conv.forward(x!, w!, b!, y!);
      conv.backward(w!, dy!, dw!, db!, dx!);
      conv.filterGrad(dy!, dw!, db!, true); // accumulating on top: the first chunk adds too
      return { chunkRows: conv.chunkRows, out: [y!, dw!, db!, dx!].map((t) => t.toArray()) };
    };
    const whole = run(Infinity);
    const chunked = run(256 * 48);
    expect(whole.chunkRows).toBe(1280);
    expect(chunked.chunkRows).toBe(256);
    chunked.out.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(whole.out[i]!.buffer))).toBe(true));
    k.arena.release(mark);
  });

  // Short patches run directly (no patch matrix): the same sums in the same order as im2col + GEMM,
  // so the same bits, at the borders, for a last group of fewer than four pixels, for a patch that
  // is not a whole number of tiles, over several 256-row blocks, accumulating, in both builds and
  // on two threads.
  const directShapes: [string, Conv2dShape][] = [
    ["the quick encoder's L1 (patch 48, 1,280 rows)", { N: 5, H: 32, W: 32, C: 3, KH: 4, KW: 4, F: 16, stride: 2, pad: 1 }],
    ["the quick encoder's L2 (patch 256, one K block)", { N: 3, H: 16, W: 16, C: 16, KH: 4, KW: 4, F: 32, stride: 2, pad: 1 }],
    ['3×3, stride 1, patch 27, odd rows (5·7·9 = 315)', { N: 5, H: 7, W: 9, C: 3, KH: 3, KW: 3, F: 8, stride: 1, pad: 1 }],
    ['padding wider than half a kernel, F 24', { N: 2, H: 6, W: 5, C: 2, KH: 3, KW: 3, F: 24, stride: 1, pad: 2 }],
    ["the text encoder's second layer (1×3 over 64 channels, no padding)", { N: 7, H: 1, W: 19, C: 64, KH: 1, KW: 3, F: 64, stride: 1, pad: 0 }],
  ];
  const builds: [string, { fma: boolean; threads?: number }][] = [
    ['SIMD128', { fma: false }],
    ['relaxed SIMD', { fma: true }],
    ['relaxed SIMD, two threads', { fma: true, threads: 2 }],
  ];
  it.each(builds)('runs short patches directly, bit for bit as im2col + GEMM (%s)', async (_, options) => {
    const kk = await Kernels.load(options);
    try {
      for (const [name, s] of directShapes) {
        const run = (direct: boolean) => {
          const conv = new Conv2d(kk, s, { direct });
          const inputs = [randn(s.N * s.H * s.W * s.C, 21), randn(conv.patch * s.F, 22, 0.3), randn(s.F, 23), randn(conv.rows * s.F, 24)];
          const [x, w, b, dy] = inputs.map((v) => kk.arena.from(v));
          const [y, dw, db, dx] = [conv.rows * s.F, conv.patch * s.F, s.F, s.N * s.H * s.W * s.C].map((n) => kk.arena.alloc(n));
          conv.forward(x!, w!, b!, y!);
          conv.backward(w!, dy!, dw!, db!, dx!);
          const once = dw!.toArray();
          conv.filterGrad(dy!, dw!, db!, true); // accumulating: every block adds
          return { direct: conv.direct, out: [y!, dx!].map((t) => t.toArray()).concat([once, dw!.toArray()]) };
        };
        const mark = kk.arena.mark();
        const direct = run(true);
        const gemmForm = run(false);
        expect([name, direct.direct, gemmForm.direct]).toEqual([name, true, false]);
        direct.out.forEach((v, i) => expect([name, i, Buffer.from(v.buffer).equals(Buffer.from(gemmForm.out[i]!.buffer))]).toEqual([name, i, true]));
        kk.arena.release(mark);
      }
    } finally {
      kk.close();
    }
  });

  it('keeps im2col + GEMM where the direct kernels do not fit (patch over 256, F not a multiple of 8; filter gradient: over 4 channels)', () => {
    const mark = k.arena.mark();
    const forms = (s: Conv2dShape, options = {}) => {
      const c = new Conv2d(k, s, options);
      return [c.direct, c.directFilterGrad];
    };
    const layer = { N: 1, H: 8, W: 8, KH: 4, KW: 4, stride: 2, pad: 1 };
    expect(forms({ ...layer, C: 32, F: 64 })).toEqual([false, false]);
    expect(forms({ ...layer, C: 3, F: 12 })).toEqual([false, false]);
    expect(forms({ ...layer, C: 16, F: 32 })).toEqual([true, false]);
    expect(forms({ ...layer, C: 3, F: 16 })).toEqual([true, true]);
    expect(forms({ ...layer, C: 3, F: 16 }, { direct: false })).toEqual([false, false]);
    expect(forms({ N: 2, H: 1, W: 9, C: 4, KH: 1, KW: 3, F: 8, stride: 1, pad: 0 }, { sparseInput: true })).toEqual([false, false]);
    k.arena.release(mark);
  });

  // The sparse form (one-hot tokens) must be the same function as the dense one, for any input.
  const oneHot = (N: number, W: number, C: number, seed: number) => {
    const x = new Float32Array(N * W * C);
    const rng = Rng.fromSeed(seed);
    for (let p = 0; p < N * W; p++) x[p * C + Math.floor(rng.uniform() * C)] = 1;
    return x;
  };
  const sparseShapes: [string, Conv2dShape, (s: Conv2dShape) => Float32Array][] = [
    ['one-hot tokens, 1×3 (the text encoder)', { N: 3, H: 1, W: 11, C: 23, KH: 1, KW: 3, F: 10, stride: 1, pad: 0 }, (s) => oneHot(s.N, s.W, s.C, 8)],
    ['one-hot, padded and strided, C a multiple of 4', { N: 2, H: 1, W: 9, C: 16, KH: 1, KW: 4, F: 7, stride: 2, pad: 1 }, (s) => oneHot(s.N, s.W, s.C, 9)],
    ['a dense input through the sparse form', { N: 2, H: 5, W: 6, C: 5, KH: 3, KW: 3, F: 6, stride: 1, pad: 1 }, (s) => randn(s.N * s.H * s.W * s.C, 10)],
  ];
  it.each(sparseShapes)('the sparse-input form matches the reference: %s', (_, s, input) => {
    const mark = k.arena.mark();
    const conv = new Conv2d(k, s, { sparseInput: true });
    const xv = input(s);
    const wv = randn(conv.patch * s.F, 11, 0.3);
    const bv = randn(s.F, 12);
    const dyv = randn(conv.rows * s.F, 13);
    const [x, w, b, y, dy] = [xv, wv, bv, new Float32Array(conv.rows * s.F), dyv].map((v) => k.arena.from(v));
    const [dw, db] = [conv.patch * s.F, s.F].map((n) => k.arena.alloc(n));
    conv.forward(x!, w!, b!, y!);
    expect(relError(y!.toArray(), ref.conv2dForward(xv, wv, bv, s))).toBeLessThan(1e-5);
    const want = ref.conv2dBackward(xv, wv, dyv, s);
    conv.backward(w!, dy!, dw!, db!, null);
    expect(relError(dw!.toArray(), want.dw)).toBeLessThan(1e-5);
    expect(relError(db!.toArray(), want.db)).toBeLessThan(1e-5);
    // accumulate adds onto what is there
    conv.backward(w!, dy!, dw!, db!, null, true);
    expect(
      relError(
        dw!.toArray(),
        want.dw.map((v) => 2 * v),
      ),
    ).toBeLessThan(1e-5);
    k.arena.release(mark);
  });

  it('the sparse-input form refuses an input gradient, with one line', () => {
    const mark = k.arena.mark();
    const s = sparseShapes[0]![1];
    const conv = new Conv2d(k, s, { sparseInput: true });
    const [x, w, y, dy, dw, dx] = [s.N * s.W * s.C, conv.patch * s.F, conv.rows * s.F, conv.rows * s.F, conv.patch * s.F, s.N * s.W * s.C].map((n) =>
      k.arena.alloc(n),
    );
    conv.forward(x!, w!, null, y!);
    expect(() => conv.backward(w!, dy!, dw!, null, dx!)).toThrow(/sparse input has no input gradient/);
    k.arena.release(mark);
  });

  it('rejects shapes that do not fit, with one line', () => {
    expect(() => new Conv2d(k, { N: 1, H: 2, W: 2, C: 1, KH: 5, KW: 5, F: 1, stride: 1, pad: 0 })).toThrow(/a 5×5 kernel does not fit a 2×2 input padded by 0/);
    expect(() => new Conv2d(k, { N: 1, H: 2, W: 2, C: 1, KH: 1, KW: 1, F: 1, stride: 0, pad: 0 })).toThrow(/stride must be a positive integer/);
  });
});
