// Convolutional encoders on the core against the same nets in tfjs: outputs
// and the gradients of every parameter.
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/common/rng.js';
import { CoreNet, initNetParams, netLayout, netParamCount, type NetSpec } from '../src/encoders/core-net.js';
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
      const pad = [[0, 0], [s.pad, s.pad], [s.pad, s.pad], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]];
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
  ['image: three strided convolutions, then dense', {
    input: [16, 16, 3], slope: 0.2,
    layers: [
      { kind: 'conv', kernel: [4, 4], filters: 8, stride: 2, pad: 1 },
      { kind: 'conv', kernel: [4, 4], filters: 12, stride: 2, pad: 1 },
      { kind: 'conv', kernel: [3, 3], filters: 16, stride: 2, pad: 1 },
      { kind: 'dense', units: 20 },
      { kind: 'dense', units: 4 },
    ],
  }],
  ['text: 1×3 convolutions over one-hot tokens, mean over tokens, dense', {
    input: [1, 10, 17], slope: 0,
    layers: [
      { kind: 'conv', kernel: [1, 3], filters: 16, stride: 1, pad: 1 },
      { kind: 'conv', kernel: [1, 3], filters: 16, stride: 1, pad: 1 },
      { kind: 'meanPool' },
      { kind: 'dense', units: 5 },
    ],
  }],
];

describe('convolutional encoders on the core', () => {
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
    net.input.set(x);
    const out = net.forward().toArray();
    net.backward(k.arena.from(dOut));
    net.input.set(x); // a second pass accumulates
    net.forward();
    net.backward(k.arena.from(dOut));

    const layers = netLayout(spec);
    const withParams = layers.filter((l) => l.wSize > 0);
    const tParams = withParams.flatMap((l) => [tf.tensor1d(init.subarray(l.w, l.w + l.wSize)), tf.tensor1d(init.subarray(l.b, l.b + l.bSize))]);
    const xt = tf.tensor1d(x);
    const want = tfNet(spec, tParams, xt, B);
    expect(relError(out, want.dataSync())).toBeLessThan(1e-5);
    const g = tf.grads((...ps: tf.Tensor[]) => tf.sum(tf.mul(tfNet(spec, ps as tf.Tensor1D[], xt, B), tf.tensor2d(dOut, [B, net.outputSize]))))(tParams);
    const got = grads.toArray();
    withParams.forEach((l, i) => {
      expect(relError(got.subarray(l.w, l.w + l.wSize).map((v) => v / 2), g[2 * i]!.dataSync()), `layer ${i} W`).toBeLessThan(1e-4);
      expect(relError(got.subarray(l.b, l.b + l.bSize).map((v) => v / 2), g[2 * i + 1]!.dataSync()), `layer ${i} b`).toBeLessThan(1e-4);
    });
    expect(Array.from(got.subarray(nParams))).toEqual([0, 0, 0]); // nothing written past the net's own parameters
    tf.dispose([...tParams, xt, want, ...g]);
    k.arena.release(mark);
  });

  it('refuses a convolution that does not fit its input', () => {
    expect(() => netLayout({ input: [2, 2, 1], slope: 0, layers: [{ kind: 'conv', kernel: [5, 5], filters: 1, stride: 1, pad: 0 }] })).toThrow(/5×5 convolution does not fit a 2×2 input/);
  });
});
