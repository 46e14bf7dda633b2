/**
 * The compute core against tfjs-backend-wasm (`npm run bench -- kernels`).
 *
 * GEMM rows are the three products of a dense layer with 750 inputs and 750
 * outputs at batch 6144: forward X·W (nn), weight gradient Xᵀ·dY (tn, summing
 * over the 6144 rows), input gradient dY·Wᵀ (nt); 2·6144·750·750 flops each.
 * Loss rows compute the loss and every input gradient; the baseline writes
 * the same loss in tfjs-core ops (distances through one B×B matmul, not the
 * public code's B×B×d tensor) with gradients by tfjs autodiff.
 */
import { Rng } from '../src/common/rng.js';
import type { F32Buffer } from '../src/kernels/arena.js';
import { gemm } from '../src/kernels/gemm.js';
import { InfoNce } from '../src/kernels/infonce.js';
import { LpSimclr } from '../src/kernels/lpsimclr.js';
import { Kernels } from '../src/kernels/module.js';
import { row, time, timeOrNull, type BenchRow } from './harness.js';
import { useBackend, type tf as TfModule } from './tfjs.js';

type Tf = typeof TfModule;

function randn(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  Rng.fromSeed(seed).fillNormal(out);
  return out;
}

async function gemmRows(k: Kernels, tf: Tf): Promise<BenchRow[]> {
  const B = 6144;
  const F = 750;
  const x = randn(B * F, 1);
  const w = randn(F * F, 2);
  const dy = randn(B * F, 3);
  const X = k.arena.from(x);
  const W = k.arena.from(w);
  const DY = k.arena.from(dy);
  const out = k.arena.alloc(B * F);
  const flops = 2 * B * F * F;
  const cases: [string, () => void, [Float32Array, [number, number], Float32Array, [number, number], boolean, boolean]][] = [
    ['nn', () => gemm(k, { M: B, N: F, K: F, A: X, B: W, C: out }), [x, [B, F], w, [F, F], false, false]],
    ['tn', () => gemm(k, { M: F, N: F, K: B, A: X, B: DY, C: out, transA: true }), [x, [B, F], dy, [B, F], true, false]],
    ['nt', () => gemm(k, { M: B, N: F, K: F, A: DY, B: W, C: out, transB: true }), [dy, [B, F], w, [F, F], false, true]],
  ];
  const rows: BenchRow[] = [];
  for (const [form, ours, [a, aShape, b, bShape, ta, tb]] of cases) {
    const A = tf.tensor2d(a, aShape);
    const Bt = tf.tensor2d(b, bShape);
    const theirs = await timeOrNull(`tfjs matMul ${form}`, () => tf.tidy(() => tf.matMul(A, Bt, ta, tb).dataSync()));
    A.dispose();
    Bt.dispose();
    rows.push(row(`gemm-${form}-6144x750x750`, await time(ours), 'tfjs-wasm matMul', theirs, flops));
  }
  return rows;
}

function tfLpSimclr(tf: Tf, B: number, d: number, inputs: Float32Array[]) {
  const L = (a: TfModule.Tensor2D, b: TfModule.Tensor2D, c: TfModule.Tensor2D) => {
    const pos = a.sub(b).square().sum(1);
    const neg = a.square().sum(1, true).add(c.square().sum(1).expandDims(0)).sub(tf.matMul(a, c, false, true).mul(2));
    const scores = tf.concat([neg, pos.expandDims(1)], 1).neg();
    const lme = tf.logSumExp(scores, 1).sub(Math.log(B + 1));
    return pos.mul(0.5).add(lme.mul(0.5)).mul(2).mean();
  };
  const f = (x: TfModule.Tensor, t: TfModule.Tensor, xn: TfModule.Tensor, tn: TfModule.Tensor) =>
    L(x as TfModule.Tensor2D, t as TfModule.Tensor2D, xn as TfModule.Tensor2D)
      .add(L(t as TfModule.Tensor2D, x as TfModule.Tensor2D, tn as TfModule.Tensor2D))
      .mul(0.5) as TfModule.Scalar;
  const tensors = inputs.map((v) => tf.tensor2d(v, [B, d]));
  const grad = tf.valueAndGrads(f);
  return {
    run: () => tf.tidy(() => grad(tensors).grads.map((g) => g.dataSync())),
    dispose: () => tensors.forEach((t) => t.dispose()),
  };
}

async function infonceRow(k: Kernels, tf: Tf): Promise<BenchRow> {
  const B = 256;
  const dim = 8;
  const mark = k.arena.mark();
  const x = randn(B * dim, 20);
  const y = randn(B * dim, 21);
  const nce = new InfoNce(k, B, dim, { form: 'ntxent' });
  const X = k.arena.from(x);
  const Y = k.arena.from(y);
  const gx = k.arena.alloc(B * dim);
  const gy = k.arena.alloc(B * dim);
  const ours = await time(() => nce.lossAndGrad(X, Y, gx, gy), { warmup: 3, runs: 21 });
  k.arena.release(mark);
  const xt = tf.tensor2d(x, [B, dim]);
  const yt = tf.tensor2d(y, [B, dim]);
  const f = (a: TfModule.Tensor, b: TfModule.Tensor) => {
    const u = tf.concat([tf.div(a, tf.norm(a, 'euclidean', 1, true)), tf.div(b, tf.norm(b, 'euclidean', 1, true))], 0);
    const G = tf.matMul(u, u, false, true).add(tf.eye(2 * B).mul(-1e9));
    const partner = tf.concat([tf.range(B, 2 * B, 1, 'int32'), tf.range(0, B, 1, 'int32')]);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(partner, 2 * B), G) as TfModule.Scalar;
  };
  const g = tf.valueAndGrads(f);
  const theirs = await timeOrNull('tfjs InfoNCE', () => tf.tidy(() => g([xt, yt]).grads.map((t) => t.dataSync())), { warmup: 3, runs: 21 });
  xt.dispose();
  yt.dispose();
  return row(`infonce-sym-grad-b${B}-d${dim}`, ours, 'tfjs-wasm ops + autodiff', theirs);
}

async function lpsimclrRow(k: Kernels, tf: Tf, B: number): Promise<BenchRow> {
  const d = 10;
  const mark = k.arena.mark();
  const inputs = [0, 1, 2, 3].map((i) => randn(B * d, 10 + i));
  const [hx, ht, hxNeg, htNeg] = inputs.map((v) => k.arena.from(v)) as [F32Buffer, F32Buffer, F32Buffer, F32Buffer];
  const grads = { hx: k.arena.alloc(B * d), ht: k.arena.alloc(B * d), hxNeg: k.arena.alloc(B * d), htNeg: k.arena.alloc(B * d) };
  const loss = new LpSimclr(k, B, d);
  const ours = await time(() => loss.symmetric(hx, ht, hxNeg, htNeg, grads));
  k.arena.release(mark);
  let theirs = null;
  try {
    const baseline = tfLpSimclr(tf, B, d, inputs);
    theirs = await timeOrNull(`tfjs LpSimCLR B=${B}`, baseline.run);
    baseline.dispose();
  } catch (error) {
    process.stderr.write(`bench: tfjs LpSimCLR B=${B} cannot run: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
  }
  return row(`lpsimclr-sym-grad-b${B}-d${d}`, ours, theirs === null ? 'tfjs-wasm ops + autodiff (out of memory)' : 'tfjs-wasm ops + autodiff', theirs, 12 * B * B * d);
}

export async function kernelsBench(): Promise<BenchRow[]> {
  const k = await Kernels.load();
  const tf = await useBackend('wasm');
  const gemms = await gemmRows(k, tf);
  const infonce = await infonceRow(k, tf);
  const small = await lpsimclrRow(k, tf, 1024);
  // Last: tfjs-wasm runs out of memory here and its module cannot be used afterwards.
  const large = await lpsimclrRow(k, tf, 6144);
  return [...gemms, large, small, infonce];
}
