/**
 * LpSimCLR as matrix products against the streaming kernel (issue 33,
 * `npm run bench -- loss-forms`).
 *
 * The "GEMM form" of one direction with fresh negatives (docs/losses.md):
 * S = (2/τ)·a·cᵀ by gemm (nt); the elementwise pass (row maximum, exp, row
 * sums, the loss and the row-local gradient terms) by lossGemmSoftmax
 * (assembly/lossgemm.ts), which leaves e_ij in S; then the couplings by two
 * more gemms over e, P = E·c for ∂L/∂a and Q = Eᵀ·aw (aw_i = (−2cn_i·a_i,
 * 2cn_i), so Q's last column is Σ_i γ_ij) for ∂L/∂c, and lossGemmFinish adds
 * them in. Both directions make the symmetric loss, timed against
 * `LpSimclr.symmetric` (both directions, all four gradients) in the same run.
 *
 * Forms: `full` forms the whole B×B matrix once per direction (what the issue
 * describes); `blocked` runs the same three products and pass on blocks of
 * BLOCK anchor rows, so S (BLOCK × B) stays in cache and the B×B matrix is
 * never formed. The coupling products are computed transposed (Pᵀ = cᵀ·Eᵀ,
 * Qᵀ = awᵀ·E): the micro-kernel's 4-row tiles then cover d (or d + 1) rows
 * instead of padding d columns to 8 (see `transposed`).
 *
 * Inputs are standard normal, as in the kernels suite (every negative alive,
 * so the streaming kernel's far-negative skipping does not apply). Before
 * timing, each configuration's loss and four gradients are compared with the
 * streaming kernel's (relative to the largest entry; the run stops above
 * 1e-4). Rows for the picked build (relaxed SIMD with fused multiply-add where
 * the engine has it) and for the SIMD128 build; one thread.
 */
import type { F32Buffer } from '../src/kernels/arena.js';
import { gemm } from '../src/kernels/gemm.js';
import { LpSimclr, type LpSimclrGradBuffers } from '../src/kernels/lpsimclr.js';
import { Kernels } from '../src/kernels/module.js';
import { faster, randn, row, time, type BenchRow } from './harness.js';

/** Anchor rows per block in the blocked form (S block: BLOCK × B floats, 1.5 MB at B = 6144). */
const BLOCK = 64;
const TOLERANCE = 1e-4;

export type Form = 'full' | 'blocked';

/** The GEMM form of LpSimCLR for batches of `batch` rows of dimension `dim` (fresh negatives, M = batch). */
export class GemmFormLoss {
  private readonly Mp: number;
  private readonly rows: number;
  private readonly S: F32Buffer;
  private readonly ncs: F32Buffer;
  private readonly aw: F32Buffer;
  private readonly rowScale: F32Buffer;
  /** Pᵀ (d × B) or P (B × d). */
  private readonly P: F32Buffer;
  /** Qᵀ ((d + 1) × B) or Q (B × (d + 1)). */
  private readonly Q: F32Buffer;

  constructor(
    private readonly k: Kernels,
    readonly batch: number,
    readonly dim: number,
    form: Form,
    private readonly transposed = true,
    block = BLOCK,
    readonly tau = 1,
    readonly alpha = 0.5,
  ) {
    this.Mp = Math.ceil(batch / 8) * 8;
    this.rows = form === 'full' ? batch : Math.min(block, batch);
    this.S = k.arena.alloc(this.rows * this.Mp);
    this.ncs = k.arena.alloc(this.Mp);
    this.aw = k.arena.alloc(batch * (dim + 1));
    this.rowScale = k.arena.alloc(batch);
    this.P = k.arena.alloc(batch * dim);
    this.Q = k.arena.alloc(batch * (dim + 1));
  }

  /** L(a, b, c); accumulates w·∂L/∂a, w·∂L/∂b, w·∂L/∂c into ga, gb, gc. */
  directional(a: F32Buffer, b: F32Buffer, c: F32Buffer, ga: F32Buffer, gb: F32Buffer, gc: F32Buffer, weight: number): number {
    const { k, batch: B, dim: d, Mp, S, P, Q } = this;
    const x = k.exports;
    x.lossGemmColNorms(c.ptr, B, Mp, d, this.tau, this.ncs.ptr);
    let loss = 0;
    for (let i0 = 0; i0 < B; i0 += this.rows) {
      const n = Math.min(this.rows, B - i0);
      // S = (2/τ)·a·cᵀ for the block's rows
      gemm(k, { M: n, N: B, K: d, A: a.view(i0 * d, n * d), B: c, C: S, transB: true, alpha: 2 / this.tau, ldc: Mp });
      loss += x.lossGemmSoftmax(
        S.ptr,
        Mp,
        Mp,
        this.ncs.ptr,
        a.ptr,
        b.ptr,
        B,
        B,
        d,
        this.tau,
        this.alpha,
        weight,
        i0,
        i0 + n,
        ga.ptr,
        gb.ptr,
        this.aw.ptr,
        this.rowScale.ptr,
      );
      const aw = this.aw.view(i0 * (d + 1), n * (d + 1));
      const beta = i0 === 0 ? 0 : 1;
      if (this.transposed) {
        // Pᵀ[:, block] = cᵀ·E_blockᵀ   (d × n, row stride B)
        gemm(k, { M: d, N: n, K: B, A: c, transA: true, B: S, ldb: Mp, transB: true, C: P.view(i0, P.length - i0), ldc: B });
        // Qᵀ += aw_blockᵀ·E_block      ((d + 1) × B)
        gemm(k, { M: d + 1, N: B, K: n, A: aw, transA: true, B: S, ldb: Mp, C: Q, beta });
      } else {
        // P[block] = E_block·c   (n × d)
        gemm(k, { M: n, N: d, K: B, A: S, lda: Mp, B: c, C: P.view(i0 * d, n * d) });
        // Q += E_blockᵀ·aw_block  (B × (d + 1))
        gemm(k, { M: B, N: d + 1, K: n, A: S, lda: Mp, transA: true, B: aw, C: Q, beta });
      }
    }
    if (this.transposed) x.lossGemmFinish(B, B, d, this.rowScale.ptr, P.ptr, 1, B, ga.ptr, c.ptr, Q.ptr, 1, B, gc.ptr);
    else x.lossGemmFinish(B, B, d, this.rowScale.ptr, P.ptr, d, 1, ga.ptr, c.ptr, Q.ptr, d + 1, 1, gc.ptr);
    return loss / B;
  }

  /** 0.5·(L(h_x, h_t, h_x') + L(h_t, h_x, h_t')), gradients written into grads (as LpSimclr.symmetric). */
  symmetric(hx: F32Buffer, ht: F32Buffer, hxNeg: F32Buffer, htNeg: F32Buffer, grads: LpSimclrGradBuffers): number {
    for (const g of [grads.hx, grads.ht, grads.hxNeg, grads.htNeg]) g.array.fill(0);
    const lossXT = this.directional(hx, ht, hxNeg, grads.hx, grads.ht, grads.hxNeg, 0.5);
    const lossTX = this.directional(ht, hx, htNeg, grads.ht, grads.hx, grads.htNeg, 0.5);
    return 0.5 * (lossXT + lossTX);
  }
}

interface Case {
  inputs: [F32Buffer, F32Buffer, F32Buffer, F32Buffer];
  grads: LpSimclrGradBuffers;
}

function makeCase(k: Kernels, batch: number, dim: number, seed: number): Case {
  const inputs = [0, 1, 2, 3].map((i) => k.arena.from(randn(batch * dim, seed + i))) as Case['inputs'];
  const g = () => k.arena.alloc(batch * dim);
  return { inputs, grads: { hx: g(), ht: g(), hxNeg: g(), htNeg: g() } };
}

/** Largest |x − y| over the largest |y|. */
function relativeError(x: Float32Array, y: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return diff / scale;
}

/** The GEMM form's loss and gradients against the streaming kernel's on the same inputs; throws above TOLERANCE. */
export function checkGemmForm(k: Kernels, streaming: LpSimclr, gemmForm: GemmFormLoss, what: string): number {
  const mark = k.arena.mark();
  const ref = makeCase(k, streaming.batch, streaming.dim, 100);
  const ours = {
    hx: k.arena.alloc(ref.grads.hx.length),
    ht: k.arena.alloc(ref.grads.hx.length),
    hxNeg: k.arena.alloc(ref.grads.hx.length),
    htNeg: k.arena.alloc(ref.grads.hx.length),
  };
  const lossRef = streaming.symmetric(...ref.inputs, ref.grads).loss;
  const loss = gemmForm.symmetric(...ref.inputs, ours);
  const errors = [
    Math.abs(loss - lossRef) / Math.abs(lossRef),
    ...(['hx', 'ht', 'hxNeg', 'htNeg'] as const).map((g) => relativeError(ours[g].array, ref.grads[g].array)),
  ];
  k.arena.release(mark);
  const worst = Math.max(...errors);
  if (!(worst <= TOLERANCE))
    throw new Error(`loss-forms: ${what} disagrees with the streaming kernel: relative errors ${errors.map((e) => e.toExponential(2)).join(', ')}`);
  return worst;
}

async function rowsFor(k: Kernels, build: string, forms: Form[]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const d of [5, 10]) {
    for (const B of [512, 6144]) {
      const mark = k.arena.mark();
      const streaming = new LpSimclr(k, B, d);
      const forms_ = forms.map((form) => ({ form, loss: new GemmFormLoss(k, B, d, form) }));
      const errors = forms_.map(({ form, loss }) => checkGemmForm(k, streaming, loss, `${form} B=${B} d=${d} (${build})`));
      const { inputs, grads } = makeCase(k, B, d, 10);
      const opts = B <= 512 ? { warmup: 5, runs: 41 } : { warmup: 1, runs: 5 };
      const timeStreaming = () => time(() => streaming.symmetric(...inputs, grads), opts);
      // Alternating, two rounds each, keeping each one's faster round: the clock drifts over a run.
      let base = await timeStreaming();
      const ours = [];
      for (const { loss } of forms_) ours.push(await time(() => loss.symmetric(...inputs, grads), opts));
      base = faster(base, await timeStreaming());
      for (const [i, { loss }] of forms_.entries()) ours[i] = faster(ours[i]!, await time(() => loss.symmetric(...inputs, grads), opts));
      for (const [i, { form }] of forms_.entries()) {
        const r = row(`lpsimclr-gemm-${form}-b${B}-d${d}-${build}`, ours[i]!, `streaming LpSimclr (${build})`, base, 12 * B * B * d);
        rows.push(r);
        process.stderr.write(`bench: loss-forms: ${r.name}: largest relative error against the streaming kernel ${errors[i]!.toExponential(2)}\n`);
      }
      k.arena.release(mark);
    }
  }
  return rows;
}

export async function lossFormsBench(): Promise<BenchRow[]> {
  const k = await Kernels.load();
  const build = k.fma ? 'fma' : 'simd128';
  process.stderr.write(`bench: loss-forms: core build ${k.fma ? 'relaxed SIMD (fused multiply-add)' : 'SIMD128'}\n`);
  const rows = await rowsFor(k, build, ['full', 'blocked']);
  k.close();
  if (build === 'fma') {
    const plain = await Kernels.load({ fma: false });
    rows.push(...(await rowsFor(plain, 'simd128', ['full', 'blocked'])));
    plain.close();
  }
  return rows;
}
