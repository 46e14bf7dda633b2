import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/common/rng.js';
import { squaredErrorGrad } from '../src/kernels/grouped.js';
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

describe('probe bank: the row-by-row kernel (assembly/probebank.ts)', () => {
  // sizes with tails: hidden units not a multiple of 4 or 8, an input width of 1, odd row counts
  const cases = [
    { k: 5, hidden: 100, outputs: [1, 1, 1, 5, 5, 5], rows: 200 },
    { k: 3, hidden: 7, outputs: [1, 3, 2], rows: 13 },
    { k: 1, hidden: 10, outputs: [2], rows: 1 },
    { k: 12, hidden: 33, outputs: [4, 1, 1, 1, 1], rows: 37 },
  ];
  for (const c of cases) {
    it(`gives bit-identical outputs, losses and gradients to the chain of kernels (k ${c.k}, hidden ${c.hidden}, ${c.outputs.length} heads, ${c.rows} rows)`, () => {
      const mark = k.arena.mark();
      try {
        const rng = Rng.fromSeed(c.k * 1000 + c.hidden);
        const O = c.outputs.reduce((a, b) => a + b, 0);
        const width = c.outputs.length * c.hidden;
        const init = initBankParams(c.k, c.hidden, c.outputs, rng, { hiddenBias: true, outputBias: true });
        const bank = new ProbeBank(k, c.k, c.hidden, c.outputs, init, 1e-3);
        const xs = new Float32Array(c.rows * c.k);
        rng.fillNormal(xs);
        xs[0] = 0; // a zero input and exact zeros in the pre-activations
        const ys = new Float32Array(c.rows * O);
        rng.fillNormal(ys);
        const X = k.arena.from(xs);
        const Y = k.arena.from(ys);
        const scale = k.arena.from(Array.from({ length: O }, (_, i) => 1 / (c.rows * (i + 1))));
        for (let step = 0; step < 3; step++) {
          // the chain: forward, squaredErrorGrad, backward
          const Hb = k.arena.alloc(c.rows * width);
          const dH = k.arena.alloc(c.rows * width);
          const Yhat = k.arena.alloc(c.rows * O);
          const dY = k.arena.alloc(c.rows * O);
          const colLoss = k.arena.alloc(O);
          bank.forward(X, c.rows, Hb, Yhat);
          squaredErrorGrad(k, Yhat, Y, dY, scale, colLoss, c.rows, O);
          bank.backward(X, c.rows, Hb, dY, dH);
          const chainGrads = bank.grads.array.slice();
          const chainLoss = colLoss.array.slice();
          const chainYhat = Yhat.array.slice();
          // the fused kernel
          const h = k.arena.alloc(width);
          const dh = k.arena.alloc(width);
          const yRow = k.arena.alloc(O);
          const Yhat2 = k.arena.alloc(c.rows * O);
          const colLoss2 = k.arena.alloc(O);
          bank.grads.array.fill(NaN);
          bank.forwardRows(X, c.rows, h, Yhat2);
          expect(sameBits(Yhat2.array, chainYhat)).toBe(true);
          bank.lossAndGrad(X, c.rows, Y, scale, colLoss2, h, dh, yRow);
          expect(sameBits(colLoss2.array, chainLoss)).toBe(true);
          expect(sameBits(bank.grads.array, chainGrads)).toBe(true);
          bank.adam.step(bank.grads); // move on to other parameters
        }
      } finally {
        k.arena.release(mark);
      }
    });
  }
});
