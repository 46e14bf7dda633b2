/**
 * Learning-rate schedules: constant (the paper); linear warm-up followed by
 * cosine decay to a fraction of the base rate over the whole run; or
 * warm-up, a constant rate until the loss stops improving, then a short
 * cosine decay, after which the run ends ('plateau': a run takes as many
 * steps as it needs, up to its configured number; docs/quick-preset.md#runs-that-stop-when-the-loss-does).
 * And the InfoNCE temperature's: constant, or moving geometrically from τ
 * to τ_end over the run (docs/image-text.md#why-cells-miss-one-setting-at-a-time).
 */
import { z } from 'zod';
import { MisalignError } from '../common/errors.js';
import { integer, numberIn, positiveInteger, positiveNumber } from '../common/schema.js';

/**
 * The 'plateau' schedule: warm up over `warmup` steps, hold the rate; at every
 * `every`-th step from `after` on, compare the mean logged loss of the last
 * `window` steps (rounded to a multiple of `every`) with that of the `window`
 * steps before; when it improved by less than `delta`, decay (cosine) to
 * final·lr over decay·(that step) more steps and stop. A run that never levels
 * off starts its decay in time to end at its configured steps. The
 * temperature's path (tauEnd) still spans the configured steps.
 */
export interface PlateauSchedule {
  kind: 'plateau';
  warmup: number;
  final: number;
  every: number;
  window: number;
  delta: number;
  decay: number;
  after: number;
}

export type Schedule = { kind: 'constant' } | { kind: 'cosine'; warmup: number; final: number } | PlateauSchedule;

/** The plateau schedule's tests unless a configuration sets them (docs/quick-preset.md#runs-that-stop-when-the-loss-does). */
export const PLATEAU_DEFAULTS = { every: 1000, window: 8000, delta: 0.02, decay: 0.25, after: 16000 } as const;

/** A schedule in a configuration: the object form (config.json). */
export const scheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }).strict(),
  z.object({ kind: z.literal('cosine'), warmup: integer('schedule warm-up'), final: numberIn('schedule final fraction', 0, 1) }).strict(),
  z
    .object({
      kind: z.literal('plateau'),
      warmup: integer('schedule warm-up'),
      final: numberIn('schedule final fraction', 0, 1),
      every: positiveInteger('plateau check interval'),
      window: positiveInteger('plateau window'),
      delta: positiveNumber('plateau loss improvement'),
      decay: positiveNumber('plateau decay fraction'),
      after: integer('plateau first check'),
    })
    .strict(),
]);

/** A schedule in settings: the object form, or text such as 'cosine:200:0.02'. */
export const scheduleSetting = z.union([scheduleSchema, z.string().transform(parseSchedule)]);

/** Where a run's rate starts its final decay and where the run ends: fixed for 'constant' and 'cosine' (the configured steps). */
export interface RunPhases {
  /** The last step at the held rate (plateau), or 0. */
  decayFrom: number;
  /** The step the run ends at. */
  end: number;
  /** Whether the log can still change them (a plateau schedule that has not yet levelled off). */
  open: boolean;
}

/** A logged step: the rule reads the loss of steps logged every `logEvery` steps, so a resumed run decides as an uninterrupted one does. */
export interface LoggedLoss {
  step: number;
  loss: number;
}

/**
 * A run's phases given its log so far (rows with step % logEvery = 0 count).
 * For 'plateau', with W = window (a multiple of every): the first check step
 * s ≥ max(after, 2W), a multiple of every, where
 * mean(loss over (s − 2W, s − W]) − mean(loss over (s − W, s]) < delta
 * starts the decay at s; without one, the decay starts at ⌊steps / (1 + decay)⌋.
 * The decay lasts ⌈decay · start⌉ steps.
 */
export function runPhases(schedule: Schedule, steps: number, log: readonly LoggedLoss[], logEvery: number): RunPhases {
  if (schedule.kind !== 'plateau') return { decayFrom: 0, end: steps, open: false };
  const { every, decay } = schedule;
  const length = (from: number) => from + Math.ceil(decay * from);
  const forced = Math.floor(steps / (1 + decay));
  // the logged losses summed per interval (s − every, s]
  const sums = new Map<number, { sum: number; n: number }>();
  let last = 0;
  for (const row of log) {
    if (row.step % logEvery !== 0) continue;
    const check = Math.ceil(row.step / every) * every;
    const m = sums.get(check) ?? { sum: 0, n: 0 };
    m.sum += row.loss;
    m.n += 1;
    sums.set(check, m);
    last = Math.max(last, row.step);
  }
  const intervals = Math.max(1, Math.round(schedule.window / every));
  const window = intervals * every;
  /** The mean logged loss over (s − window, s], if every interval of it was logged. */
  const mean = (s: number) => {
    let sum = 0;
    let n = 0;
    for (let j = 0; j < intervals; j++) {
      const m = sums.get(s - j * every);
      if (!m) return undefined;
      sum += m.sum;
      n += m.n;
    }
    return sum / n;
  };
  const first = Math.ceil(Math.max(schedule.after, 2 * window) / every) * every;
  for (let s = first; s <= Math.min(last, forced); s += every) {
    const now = mean(s);
    const before = mean(s - window);
    if (now !== undefined && before !== undefined && before - now < schedule.delta) return { decayFrom: s, end: Math.min(steps, length(s)), open: false };
  }
  return { decayFrom: forced, end: Math.min(steps, length(forced)), open: last < forced };
}

/** The rate at 1-based step `step` of `steps` (for 'plateau', of the run's phases: runPhases). */
export function learningRate(schedule: Schedule, lr: number, step: number, steps: number, phases?: RunPhases): number {
  if (schedule.kind === 'constant') return lr;
  if (step <= schedule.warmup) return (lr * step) / schedule.warmup;
  const cosine = (progress: number) => lr * (schedule.final + (1 - schedule.final) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
  if (schedule.kind === 'cosine') return cosine((step - schedule.warmup) / Math.max(1, steps - schedule.warmup));
  const { decayFrom, end } = phases ?? runPhases(schedule, steps, [], 1);
  return step <= decayFrom ? lr : cosine((step - decayFrom) / Math.max(1, end - decayFrom));
}

/** A run's temperature: τ, constant, or moving geometrically to `tauEnd` over its `steps` steps (InfoNCE only). */
export interface TemperaturePlan {
  tau: number;
  tauEnd?: number;
  steps: number;
}

/**
 * The temperature at 1-based step `step`: the one function that says what τ
 * a step trains at (the trainer hands it to every step). `tau` without
 * `tauEnd`, else tau·(tauEnd/tau)^((step − 1)/(steps − 1)), tau at the first
 * step and tauEnd at the last.
 */
export function temperatureAt(plan: TemperaturePlan, step: number): number {
  const { tau, tauEnd, steps } = plan;
  if (tauEnd === undefined) return tau;
  const progress = steps > 1 ? Math.min(1, (step - 1) / (steps - 1)) : 1;
  return tau * (tauEnd / tau) ** progress;
}

/**
 * "constant"; "cosine" / "cosine:WARMUP" / "cosine:WARMUP:FINAL"; or "plateau" / "plateau:WARMUP" /
 * "plateau:WARMUP:FINAL" (its tests PLATEAU_DEFAULTS). FINAL is a fraction of lr.
 */
export function parseSchedule(text: string): Schedule {
  const parts = text.trim().split(':');
  if (parts[0] === 'constant' && parts.length === 1) return { kind: 'constant' };
  if ((parts[0] === 'cosine' || parts[0] === 'plateau') && parts.length <= 3) {
    const warmup = parts[1] === undefined ? 0 : Number(parts[1]);
    const final = parts[2] === undefined ? 0 : Number(parts[2]);
    if (Number.isInteger(warmup) && warmup >= 0 && final >= 0 && final <= 1) {
      return parts[0] === 'cosine' ? { kind: 'cosine', warmup, final } : { kind: 'plateau', warmup, final, ...PLATEAU_DEFAULTS };
    }
  }
  throw new MisalignError('OUT_OF_RANGE', `schedule must be 'constant', 'cosine[:warmup[:final]]' or 'plateau[:warmup[:final]]', got '${text}'`);
}
