/**
 * Runs one training recipe in phases and prints the same JSON summary as
 * recipe-run.ts: the loss (α, τ) or batch may change at given steps while
 * the parameters, Adam's moments and the learning-rate schedule (over the
 * whole run) carry on (quick-preset study):
 *   tsx bench/recipe-phases.ts '{"select":"1-10","perturb":"1","steps":48000}' '[{"at":32000,"alpha":0.6}]'
 */
import { evaluateModel, resolveConfig, trainAndEvaluate, withModel } from '../src/experiments/lifecycle.js';
import type { NumericConfig, NumericSettings } from '../src/experiments/numeric/config.js';
import type { NumericMetrics } from '../src/experiments/numeric/index.js';
import type { TrainingSnapshot } from '../src/training/trainer.js';
import { factorSummary } from './recipe-summary.js';

interface Phase {
  at: number;
  alpha?: number;
  tau?: number;
  batch?: number;
}
const settings = JSON.parse(process.argv[2] ?? '{}') as NumericSettings;
const phases = JSON.parse(process.argv[3] ?? '[]') as Phase[];
const base = resolveConfig({ experiment: 'numeric', ...settings }) as NumericConfig;
const t0 = performance.now();
let snapshot: TrainingSnapshot | undefined;
let metrics: NumericMetrics | null = null;
let config = base;
const bounds = [0, ...phases.map((p) => p.at), base.steps];
for (let i = 0; i + 1 < bounds.length; i++) {
  const p: Partial<Phase> = i === 0 ? {} : phases[i - 1]!;
  config = {
    ...config,
    ...(p.alpha !== undefined && { alpha: p.alpha }),
    ...(p.tau !== undefined && { tau: p.tau }),
    ...(p.batch !== undefined && { batch: p.batch }),
  };
  const until = bounds[i + 1]!;
  const last = i + 2 === bounds.length;
  await withModel(config, async (model) => {
    const ctl = new AbortController();
    const r = await trainAndEvaluate(
      model,
      {
        signal: ctl.signal,
        onProgress: (pr) => {
          if (process.env.VERBOSE) process.stderr.write(`step ${pr.step} loss ${pr.loss.toFixed(4)} ${pr.stepsPerSecond.toFixed(1)} steps/s\n`);
          if (!last && pr.step >= until) ctl.abort();
        },
      },
      snapshot,
    );
    snapshot = r.snapshot;
    if (last) metrics = (r.metrics ?? (await evaluateModel(model, r.snapshot))) as NumericMetrics;
  });
}
const m = metrics as unknown as NumericMetrics;
const wall = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    phases,
    wall: +wall.toFixed(1),
    train: +m.trainSeconds.toFixed(1),
    loss: +m.finalLoss.toFixed(4),
    ...factorSummary(m),
  }),
);
