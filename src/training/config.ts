/**
 * A training run's complete configuration: with it and the code, a run is
 * reproduced exactly (it is what `config.json` holds). Presets fill in the
 * optimisation recipe; explicit settings override them.
 */
import { checkInteger, MisalignError } from '../common/errors.js';
import { resolveBias, type BiasConfig, type BiasOptions } from '../latent/bias.js';
import { identifiedFactors } from '../latent/bias.js';
import type { Dependence } from '../latent/model.js';
import { PAPER_HIDDEN } from '../encoders/mlp.js';
import { formatSchedule, parseSchedule, type Schedule } from './schedule.js';

export type PresetName = 'quick' | 'paper';
export type EngineName = 'wasm' | 'tfjs';
export type TfjsBackend = 'cpu' | 'wasm' | 'webgl' | 'webgpu';

/** The optimisation recipe a preset sets. */
export interface Recipe {
  steps: number;
  batch: number;
  lr: number;
  schedule: Schedule;
  /** Hidden widths as multiples of the encoder's input size. */
  hidden: number[];
  negatives: 'fresh' | 'in-batch';
}

export const PRESETS: Record<PresetName, Recipe> = {
  // The paper and its public code (SPEC §4–5).
  paper: { steps: 100_001, batch: 6144, lr: 1e-4, schedule: { kind: 'constant' }, hidden: [...PAPER_HIDDEN], negatives: 'fresh' },
  // Reaches the paper's conclusions in about a minute of one core for I_θ = [5]; see README "The quick preset":
  // a small encoder (3 hidden layers of 4·n_in), in-batch negatives, many cheap steps at a high rate.
  quick: { steps: 16_000, batch: 512, lr: 1e-2, schedule: { kind: 'cosine', warmup: 200, final: 0.02 }, hidden: [4, 4, 4], negatives: 'in-batch' },
};

/** What the quick preset's step count depends on. */
export interface QuickStepsFor {
  /** Embedding dimensions (default |I_θ \ I_ρ|). */
  encodingSize: number;
  /** |I_ρ|, the factors the captions perturb. */
  perturbed: number;
  /** Dimensions of z_x = (s, m_x), i.e. ns + nm (the paper's world: 15). */
  imageLatents: number;
}

/**
 * Steps of the quick preset. 16,000 unless the captions perturb a factor or
 * the encoding has 10 or more dimensions: then 48,000; and 96,000 for a
 * perturbation that leaves a one-dimensional encoding or for a world larger
 * than the paper's (z_x with more than 15 dimensions). With 511 in-batch
 * negatives the loss reaches its floor (−log 512) early; afterwards a
 * perturbed factor, or the last of many kept ones, is sorted out slowly:
 * I_ρ = {1} keeps s1 at R² 0.77 after 16,000 steps and at 0.00 after 48,000;
 * I_ρ = [9] reaches kept R² 0.86 after 48,000 and 0.99 after 96,000;
 * ns = 20, I_θ = [6] reaches 0.60 after 16,000, 0.84 after 48,000 and 0.93
 * after 96,000 (README, "The quick preset").
 */
export function quickSteps({ encodingSize, perturbed, imageLatents }: QuickStepsFor): number {
  if (imageLatents > 15) return 96_000;
  if (perturbed > 0) return encodingSize === 1 ? 96_000 : 48_000;
  return encodingSize >= 10 ? 48_000 : 16_000;
}

/**
 * Full-batch steps of the downstream probes (SPEC §6): 10,000 for the paper
 * preset; the quick preset uses QUICK_DOWNSTREAM_STEPS, which reaches the
 * same curves (README, "Downstream tasks").
 */
export const QUICK_DOWNSTREAM_STEPS = 2_000;

/**
 * Samples in each evaluation set (fitting, scoring, and the downstream
 * study's): the paper's 20,480 (DEFAULT_EVAL_SAMPLES) with the paper preset,
 * 8,192 with the quick one (and recipes built on it). The probes cost time
 * in proportion to the sets; on 56 trained models evaluated both ways the
 * nonlinear R² moved by at most 0.046 and 4 of 1,186 verdicts changed, each
 * within 0.02 of its threshold (README, "The quick preset").
 */
export const QUICK_EVAL_SAMPLES = 8_192;

export function downstreamStepsFor(preset: PresetName | 'custom'): number {
  return preset === 'paper' ? 10_000 : QUICK_DOWNSTREAM_STEPS;
}

/** A preset's recipe for a world and bias (the quick preset's steps depend on them). */
export function presetRecipe(preset: PresetName, world: QuickStepsFor): Recipe {
  const recipe = PRESETS[preset];
  return preset === 'quick' ? { ...recipe, steps: quickSteps(world) } : recipe;
}

export interface TrainConfig extends Recipe {
  /** Format version of this object. */
  version: 1;
  preset: PresetName | 'custom';
  ns: number;
  nm: number;
  selected: number[];
  perturbed: number[];
  dependence: Dependence;
  tiedCovariances: boolean;
  perturbProb: number;
  encodingSize: number;
  tau: number;
  alpha: number;
  clip: number;
  engine: EngineName;
  backend: TfjsBackend | null;
  threads: number;
  seed: number;
  checkpointEvery: number;
  logEvery: number;
}

/** What a caller may set; everything else comes from the preset and the defaults. */
export interface TrainSettings extends BiasOptions, Partial<Omit<TrainConfig, 'version' | 'ns' | 'nm' | 'selected' | 'perturbed' | 'schedule'>> {
  schedule?: Schedule | string;
}

function positiveInteger(what: string, v: number): number {
  return checkInteger(what, v, 1, Number.MAX_SAFE_INTEGER);
}

function positiveNumber(what: string, v: number): number {
  if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new MisalignError('OUT_OF_RANGE', `${what} must be a positive number, got ${v}`);
  return v;
}

/** The full configuration for a bias, a preset and overrides. */
export function resolveTrainConfig(settings: TrainSettings): TrainConfig {
  const bias: BiasConfig = resolveBias(settings);
  const preset = settings.preset ?? 'quick';
  if (preset !== 'quick' && preset !== 'paper' && preset !== 'custom') {
    throw new MisalignError('OUT_OF_RANGE', `preset must be 'quick' or 'paper', got '${String(preset)}'`);
  }
  const identified = identifiedFactors(bias).length;
  const encodingSize = positiveInteger('encoding size', settings.encodingSize ?? identified);
  const recipe = presetRecipe(preset === 'custom' ? 'quick' : preset, { encodingSize, perturbed: bias.perturbed.length, imageLatents: bias.ns + bias.nm });
  const schedule = typeof settings.schedule === 'string' ? parseSchedule(settings.schedule) : (settings.schedule ?? recipe.schedule);
  const seed = checkInteger('seed', settings.seed ?? 0, 0, Number.MAX_SAFE_INTEGER);
  const dependence = settings.dependence ?? 'independent';
  if (dependence !== 'independent' && dependence !== 'dependent') {
    throw new MisalignError('OUT_OF_RANGE', `dependence must be 'independent' or 'dependent', got '${String(dependence)}'`);
  }
  const engine = settings.engine ?? 'wasm';
  if (engine !== 'wasm' && engine !== 'tfjs') throw new MisalignError('OUT_OF_RANGE', `engine must be 'wasm' or 'tfjs', got '${String(engine)}'`);
  const backend = engine === 'tfjs' ? (settings.backend ?? 'cpu') : null;
  if (backend !== null && !['cpu', 'wasm', 'webgl', 'webgpu'].includes(backend)) {
    throw new MisalignError('OUT_OF_RANGE', `backend must be cpu, wasm, webgl or webgpu, got '${String(backend)}'`);
  }
  const negatives = settings.negatives ?? recipe.negatives;
  if (negatives !== 'fresh' && negatives !== 'in-batch') throw new MisalignError('OUT_OF_RANGE', `negatives must be 'fresh' or 'in-batch', got '${String(negatives)}'`);
  const hidden = settings.hidden ?? recipe.hidden;
  if (!Array.isArray(hidden) || hidden.length === 0) throw new MisalignError('OUT_OF_RANGE', 'the encoder needs at least one hidden layer');
  for (const h of hidden) positiveNumber('hidden width multiplier', h);
  const steps = positiveInteger('steps', settings.steps ?? recipe.steps);
  const batch = positiveInteger('batch', settings.batch ?? recipe.batch);
  const alpha = settings.alpha ?? 0.5;
  if (!(alpha >= 0 && alpha <= 1)) throw new MisalignError('OUT_OF_RANGE', `alpha must be in [0, 1], got ${alpha}`);
  const config: TrainConfig = {
    version: 1,
    preset,
    ns: bias.ns,
    nm: bias.nm,
    selected: [...bias.selected],
    perturbed: [...bias.perturbed],
    dependence,
    tiedCovariances: settings.tiedCovariances ?? false,
    perturbProb: settings.perturbProb ?? 0.75,
    steps,
    batch,
    lr: positiveNumber('learning rate', settings.lr ?? recipe.lr),
    schedule,
    hidden: [...hidden],
    negatives,
    encodingSize,
    tau: positiveNumber('temperature', settings.tau ?? 1),
    alpha,
    clip: positiveNumber('clip norm', settings.clip ?? 2),
    engine,
    backend,
    threads: positiveInteger('threads', settings.threads ?? 1),
    seed,
    checkpointEvery: positiveInteger('checkpoint interval', settings.checkpointEvery ?? Math.max(1, Math.min(1000, Math.ceil(steps / 10)))),
    logEvery: positiveInteger('log interval', settings.logEvery ?? Math.max(1, Math.min(100, Math.ceil(steps / 100)))),
  };
  return config;
}

/** The bias part of a configuration. */
export function biasOf(config: TrainConfig): BiasConfig {
  return { ns: config.ns, nm: config.nm, selected: config.selected, perturbed: config.perturbed };
}

/** Settings that change what is learned (everything but bookkeeping): a checkpoint resumes only under the same identity. */
export function modelIdentity(config: TrainConfig): string {
  const { checkpointEvery: _c, logEvery: _l, ...rest } = config;
  return JSON.stringify({ ...rest, schedule: formatSchedule(config.schedule) });
}
