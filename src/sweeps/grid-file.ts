/**
 * User grids from a JSON or YAML file, validated with zod. A malformed file
 * gets one error naming the first bad field:
 *
 *   name: my-grid                 # required, used in run labels and reports
 *   base: { ns: 6, nm: 3 }        # optional, applied to every setting
 *   settings:                     # one entry per column
 *     - label: "{1,2}"            # optional; default: the selection and perturbation
 *       select: 1-2
 *     - select: 1-4
 *       perturb: "4"
 *       encodingSize: 4
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { MisalignError } from '../common/errors.js';
import type { RunSettings } from '../experiments/run.js';
import type { Grid } from './grids.js';

/** `1-3`, `1,2,5`, `none`, a list of indices, or one index (YAML reads `select: 1` as a number). */
const indexList = z.union([z.string().min(1), z.array(z.number().int()), z.number().int().transform((n) => [n])], {
  errorMap: () => ({ message: "expected factors such as '1-3', '1,2,5', 'none' or a list of indices" }),
});
const int = z.number().int();
const positive = z.number().positive();

/** The settings a grid file may give (a subset of RunSettings, each checked again when a run is resolved). */
const settingsSchema = z
  .object({
    ns: int.optional(),
    nm: int.optional(),
    theta: int.optional(),
    thetaCode: int.optional(),
    select: indexList.optional(),
    rho: int.optional(),
    rhoWithin: int.optional(),
    rhoCode: int.optional(),
    perturb: indexList.optional(),
    tiedCovariances: z.boolean().optional(),
    preset: z.enum(['quick', 'paper']).optional(),
    steps: int.positive().optional(),
    batch: int.positive().optional(),
    lr: positive.optional(),
    schedule: z.string().optional(),
    hidden: z.array(positive).nonempty().optional(),
    encodingSize: int.positive().optional(),
    negatives: z.enum(['fresh', 'in-batch']).optional(),
    tau: positive.optional(),
    alpha: z.number().min(0).max(1).optional(),
    evalSamples: int.positive().optional(),
    checkpointEvery: int.positive().optional(),
  })
  .strict();

const fileSchema = z
  .object({
    name: z.string().min(1).regex(/^[\w.-]+$/, 'letters, digits, _ . - only'),
    base: settingsSchema.optional(),
    settings: z.array(settingsSchema.extend({ label: z.string().min(1).optional() })).nonempty(),
  })
  .strict();

function fieldPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '') || '(top level)';
}

function defaultLabel(s: RunSettings): string {
  const show = (v: unknown): string => (Array.isArray(v) ? v.join(',') : String(v));
  const parts: string[] = [];
  for (const key of ['theta', 'thetaCode', 'select', 'rho', 'rhoWithin', 'rhoCode', 'perturb', 'encodingSize'] as const) {
    if (s[key] !== undefined) parts.push(`${key} ${show(s[key])}`);
  }
  return parts.join(', ') || 'default';
}

/** Parses and validates a grid file's text (`source` names it in errors). */
export function parseGridFile(text: string, source: string): Grid {
  let raw: unknown;
  try {
    raw = /\.json$/i.test(source) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new MisalignError('INVALID_GRID', `${source} is not valid ${/\.json$/i.test(source) ? 'JSON' : 'YAML'}: ${why}`);
  }
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const what = issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : issue.message;
    throw new MisalignError('INVALID_GRID', `${source}: ${fieldPath(issue.path)}: ${what}`);
  }
  const { name, base, settings } = result.data;
  return {
    name,
    settings: settings.map(({ label, ...s }) => {
      const merged = { ...base, ...s } as RunSettings;
      return { label: label ?? defaultLabel(s as RunSettings), settings: merged };
    }),
  };
}
