/**
 * User grids from a JSON or YAML file. Every setting is checked by its
 * experiment's settings schema (the one the CLI, config.json and the web
 * page use); a malformed file gets one error naming the first bad field:
 *
 *   name: my-grid                 # required, used in run labels and reports
 *   experiment: numeric           # optional: a registered experiment (numeric, mpi3d, causal3d); default numeric
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
import { fieldPath, issueMessage, objectShape } from '../common/schema.js';
import type { AnySettings } from '../experiments/experiment.js';
import { EXPERIMENT_NAMES, experimentNamed, isExperimentName } from '../experiments/registry.js';
import type { Grid } from './grids.js';

const fileSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .regex(/^[\w.-]+$/, 'letters, digits, _ . - only'),
    // any registered experiment, asked when the file is read
    experiment: z
      .string()
      .refine(isExperimentName, (name) => ({ message: `expected ${EXPERIMENT_NAMES.map((n) => `'${n}'`).join(' | ')}, got '${name}'` }))
      .optional(),
    base: z.record(z.unknown()).optional(),
    settings: z.array(z.object({ label: z.string().min(1).optional() }).passthrough()).nonempty(),
  })
  .strict();

function defaultLabel(s: Record<string, unknown>): string {
  const show = (v: unknown): string => (Array.isArray(v) ? v.join(',') : String(v));
  const keys = ['theta', 'thetaCode', 'select', 'rho', 'rhoWithin', 'rhoCode', 'perturb', 'encodingSize', 'selectionLevel', 'perturbationLevel'];
  return (
    keys
      .filter((k) => s[k] !== undefined)
      .map((k) => `${k} ${show(s[k])}`)
      .join(', ') || 'default'
  );
}

/** Parses `value` with `schema`, or throws INVALID_GRID naming the file and the field. */
function check<S extends z.ZodTypeAny>(schema: S, value: unknown, source: string, at: (string | number)[]): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data as z.output<S>;
  const issue = result.error.issues[0]!;
  throw new MisalignError('INVALID_GRID', `${source}: ${fieldPath([...at, ...issue.path]) || '(top level)'}: ${issueMessage(issue)}`);
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
  const file = check(fileSchema, raw, source, []);
  const experiment = experimentNamed(file.experiment);
  // The base alone is checked field by field (it need not be a whole setting); each setting whole, on top of it.
  const fields = z.object(objectShape(experiment.settings)).strict().partial();
  const base = check(fields, file.base ?? {}, source, ['base']) as Record<string, unknown>;
  return {
    name: file.name,
    experiment: experiment.name,
    dependence: 'dependence' in objectShape(experiment.settings),
    settings: file.settings.map(({ label, ...own }, i) => {
      const settings = check(experiment.settings, { ...base, ...own }, source, ['settings', i]) as AnySettings;
      return { label: label ?? defaultLabel(own), settings };
    }),
  };
}
