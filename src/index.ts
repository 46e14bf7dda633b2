/**
 * misalign: the library, as users call it. In the order the data flows:
 * the theory and the bias numbering → the world (latents, mixing, scenes) →
 * experiments (configure, train and evaluate a model) → probes and verdicts →
 * grids and summaries → figures.
 *
 * Everything here runs in Node and in browsers. Run folders, sweeps and
 * reports on disk are in 'misalign/node'; the WebAssembly kernels, their
 * memory and threads in 'misalign/kernels'.
 */
export { MisalignError, type MisalignErrorCode } from './common/errors.js';
export { Rng } from './common/rng.js';
export type { Tensor2D } from './common/tensor.js';

// The theory's prediction and the bias numbering (docs/numbering.md).
export { describe, describeBias, type BiasDescription } from './latent/describe.js';
export { resolveBias, biasNumbers, identifiedFactors, type BiasConfig, type BiasOptions, type BiasNumbers } from './latent/bias.js';
export { rankSubset, unrankSubset } from './latent/subsets.js';

// The numeric world (docs/model.md).
export { LatentModel, type Dependence, type LatentBatch } from './latent/model.js';
export { InvertibleMlp } from './mixing/invertible-mlp.js';
export { DataGenerator, type ObservationBatch } from './mixing/generator.js';

// The image-text worlds (docs/experiments.md#stand-ins-for-the-image-text-datasets).
export { Mpi3dData, type Mpi3dBatch } from './scenes/mpi3d-data.js';
export { renderMpi3d } from './scenes/mpi3d-render.js';
export { C3dData, type C3dBatch } from './scenes/causal3d-data.js';
export { renderCausal3d } from './scenes/causal3d-render.js';

// Experiments: one registry, one lifecycle (docs/README.md).
export { EXPERIMENTS, EXPERIMENT_NAMES, experimentNamed, registerExperiment, type ExperimentName, type AnyExperiment } from './experiments/registry.js';
export type { Experiment, BaseConfig, FactorRow, FactorValues, RunMetrics, Model, GridSpec, DownstreamRunOptions } from './experiments/experiment.js';
export type {
  ResultCell,
  ResultGroup,
  ResultKind,
  Agreement,
  GridAgreement,
  DownstreamCell,
  HeatmapPanel,
  ReportSection,
  ReportBlock,
} from './experiments/results.js';
export {
  runExperiment,
  resolveConfig,
  withModel,
  trainAndEvaluate,
  evaluateModel,
  createEngine,
  type RunHooks,
  type RunInput,
} from './experiments/lifecycle.js';
export type { NumericMetrics } from './experiments/numeric/index.js';
// Each experiment's settings, config and metrics; its value is EXPERIMENTS[name], its config resolveConfig(settings).
export type { NumericSettings, NumericConfig, PresetName } from './experiments/numeric/config.js';
export type { Mpi3dSettings, Mpi3dConfig, Mpi3dMetrics, Mpi3dFactorResult } from './experiments/mpi3d/index.js';
export type { C3dSettings, C3dConfig, C3dMetrics, C3dFactorResult } from './experiments/causal3d/index.js';

// Encoders, engines and the training loop (docs/losses.md).
export { mlpNet, type NetSpec, type LayerSpec } from './encoders/net.js';
export { CoreNet, type NetPass } from './encoders/core-net.js';
export type { Engine, EngineState, StepBatch, StepResult, TwoTowerSpec, EngineName, TfjsBackend } from './training/engine.js';
export type { LossSpec } from './training/losses.js';
export { train, type TrainPlan, type TrainHooks, type TrainingSnapshot, type Progress, type LogRow, type BatchSource } from './training/trainer.js';
export type { Schedule } from './training/schedule.js';

// Probes, metrics and verdicts (docs/evaluation.md).
export { evaluateRepresentations, type FactorResult, type Encoder } from './probes/evaluate.js';
export { verdictFor, imageTextVerdict, KEPT_MIN_R2, DROPPED_MAX_R2, IMAGE_TEXT_KEPT_MIN, IMAGE_TEXT_DROPPED_MAX, type Verdict } from './probes/verdicts.js';
export { linearProbeR2 } from './probes/linear.js';
export { mlpProbeR2, type MlpProbeOptions, type ProbeTarget } from './probes/mlp-probe.js';
export { classifierProbes, type ClassTarget } from './probes/classify.js';
export { evaluateDownstream, type DownstreamOptions, type DownstreamResult } from './probes/downstream.js';
export { mcc, mccMulticlass } from './probes/mcc.js';

// Grids and summaries (pure; sweeps on disk are in 'misalign/node').
export { builtinGrid, expandGrid, BUILTIN_GRIDS, type Grid, type GridRun, type ExpandOptions } from './sweeps/grids.js';
export { parseGridFile } from './sweeps/grid-file.js';
export { summarizeSweep, type SweepSummary, type RunRecord } from './sweeps/summary.js';

// Figures (Vega-Lite specifications, rendered to SVG anywhere).
export { panelSpec, runHeatmapSpec, embeddingHeatmapSpec, renderSvg } from './reports/heatmap.js';
// Probing anyone's embeddings (docs/evaluation.md#your-own-embeddings); files on disk are in 'misalign/node'.
export {
  probeEmbeddings,
  type EmbeddingSet,
  type FactorSpec,
  type ProbeEmbeddingsOptions,
  type EmbeddingProbeRow,
  type EmbeddingProbeResult,
} from './probes/embeddings.js';
export { factorTable, parseFactorCsv, type FactorTable, type FactorTableOptions } from './probes/factor-table.js';
export { readNpy, encodeNpy, type NpyHeader } from './common/npy.js';
