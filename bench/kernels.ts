/**
 * The compute core against tfjs-backend-wasm (`npm run bench -- kernels`).
 *
 * GEMM rows are the three products of a dense layer with 750 inputs and 750
 * outputs at batch 6144: forward X·W (nn), weight gradient Xᵀ·dY (tn, summing
 * over the 6144 rows), input gradient dY·Wᵀ (nt); 2·6144·750·750 flops each.
 * Loss rows compute the loss and every input gradient; the baseline writes
 * the same loss in tfjs-core ops (distances through one B×B matmul, not the
 * public code's B×B×d tensor) with gradients by tfjs autodiff. GFLOP/s for
 * LpSimCLR counts its three B×B×d products per direction (12·B²·d).
 * Rows ending in -2t run on two threads; their baseline is our one-thread time.
 * Rows ending in -fma are the same products and loss on the build the machine
 * picks (relaxed SIMD, fused multiply-adds, where the engine runs it); their
 * baseline is the SIMD128 build in the same run (docs/performance.md, "Fused
 * multiply-add"). Every other row runs on the picked build, which stderr names.
 */
import type { F32Buffer } from '../src/kernels/arena.js';
import { gemm } from '../src/kernels/gemm.js';
import { Conv2d } from '../src/kernels/conv.js';
import { InfoNce } from '../src/kernels/infonce.js';
import { LpSimclr } from '../src/kernels/lpsimclr.js';
import { Kernels } from '../src/kernels/module.js';
import { faster, randn, row, time, timeOrNull, type BenchRow, type Timing } from './harness.js';
import { useBackend, type tf as TfModule } from './tfjs.js';

type Tf = typeof TfModule;
const B = 6144;
const F = 750;
const GEMM_FLOPS = 2 * B * F * F;
const FORMS = ['nn', 'tn', 'nt'] as const;
type Form = (typeof FORMS)[number];

const x = randn(B * F, 1);
const w = randn(F * F, 2);
const dy = randn(B * F, 3);

/** Our time for each GEMM form on `k`. */
async function timeGemms(k: Kernels): Promise<Record<Form, Timing>> {
  const mark = k.arena.mark();
  const X = k.arena.from(x);
  const W = k.arena.from(w);
  const DY = k.arena.from(dy);
  const out = k.arena.alloc(B * F);
  const result = {
    nn: await time(() => gemm(k, { M: B, N: F, K: F, A: X, B: W, C: out })),
    tn: await time(() => gemm(k, { M: F, N: F, K: B, A: X, B: DY, C: out, transA: true })),
    nt: await time(() => gemm(k, { M: B, N: F, K: F, A: DY, B: W, C: out, transB: true })),
  };
  k.arena.release(mark);
  return result;
}

/** Per form, the faster of two timings. */
function fasterForms(a: Record<Form, Timing>, b: Record<Form, Timing>): Record<Form, Timing> {
  return { nn: faster(a.nn, b.nn), tn: faster(a.tn, b.tn), nt: faster(a.nt, b.nt) };
}

async function tfGemm(tf: Tf, form: Form): Promise<Timing | null> {
  const [a, aShape, b, bShape, ta, tb] = {
    nn: [x, [B, F], w, [F, F], false, false],
    tn: [x, [B, F], dy, [B, F], true, false],
    nt: [dy, [B, F], w, [F, F], false, true],
  }[form] as [Float32Array, [number, number], Float32Array, [number, number], boolean, boolean];
  const A = tf.tensor2d(a, aShape);
  const Bt = tf.tensor2d(b, bShape);
  const t = await timeOrNull(`tfjs matMul ${form}`, () => tf.tidy(() => tf.matMul(A, Bt, ta, tb).dataSync()));
  A.dispose();
  Bt.dispose();
  return t;
}

const lossInputs = (batch: number) => [0, 1, 2, 3].map((i) => randn(batch * 10, 10 + i));

/** Our time for the symmetric LpSimCLR loss and gradients, d = 10. */
async function timeLpSimclr(k: Kernels, batch: number): Promise<Timing> {
  const d = 10;
  const mark = k.arena.mark();
  const [hx, ht, hxNeg, htNeg] = lossInputs(batch).map((v) => k.arena.from(v)) as [F32Buffer, F32Buffer, F32Buffer, F32Buffer];
  const grads = { hx: k.arena.alloc(batch * d), ht: k.arena.alloc(batch * d), hxNeg: k.arena.alloc(batch * d), htNeg: k.arena.alloc(batch * d) };
  const loss = new LpSimclr(k, batch, d);
  const t = await time(() => loss.symmetric(hx, ht, hxNeg, htNeg, grads));
  k.arena.release(mark);
  return t;
}

async function tfLpSimclr(tf: Tf, batch: number): Promise<Timing | null> {
  const d = 10;
  const L = (a: TfModule.Tensor2D, b: TfModule.Tensor2D, c: TfModule.Tensor2D) => {
    const pos = a.sub(b).square().sum(1);
    const neg = a
      .square()
      .sum(1, true)
      .add(c.square().sum(1).expandDims(0))
      .sub(tf.matMul(a, c, false, true).mul(2));
    const scores = tf.concat([neg, pos.expandDims(1)], 1).neg();
    const lme = tf.logSumExp(scores, 1).sub(Math.log(batch + 1));
    return pos.mul(0.5).add(lme.mul(0.5)).mul(2).mean();
  };
  const f = (hx: TfModule.Tensor, ht: TfModule.Tensor, hxn: TfModule.Tensor, htn: TfModule.Tensor) =>
    L(hx as TfModule.Tensor2D, ht as TfModule.Tensor2D, hxn as TfModule.Tensor2D)
      .add(L(ht as TfModule.Tensor2D, hx as TfModule.Tensor2D, htn as TfModule.Tensor2D))
      .mul(0.5) as TfModule.Scalar;
  try {
    const tensors = lossInputs(batch).map((v) => tf.tensor2d(v, [batch, d]));
    const grad = tf.valueAndGrads(f);
    const t = await timeOrNull(`tfjs LpSimCLR B=${batch}`, () => tf.tidy(() => grad(tensors).grads.map((g) => g.dataSync())));
    tensors.forEach((v) => v.dispose());
    return t;
  } catch (error) {
    process.stderr.write(`bench: tfjs LpSimCLR B=${batch} cannot run: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
    return null;
  }
}

async function infonceRows(k: Kernels, tf: Tf): Promise<BenchRow> {
  const n = 256;
  const dim = 8;
  const mark = k.arena.mark();
  const a = randn(n * dim, 20);
  const b = randn(n * dim, 21);
  const nce = new InfoNce(k, n, dim, { form: 'ntxent' });
  const X = k.arena.from(a);
  const Y = k.arena.from(b);
  const gx = k.arena.alloc(n * dim);
  const gy = k.arena.alloc(n * dim);
  const ours = await time(() => nce.lossAndGrad(X, Y, gx, gy), { warmup: 3, runs: 21 });
  k.arena.release(mark);
  const xt = tf.tensor2d(a, [n, dim]);
  const yt = tf.tensor2d(b, [n, dim]);
  const f = (p: TfModule.Tensor, q: TfModule.Tensor) => {
    const u = tf.concat([tf.div(p, tf.norm(p, 'euclidean', 1, true)), tf.div(q, tf.norm(q, 'euclidean', 1, true))], 0);
    const G = tf.matMul(u, u, false, true).add(tf.eye(2 * n).mul(-1e9));
    const partner = tf.concat([tf.range(n, 2 * n, 1, 'int32'), tf.range(0, n, 1, 'int32')]);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(partner, 2 * n), G) as TfModule.Scalar;
  };
  const g = tf.valueAndGrads(f);
  const theirs = await timeOrNull('tfjs InfoNCE', () => tf.tidy(() => g([xt, yt]).grads.map((t) => t.dataSync())), { warmup: 3, runs: 21 });
  xt.dispose();
  yt.dispose();
  return row(`infonce-sym-grad-b${n}-d${dim}`, ours, 'tfjs-wasm ops + autodiff', theirs);
}

/**
 * The quick image encoder's middle convolution (batch 128, 16×16×32 → 4×4 stride 2 → 8×8×64), forward:
 * im2col + GEMM against tfjs-wasm conv2d (which has no filter gradient, so only the forward is compared).
 */
export async function convRow(k: Kernels, tf: Tf): Promise<BenchRow> {
  const s = { N: 128, H: 16, W: 16, C: 32, KH: 4, KW: 4, F: 64, stride: 2, pad: 1 };
  const mark = k.arena.mark();
  const conv = new Conv2d(k, s);
  const xv = randn(s.N * s.H * s.W * s.C, 30);
  const wv = randn(conv.patch * s.F, 31).map((v) => 0.1 * v);
  const x = k.arena.from(xv);
  const w = k.arena.from(wv);
  const y = k.arena.alloc(conv.rows * s.F);
  const ours = await time(() => conv.forward(x, w, null, y), { warmup: 3, runs: 21 });
  k.arena.release(mark);
  const xt = tf.tensor4d(xv, [s.N, s.H, s.W, s.C]);
  const wt = tf.tensor4d(wv, [s.KH, s.KW, s.C, s.F]);
  const pad = [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ] as [[number, number], [number, number], [number, number], [number, number]];
  const theirs = await timeOrNull('tfjs conv2d', () => tf.tidy(() => tf.conv2d(xt, wt, 2, pad).dataSync()), { warmup: 3, runs: 21 });
  xt.dispose();
  wt.dispose();
  return row('conv2d-fwd-b128-16x16x32-k4s2-f64', ours, 'tfjs-wasm conv2d', theirs, 2 * conv.rows * conv.patch * s.F);
}

export async function kernelsBench(): Promise<BenchRow[]> {
  const k = await Kernels.load();
  process.stderr.write(`bench: kernels: core build ${k.fma ? 'relaxed SIMD (fused multiply-add)' : 'SIMD128'}\n`);
  const k2 = await Kernels.load({ threads: 2 });
  // The builds measured in turn, twice each, keeping each one's faster round: the clock drifts over a run.
  const plain = await Kernels.load({ fma: false });
  let gemmPlain = await timeGemms(plain);
  let gemm1 = await timeGemms(k);
  gemmPlain = fasterForms(gemmPlain, await timeGemms(plain));
  gemm1 = fasterForms(gemm1, await timeGemms(k));
  const lpPlain = await timeLpSimclr(plain, B);
  plain.close();
  const gemm2 = await timeGemms(k2);
  const lp6144 = await timeLpSimclr(k, B);
  const lp6144x2 = await timeLpSimclr(k2, B);
  const lp1024 = await timeLpSimclr(k, 1024);
  k2.close();

  const tf = await useBackend('wasm');
  const rows: BenchRow[] = [];
  for (const form of FORMS) rows.push(row(`gemm-${form}-6144x750x750`, gemm1[form], 'tfjs-wasm matMul', await tfGemm(tf, form), GEMM_FLOPS));
  rows.push(row('lpsimclr-sym-grad-b1024-d10', lp1024, 'tfjs-wasm ops + autodiff', await tfLpSimclr(tf, 1024), 12 * 1024 * 1024 * 10));
  const infonce = await infonceRows(k, tf);
  rows.push(await convRow(k, tf));
  // Last: tfjs-wasm runs out of memory here, and its module cannot be used afterwards.
  const tf6144 = await tfLpSimclr(tf, B);
  rows.push(
    row(
      'lpsimclr-sym-grad-b6144-d10',
      lp6144,
      tf6144 === null ? 'tfjs-wasm ops + autodiff (out of memory)' : 'tfjs-wasm ops + autodiff',
      tf6144,
      12 * B * B * 10,
    ),
  );
  rows.push(infonce);
  for (const form of FORMS) rows.push(row(`gemm-${form}-6144x750x750-2t`, gemm2[form], 'misalign, 1 thread', gemm1[form], GEMM_FLOPS));
  rows.push(row('lpsimclr-sym-grad-b6144-d10-2t', lp6144x2, 'misalign, 1 thread', lp6144, 12 * B * B * 10));
  if (k.fma) {
    for (const form of FORMS) rows.push(row(`gemm-${form}-6144x750x750-fma`, gemm1[form], 'misalign SIMD128 build', gemmPlain[form], GEMM_FLOPS));
    rows.push(row('lpsimclr-sym-grad-b6144-d10-fma', lp6144, 'misalign SIMD128 build', lpPlain, 12 * B * B * 10));
  }
  return rows;
}
