/**
 * The page's presets and the run a visitor sees first. `quick` and `paper`
 * are the CLI's; `tiny` is the quick recipe cut down to seconds of training
 * and probing, enough for small worlds (ns ≤ 6) to show the theory's pattern.
 *
 * tiny's 5,000 steps: at 3,000, the page's default run (below) missed one
 * verdict in two of the seeds 0–9 a visitor is likely to try (seed 0: the
 * image encoder's s2 at R² 0.896; seed 9: s1, s3 and s_inv at 0.84–0.89, all
 * kept factors short of 0.9), and more probe epochs changed nothing: the
 * encoders were still learning. At 5,000 every verdict of seeds 0–9 agrees,
 * the lowest kept factor at 0.943 (test/web-default.test.ts runs them).
 */
import type { NumericSettings } from '../experiments/numeric/config.js';
import { captionSets, defaultRoles, type FactorRole } from './roles.js';

export type WebPreset = 'tiny' | 'quick' | 'paper';

export interface WebPresetSpec {
  settings: NumericSettings;
  /** Interim probes during training (0: only at the end). */
  interimProbes: number;
}

export const WEB_PRESETS: Record<WebPreset, WebPresetSpec> = {
  tiny: {
    settings: { preset: 'quick', steps: 5000, evalSamples: 4096, logEvery: 25, checkpointEvery: 100, probe: { maxEpochs: 40 } },
    interimProbes: 2,
  },
  quick: { settings: { preset: 'quick', logEvery: 100, checkpointEvery: 500 }, interimProbes: 4 },
  paper: { settings: { preset: 'paper', logEvery: 10, checkpointEvery: 100 }, interimProbes: 9 },
};

/** What the page's form holds. */
export interface PageForm {
  ns: number;
  nm: number;
  roles: readonly FactorRole[];
  dependence: 'independent' | 'dependent';
  preset: WebPreset;
  seed: number;
  /** A step count from the address (?steps=), over the preset's. */
  steps?: number;
}

/** The form a visitor first sees: 6 semantic factors, 3 modality-specific ones, captions mention s1–s3, tiny, seed 0. */
export const PAGE_DEFAULTS: PageForm = { ns: 6, nm: 3, roles: defaultRoles(6), dependence: 'independent', preset: 'tiny', seed: 0 };

/** The settings of the run the form describes (the worker and the CLI resolve them the same way). */
export function pageSettings(form: PageForm): NumericSettings {
  const { select, perturb } = captionSets(form.roles);
  return {
    ...WEB_PRESETS[form.preset].settings,
    ...(form.steps !== undefined ? { steps: form.steps } : {}),
    ns: form.ns,
    nm: form.nm,
    select,
    perturb,
    dependence: form.dependence,
    seed: form.seed,
  };
}
