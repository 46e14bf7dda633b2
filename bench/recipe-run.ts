/**
 * Runs one training recipe and prints its wall time and R² summary as JSON
 * (used by the quick-preset study: `tsx bench/recipe-run.ts '{"steps":...}'`);
 * with `"experiment": "mpi3d"` or `"causal3d"` in the settings, an
 * image-text run and its MCC / R² summary.
 */
import { runExperiment } from '../src/experiments/lifecycle.js';
import type { NumericConfig, NumericSettings } from '../src/experiments/numeric/config.js';
import type { NumericMetrics } from '../src/experiments/numeric/index.js';
import { experimentNamed } from '../src/experiments/registry.js';
import { factorSummary, imageTextSummary } from './recipe-summary.js';

const settings = JSON.parse(process.argv[2] ?? '{}') as NumericSettings;
/** I_θ = [5] (θ = 386) unless the settings name a selection. */
function withDefaultSelection(s: NumericSettings): NumericSettings {
  if ((s as { experiment?: string }).experiment !== undefined && (s as { experiment?: string }).experiment !== 'numeric') return s;
  return s.theta === undefined && s.thetaCode === undefined && s.select === undefined ? { ...s, theta: 386 } : s;
}
const t0 = performance.now();
const run = await runExperiment(withDefaultSelection(settings), {
  onProgress: (p) => {
    if (process.env.VERBOSE) process.stderr.write(`step ${p.step} loss ${p.loss.toFixed(4)} ${p.stepsPerSecond.toFixed(1)} steps/s\n`);
  },
});
const wall = (performance.now() - t0) / 1000;
const experiment = experimentNamed((settings as { experiment?: string }).experiment);
if (experiment.name !== 'numeric') {
  const c = run.config as unknown as {
    steps: number;
    batch: number;
    lr: number;
    tau: number;
    tauEnd?: number;
    imageSize: number;
    imageFilters: number[];
    encodingSize: number;
    probeOutputs: string;
    seed: number;
  };
  const recipe = {
    steps: c.steps,
    batch: c.batch,
    lr: c.lr,
    tau: c.tau,
    ...(c.tauEnd !== undefined && { tauEnd: c.tauEnd }),
    imageSize: c.imageSize,
    imageFilters: c.imageFilters,
    encodingSize: c.encodingSize,
    probeOutputs: c.probeOutputs,
    seed: c.seed,
  };
  const m = run.metrics;
  console.log(
    JSON.stringify({
      recipe,
      wall: +wall.toFixed(1),
      train: +m.trainSeconds.toFixed(1),
      eval: +m.evalSeconds.toFixed(1),
      ...imageTextSummary(experiment, m as never),
    }),
  );
  process.exit(0);
}
const config = run.config as NumericConfig;
const metrics = run.metrics as NumericMetrics;
const summary = {
  recipe: {
    steps: config.steps,
    batch: config.batch,
    lr: config.lr,
    schedule: config.schedule,
    hidden: config.hidden,
    negatives: config.negatives,
    threads: config.threads,
    dependence: config.dependence,
  },
  wall: +wall.toFixed(1),
  train: +metrics.trainSeconds.toFixed(1),
  eval: +metrics.evalSeconds.toFixed(1),
  ...factorSummary(metrics),
};
console.log(JSON.stringify(summary));
