/**
 * Binding for assembly/sampler.ts: a batch of observations (x, t) drawn in
 * WebAssembly, bit-identical to DataGenerator.sample(size, rng).x / .t and
 * leaving `rng` in the same state (the reference is the TypeScript data
 * path itself: src/latent/model.ts and src/mixing/invertible-mlp.ts).
 * The world's parameters are copied into the module once; each call copies
 * the random stream's state in and out.
 */
import { MisalignError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';
import type { F32Buffer } from './arena.js';
import type { Kernels } from './module.js';

/** Everything the sampler needs to know about a world, as plain arrays. */
export interface SamplerWorld {
  ns: number;
  nm: number;
  /** I_θ, 1-based. */
  selected: readonly number[];
  /** I_ρ, 1-based, in the latent model's order. */
  perturbed: readonly number[];
  perturbProb: number;
  /** Cholesky factors, row-major: s and ε (ns, ns), m_x and m_t (nm, nm). */
  cholesky: { s: Float64Array; mx: Float64Array; mt: Float64Array; eps: Float64Array };
  /** g_x (n = ns + nm) and g_t (n = |I_θ| + nm). */
  mixing: { x: MixingLayers; t: MixingLayers };
}

/** One mixing function: layers of (n, n) row-major weights, LeakyReLU with `slope` between them. */
export interface MixingLayers {
  weights: readonly Float64Array[];
  slope: number;
}

export class ObservationSampler {
  private readonly rngState: F32Buffer;
  private readonly world: Record<'Ls' | 'Lmx' | 'Lmt' | 'Leps' | 'sel' | 'pert' | 'Wx' | 'Wt', F32Buffer>;
  private readonly work: F32Buffer;
  /** x (batch, ns + nm), t (batch, |I_θ| + nm) */
  readonly x: F32Buffer;
  readonly t: F32Buffer;
  readonly nx: number;
  readonly nt: number;

  constructor(
    private readonly k: Kernels,
    private readonly spec: SamplerWorld,
    readonly batch: number,
  ) {
    if (!Number.isInteger(batch) || batch < 1) throw new MisalignError('OUT_OF_RANGE', `batch size must be a positive integer, got ${batch}`);
    const { ns, nm, selected, perturbed, cholesky, mixing } = spec;
    this.nx = ns + nm;
    this.nt = selected.length + nm;
    const f64 = (values: Float64Array, what: string, n: number): F32Buffer => {
      if (values.length !== n) throw new MisalignError('SHAPE_MISMATCH', `sampler ${what} has ${values.length} values, expected ${n}`);
      const buf = k.arena.alloc(2 * n);
      new Float64Array(k.memory.buffer, buf.ptr, n).set(values);
      return buf;
    };
    const i32 = (values: readonly number[]): F32Buffer => {
      const buf = k.arena.alloc(Math.max(1, values.length));
      new Int32Array(k.memory.buffer, buf.ptr, values.length).set(values);
      return buf;
    };
    const layers = (ws: readonly Float64Array[], n: number, what: string): F32Buffer => {
      const all = new Float64Array(ws.length * n * n);
      ws.forEach((w, l) => {
        if (w.length !== n * n) throw new MisalignError('SHAPE_MISMATCH', `sampler ${what} layer ${l + 1} has ${w.length} weights, expected ${n * n}`);
        all.set(w, l * n * n);
      });
      return f64(all, what, all.length);
    };
    this.world = {
      Ls: f64(cholesky.s, 'Σ_s factor', ns * ns),
      Lmx: f64(cholesky.mx, 'Σ_mx factor', nm * nm),
      Lmt: f64(cholesky.mt, 'Σ_mt factor', nm * nm),
      Leps: f64(cholesky.eps, 'Σ_ε factor', ns * ns),
      sel: i32(selected),
      pert: i32(perturbed),
      Wx: layers(mixing.x.weights, this.nx, 'g_x'),
      Wt: layers(mixing.t.weights, this.nt, 'g_t'),
    };
    this.rngState = k.arena.alloc(8);
    this.work = k.arena.alloc(Math.ceil(k.exports.samplerWorkBytes(batch, ns, nm, selected.length, Math.max(this.nx, this.nt)) / 4));
    this.x = k.arena.alloc(batch * this.nx);
    this.t = k.arena.alloc(batch * this.nt);
  }

  /** Draws a batch from `rng` (advancing it) into this.x and this.t. */
  sample(rng: Rng): void {
    const { k, spec, world } = this;
    const state = rng.getState();
    const view = new DataView(k.memory.buffer, this.rngState.ptr, 32);
    state.words.forEach((w, i) => view.setUint32(4 * i, w, true));
    view.setInt32(16, state.hasSpare ? 1 : 0, true);
    view.setFloat64(24, state.spare, true);
    k.exports.sampleObservations(
      this.rngState.ptr,
      this.batch,
      spec.ns,
      spec.nm,
      world.Ls.ptr,
      world.Lmx.ptr,
      world.Lmt.ptr,
      world.Leps.ptr,
      world.sel.ptr,
      spec.selected.length,
      world.pert.ptr,
      spec.perturbed.length,
      spec.perturbProb,
      world.Wx.ptr,
      spec.mixing.x.weights.length,
      world.Wt.ptr,
      spec.mixing.t.weights.length,
      spec.mixing.x.slope,
      spec.mixing.t.slope,
      this.x.ptr,
      this.t.ptr,
      this.work.ptr,
    );
    const after = new DataView(k.memory.buffer, this.rngState.ptr, 32);
    rng.setState({
      words: [0, 1, 2, 3].map((i) => after.getUint32(4 * i, true)) as [number, number, number, number],
      hasSpare: after.getInt32(16, true) !== 0,
      spare: after.getFloat64(24, true),
    });
  }
}
