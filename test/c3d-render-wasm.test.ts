// The WebAssembly renderer of the Causal3DIdent stand-in (assembly/c3drender.ts)
// against its reference, the TypeScript renderer: the same bytes for every
// solid, pose and light, at even and odd sizes, in both builds; a batch drawn
// with it is the batch drawn without it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMisalignError } from './helpers/errors.js';
import { Rng } from '../src/common/rng.js';
import { C3dBatchRenderer } from '../src/kernels/c3drender.js';
import { Kernels } from '../src/kernels/module.js';
import { C3dData } from '../src/scenes/causal3d-data.js';
import { sampleC3dLatents, type C3dLatents } from '../src/scenes/causal3d-factors.js';
import { C3D_PARAMS, C3D_TETRA_FACES, c3dSceneParams, renderCausal3d } from '../src/scenes/causal3d-render.js';
import { renderedByKernels } from '../src/experiments/causal3d/wasm-render.js';

const builds: [string, boolean][] = [
  ['SIMD128 build', false],
  ['relaxed-SIMD build', true],
];
const loaded: Kernels[] = [];
afterAll(() => loaded.forEach((k) => k.close()));

/** Scenes covering every solid, every grid cell, and poses and lights drawn from the seed. */
function scenes(seed: number, count: number): C3dLatents[] {
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: count }, (_, i) => ({ ...sampleC3dLatents(rng), shape: i % 7, x_pos: i % 3, y_pos: Math.floor(i / 3) % 3 }));
}

/** Pixels where the wasm image differs from the reference's bytes over 255, and the first of them. */
function differences(latents: C3dLatents[], size: number, images: Float32Array): { count: number; first: number } {
  const n = size * size * 3;
  let count = 0;
  let first = -1;
  latents.forEach((z, i) => {
    const ref = renderCausal3d(z, size);
    for (let j = 0; j < n; j++) {
      if (images[i * n + j] !== Math.fround(ref[j]! / 255)) {
        count++;
        if (first < 0) first = i * n + j;
      }
    }
  });
  return { count, first };
}

for (const [name, fma] of builds) {
  describe(`the WebAssembly Causal3DIdent renderer, ${name}`, () => {
    let k: Kernels;
    beforeAll(async () => {
      k = await Kernels.load({ fma });
      loaded.push(k);
    });

    it.each([8, 17, 32, 64])('renders the reference bytes at %i pixels square', (size) => {
      const latents = scenes(size, size === 64 ? 42 : 126);
      const params = new Float64Array(latents.length * C3D_PARAMS);
      latents.forEach((z, i) => c3dSceneParams(z, params, i * C3D_PARAMS));
      const images = new C3dBatchRenderer(k, size, C3D_TETRA_FACES).render(params, latents.length);
      expect(images.length).toBe(latents.length * size * size * 3);
      expect(differences(latents, size, images)).toEqual({ count: 0, first: -1 });
    });

    it('renders the extremes of every continuous factor alike', () => {
      const latents: C3dLatents[] = [];
      for (let shape = 0; shape < 7; shape++)
        for (const e of [0, 1])
          latents.push({ shape, x_pos: 2 * e, y_pos: 2 - 2 * e, s_pos: e, color: e, s_color: e, b_color: 1 - e, alpha: e, beta: 1 - e, gamma: e });
      const params = new Float64Array(latents.length * C3D_PARAMS);
      latents.forEach((z, i) => c3dSceneParams(z, params, i * C3D_PARAMS));
      expect(differences(latents, 32, new C3dBatchRenderer(k, 32, C3D_TETRA_FACES).render(params, latents.length)).count).toBe(0);
    });

    it('keeps its buffers across batches, and grows them for a larger one', () => {
      const r = new C3dBatchRenderer(k, 16, C3D_TETRA_FACES);
      for (const count of [3, 2, 9]) {
        const latents = scenes(100 + count, count);
        const params = new Float64Array(count * C3D_PARAMS);
        latents.forEach((z, i) => c3dSceneParams(z, params, i * C3D_PARAMS));
        expect(differences(latents, 16, r.render(params, count)).count).toBe(0);
      }
    });

    it('draws the same Causal3DIdent batch as the TypeScript renderer, and leaves the stream where it does', () => {
      const world = new C3dData({ selection: 4 }, 32, 3);
      const [a, b] = [Rng.fromSeed(9), Rng.fromSeed(9)];
      const plain = world.batch(24, a);
      const fast = renderedByKernels(world, k).batch(24, b) as ReturnType<C3dData['batch']>;
      expect(fast.images).toEqual(plain.images);
      expect(fast.tokens).toEqual(plain.tokens);
      expect(fast.captions).toEqual(plain.captions);
      expect(a.uniform()).toBe(b.uniform());
    });

    it('rejects a parameter block of the wrong length and a size below 8, naming them', () => {
      const r = new C3dBatchRenderer(k, 16, C3D_TETRA_FACES);
      expectMisalignError(() => r.render(new Float64Array(C3D_PARAMS * 2 - 1), 2), 'SHAPE_MISMATCH', /2 scenes need 62 parameters, got 61/);
      expectMisalignError(() => new C3dBatchRenderer(k, 7, C3D_TETRA_FACES), 'OUT_OF_RANGE', /at least 8, got 7/);
      expectMisalignError(() => new C3dBatchRenderer(k, 16, new Float64Array(10)), 'SHAPE_MISMATCH', /tetrahedron table has 10/);
    });
  });
}
