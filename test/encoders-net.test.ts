// Convolutional encoders on the core against the same nets in tfjs: outputs
// and the gradients of every parameter.
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/common/rng.js';
import { CoreNet } from '../src/encoders/core-net.js';
import { initNetParams, mlpNet, netLayout, netParamCount, type NetSpec } from '../src/encoders/net.js';
import { Kernels } from '../src/kernels/module.js';
import { randn } from './helpers/random.js';
import { relError, tf } from './helpers/tf.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});

/** The same net in tfjs, from each parametrised layer's W and b in order. */
function tfNet(spec: NetSpec, params: tf.Tensor1D[], x: tf.Tensor, B: number): tf.Tensor {
  let h: tf.Tensor = x.reshape([B, ...spec.input]);
  const layers = netLayout(spec);
  let next = 0;
  layers.forEach((l, i) => {
    const s = l.spec;
    const last = i === layers.length - 1;
    if (s.kind === 'conv') {
      const w = params[next++]!.reshape([s.kernel[0], s.kernel[1], l.in[2], s.filters]) as tf.Tensor4D;
      const pad = [
        [0, 0],
        [s.pad, s.pad],
        [s.pad, s.pad],
        [0, 0],
      ] as [[number, number], [number, number], [number, number], [number, number]];
      h = tf.add(tf.conv2d(h as tf.Tensor4D, w, s.stride, pad), params[next++]!);
    } else if (s.kind === 'dense') {
      h = tf.add(tf.matMul(h.reshape([B, l.fanIn]), params[next++]!.reshape([l.fanIn, s.units])), params[next++]!);
    } else {
      h = tf.mean(h.reshape([B, l.in[0] * l.in[1], l.in[2]]), 1);
    }
    if (s.kind !== 'meanPool' && !last) h = spec.slope === 0 ? tf.relu(h) : tf.leakyRelu(h, spec.slope);
  });
  return h.reshape([B, -1]);
}

const nets: [string, NetSpec][] = [
  ['mlp: dense layers with LeakyReLU (the numeric encoders f_x, f_t)', mlpNet(7, [3, 2, 4], 3)],
  [
    'image: three strided convolutions, then dense',
    {
      input: [16, 16, 3],
      slope: 0.2,
      layers: [
        { kind: 'conv', kernel: [4, 4], filters: 8, stride: 2, pad: 1 },
        { kind: 'conv', kernel: [4, 4], filters: 12, stride: 2, pad: 1 },
        { kind: 'conv', kernel: [3, 3], filters: 16, stride: 2, pad: 1 },
        { kind: 'dense', units: 20 },
        { kind: 'dense', units: 4 },
      ],
    },
  ],
  [
    'text: 1×3 convolutions over one-hot tokens, mean over tokens, dense',
    {
      input: [1, 10, 17],
      slope: 0,
      layers: [
        { kind: 'conv', kernel: [1, 3], filters: 16, stride: 1, pad: 1 },
        { kind: 'conv', kernel: [1, 3], filters: 16, stride: 1, pad: 1 },
        { kind: 'meanPool' },
        { kind: 'dense', units: 5 },
      ],
    },
  ],
];

describe('encoder nets on the core (dense and convolutional)', () => {
  it.each(nets)('match tfjs, forward and every gradient: %s', (_, spec) => {
    const mark = k.arena.mark();
    const B = 6;
    const nParams = netParamCount(spec);
    const init = new Float32Array(nParams + 3); // a few floats of another encoder after it
    initNetParams(spec, Rng.fromSeed(4), init, 0);
    const params = k.arena.from(init);
    const grads = k.arena.alloc(init.length);
    const net = new CoreNet(k, spec, params, grads, 0, B);
    const x = randn(B * spec.input.reduce((a, b) => a * b, 1), 5);
    const dOut = randn(B * net.outputSize, 6);
    const pass = net.newPass();
    const second = net.newPass(); // a second pass (as fresh negatives use) accumulates into the same gradients
    pass.input.set(x);
    second.input.set(x);
    const out = net.forward(pass).toArray();
    net.forward(second);
    net.backward(pass, k.arena.from(dOut));
    net.backward(second, k.arena.from(dOut));

    const layers = netLayout(spec);
    const withParams = layers.filter((l) => l.wSize > 0);
    const tParams = withParams.flatMap((l) => [tf.tensor1d(init.subarray(l.w, l.w + l.wSize)), tf.tensor1d(init.subarray(l.b, l.b + l.bSize))]);
    const xt = tf.tensor1d(x);
    const want = tfNet(spec, tParams, xt, B);
    expect(relError(out, want.dataSync())).toBeLessThan(1e-5);
    const g = tf.grads((...ps: tf.Tensor[]) => tf.sum(tf.mul(tfNet(spec, ps as tf.Tensor1D[], xt, B), tf.tensor2d(dOut, [B, net.outputSize]))))(tParams);
    const got = grads.toArray();
    withParams.forEach((l, i) => {
      expect(
        relError(
          got.subarray(l.w, l.w + l.wSize).map((v) => v / 2),
          g[2 * i]!.dataSync(),
        ),
        `layer ${i} W`,
      ).toBeLessThan(1e-4);
      expect(
        relError(
          got.subarray(l.b, l.b + l.bSize).map((v) => v / 2),
          g[2 * i + 1]!.dataSync(),
        ),
        `layer ${i} b`,
      ).toBeLessThan(1e-4);
    });
    expect(Array.from(got.subarray(nParams))).toEqual([0, 0, 0]); // nothing written past the net's own parameters
    tf.dispose([...tParams, xt, want, ...g]);
    k.arena.release(mark);
  });

  it('encodes any number of rows a batch at a time, as whole batches would', () => {
    const mark = k.arena.mark();
    for (const [, spec] of [nets[0]!, nets[2]!]) {
      const B = 4;
      const init = new Float32Array(netParamCount(spec));
      initNetParams(spec, Rng.fromSeed(9), init, 0);
      const net = new CoreNet(k, spec, k.arena.from(init), k.arena.alloc(init.length), 0, B);
      const n = spec.input.reduce((a, b) => a * b, 1);
      const rows = 10; // two whole batches and a partial one (a convolutional net runs it padded)
      const x = randn(rows * n, 8);
      const all = net.encode(net.newPass(), x, rows);
      const pass = net.newPass();
      for (let r0 = 0; r0 < 8; r0 += B) {
        pass.input.set(x.subarray(r0 * n, (r0 + B) * n));
        expect(Array.from(net.forward(pass).toArray())).toEqual(Array.from(all.subarray(r0 * net.outputSize, (r0 + B) * net.outputSize)));
      }
      expect(all.subarray(8 * net.outputSize).every(Number.isFinite)).toBe(true);
      expect(() => net.encode(pass, x, rows + 1)).toThrow(/encode needs \(11, \d+\) inputs/);
    }
    k.arena.release(mark);
  });

  it('refuses a convolution that does not fit its input', () => {
    expect(() => netLayout({ input: [2, 2, 1], slope: 0, layers: [{ kind: 'conv', kernel: [5, 5], filters: 1, stride: 1, pad: 0 }] })).toThrow(
      /5×5 convolution does not fit a 2×2 input/,
    );
  });
});
