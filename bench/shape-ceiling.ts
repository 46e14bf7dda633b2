/**
 * The supervised ceiling of the image encoder on the Causal3DIdent stand-in
 * (docs/image-text.md#what-32-pixels-carry): the quick preset's image encoder
 * trained *with labels* to read the scene's factors, so we know what its
 * pixels and its architecture can carry before asking a contrastive model to.
 *
 *   tsx bench/shape-ceiling.ts '{"heads":"all","bottleneck":7,"steps":3000}'
 *
 *   images (B, S, S, 3) → strided 4×4 convs (imageFilters) → 100 → [bottleneck d] → heads
 *   heads: one softmax per discrete factor (shape 7, x_pos 3, y_pos 3; cross-entropy) and
 *          one output per continuous factor (squared error on the value in [0, 1])
 *
 * `heads` picks the factors: "shape" (shape alone), "kept4" (what the captions keep at
 * selection level 4: shape, x_pos, y_pos, s_pos) or "kept7" (all seven caption factors).
 * With `bottleneck` d, the heads read a d-unit layer (the contrastive encoding size of
 * that level: 5 at level 4, 7 at level 7), so the ceiling has the contrastive model's
 * room; without it they read the 100 units. Images never depend on the captions, so one
 * data stream serves every variant. Prints one JSON line: the recipe, the time, and the
 * held-out MCC (discrete, argmax of the head) and R² (continuous) per factor.
 */
import { Rng } from '../src/common/rng.js';
import { CoreNet } from '../src/encoders/core-net.js';
import { initNetParams, netParamCount, type NetSpec } from '../src/encoders/net.js';
import { imageEncoderSpec } from '../src/experiments/image-text/model.js';
import { Kernels } from '../src/kernels/module.js';
import { Adam } from '../src/kernels/optim.js';
import { mccMulticlass } from '../src/probes/mcc.js';
import { r2Score } from '../src/probes/stats.js';
import { C3dData } from '../src/scenes/causal3d-data.js';
import { C3D_CLASSES, type C3dFactor, type C3dLatents } from '../src/scenes/causal3d-factors.js';

interface Settings {
  heads?: 'shape' | 'kept4' | 'kept7';
  bottleneck?: number;
  steps?: number;
  batch?: number;
  lr?: number;
  imageSize?: 32 | 64;
  imageFilters?: number[];
  seed?: number;
  evalSamples?: number;
}

const HEADS: Record<NonNullable<Settings['heads']>, C3dFactor[]> = {
  shape: ['shape'],
  kept4: ['shape', 'x_pos', 'y_pos', 's_pos'],
  kept7: ['shape', 'x_pos', 'y_pos', 's_pos', 'color', 's_color', 'b_color'],
};

const s = JSON.parse(process.argv[2] ?? '{}') as Settings;
const { heads = 'kept4', steps = 3000, batch = 128, lr = 1e-3, imageSize = 32, imageFilters = [16, 32, 64], seed = 0, evalSamples = 4096 } = s;
const factors = HEADS[heads];
const width = (f: C3dFactor) => (f in C3D_CLASSES ? C3D_CLASSES[f as keyof typeof C3D_CLASSES] : 1);
const outputs = factors.reduce((n, f) => n + width(f), 0);
const offsets = factors.map((_, i) => factors.slice(0, i).reduce((n, f) => n + width(f), 0));

// The encoder as the quick preset builds it, its encoding layer replaced by the bottleneck (or removed), then the heads.
const base = imageEncoderSpec({ imageSize, encodingSize: s.bottleneck ?? 1, imageFilters });
const trunk = s.bottleneck === undefined ? base.layers.slice(0, -1) : base.layers;
const spec: NetSpec = { ...base, layers: [...trunk, { kind: 'dense', units: outputs }] };

const k = await Kernels.load();
const params = k.arena.alloc(netParamCount(spec));
const grads = k.arena.alloc(params.length);
const init = new Float32Array(params.length);
initNetParams(spec, Rng.fromSeed(seed).fork('init'), init);
params.set(init);
const net = new CoreNet(k, spec, params, grads, 0, batch);
const pass = net.newPass();
const adam = new Adam(k, params, { lr });
const data = new C3dData({ selection: 7 }, imageSize, seed);
const dOut = k.arena.alloc(batch * outputs);

/** Loss of one batch's head outputs (B, outputs), and its gradient into dOut (mean over the batch, summed over heads). */
function lossAndGrad(out: Float32Array, latents: C3dLatents[], grad: Float32Array): number {
  let loss = 0;
  grad.fill(0);
  for (let i = 0; i < batch; i++) {
    factors.forEach((f, h) => {
      const o = i * outputs + offsets[h]!;
      const n = width(f);
      if (n === 1) {
        const e = out[o]! - latents[i]![f];
        loss += e * e;
        grad[o] = (2 * e) / batch;
        return;
      }
      let max = -Infinity;
      for (let c = 0; c < n; c++) max = Math.max(max, out[o + c]!);
      let z = 0;
      for (let c = 0; c < n; c++) z += Math.exp(out[o + c]! - max);
      const label = latents[i]![f];
      loss += Math.log(z) + max - out[o + label]!;
      for (let c = 0; c < n; c++) grad[o + c] = (Math.exp(out[o + c]! - max) / z - (c === label ? 1 : 0)) / batch;
    });
  }
  return loss / batch;
}

const train = Rng.fromSeed(seed).fork('train');
const t0 = performance.now();
let recent = 0;
for (let step = 1; step <= steps; step++) {
  const b = data.batch(batch, train.fork(`step-${step}`));
  pass.input.set(b.images);
  const out = net.forward(pass);
  const loss = lossAndGrad(out.array, b.latents, dOut.array);
  recent += loss;
  grads.array.fill(0);
  net.backward(pass, dOut);
  adam.step(grads);
  if (step % 500 === 0) {
    const eta = (((performance.now() - t0) / step) * (steps - step)) / 1000;
    process.stderr.write(`step ${step}/${steps} loss ${(recent / 500).toFixed(4)} ETA ${eta.toFixed(0)} s\n`);
    recent = 0;
  }
}
const trainSeconds = (performance.now() - t0) / 1000;

// Held out: fresh images from the evaluation stream, read by the heads.
const evalRng = Rng.fromSeed(seed + 1).fork('eval-score');
const predicted = factors.map(() => [] as number[]);
const truth = factors.map(() => [] as number[]);
for (let start = 0; start < evalSamples; start += batch) {
  const b = data.batch(batch, evalRng.fork(`chunk-${start}`));
  pass.input.set(b.images);
  const out = net.forward(pass).array;
  for (let i = 0; i < batch; i++) {
    factors.forEach((f, h) => {
      const o = i * outputs + offsets[h]!;
      const n = width(f);
      let best = 0;
      for (let c = 1; c < n; c++) if (out[o + c]! > out[o + best]!) best = c;
      predicted[h]!.push(n === 1 ? out[o]! : best);
      truth[h]!.push(b.latents[i]![f]);
    });
  }
}
const scores = Object.fromEntries(
  factors.map((f, h) => {
    const n = width(f);
    if (n > 1) return [f, +mccMulticlass(truth[h]!, predicted[h]!, n).toFixed(3)];
    return [f, +r2Score(truth[h]!, predicted[h]!, truth[h]!.length, 1).toFixed(3)];
  }),
);
console.log(
  JSON.stringify({
    recipe: { heads, bottleneck: s.bottleneck ?? null, steps, batch, lr, imageSize, imageFilters, seed },
    train: +trainSeconds.toFixed(1),
    scores,
  }),
);
k.close();
