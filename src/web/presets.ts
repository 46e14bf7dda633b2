/**
 * The page's presets. `quick` and `paper` are the CLI's; `tiny` is the quick
 * recipe cut down to a few seconds of training and probing, enough for small
 * worlds (ns ≤ 6) to show the theory's pattern.
 */
import type { NumericSettings } from '../experiments/numeric/config.js';

export type WebPreset = 'tiny' | 'quick' | 'paper';

export interface WebPresetSpec {
  settings: NumericSettings;
  /** Interim probes during training (0: only at the end). */
  interimProbes: number;
}

export const WEB_PRESETS: Record<WebPreset, WebPresetSpec> = {
  tiny: {
    settings: { preset: 'quick', steps: 3000, evalSamples: 4096, logEvery: 25, checkpointEvery: 100, probe: { maxEpochs: 40 } },
    interimProbes: 2,
  },
  quick: { settings: { preset: 'quick', logEvery: 100, checkpointEvery: 500 }, interimProbes: 4 },
  paper: { settings: { preset: 'paper', logEvery: 10, checkpointEvery: 100 }, interimProbes: 9 },
};
