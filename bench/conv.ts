/**
 * The quick image encoder's convolutions against our GEMM (`npm run bench -- conv`):
 * each of its three layers (batch 128, 4×4 kernels, stride 2, padding 1, NHWC)
 *
 *   L1  32×32×3  → 16×16×16     patch 48,  rows 32,768
 *   L2  16×16×16 → 8×8×32       patch 256, rows 8,192
 *   L3  8×8×32   → 4×4×64       patch 512, rows 2,048
 *
 * forward (y = conv(x) + b), filter gradient (dw, db) and input gradient (dx; not
 * for L1, which training never asks for), one thread. The baseline is our GEMM
 * doing the same flops at the rate it reaches in the same run on the dense
 * product 6144×750×750 (the kernels suite's gemm-nn row), so the ratio is the
 * convolution's share of the GEMM's rate (1.00 = as fast as the GEMM).
 * `conv-layer-*` rows time a layer's products together as training runs them
 * (direct where the layer allows: L1's forward and filter gradient, L2's
 * forward) against im2col + GEMM in chunks of patches for all of them (our
 * previous version), in the same run.
 */
import { Conv2d, type Conv2dShape } from '../src/kernels/conv.js';
import { gemm } from '../src/kernels/gemm.js';
import { Kernels } from '../src/kernels/module.js';
import { faster, randn, row, time, type BenchRow, type Timing } from './harness.js';

export const QUICK_IMAGE_LAYERS: [string, Conv2dShape][] = [
  ['L1-32x32x3-f16', { N: 128, H: 32, W: 32, C: 3, KH: 4, KW: 4, F: 16, stride: 2, pad: 1 }],
  ['L2-16x16x16-f32', { N: 128, H: 16, W: 16, C: 16, KH: 4, KW: 4, F: 32, stride: 2, pad: 1 }],
  ['L3-8x8x32-f64', { N: 128, H: 8, W: 8, C: 32, KH: 4, KW: 4, F: 64, stride: 2, pad: 1 }],
];

/** GFLOP/s of our one-thread GEMM on the dense product 6144×750×750 (nn). */
async function gemmRate(k: Kernels): Promise<number> {
  const [M, N, K] = [6144, 750, 750];
  const mark = k.arena.mark();
  const A = k.arena.from(randn(M * K, 1));
  const B = k.arena.from(randn(K * N, 2));
  const C = k.arena.alloc(M * N);
  const t = await time(() => gemm(k, { M, N, K, A, B, C }), { warmup: 1, runs: 5 });
  k.arena.release(mark);
  return (2 * M * N * K) / (t.ms * 1e6);
}

export async function convBench(): Promise<BenchRow[]> {
  const k = await Kernels.load();
  const rate = await gemmRate(k);
  const baseline = `our GEMM at ${rate.toFixed(1)} GFLOP/s`;
  const rows: BenchRow[] = [];
  const atGemmRate = (flops: number): Timing => ({ ms: flops / (rate * 1e6), runs: 0 });
  for (const [name, s] of QUICK_IMAGE_LAYERS) {
    const mark = k.arena.mark();
    const conv = new Conv2d(k, s);
    const x = k.arena.from(randn(s.N * s.H * s.W * s.C, 3));
    const w = k.arena.from(randn(conv.patch * s.F, 4, 0.1));
    const b = k.arena.from(randn(s.F, 5));
    const y = k.arena.alloc(conv.rows * s.F);
    const dy = k.arena.from(randn(conv.rows * s.F, 6));
    const dw = k.arena.alloc(conv.patch * s.F);
    const db = k.arena.alloc(s.F);
    const dx = k.arena.alloc(s.N * s.H * s.W * s.C);
    const flops = 2 * conv.rows * conv.patch * s.F;
    const opts = { warmup: 3, runs: 21 };
    const forward = await time(() => conv.forward(x, w, b, y), opts);
    const filter = await time(() => conv.filterGrad(dy, dw, db, true), opts);
    rows.push(row(`conv-fwd-${name}`, forward, baseline, atGemmRate(flops), flops));
    rows.push(row(`conv-dw-${name}`, filter, baseline, atGemmRate(flops), flops));
    if (s.C > 3) rows.push(row(`conv-dx-${name}`, await time(() => conv.inputGrad(w, dy, dx), opts), baseline, atGemmRate(flops), flops));
    const previous = new Conv2d(k, s, { direct: false });
    const layer = (c: Conv2d) => () => {
      c.forward(x, w, b, y);
      c.filterGrad(dy, dw, db, true);
      if (s.C > 3) c.inputGrad(w, dy, dx);
    };
    let now = await time(layer(conv), opts);
    let before = await time(layer(previous), opts);
    now = faster(now, await time(layer(conv), opts));
    before = faster(before, await time(layer(previous), opts));
    rows.push(row(`conv-layer-${name}`, now, 'im2col + GEMM in chunks', before, (s.C > 3 ? 3 : 2) * flops));
    k.arena.release(mark);
  }
  k.close();
  return rows;
}
