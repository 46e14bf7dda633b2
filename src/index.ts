/**
 * misalign: the library. Stages in the order the data flows:
 * latent model and biases → mixing → (encoders → losses and training →
 * probes and metrics → experiments → reports, as they land) → CLI / web.
 */
export { MisalignError, type MisalignErrorCode } from './common/errors.js';
export { Rng } from './common/rng.js';
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
