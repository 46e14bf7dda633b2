/**
 * The numeric experiment (docs/model.md, docs/losses.md, docs/evaluation.md):
 * latents s, m_x, m_t; captions that select I_θ and perturb I_ρ; invertible
 * mixing functions g_x, g_t; MLP encoders f_x, f_t trained with symmetrised
 * LpSimCLR; then probes for every factor from ẑ_x and ẑ_t, judged against the
 * theory (kept: I_θ \ I_ρ).
 *
 *   step: B samples → x (B, ns + nm), t (B, |I_θ| + nm) [+ fresh negatives]
 *         → f_x, f_t (n → h_1 → … → d, LeakyReLU) → LpSimCLR → clip → Adam
 */
import { initTwoTowers, mlpNet } from '../../encoders/net.js';
import { describeBias } from '../../latent/describe.js';
import { DataGenerator } from '../../mixing/generator.js';
import { evaluateDownstream, type DownstreamResult } from '../../probes/downstream.js';
import { evaluateRepresentations, representationProbeData, type FactorResult } from '../../probes/evaluate.js';
import { verdictFor } from '../../probes/verdicts.js';
import type { TwoTowerSpec } from '../../training/engine.js';
import type { DownstreamRunOptions, Experiment, GridSpec, Model, RunMetrics } from '../experiment.js';
import { coreBatchSource } from './batches.js';
import { numericCost } from './cost.js';
import {
  biasOf,
  downstreamStepsFor,
  numericConfigSchema,
  numericSettingsSchema,
  resolveNumericConfig,
  type NumericConfig,
  type NumericSettings,
} from './config.js';
import { numericGrids } from './grids.js';
import { numericResults } from './results.js';

export type NumericMetrics = RunMetrics<FactorResult>;

/** The world (latent model and mixing functions) of a configuration. */
export function numericWorld(config: NumericConfig): DataGenerator {
  return DataGenerator.create({
    bias: biasOf(config),
    dependence: config.dependence,
    tiedCovariances: config.tiedCovariances,
    perturbProb: config.perturbProb,
    seed: config.seed,
  });
}

/** Both encoders (f_x on z_x's ns + nm inputs, f_t on z_t's |I_θ| + nm), LpSimCLR, and initial parameters from the seed (streams init/f_x, init/f_t). */
export function numericModel(config: NumericConfig): TwoTowerSpec {
  const x = mlpNet(config.ns + config.nm, config.hidden, config.encodingSize);
  const t = mlpNet(config.selected.length + config.nm, config.hidden, config.encodingSize);
  const params = initTwoTowers(x, t, config.seed, ['f_x', 'f_t']);
  const loss = { kind: 'lpsimclr' as const, alpha: config.alpha, negatives: config.negatives };
  return { x, t, loss, batch: config.batch, clip: config.clip, params };
}

/** The result table the CLI prints. */
export function formatNumericMetrics(metrics: NumericMetrics): string {
  const theory = metrics.theory as ReturnType<typeof describeBias>;
  const lines = [
    `identified (theory): ${theory.identified.map((i) => `s${i}`).join(', ')}; verdicts passed: ${metrics.passed}/${metrics.judged}`,
    '',
    'encoding  factor     R² linear  R² nonlinear  predicted  verdict',
  ];
  for (const f of metrics.factors) {
    lines.push(
      `${`ẑ_${f.encoding}`.padEnd(10)}${f.factor.padEnd(11)}` +
        `${f.r2Linear.toFixed(3).padStart(9)}${f.r2Nonlinear.toFixed(3).padStart(14)}  ${f.predicted.padEnd(9)}  ${f.verdict}`,
    );
  }
  lines.push('', `training ${metrics.trainSeconds.toFixed(1)} s, evaluation ${metrics.evalSeconds.toFixed(1)} s`, '');
  return lines.join('\n');
}

/** What a numeric run is: its world and bias, e.g. `ns 10, nm 5, selected {1,2,3}, perturbed {∅}, independent`. */
export function aboutNumericConfig(config: NumericConfig): string {
  const list = (v: readonly number[]) => (v.length > 0 ? v.join(',') : '∅');
  return `ns ${config.ns}, nm ${config.nm}, selected {${list(config.selected)}}, perturbed {${list(config.perturbed)}}, ${config.dependence}`;
}

/** The downstream study (docs/evaluation.md#downstream-tasks) of a trained numeric model on ẑ_x. */
export function numericDownstream(model: Model<NumericConfig, DataGenerator>, options: DownstreamRunOptions = {}): DownstreamResult {
  const { config, kernels, engine, world } = model;
  return evaluateDownstream(kernels, (which, data, rows) => engine.encode(which, data, rows), world, {
    ...options,
    // an option left undefined (the CLI's --downstream-steps not given) keeps the preset's steps
    steps: options.steps ?? downstreamStepsFor(config.preset),
    seed: config.evalSeed,
    samples: config.evalSamples,
  });
}

export const numericExperiment: Experiment<NumericSettings, NumericConfig, DataGenerator, FactorResult> = {
  name: 'numeric',
  description: 'latent factors mixed by random invertible MLPs, captions that omit or perturb factors (the paper’s Figs. 3, 4, 7)',
  results: numericResults,
  settings: numericSettingsSchema,
  config: numericConfigSchema,
  resolve: resolveNumericConfig,
  world: numericWorld,
  model: (config) => numericModel(config),
  async probeData({ config, engine, world }, evalSeed) {
    return representationProbeData((which, data, rows) => engine.encode(which, data, rows), world, {
      seed: evalSeed,
      samples: config.evalSamples,
      probe: config.probe,
    });
  },
  cost: numericCost,
  batches: (config, world, kernels) => coreBatchSource(config, world, kernels),
  async evaluate({ config, kernels, engine, world }, evalSeed) {
    return evaluateRepresentations(kernels, (which, data, rows) => engine.encode(which, data, rows), world, config.dependence, {
      seed: evalSeed,
      samples: config.evalSamples,
      probe: config.probe,
    });
  },
  theory: (config) => describeBias(biasOf(config)),
  about: aboutNumericConfig,
  values: (f) => ({ metric: 'r2', linear: f.r2Linear, nonlinear: f.r2Nonlinear }),
  judge: (f, value) => verdictFor(f.predicted, f.factor === 'm_x' || f.factor === 'm_t', f.dependence === 'dependent' ? 'dependent' : 'independent', value),
  columns: {
    factors: ['encoding', 'factor', 'r2Linear', 'r2Nonlinear', 'predicted', 'verdict'],
    log: ['step', 'loss', 'lossXT', 'lossTX', 'gradNorm', 'lr', 'seconds'],
  },
  format: formatNumericMetrics,
  grids: numericGrids as Readonly<Record<string, GridSpec<NumericSettings>>>,
  downstream: numericDownstream,
};
