// The GEMM form of LpSimCLR (bench/loss-forms.ts with assembly/lossgemm.ts; docs/performance.md,
// "The loss as matrix products"): loss and all four gradients equal the streaming kernel's, which
// its own suite checks against the f64 reference, for odd batches, both dimensions and both forms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGemmForm, GemmFormLoss } from '../bench/loss-forms.js';
import { LpSimclr } from '../src/kernels/lpsimclr.js';
import { Kernels } from '../src/kernels/module.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});
afterAll(() => k.close());

describe('LpSimCLR as matrix products', () => {
  for (const [batch, dim] of [
    [37, 5],
    [64, 10],
    [130, 3],
  ] as const) {
    for (const form of ['full', 'blocked'] as const) {
      it(`${form}, B ${batch}, d ${dim}: loss and gradients within 1e-4 of the streaming kernel`, () => {
        const mark = k.arena.mark();
        const streaming = new LpSimclr(k, batch, dim);
        const gemmForm = new GemmFormLoss(k, batch, dim, form, true, 16);
        expect(checkGemmForm(k, streaming, gemmForm, `${form} B=${batch} d=${dim}`)).toBeLessThan(1e-4);
        k.arena.release(mark);
      });
    }
  }
});
