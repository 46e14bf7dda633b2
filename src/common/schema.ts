/**
 * Building blocks for the configuration schemas (zod), and the one way a
 * schema's verdict becomes an error: the first problem, as a one-line
 * MisalignError that names the setting and the value it got.
 *
 * Every experiment has one settings schema (what a caller may set: the CLI,
 * grid files, the web page, the library) and one config schema (config.json);
 * their types are z.infer of the schemas.
 */
import { z } from 'zod';
import { MisalignError, type MisalignErrorCode } from './errors.js';

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

/** A number; `what` names it in messages, and `expected` says what it must be. */
const number = (what: string, expected: string) =>
  z.number({
    errorMap: (issue, ctx) => ({
      message:
        issue.code !== z.ZodIssueCode.invalid_type
          ? ctx.defaultError
          : ctx.data === undefined
            ? `${what} is required`
            : `${what} must be ${expected}, got ${show(ctx.data)}`,
    }),
  });

/** An integer in [min, max]. */
export const integer = (what: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  number(what, 'an integer').superRefine((v, ctx) => {
    if (!Number.isInteger(v))
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${what} must be an integer, got ${v}`, params: { code: 'NOT_AN_INTEGER' } });
    else if (v < min || v > max) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${what} must be in ${min}..${max}, got ${v}` });
  });

/** An integer of at least 1. */
export const positiveInteger = (what: string) =>
  number(what, 'a positive integer').refine(
    (v) => Number.isInteger(v) && v >= 1,
    (v) => ({ message: `${what} must be a positive integer, got ${v}` }),
  );

/** A finite number above 0. */
export const positiveNumber = (what: string) =>
  number(what, 'a positive number').refine(
    (v) => v > 0 && Number.isFinite(v),
    (v) => ({ message: `${what} must be a positive number, got ${v}` }),
  );

/** A number in [lo, hi]. */
export const numberIn = (what: string, lo: number, hi: number) =>
  number(what, `a number in [${lo}, ${hi}]`).refine(
    (v) => v >= lo && v <= hi,
    (v) => ({ message: `${what} must be in [${lo}, ${hi}], got ${v}` }),
  );

/** The message of a string that is none of `values`. */
const choiceError =
  (what: string, values: readonly string[]): z.ZodErrorMap =>
  (_issue, ctx) => ({
    message:
      ctx.data === undefined
        ? `${what} is required`
        : `${what} must be ${values
            .map((v) => `'${v}'`)
            .join(', ')
            .replace(/, ([^,]*)$/, ' or $1')}, got ${show(ctx.data)}`,
  });

/** One of a few strings. */
export const oneOf = <const T extends readonly [string, ...string[]]>(what: string, values: T) => z.enum(values, { errorMap: choiceError(what, values) });

/**
 * One of a few strings, or an old name of one, read as the one it names
 * (files written before a rename keep working); messages list the current
 * names only.
 */
export const oneOfOrOld = <const T extends readonly [string, ...string[]], const O extends string>(
  what: string,
  values: T,
  old: Readonly<Record<O, T[number]>>,
) =>
  z
    .enum([...values, ...(Object.keys(old) as O[])] as [T[number] | O, ...(T[number] | O)[]], { errorMap: choiceError(what, values) })
    .transform((v): T[number] => (Object.hasOwn(old, v) ? old[v as O] : (v as T[number])));

/** A custom problem with its own error code (e.g. CONFLICTING_OPTIONS). */
export function conflict(ctx: z.RefinementCtx, message: string, code: MisalignErrorCode = 'CONFLICTING_OPTIONS'): void {
  ctx.addIssue({ code: z.ZodIssueCode.custom, message, params: { code } });
}

/** `a.b[2]` for an issue's path. */
export function fieldPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** An issue's message; unknown keys are named. */
export function issueMessage(issue: z.ZodIssue): string {
  return issue.code === z.ZodIssueCode.unrecognized_keys
    ? `unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`
    : issue.message;
}

/** The fields of an object schema (under any refinements), e.g. to keep only the settings an experiment takes. */
export function objectShape(schema: z.ZodTypeAny): z.ZodRawShape {
  let s = schema;
  while (s instanceof z.ZodEffects) s = s.innerType();
  return s instanceof z.ZodObject ? (s.shape as z.ZodRawShape) : {};
}

/** The first problem zod found, as one line (prefixed with `where`, e.g. a file name). */
export function schemaError(error: z.ZodError, code: MisalignErrorCode = 'OUT_OF_RANGE', where?: string): MisalignError {
  const issue = error.issues[0]!;
  const path = fieldPath(issue.path);
  const message = issueMessage(issue);
  let issueCode = code;
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    issueCode = code === 'OUT_OF_RANGE' ? 'UNKNOWN_OPTION' : code;
  } else if (issue.code === z.ZodIssueCode.custom && typeof issue.params?.code === 'string') {
    issueCode = issue.params.code as MisalignErrorCode;
  }
  // Our messages name their setting; zod's own ("Required", "Expected number…") get the path.
  const named = path && !message.includes(String(issue.path[issue.path.length - 1])) ? `${path}: ${message}` : message;
  return new MisalignError(issueCode, where ? `${where}: ${named}` : named);
}

/** Parses `value` with `schema`, or throws the first problem as a one-line MisalignError. */
export function parseWith<S extends z.ZodTypeAny>(schema: S, value: unknown, code: MisalignErrorCode = 'OUT_OF_RANGE', where?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw schemaError(result.error, code, where);
  return result.data as z.output<S>;
}
