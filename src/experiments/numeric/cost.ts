/**
 * The estimated cost of a numeric run from its configuration alone
 * (docs/cluster.md#cost-estimates), in seconds of one core of the project's
 * 2-core machine. Calibrated on measured steps there:
 *
 *   encoders  6·B·(MACs of f_x + f_t per sample), ×2 with fresh negatives, at 30 GFLOP/s
 *   loss      2·B² pairs (both directions) at (1.5 + 0.25·d) ns a pair
 *   data      0.9 µs a sample
 *
 * which gives 3.1 ms for the quick step of I_θ = [5] (measured 3.35), 5.0 ms
 * for I_θ = [10] (4.4) and 7.2 s for the paper preset's (6.2). Evaluation and
 * the downstream study scale from the quick preset's means in the study
 * (7.6 s and 13.0 s a model at 8,192 samples) with the set size and the
 * downstream steps.
 */
import { mlpNet, netForwardMacs } from '../../encoders/net.js';
import type { RunCost } from '../experiment.js';
import { downstreamStepsFor, QUICK_DOWNSTREAM_STEPS, QUICK_EVAL_SAMPLES, type NumericConfig } from './config.js';

const ENCODER_FLOPS_PER_SECOND = 30e9;
const PAIR_SECONDS = (d: number) => (1.5 + 0.25 * d) * 1e-9;
const SAMPLE_SECONDS = 0.9e-6;
const EVAL_SECONDS = 7.6;
const DOWNSTREAM_SECONDS = 13.0;

/** Seconds of one training step. */
export function numericStepSeconds(config: NumericConfig): number {
  const x = mlpNet(config.ns + config.nm, config.hidden, config.encodingSize);
  const t = mlpNet(config.selected.length + config.nm, config.hidden, config.encodingSize);
  const sets = config.negatives === 'fresh' ? 2 : 1;
  const encoders = (6 * config.batch * sets * (netForwardMacs(x) + netForwardMacs(t))) / ENCODER_FLOPS_PER_SECOND;
  const loss = 2 * config.batch ** 2 * PAIR_SECONDS(config.encodingSize);
  return encoders + loss + config.batch * sets * SAMPLE_SECONDS;
}

export function numericCost(config: NumericConfig): RunCost {
  const sets = config.evalSamples / QUICK_EVAL_SAMPLES;
  return {
    trainSeconds: config.steps * numericStepSeconds(config),
    evalSeconds: EVAL_SECONDS * sets,
    downstreamSeconds: DOWNSTREAM_SECONDS * sets * (downstreamStepsFor(config.preset) / QUICK_DOWNSTREAM_STEPS),
  };
}
