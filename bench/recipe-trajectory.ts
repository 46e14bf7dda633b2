/**
 * A numeric run's trajectory, for choosing when a run may stop
 * (docs/quick-preset.md#runs-that-stop-when-the-loss-does): trains one
 * configuration through the one lifecycle (so a 'plateau' schedule ends it
 * where it would end in a sweep) and, at every checkpoint, prints one JSON
 * line with
 *
 *   loss   the mean logged loss over the last 1,000 steps
 *   drift  1 − the worst R² of a linear map between ẑ_x now and ẑ_x at the
 *          previous checkpoint (both directions): how much the image
 *          encoding still moves, without looking at the latents
 *   s1..   R² of each semantic factor from ẑ_x by least squares on ẑ_x and
 *          its pairwise products (a fast in-sample proxy for the nonlinear
 *          probe), on 4,096 fixed samples; m_x: the same for the image's own
 *          factors, all at once
 *
 * then an END line with the full evaluation's verdicts.
 *   tsx bench/recipe-trajectory.ts NAME '{"select":"1-10","perturb":"1-8","dependence":"dependent","seed":0}'
 */
import { Rng } from '../src/common/rng.js';
import { resolveConfig, trainModel } from '../src/experiments/lifecycle.js';
import type { NumericConfig } from '../src/experiments/numeric/config.js';
import type { NumericMetrics } from '../src/experiments/numeric/index.js';
import type { DataGenerator } from '../src/mixing/generator.js';
import { linearProbeR2 } from '../src/probes/linear.js';

const [name = 'run', json = '{}'] = process.argv.slice(2);
const config = resolveConfig({ experiment: 'numeric', checkpointEvery: 1000, ...JSON.parse(json) }) as NumericConfig;
const n = 4096;
const d = config.encodingSize;

/** (n, d) → (n, d + d(d+1)/2): the encoding and its pairwise products. */
function quadratic(z: Float32Array): Float64Array {
  const k = d + (d * (d + 1)) / 2;
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    let c = 0;
    for (let i = 0; i < d; i++) out[r * k + c++] = z[r * d + i]!;
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) out[r * k + c++] = z[r * d + i]! * z[r * d + j]!;
  }
  return out;
}
const r2 = (x: ArrayLike<number>, k: number, y: ArrayLike<number>, o: number) => linearProbeR2(x, y, n, x, y, n, k, o);
/** Columns of a row-major (n, cols) matrix, one at a time. */
const column = (m: ArrayLike<number>, cols: number, j: number) => Float64Array.from({ length: n }, (_, r) => m[r * cols + j]!);

let monitor: ReturnType<DataGenerator['sample']> | null = null;
let previous: Float32Array | null = null;
const t0 = performance.now();
const { snapshot, metrics } = await trainModel(config, {
  onCheckpoint(snap, model) {
    monitor ??= (model.world as DataGenerator).sample(n, Rng.fromSeed(12345).fork('monitor'));
    const z = model.engine.encode('x', monitor.x.data, n);
    const row: Record<string, number | null> = { step: snap.step };
    const recent = snap.log.filter((r) => r.step > snap.step - 1000 && r.step % config.logEvery === 0);
    row.loss = +(recent.reduce((a, r) => a + r.loss, 0) / recent.length).toFixed(4);
    let worst = 1;
    if (previous) {
      for (let j = 0; j < d; j++) worst = Math.min(worst, r2(previous, d, column(z, d, j), 1), r2(z, d, column(previous, d, j), 1));
    }
    row.drift = previous ? +(1 - worst).toExponential(2) : null;
    const features = quadratic(z);
    const k = features.length / n;
    for (let i = 0; i < config.ns; i++) row[`s${i + 1}`] = +Math.max(0, r2(features, k, column(monitor.s.data, config.ns, i), 1)).toFixed(3);
    row.m_x = +Math.max(0, r2(features, k, monitor.mx.data, config.nm)).toFixed(3);
    previous = z;
    console.log(name, JSON.stringify(row));
  },
});
const m = metrics as NumericMetrics;
const kept = m.factors.filter((f) => f.predicted === 'kept').map((f) => f.r2Nonlinear);
const fails = m.factors.filter((f) => f.verdict === 'fail').map((f) => `${f.encoding}:${f.factor}=${f.r2Nonlinear.toFixed(3)}`);
const seconds = (performance.now() - t0) / 1000;
console.log(
  name,
  'END',
  JSON.stringify({ steps: snapshot.step, passed: m.passed, judged: m.judged, keptMin: Math.min(...kept), fails, finalLoss: m.finalLoss, seconds }),
);
