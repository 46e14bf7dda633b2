/**
 * An image-text run's factors against training compute (docs/image-text.md#shape-against-compute):
 * trains one recipe and, at each step of a list, evaluates the model as a
 * run of that length would be evaluated (the quick preset's learning rate and
 * τ are constant, so step s of a long run is the model a run of s steps
 * ends with). Prints one JSON line per evaluation: the step, the training
 * seconds so far, shape's MCC from both encoders and the run's summary.
 *
 *   tsx bench/image-curve.ts '{"experiment":"causal3d","selectionLevel":4,"steps":12000}' 1500,3000,6000,12000
 */
import { evaluateModel, resolveConfig, trainAndEvaluate, withModel } from '../src/experiments/lifecycle.js';
import type { RunMetrics } from '../src/experiments/experiment.js';
import { experimentOf } from '../src/experiments/registry.js';
import { imageTextSummary } from './recipe-summary.js';

const settings = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const at = (process.argv[3] ?? '').split(',').filter(Boolean).map(Number);
const steps = Number(settings.steps ?? Math.max(...at));
const every = at.reduce((g, s) => {
  let [a, b] = [g, s];
  while (b) [a, b] = [b, a % b];
  return a;
}, steps);
const config = resolveConfig({ ...settings, steps, checkpointEvery: every } as never);
const experiment = experimentOf(config);
type Row = { factor: string; encoding: string };
const nonlinear = (m: RunMetrics, encoding: string, factor: string) => {
  const row = (m.factors as Row[]).find((f) => f.encoding === encoding && f.factor === factor);
  return row ? +experiment.values(row as never).nonlinear.toFixed(3) : null;
};
await withModel(config, async (model) => {
  await trainAndEvaluate(model, {
    onProgress: (p) => {
      if (process.env.VERBOSE) process.stderr.write(`step ${p.step} loss ${p.loss.toFixed(4)} ${p.stepsPerSecond.toFixed(1)} steps/s\n`);
    },
    onCheckpoint: async (snapshot) => {
      if (!at.includes(snapshot.step) || snapshot.step === steps) return;
      const m = await evaluateModel(model, snapshot);
      console.log(
        JSON.stringify({
          step: snapshot.step,
          train: +snapshot.seconds.toFixed(1),
          shape: { image: nonlinear(m, 'image', 'shape'), text: nonlinear(m, 'text', 'shape') },
          ...imageTextSummary(experiment, m as never),
        }),
      );
    },
  }).then(({ snapshot, metrics }) => {
    if (!metrics) return;
    console.log(
      JSON.stringify({
        step: snapshot.step,
        train: +snapshot.seconds.toFixed(1),
        shape: { image: nonlinear(metrics, 'image', 'shape'), text: nonlinear(metrics, 'text', 'shape') },
        ...imageTextSummary(experiment, metrics as never),
      }),
    );
  });
});
