/**
 * An encoder network (net.ts) in tfjs: the same layers, parameters and
 * arithmetic as core-net.ts, differentiated by tfjs. Variables are created
 * from the flat parameter buffer in its layout (per layer W, then b), so the
 * two engines start from identical parameters and their states compare
 * value by value.
 *
 *   dense W (fan_in, units), conv W (KH, KW, C, F) — the core's row-major
 *   (KH·KW·C, F) — with explicit zero padding; meanPool averages positions.
 */
import type * as TF from '@tensorflow/tfjs';
import { netLayout, shapeSize, type NetLayer, type NetSpec } from './net.js';

type Tf = typeof TF;

export class TfjsNet {
  readonly layers: NetLayer[];
  /** W and b of each layer that has parameters, in layout order. */
  readonly vars: TF.Variable[];

  constructor(
    private readonly tf: Tf,
    readonly spec: NetSpec,
    params: Float32Array,
    base: number,
  ) {
    this.layers = netLayout(spec, base);
    this.vars = this.layers.flatMap((l) => {
      const s = l.spec;
      if (s.kind === 'meanPool') return [];
      const wShape = s.kind === 'conv' ? [s.kernel[0], s.kernel[1], l.in[2], s.filters] : [l.fanIn, s.units];
      return [tf.variable(tf.tensor(params.subarray(l.w, l.w + l.wSize), wShape)), tf.variable(tf.tensor1d(params.subarray(l.b, l.b + l.bSize)))];
    });
  }

  /** The net on x, B samples of the input shape; returns (B, encoding). */
  forward(x: TF.Tensor, B: number): TF.Tensor2D {
    const tf = this.tf;
    let h: TF.Tensor = x.reshape([B, ...this.spec.input]);
    let next = 0;
    this.layers.forEach((l, i) => {
      const s = l.spec;
      if (s.kind === 'conv') {
        const pad: [[number, number], [number, number], [number, number], [number, number]] = [
          [0, 0],
          [s.pad, s.pad],
          [s.pad, s.pad],
          [0, 0],
        ];
        h = tf.conv2d(h as TF.Tensor4D, this.vars[next++] as TF.Tensor4D, s.stride, pad).add(this.vars[next++]!);
      } else if (s.kind === 'dense') {
        h = tf.add(tf.matMul(h.reshape([B, l.fanIn]), this.vars[next++] as TF.Tensor2D), this.vars[next++]!);
      } else {
        h = tf.mean(h.reshape([B, l.in[0] * l.in[1], l.in[2]]), 1);
      }
      if (s.kind !== 'meanPool' && i < this.layers.length - 1) h = tf.leakyRelu(h, this.spec.slope);
    });
    return h.reshape([B, shapeSize(this.layers[this.layers.length - 1]!.out)]);
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
  }
}
