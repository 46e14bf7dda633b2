/**
 * What the image-text experiments' configurations share (MPI3D, Causal3D;
 * docs/experiments.md): the caption bias as one level (selection or
 * perturbation), the recipe and its presets, the evaluation sets. Each
 * experiment builds its settings and config schemas from these fields.
 */
import { z } from 'zod';
import { MisalignError } from '../../common/errors.js';
import { conflict, integer, oneOf, parseWith, positiveInteger, positiveNumber } from '../../common/schema.js';
import { minEvalSamples } from '../../probes/evaluate.js';
import { scheduleSchema, scheduleSetting } from '../../training/schedule.js';
import { checkEngine, engineFields, resolveEngine } from '../engine-settings.js';
import { defaultImageFilters, imageConvLayers } from './model.js';

/**
 * The presets. The paper preset follows the public code (τ = 1, lr 1e-5, batch 256, 64×64, probes on the
 * standardised raw outputs; its steps and encoding size are each experiment's `PublicCodeRecipe`). The quick preset
 * trains at a lower τ, each experiment's own (`quickTau`): at τ = 1 the cosine logits span only [−1, 1] and,
 * in 1,500–3,000 steps on MPI3D, the loss stalls at 4.71 (τ = 0.1: 2.65); which lower τ is measured per experiment
 * in docs/image-text.md. Both train the MLP probes for 200 epochs (scikit-learn's default max_iter): with 40, the
 * probes themselves were the limit (MPI3D shape 0.70 from a representation that separates it at 1.00).
 * The long preset is the quick one trained four times as long, for the cells the quick one leaves on the wrong side
 * (docs/image-text.md#the-long-preset).
 */
export const IMAGE_TEXT_PRESETS = {
  quick: { steps: 3000, batch: 128, lr: 1e-3, imageSize: 32, evalSamples: 4096, probeEpochs: 200, probeOutputs: 'unit' },
  long: { steps: 12_000, batch: 128, lr: 1e-3, imageSize: 32, evalSamples: 4096, probeEpochs: 200, probeOutputs: 'unit' },
  paper: { batch: 256, lr: 1e-5, imageSize: 64, evalSamples: 10_240, probeEpochs: 200, tau: 1, probeOutputs: 'raw' },
} as const;

/**
 * The quick preset's image encoder at 32 px: 16, 32, 64 filters, half the time of the 32, 64, 64 of
 * `defaultImageFilters` (what a config naming no filters has) for a little less shape (docs/image-text.md#the-quick-preset).
 */
export const QUICK_IMAGE_FILTERS = [16, 32, 64] as const;

/** A caption bias: the first `selection` factors mentioned, or all mentioned and the last `perturbation` − 1 perturbed. */
export const levelBiasSchema = z.union([
  z.object({ selection: integer('selection level', 1) }).strict(),
  z.object({ perturbation: integer('perturbation level', 1) }).strict(),
]);
export type LevelBias = z.output<typeof levelBiasSchema>;

const recipeFields = {
  preset: oneOf('preset', ['quick', 'long', 'paper']),
  seed: integer('seed'),
  evalSeed: integer('eval seed'),
  steps: positiveInteger('steps'),
  batch: positiveInteger('batch').refine(
    (v) => v >= 2,
    (v) => ({ message: `InfoNCE needs a batch of at least 2, got ${v}` }),
  ),
  lr: positiveNumber('learning rate'),
  imageSize: z.number().refine(
    (v) => v === 32 || v === 64,
    (v) => ({ message: `image size must be 32 or 64, got ${v}` }),
  ),
  evalSamples: positiveInteger('evaluation samples'),
  form: oneOf('InfoNCE form', ['clip', 'ntxent']),
  tau: positiveNumber('temperature'),
  ...engineFields,
  checkpointEvery: positiveInteger('checkpoint interval'),
  logEvery: positiveInteger('log interval'),
};

const imageFiltersField = z.array(positiveInteger('image encoder filters')).min(1);

/** The settings an image-text experiment takes (its schema adds `experiment` and its own fields). */
export const imageTextSettingsFields = {
  selectionLevel: z.number(),
  perturbationLevel: z.number(),
  encodingSize: positiveInteger('encoding size'),
  imageFilters: imageFiltersField,
  tauEnd: positiveNumber('final temperature'),
  probeOutputs: oneOf('probe outputs', ['unit', 'raw']),
  ...recipeFields,
  schedule: scheduleSetting,
};

/** The fields of an image-text config.json (its schema adds `experiment`, `bias` and its own fields). */
export const imageTextConfigFields = {
  ...recipeFields,
  schedule: scheduleSchema,
  clip: positiveNumber('clip norm'),
  encodingSize: positiveInteger('encoding size'),
  // Runs from before this field used defaultImageFilters(imageSize).
  imageFilters: imageFiltersField.optional(),
  // Absent: τ constant; else τ moves geometrically from tau to tauEnd (training/schedule.ts).
  tauEnd: positiveNumber('final temperature').optional(),
  probeEpochs: positiveInteger('probe epochs'),
  // Runs from before this field probed unit vectors.
  probeOutputs: oneOf('probe outputs', ['unit', 'raw']).default('unit'),
};

type SharedSettings = { [K in keyof typeof imageTextSettingsFields]?: z.output<(typeof imageTextSettingsFields)[K]> };
type SharedConfig = Omit<{ [K in keyof typeof imageTextConfigFields]: z.output<(typeof imageTextConfigFields)[K]> }, 'tauEnd'> & { tauEnd?: number };

/** Settings check: exactly one of the two levels. */
export function checkOneLevel(experiment: string) {
  return (s: { selectionLevel?: number; perturbationLevel?: number }, ctx: z.RefinementCtx) => {
    if ((s.selectionLevel === undefined) === (s.perturbationLevel === undefined))
      conflict(ctx, `the ${experiment} experiment needs exactly one of a selection level and a perturbation level`);
  };
}

/** What an image-text run is: its caption bias, e.g. `selection level 2`. */
export function aboutImageTextConfig(config: { bias: LevelBias }): string {
  return Object.entries(config.bias)
    .map(([k, v]) => `${k} level ${String(v)}`)
    .join(', ');
}

/** The caption bias the settings name. */
export function levelBias(s: { selectionLevel?: number; perturbationLevel?: number }): LevelBias {
  return s.selectionLevel !== undefined ? { selection: s.selectionLevel } : { perturbation: s.perturbationLevel! };
}

/** Config check: the caption level exists (`biasSets` throws if not), the seeds differ, the evaluation sets are large enough, the engine fields agree. */
export function checkImageTextConfig(c: SharedConfig & { bias: LevelBias }, ctx: z.RefinementCtx, biasSets: (bias: LevelBias) => unknown): void {
  try {
    biasSets(c.bias);
  } catch (error) {
    if (!(error instanceof MisalignError)) throw error;
    conflict(ctx, error.message, error.code);
  }
  const layers = imageConvLayers(c.imageSize);
  if (c.imageFilters !== undefined && c.imageFilters.length !== layers) {
    conflict(
      ctx,
      `the image encoder has ${layers} convolutions at ${c.imageSize}×${c.imageSize}, ` +
        `so image filters must list ${layers} numbers, got ${c.imageFilters.length}`,
      'OUT_OF_RANGE',
    );
  }
  if (c.evalSeed === c.seed) conflict(ctx, `the evaluation seed must differ from the training seed (${c.seed})`, 'OUT_OF_RANGE');
  const min = Math.max(minEvalSamples(c.encodingSize), c.batch);
  if (c.evalSamples < min)
    conflict(ctx, `evaluation samples must be at least ${min} (a batch, and enough for the probes), got ${c.evalSamples}`, 'OUT_OF_RANGE');
  checkEngine(c, ctx);
}

/**
 * What an experiment's public code sets that differs between experiments
 * (docs/image-text.md#the-paper-preset): its training steps, and its
 * encoding size for a caption bias.
 */
export interface PublicCodeRecipe {
  steps: number;
  encodingSize(bias: LevelBias): number;
}

/** What an experiment's bias sets tell the shared code: the encoding size, and which factors are mentioned and perturbed. */
export interface LevelSets {
  encodingSize: number;
  selected: readonly string[];
  perturbed: readonly string[];
}

/** The quick preset's τ for a caption level, from what the level declares (its selected and perturbed factors). */
export type QuickTau = (sets: LevelSets) => number;

/**
 * The caption bias written to config.json: a perturbation level that perturbs
 * nothing (level 1) is the selection level that mentions every factor, the same
 * captions and so the same run (one id, trained once when both grids list it).
 */
export function canonicalBias(bias: LevelBias, biasSets: (bias: LevelBias) => LevelSets): LevelBias {
  if (!('perturbation' in bias)) return bias;
  const sets = biasSets(bias);
  return sets.perturbed.length === 0 ? { selection: sets.selected.length } : bias;
}

/**
 * The shared fields of a config from settings. The encoding size is the
 * setting's, else the public code's with the paper preset, else the quick
 * preset's rule for the caption bias (`sets.encodingSize`); τ likewise the
 * setting's, the paper preset's, or the experiment's quick rule for the level.
 */
export function resolveImageTextFields(
  s: SharedSettings,
  bias: LevelBias,
  /** The level's sets; their encodingSize is the quick preset's rule for it. */
  sets: LevelSets,
  publicCode: PublicCodeRecipe,
  quickTau: QuickTau,
): SharedConfig {
  const preset = s.preset ?? 'quick';
  const p = IMAGE_TEXT_PRESETS[preset];
  const seed = s.seed ?? 0;
  const steps = s.steps ?? ('steps' in p ? p.steps : publicCode.steps);
  const imageSize = s.imageSize ?? p.imageSize;
  return {
    preset,
    seed,
    evalSeed: s.evalSeed ?? seed + 1,
    steps,
    batch: s.batch ?? p.batch,
    lr: s.lr ?? p.lr,
    imageSize,
    evalSamples: s.evalSamples ?? p.evalSamples,
    form: s.form ?? 'ntxent',
    tau: s.tau ?? (preset === 'paper' ? IMAGE_TEXT_PRESETS.paper.tau : quickTau(sets)),
    probeOutputs: s.probeOutputs ?? p.probeOutputs,
    ...resolveEngine(s),
    checkpointEvery: s.checkpointEvery ?? Math.max(1, Math.min(1000, Math.ceil(steps / 10))),
    logEvery: s.logEvery ?? Math.max(1, Math.min(100, Math.ceil(steps / 100))),
    schedule: s.schedule ?? { kind: 'constant' },
    clip: 2.0,
    encodingSize: s.encodingSize ?? (preset === 'paper' ? publicCode.encodingSize(bias) : sets.encodingSize),
    imageFilters: s.imageFilters ?? (preset !== 'paper' && imageSize === 32 ? [...QUICK_IMAGE_FILTERS] : defaultImageFilters(imageSize)),
    ...(s.tauEnd !== undefined && { tauEnd: s.tauEnd }),
    probeEpochs: p.probeEpochs,
  };
}

/**
 * An image-text experiment's settings schema (what a caller may set; exactly
 * one level), config schema (config.json) and `resolve`, with its own `extra`
 * fields in both schemas (`extraValues` gives their resolved values).
 */
export function imageTextConfigs<const N extends string, E extends z.ZodRawShape>(
  experiment: N,
  biasSets: (bias: LevelBias) => LevelSets,
  publicCode: PublicCodeRecipe,
  /** The quick (and long) preset's τ for this experiment and level (docs/image-text.md#the-quick-preset). */
  quickTau: QuickTau,
  extra: E,
  extraValues: (settings: Record<string, unknown>) => object = () => ({}),
) {
  const settings = z
    .object({ experiment: z.literal(experiment), ...imageTextSettingsFields, ...extra })
    .strict()
    .partial()
    .superRefine(checkOneLevel(experiment));
  const config = z
    .object({ experiment: z.literal(experiment), version: z.literal(1), bias: levelBiasSchema, ...imageTextConfigFields, ...extra })
    .strict()
    .superRefine((c, ctx) => checkImageTextConfig(c as unknown as SharedConfig & { bias: LevelBias }, ctx, biasSets));
  const resolve = (input: unknown): z.output<typeof config> => {
    const s = parseWith(settings, input);
    const bias = canonicalBias(levelBias(s), biasSets);
    return parseWith(config, {
      experiment,
      version: 1,
      bias,
      ...resolveImageTextFields(s, bias, biasSets(bias), publicCode, quickTau),
      ...extraValues(s),
    });
  };
  return { settings, config, resolve };
}
