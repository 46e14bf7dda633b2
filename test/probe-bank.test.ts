import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/common/rng.js';
import { biasAdd, columnSums, leakyReluBackward, leakyReluForward } from '../src/kernels/activations.js';
import type { F32Buffer } from '../src/kernels/arena.js';
import { gemm } from '../src/kernels/gemm.js';
import { GroupedLayout, squaredErrorGrad } from '../src/kernels/grouped.js';
import { Kernels } from '../src/kernels/module.js';
import { initBankParams, ProbeBank } from '../src/probes/probe-bank.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});
afterAll(() => k.close());

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.length === ub.length && ua.every((v, i) => v === ub[i]);
}

/** The chain of kernels the bank's kernels replace (what ProbeBank did before assembly/probebank.ts). */
class Chain {
  readonly heads: GroupedLayout;
  readonly dWt: F32Buffer;
  constructor(
    readonly bank: ProbeBank,
    outputs: number[],
  ) {
    this.heads = new GroupedLayout(k, outputs, bank.hidden);
    this.dWt = k.arena.alloc(bank.layout.O * bank.hidden);
  }
  part(buf: F32Buffer, which: 'W1' | 'b1' | 'Wt' | 'b2'): F32Buffer {
    const { width, O, wtAt, b2At } = this.bank.layout;
    const kk = this.bank.k;
    if (which === 'W1') return buf.view(0, kk * width);
    if (which === 'b1') return buf.view(kk * width, width);
    if (which === 'Wt') return buf.view(wtAt, O * this.bank.hidden);
    return buf.view(b2At, O);
  }
  forward(X: F32Buffer, rows: number, Hb: F32Buffer, Yhat: F32Buffer): void {
    const { width, O } = this.bank.layout;
    const p = this.bank.params;
    gemm(k, { M: rows, N: width, K: this.bank.k, A: X, B: this.part(p, 'W1'), C: Hb });
    biasAdd(k, Hb, this.part(p, 'b1'), rows, width);
    leakyReluForward(k, Hb, Hb, 0, rows * width);
    this.heads.forward(Hb, this.part(p, 'Wt'), Yhat, rows);
    biasAdd(k, Yhat, this.part(p, 'b2'), rows, O);
  }
  backward(X: F32Buffer, rows: number, Hb: F32Buffer, dY: F32Buffer, dH: F32Buffer, accumulate: boolean): void {
    const { width, O } = this.bank.layout;
    const g = this.bank.grads;
    const beta = accumulate ? 1 : 0;
    const gWt = this.part(g, 'Wt');
    this.heads.backward(Hb, this.part(this.bank.params, 'Wt'), dY, accumulate ? this.dWt : gWt, dH, rows);
    if (accumulate) k.exports.addInto(gWt.ptr, this.dWt.ptr, O * this.bank.hidden);
    columnSums(k, dY, this.part(g, 'b2'), rows, O, beta);
    leakyReluBackward(k, Hb, dH, dH, 0, rows * width);
    gemm(k, { M: this.bank.k, N: width, K: rows, A: X, B: dH, C: this.part(g, 'W1'), transA: true, beta });
    columnSums(k, dH, this.part(g, 'b1'), rows, width, beta);
  }
}

describe('probe bank: the kernels of assembly/probebank.ts', () => {
  // sizes with tails: hidden units not a multiple of 4, an input width of 1, row counts not multiples of 4
  const cases = [
    { k: 5, hidden: 100, outputs: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, 5, 5], rows: 200 },
    { k: 5, hidden: 100, outputs: [1, 1, 1, 1, 1], rows: 130 },
    { k: 3, hidden: 7, outputs: [1, 3, 2], rows: 13 },
    { k: 1, hidden: 10, outputs: [2], rows: 1 },
    { k: 12, hidden: 33, outputs: [4, 1, 1, 1, 1], rows: 38 },
    { k: 2, hidden: 6, outputs: [3, 3], rows: 7 },
  ];
  for (const c of cases) {
    it(`give bit-identical outputs, losses and gradients to the chain of kernels (k ${c.k}, hidden ${c.hidden}, ${c.outputs.length} heads, ${c.rows} rows)`, () => {
      const mark = k.arena.mark();
      try {
        const rng = Rng.fromSeed(c.k * 1000 + c.hidden + c.rows);
        const O = c.outputs.reduce((a, b) => a + b, 0);
        const width = c.outputs.length * c.hidden;
        const init = initBankParams(c.k, c.hidden, c.outputs, rng, { hiddenBias: true, outputBias: true });
        const bank = new ProbeBank(k, c.k, c.hidden, c.outputs, init, 1e-3);
        const chain = new Chain(bank, c.outputs);
        const xs = new Float32Array(c.rows * c.k);
        rng.fillNormal(xs);
        xs[0] = 0; // a zero input and exact zeros in the pre-activations
        const ys = new Float32Array(c.rows * O);
        rng.fillNormal(ys);
        const X = k.arena.from(xs);
        const Y = k.arena.from(ys);
        const scale = k.arena.from(Array.from({ length: O }, (_, i) => 1 / (c.rows * (i + 1))));
        const half = Math.ceil(c.rows / 2);
        for (let step = 0; step < 3; step++) {
          // the chain: forward, squaredErrorGrad, backward
          const Hb = k.arena.alloc(c.rows * width);
          const dH = k.arena.alloc(c.rows * width);
          const Yhat = k.arena.alloc(c.rows * O);
          const dY = k.arena.alloc(c.rows * O);
          const colLoss = k.arena.alloc(O);
          chain.forward(X, c.rows, Hb, Yhat);
          squaredErrorGrad(k, Yhat, Y, dY, scale, colLoss, c.rows, O);
          chain.backward(X, c.rows, Hb, dY, dH, false);
          const chainGrads = bank.grads.array.slice();
          const chainLoss = colLoss.array.slice();
          const chainYhat = Yhat.array.slice();
          const chainHb = Hb.array.slice();
          // ... and in two chunks, the second added to the first (as the downstream study does)
          bank.grads.array.fill(0);
          chain.backward(X, half, Hb, dY, dH, true);
          chain.backward(
            X.view(half * c.k, (c.rows - half) * c.k),
            c.rows - half,
            Hb.view(half * width, (c.rows - half) * width),
            dY.view(half * O, (c.rows - half) * O),
            dH,
            true,
          );
          const chainChunked = bank.grads.array.slice();

          // the kernels
          const Hb2 = k.arena.alloc(c.rows * width);
          const Yhat2 = k.arena.alloc(c.rows * O);
          const colLoss2 = k.arena.alloc(O);
          Hb2.array.fill(NaN);
          bank.forward(X, c.rows, Hb2, Yhat2);
          expect(sameBits(Yhat2.array, chainYhat)).toBe(true);
          expect(sameBits(Hb2.array, chainHb)).toBe(true);
          Yhat2.array.fill(NaN);
          bank.forwardRows(X, c.rows, Yhat2);
          expect(sameBits(Yhat2.array, chainYhat)).toBe(true);
          bank.grads.array.fill(NaN);
          bank.lossAndGrad(X, c.rows, Y, scale, colLoss2);
          expect(sameBits(colLoss2.array, chainLoss)).toBe(true);
          expect(sameBits(bank.grads.array, chainGrads)).toBe(true);
          bank.grads.array.fill(NaN);
          bank.backward(X, c.rows, Hb2, dY);
          expect(sameBits(bank.grads.array, chainGrads)).toBe(true);
          bank.grads.array.fill(0);
          bank.backward(X, half, Hb2, dY, true);
          bank.backward(
            X.view(half * c.k, (c.rows - half) * c.k),
            c.rows - half,
            Hb2.view(half * width, (c.rows - half) * width),
            dY.view(half * O, (c.rows - half) * O),
            true,
          );
          expect(sameBits(bank.grads.array, chainChunked)).toBe(true);

          bank.lossAndGrad(X, c.rows, Y, scale, colLoss2);
          bank.adam.step(bank.grads); // move on to other parameters
        }
      } finally {
        k.arena.release(mark);
      }
    });
  }
});
