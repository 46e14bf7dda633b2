/**
 * Quick-preset study: trains one recipe and, every `every` steps, measures how
 * well linear probes read the kept and dropped factors off ẑ_x and ẑ_t
 * (4,096 fitting and 4,096 scoring samples): a fast proxy for the full
 * evaluation. Prints one JSON line per checkpoint.
 *   tsx bench/recipe-curve.ts '{"steps":3000,"batch":1024,...}' [every]
 */
import { Rng } from '../src/common/rng.js';
import { Kernels } from '../src/kernels/module.js';
import { createEngine } from '../src/experiments/lifecycle.js';
import { coreBatchSource } from '../src/experiments/numeric/batches.js';
import { resolveNumericConfig, type NumericSettings } from '../src/experiments/numeric/config.js';
import { numericModel, numericWorld } from '../src/experiments/numeric/index.js';
import { evaluationTargets } from '../src/probes/evaluate.js';
import { linearProbeR2 } from '../src/probes/linear.js';
import { fitStandardizer, standardize } from '../src/probes/stats.js';
import { train } from '../src/training/trainer.js';

const settings = JSON.parse(process.argv[2] ?? '{}') as NumericSettings;
/** I_θ = [5] (θ = 386) unless the settings name a selection. */
function withDefaultSelection(s: NumericSettings): NumericSettings {
  return s.theta === undefined && s.thetaCode === undefined && s.select === undefined ? { ...s, theta: 386 } : s;
}
const every = Number(process.argv[3] ?? 500);
const config = resolveNumericConfig(withDefaultSelection(settings));
const kernels = await Kernels.load({ threads: config.threads });
const world = numericWorld(config);
const engine = await createEngine(numericModel(config), config, kernels);
const n = 4096;
const fit = world.sample(n, Rng.fromSeed(999).fork('fit'));
const score = world.sample(n, Rng.fromSeed(999).fork('score'));
const specs = evaluationTargets(world.latent.bias);
let lastLoss = NaN;
const t0 = performance.now();
let evalMs = 0;
await train(config, engine, coreBatchSource(config, world, kernels), {
  onProgress: (p) => (lastLoss = p.loss),
  onCheckpoint: (snap) => {
    if (snap.step % every !== 0 && snap.step !== config.steps) return;
    const e0 = performance.now();
    const out: Record<string, number | string> = {
      step: snap.step,
      loss: +lastLoss.toFixed(4),
      seconds: +((performance.now() - t0 - evalMs) / 1000).toFixed(1),
    };
    for (const which of ['x', 't'] as const) {
      const a = engine.encode(which, which === 'x' ? fit.x.data : fit.t.data, n);
      const b = engine.encode(which, which === 'x' ? score.x.data : score.t.data, n);
      const k = a.length / n;
      const st = fitStandardizer(a, n, k);
      const za = standardize(a, n, k, st);
      const zb = standardize(b, n, k, st);
      let keptMin = 1;
      let droppedMax = 0;
      for (const spec of specs) {
        const f = spec.pick(fit);
        const r2 = Math.max(0, linearProbeR2(za, f.data, n, zb, spec.pick(score).data, n, k, f.outputs));
        if (spec.predicted === 'kept' && spec.factor !== 's_inv') keptMin = Math.min(keptMin, r2);
        if (spec.predicted === 'dropped') droppedMax = Math.max(droppedMax, r2);
      }
      out[`kept${which}`] = +keptMin.toFixed(3);
      out[`drop${which}`] = +droppedMax.toFixed(3);
    }
    evalMs += performance.now() - e0;
    console.log(JSON.stringify(out));
  },
});
kernels.close();
