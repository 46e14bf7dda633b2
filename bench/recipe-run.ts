/**
 * Runs one training recipe and prints its wall time and R² summary as JSON
 * (used by the quick-preset study: `tsx bench/recipe-run.ts '{"steps":...}'`).
 */
import { runExperiment } from '../src/experiments/lifecycle.js';
import type { NumericConfig, NumericSettings } from '../src/experiments/numeric/config.js';
import type { NumericMetrics } from '../src/experiments/numeric/index.js';
import { factorSummary } from './recipe-summary.js';

const settings = JSON.parse(process.argv[2] ?? '{}') as NumericSettings;
/** I_θ = [5] (θ = 386) unless the settings name a selection. */
function withDefaultSelection(s: NumericSettings): NumericSettings {
  return s.theta === undefined && s.thetaCode === undefined && s.select === undefined ? { ...s, theta: 386 } : s;
}
const t0 = performance.now();
const run = await runExperiment(withDefaultSelection(settings), {
  onProgress: (p) => {
    if (process.env.VERBOSE) process.stderr.write(`step ${p.step} loss ${p.loss.toFixed(4)} ${p.stepsPerSecond.toFixed(1)} steps/s\n`);
  },
});
const config = run.config as NumericConfig;
const metrics = run.metrics as NumericMetrics;
const wall = (performance.now() - t0) / 1000;
const summary = {
  recipe: { steps: config.steps, batch: config.batch, lr: config.lr, schedule: config.schedule, hidden: config.hidden, negatives: config.negatives, threads: config.threads, dependence: config.dependence },
  wall: +wall.toFixed(1),
  train: +metrics.trainSeconds.toFixed(1),
  eval: +metrics.evalSeconds.toFixed(1),
  ...factorSummary(metrics),
};
console.log(JSON.stringify(summary));
