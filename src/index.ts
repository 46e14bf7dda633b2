/**
 * misalign: the library. Stages in the order the data flows:
 * latent model and biases → mixing → kernels → encoders → training →
 * probes and metrics → experiments and sweeps → reports → CLI / web.
 *
 * Everything here runs in Node and in browsers. Run folders on disk
 * (`misalign train --out DIR`: config.json, checkpoints, metrics files) are
 * Node-only and live in 'misalign/node'.
 */
export { MisalignError, type MisalignErrorCode } from './common/errors.js';
export { Rng, type RngState } from './common/rng.js';
export { tensor2d, column, selectColumns, type Tensor2D } from './common/tensor.js';

export { binomial, rankSubset, unrankSubset, nonEmptySubsetCount, MAX_FACTORS } from './latent/subsets.js';
export { parseIndexList, formatSet } from './latent/index-lists.js';
export {
  resolveBias,
  biasNumbers,
  identifiedFactors,
  selectionFromTheta,
  selectionFromThetaCode,
  perturbationFromRho,
  perturbationFromRhoWithin,
  perturbationFromRhoCode,
  checkPerturbation,
  DEFAULT_NS,
  DEFAULT_NM,
  type BiasConfig,
  type BiasOptions,
  type BiasNumbers,
} from './latent/bias.js';
export { describe, describeBias, type BiasDescription } from './latent/describe.js';
export { sampleWishart, identityCovariance, covarianceFrom, sampleGaussian, type Covariance } from './latent/covariance.js';
export { applyShift, resolveShift, DEFAULT_SHIFT_DIMS, type ShiftOptions } from './latent/shift.js';
export {
  LatentModel,
  DEFAULT_PERTURB_PROB,
  type Dependence,
  type LatentBatch,
  type LatentModelOptions,
  type LatentCovariances,
  type SampleOptions,
} from './latent/model.js';

export { InvertibleMlp, type MixingOptions, type MixingWeights } from './mixing/invertible-mlp.js';
export { conditionNumber, conditionThreshold, drawCandidate, DEFAULT_THRESHOLD_RATIO, DEFAULT_THRESHOLD_SAMPLES } from './mixing/weights.js';
export { DataGenerator, type GeneratorOptions, type ObservationBatch, type MixingReport } from './mixing/generator.js';

export { Kernels, DEFAULT_WASM_URL, DEFAULT_THREADS_WASM_URL, splitRange, type KernelExports, type KernelsOptions } from './kernels/module.js';
export { ThreadPool, threadsAvailable, type Job } from './kernels/threads.js';
export { Arena, F32Buffer } from './kernels/arena.js';
export { leakyReluForward, leakyReluBackward, biasAdd, columnSums } from './kernels/activations.js';
export { gemm, type GemmArgs } from './kernels/gemm.js';
export { LpSimclr, type LpSimclrOptions, type LpSimclrGradBuffers, type LpSimclrLosses } from './kernels/lpsimclr.js';
export { InfoNce, type InfoNceForm, type InfoNceOptions } from './kernels/infonce.js';
export { Adam, clipGradNorm, type AdamOptions } from './kernels/optim.js';
export { GroupedLayout, squaredErrorGrad } from './kernels/grouped.js';
export { ObservationSampler, type SamplerWorld, type MixingLayers } from './kernels/sampler.js';
export { Conv2d, convOutSize, type Conv2dShape } from './kernels/conv.js';

export { mlpSpec, layerLayout, paramCount, forwardMacs, initParams, PAPER_HIDDEN, ENCODER_SLOPE, type MlpSpec, type LayerLayout } from './encoders/mlp.js';
export { CoreMlp, type MlpPass } from './encoders/core-mlp.js';
export { CoreNet, netLayout, netParamCount, initNetParams, type NetSpec, type LayerSpec, type NetLayer } from './encoders/core-net.js';

export {
  PRESETS,
  presetRecipe,
  downstreamStepsFor,
  QUICK_DOWNSTREAM_STEPS,
  QUICK_EVAL_SAMPLES,
  resolveTrainConfig,
  biasOf,
  quickSteps,
  type QuickStepsFor,
  type PresetName,
  type Recipe,
  type TrainConfig,
  type TrainSettings,
  type EngineName,
  type TfjsBackend,
} from './training/config.js';
export { learningRate, parseSchedule, formatSchedule, type Schedule } from './training/schedule.js';
export type { Engine, EngineOptions, EngineState, StepBatch, StepResult } from './training/engine.js';
export { CoreEngine } from './training/core-engine.js';
export { TfjsEngine, loadTfjs } from './training/tfjs-engine.js';
export {
  train,
  stepBatch,
  encoderSpecs,
  initialParams,
  checkSnapshot,
  type LogRow,
  type Progress,
  type TrainHooks,
  type TrainingSnapshot,
  type EncoderSpecs,
} from './training/trainer.js';
export { coreBatchSource, samplerWorld, type BatchSource } from './training/batch-source.js';

export { linearProbeR2 } from './probes/linear.js';
export { mlpProbeR2, DEFAULT_PROBE, type MlpProbeOptions, type ProbeTarget, type ProbeResult } from './probes/mlp-probe.js';
export { fitStandardizer, standardize, r2Score, clip01, type Standardizer } from './probes/stats.js';
export {
  evaluateRepresentations,
  evaluationTargets,
  verdictFor,
  KEPT_MIN_R2,
  DROPPED_MAX_R2,
  DEFAULT_EVAL_SAMPLES,
  type FactorResult,
  type Verdict,
  type EvaluationOptions,
  type Encoder,
} from './probes/evaluate.js';
export { evaluateDownstream, downstreamSettings, DOWNSTREAM_STEPS, type DownstreamOptions, type DownstreamResult, type DownstreamSettings } from './probes/downstream.js';
export {
  downstreamF,
  regressionTargets,
  binarize,
  binarizationThreshold,
  median,
  twoMeansThreshold,
  DOWNSTREAM_PREFIXES,
  DEFAULT_EXP_WEIGHT,
  type Binarization,
} from './probes/downstream-targets.js';
export { mcc, mccFromConfusion, confusion, type Confusion } from './probes/mcc.js';

export {
  runExperiment,
  resolveRunConfig,
  createWorld,
  createEngine,
  evaluateRun,
  summarize,
  type RunConfig,
  type RunSettings,
  type Metrics,
} from './experiments/run.js';

export {
  builtinGrid,
  expandGrid,
  shardOf,
  prefixLabel,
  imageTextGrid,
  isImageTextGrid,
  BUILTIN_GRIDS,
  NUMERIC_GRIDS,
  IMAGE_TEXT_GRIDS,
  IMAGE_TEXT_GRID_LABELS,
  isImageTextRun,
  type Grid,
  type ImageTextGrid,
  type ImageTextExperiment,
  type AnyGrid,
  type GridSetting,
  type GridRun,
  type BuiltinGridName,
  type NumericGridName,
  type ImageTextGridName,
  type ExpandOptions,
} from './sweeps/grids.js';
export { parseGridFile } from './sweeps/grid-file.js';
export {
  summarizeSweep,
  CELL_COLUMNS,
  DOWNSTREAM_COLUMNS,
  DOWNSTREAM_METRICS,
  type SweepSummary,
  type SummaryCell,
  type DownstreamCell,
  type DownstreamMetric,
  type Agreement,
  type RunRecord,
} from './sweeps/summary.js';
export {
  heatmapSpec,
  heatmapKeys,
  heatmapName,
  downstreamSpec,
  downstreamKeys,
  downstreamName,
  runHeatmapSpec,
  RUN_HEATMAP_COLUMNS,
  renderSvg,
  type HeatmapKey,
  type DownstreamKey,
} from './reports/heatmap.js';

// Image-text scenes: the MPI3D stand-in (factors, renderer, captions, tokens).
export {
  MPI3D_FACTORS,
  MPI3D_SIZES,
  MPI3D_WORDS,
  MPI3D_COUNT,
  CAPTION_FACTORS,
  mpi3dValues,
  mpi3dIndex,
  type Mpi3dFactor,
  type Mpi3dValues,
  type CaptionFactor,
} from './scenes/mpi3d-factors.js';
export { renderMpi3d } from './scenes/mpi3d-render.js';
export { mpi3dCaption, mpi3dBiasSets, fillTemplate, MPI3D_TEMPLATES, MPI3D_LEVELS, type Mpi3dBias, type Mpi3dBiasSets, type Mpi3dCaption, type CaptionWords } from './scenes/mpi3d-captions.js';
export { tokenize, Vocabulary, PAD, UNKNOWN } from './scenes/tokens.js';
export { Mpi3dData, proceduralImages, type Mpi3dBatch, type ImageSource } from './scenes/mpi3d-data.js';
export { C3D_FACTORS, C3D_CLASSES, C3D_DISCRETE, C3D_ROTATIONS, sampleC3dLatents, hsvToRgb, type C3dFactor, type C3dLatents } from './scenes/causal3d-factors.js';
export { renderCausal3d, C3D_SHAPE_NAMES } from './scenes/causal3d-render.js';
export {
  c3dCaption,
  c3dBiasSets,
  fillC3dTemplate,
  colorWord,
  spotlightWord,
  C3D_CAPTION_FACTORS,
  C3D_LEVELS,
  C3D_PHRASINGS,
  C3D_PALETTES,
  type C3dBias,
  type C3dBiasSets,
  type C3dCaption,
} from './scenes/causal3d-captions.js';
export { C3dData, maxC3dCaptionTokens, type C3dBatch } from './scenes/causal3d-data.js';
export { palette, nearestColorName, PALETTE_NAMES, type PaletteName, type PaletteColor } from './scenes/palettes.js';
export {
  runC3d,
  resolveC3dConfig,
  c3dPrediction,
  C3D_EDGES,
  type C3dSettings,
  type C3dConfig,
  type C3dMetrics,
  type C3dFactorResult,
} from './experiments/causal3d-run.js';
export { classifierProbes, type ClassTarget, type ClassifierOptions, type ClassifierResult } from './probes/classify.js';
export { mccMulticlass } from './probes/mcc.js';
export {
  runMpi3d,
  resolveMpi3dConfig,
  type Mpi3dSettings,
  type Mpi3dConfig,
  type Mpi3dMetrics,
  type Mpi3dFactorResult,
  type Mpi3dProgress,
  type Mpi3dHooks,
} from './experiments/mpi3d-run.js';
export {
  imageEncoderSpec,
  textEncoderSpec,
  createImageTextEngine,
  trainImageText,
  embedPairs,
  unitRows,
  type ImageTextTraining,
  type ImageTextProgress,
  type PairBatch,
  type PairSource,
} from './experiments/image-text.js';
export { CoreImageTextEngine, type ImageTextEngine, type ImageTextEngineOptions } from './training/image-text-engine.js';
export { TfjsImageTextEngine, infonceTfjs } from './training/tfjs-image-text-engine.js';
