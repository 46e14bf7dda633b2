/**
 * The estimated cost of an image-text run from its configuration alone
 * (docs/cluster.md#cost-estimates), in seconds of one core of the project's
 * 2-core machine. Calibrated on the quick preset's MPI3D step there (batch
 * 128, 32×32: 103 ms of CPU, of which the image encoder's products are 70 %):
 *
 *   image encoder  6·B·MACs per image at 27 GFLOP/s, plus 5 % for the text encoder
 *   data           60 µs an image pair (rendering, captions)
 *   evaluation     both encoders over the fitting and scoring sets, plus the
 *                  probes: `probeSeconds` at 4,096 pairs, in proportion
 */
import { netForwardMacs } from '../../encoders/net.js';
import type { RunCost } from '../experiment.js';
import { imageEncoderSpec } from './model.js';

const FLOPS_PER_SECOND = 27e9;
const TEXT_SHARE = 1.05;
const PAIR_SECONDS = 60e-6;

export function imageTextCost(
  config: { steps: number; batch: number; imageSize: number; encodingSize: number; imageFilters?: readonly number[]; evalSamples: number },
  probeSeconds: number,
): RunCost {
  const macs = netForwardMacs(imageEncoderSpec(config)) * TEXT_SHARE;
  const step = (6 * config.batch * macs) / FLOPS_PER_SECOND + config.batch * PAIR_SECONDS;
  const embed = (2 * config.evalSamples * (2 * macs)) / FLOPS_PER_SECOND + 2 * config.evalSamples * PAIR_SECONDS;
  return { trainSeconds: config.steps * step, evalSeconds: embed + (probeSeconds * config.evalSamples) / 4096, downstreamSeconds: 0 };
}
