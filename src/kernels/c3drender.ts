/**
 * Binding for assembly/c3drender.ts: the Causal3DIdent stand-in's pixel loop
 * in WebAssembly, for a batch of scenes at a time. Its reference is the
 * TypeScript renderer itself (src/scenes/causal3d-render.ts, which computes
 * the scene parameters both read); the two give the same bytes
 * (test/c3d-render-wasm.test.ts).
 *
 *   params  (n, C3D_PARAMS) f64   one block per scene (c3dSceneParams)
 *   images  (n, S, S, 3) f32      the rendered bytes over 255, row-major HWC
 *
 * Buffers are allocated in the kernels' arena on first use and kept, grown
 * when a larger batch comes.
 */
import { MisalignError } from '../common/errors.js';
import type { F32Buffer } from './arena.js';
import type { Kernels } from './module.js';

/** Numbers per scene in a parameter block, and per tetrahedron table (4 faces × 34). */
const PARAMS = 31;
const TETRA = 136;

export class C3dBatchRenderer {
  private params?: F32Buffer;
  private tetra?: F32Buffer;
  private out?: F32Buffer;
  private scenes = 0;

  constructor(
    private readonly k: Kernels,
    readonly size: number,
    private readonly tetraFaces: Float64Array,
  ) {
    if (!Number.isInteger(size) || size < 8) throw new MisalignError('OUT_OF_RANGE', `image size must be an integer of at least 8, got ${size}`);
    if (tetraFaces.length !== TETRA) throw new MisalignError('SHAPE_MISMATCH', `the tetrahedron table has ${tetraFaces.length} numbers, expected ${TETRA}`);
  }

  /** The n scenes of `params` ((n, 31) f64) rendered into a new (n, S, S, 3) f32 array. */
  render(params: Float64Array, n: number): Float32Array {
    if (params.length !== n * PARAMS) throw new MisalignError('SHAPE_MISMATCH', `${n} scenes need ${n * PARAMS} parameters, got ${params.length}`);
    const { k, size } = this;
    if (n > this.scenes || !this.params || !this.tetra || !this.out) {
      // f64 blocks as pairs of f32 slots (the arena's unit); v128-aligned, so 8-byte aligned
      this.params = k.arena.alloc(2 * n * PARAMS);
      this.tetra = k.arena.alloc(2 * TETRA);
      this.out = k.arena.alloc(n * size * size * 3);
      new Float64Array(k.memory.buffer, this.tetra.ptr, TETRA).set(this.tetraFaces);
      this.scenes = n;
    }
    new Float64Array(k.memory.buffer, this.params.ptr, n * PARAMS).set(params);
    k.exports.renderC3dBatch(this.params.ptr, n, size, this.tetra.ptr, this.out.ptr);
    return this.out.array.slice(0, n * size * size * 3);
  }
}
