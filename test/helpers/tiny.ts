import type { NumericSettings } from '../../src/experiments/numeric/config.js';

/** A tiny numeric world and recipe (3 semantic factors, 4-unit hidden layers): each run takes well under a second. */
export const TINY_NUMERIC: NumericSettings = {
  ns: 3,
  nm: 1,
  hidden: [4, 4],
  batch: 64,
  steps: 200,
  lr: 0.01,
  evalSamples: 256,
  probe: { batch: 128, lr: 0.003, maxEpochs: 5 },
};
