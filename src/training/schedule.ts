/**
 * Learning-rate schedules: constant (the paper), or linear warm-up followed by
 * cosine decay to a fraction of the base rate. And the InfoNCE temperature's:
 * constant, or moving geometrically from τ to τ_end over the run
 * (docs/image-text.md#why-cells-miss-one-setting-at-a-time).
 */
import { z } from 'zod';
import { MisalignError } from '../common/errors.js';
import { integer, numberIn } from '../common/schema.js';

export type Schedule = { kind: 'constant' } | { kind: 'cosine'; warmup: number; final: number };

/** A schedule in a configuration: the object form (config.json). */
export const scheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }).strict(),
  z.object({ kind: z.literal('cosine'), warmup: integer('schedule warm-up'), final: numberIn('schedule final fraction', 0, 1) }).strict(),
]);

/** A schedule in settings: the object form, or text such as 'cosine:200:0.02'. */
export const scheduleSetting = z.union([scheduleSchema, z.string().transform(parseSchedule)]);

/** The rate at 1-based step `step` of `steps`. */
export function learningRate(schedule: Schedule, lr: number, step: number, steps: number): number {
  if (schedule.kind === 'constant') return lr;
  if (step <= schedule.warmup) return (lr * step) / schedule.warmup;
  const progress = Math.min(1, (step - schedule.warmup) / Math.max(1, steps - schedule.warmup));
  return lr * (schedule.final + (1 - schedule.final) * 0.5 * (1 + Math.cos(Math.PI * progress)));
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

/** "constant", or "cosine" / "cosine:WARMUP" / "cosine:WARMUP:FINAL" (FINAL a fraction of lr). */
export function parseSchedule(text: string): Schedule {
  const parts = text.trim().split(':');
  if (parts[0] === 'constant' && parts.length === 1) return { kind: 'constant' };
  if (parts[0] === 'cosine' && parts.length <= 3) {
    const warmup = parts[1] === undefined ? 0 : Number(parts[1]);
    const final = parts[2] === undefined ? 0 : Number(parts[2]);
    if (Number.isInteger(warmup) && warmup >= 0 && final >= 0 && final <= 1) return { kind: 'cosine', warmup, final };
  }
  throw new MisalignError('OUT_OF_RANGE', `schedule must be 'constant' or 'cosine[:warmup[:final]]', got '${text}'`);
}
