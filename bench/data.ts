/**
 * Data generation (latents and mixing) at the paper's batch size, 6144.
 *
 * - latents: our reproducible sampler (xoshiro128** + polar method with a
 *   deterministic log) vs the same model drawn with Math.random and
 *   Box-Muller (fast, but neither seedable nor identical across engines).
 * - mixing: our plain f64 loops vs the same three layers through ml-matrix
 *   (mmul, elementwise LeakyReLU).
 * - a training batch at the quick preset's size (512, I_θ = [10], I_ρ = {1}):
 *   the WebAssembly sampler vs the TypeScript data path it reproduces bit for
 *   bit (our previous version).
 * - a Causal3DIdent batch's images (128 scenes at 32×32): the WebAssembly
 *   renderer (f64x2, two pixels at a time) vs the TypeScript renderer it
 *   reproduces byte for byte, both into the encoder's f32 input.
 */
import { Matrix } from 'ml-matrix';
import { Rng } from '../src/common/rng.js';
import { coreBatchSource, stepBatch } from '../src/experiments/numeric/batches.js';
import { resolveNumericConfig } from '../src/experiments/numeric/config.js';
import { numericWorld } from '../src/experiments/numeric/index.js';
import { C3dBatchRenderer } from '../src/kernels/c3drender.js';
import { Kernels } from '../src/kernels/module.js';
import { resolveBias } from '../src/latent/bias.js';
import { LatentModel } from '../src/latent/model.js';
import { InvertibleMlp } from '../src/mixing/invertible-mlp.js';
import { sampleC3dLatents } from '../src/scenes/causal3d-factors.js';
import { C3D_PARAMS, C3D_TETRA_FACES, c3dSceneParams, renderCausal3d } from '../src/scenes/causal3d-render.js';
import { row, time, type BenchRow } from './harness.js';

const B = 6144;

function mathRandomLatents(size: number, ns: number, nm: number): Float32Array[] {
  const normal = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
  return [ns, nm, nm, ns].map((n) => Float32Array.from({ length: size * n }, normal));
}

export async function dataBench(): Promise<BenchRow[]> {
  const bias = resolveBias({ theta: 1023, rho: 57 }); // all selected, [3] perturbed
  const model = LatentModel.create({ bias, seed: 1 });
  const rng = Rng.fromSeed(2);
  const latents = row(
    `latents-b${B}-ns10-nm5`,
    await time(() => model.sample(B, rng)),
    'Math.random Box-Muller',
    await time(() => mathRandomLatents(B, 10, 5)),
  );

  const n = 15;
  const { mixing } = InvertibleMlp.create(n, Rng.fromSeed(3), { thresholdSamples: 2000 });
  const z = new Float64Array(B * n);
  Rng.fromSeed(4).fillNormal(z);
  const weights = mixing.weights.map((w) => new Matrix(Array.from({ length: n }, (_, r) => Array.from(w.subarray(r * n, (r + 1) * n)))));
  const zm = new Matrix(Array.from({ length: B }, (_, r) => Array.from(z.subarray(r * n, (r + 1) * n))));
  const viaMlMatrix = () => {
    let h = zm;
    weights.forEach((w, l) => {
      h = h.mmul(w.transpose());
      if (l < weights.length - 1) h = h.apply((r, c) => void (h.get(r, c) < 0 && h.set(r, c, 0.2 * h.get(r, c))));
    });
    return h;
  };
  const flops = 2 * B * n * n * weights.length;
  const mix = row(`mix-gx-b${B}-n${n}`, await time(() => mixing.forward64(z, B)), 'ml-matrix mmul', await time(viaMlMatrix), flops);

  const config = resolveNumericConfig({ select: '1-10', perturb: '1' });
  const world = numericWorld(config);
  const kernels = await Kernels.load();
  const source = coreBatchSource(config, world, kernels);
  let step = 0;
  const batch = row(
    `train-batch-b${config.batch}-wasm`,
    await time(() => source(++step), { runs: 200 }),
    'TypeScript data path',
    await time(() => stepBatch(config, world, ++step), { runs: 200 }),
  );

  const scenes = 128;
  const size = 32;
  const sceneRng = Rng.fromSeed(5);
  const c3d = Array.from({ length: scenes }, () => sampleC3dLatents(sceneRng));
  const params = new Float64Array(scenes * C3D_PARAMS);
  c3d.forEach((zc, i) => c3dSceneParams(zc, params, i * C3D_PARAMS));
  const renderer = new C3dBatchRenderer(kernels, size, C3D_TETRA_FACES);
  const pixels = size * size * 3;
  const bytes = new Uint8Array(pixels);
  const images = new Float32Array(scenes * pixels);
  const viaTypeScript = () => {
    c3d.forEach((zc, i) => {
      renderCausal3d(zc, size, bytes);
      for (let j = 0; j < pixels; j++) images[i * pixels + j] = bytes[j]! / 255;
    });
  };
  const render = row(
    `c3d-render-b${scenes}-${size}px-wasm`,
    await time(() => renderer.render(params, scenes), { runs: 40 }),
    'TypeScript renderer',
    await time(viaTypeScript, { runs: 40 }),
  );
  kernels.close();
  return [latents, mix, batch, render];
}
