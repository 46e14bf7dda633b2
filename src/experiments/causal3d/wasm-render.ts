/**
 * The Causal3DIdent world with its images rendered by the compute core
 * (src/kernels/c3drender.ts) instead of the TypeScript renderer: the same
 * batches bit for bit (the same scene parameters and pixel loop), 1.5×
 * faster (docs/performance.md, "The image-text step").
 */
import type { Kernels } from '../../kernels/module.js';
import { C3dBatchRenderer } from '../../kernels/c3drender.js';
import type { C3dBatch, C3dData } from '../../scenes/causal3d-data.js';
import { C3D_TETRA_FACES } from '../../scenes/causal3d-render.js';
import type { Rng } from '../../common/rng.js';
import type { PairData } from '../image-text/model.js';

/** `world`'s batches, rendered in the kernels' module (its buffers live in their arena). */
export function renderedByKernels(world: C3dData, kernels: Kernels): PairData<C3dBatch> {
  const renderer = new C3dBatchRenderer(kernels, world.imageSize, C3D_TETRA_FACES);
  const render = (params: Float64Array, n: number) => renderer.render(params, n);
  return {
    vocabulary: world.vocabulary,
    length: world.length,
    batch: (size: number, rng: Rng) => world.batch(size, rng, render),
  };
}
