/**
 * The one error type misalign throws for bad input: a stable `code` a program
 * can switch on and a one-line `message` a person can act on. The CLI prints
 * the message and exits with status 2.
 */

export type MisalignErrorCode =
  | 'UNKNOWN_OPTION'
  | 'MISSING_OPTION'
  | 'CONFLICTING_OPTIONS'
  | 'NOT_AN_INTEGER'
  | 'NOT_A_NUMBER'
  | 'OUT_OF_RANGE'
  | 'INVALID_LIST'
  | 'INDEX_OUT_OF_RANGE'
  | 'EMPTY_SELECTION'
  | 'PERTURBATION_NOT_IN_SELECTION'
  | 'PERTURBATION_EQUALS_SELECTION'
  | 'TOO_MANY_FACTORS'
  | 'SHAPE_MISMATCH'
  | 'NON_FINITE'
  | 'NON_FINITE_INPUT'
  // A checkpoint.bin that is absent, unreadable, or of another run.
  | 'CHECKPOINT_MISSING'
  | 'CHECKPOINT_CORRUPT'
  | 'CHECKPOINT_MISMATCH'
  // Any other file misalign reads (config.json, a grid list, .npy, CSV, probe.json, .npz): absent, or not what it should hold.
  | 'FILE_MISSING'
  | 'FILE_CORRUPT'
  | 'RUN_EXISTS'
  | 'NOT_WRITABLE'
  | 'ENGINE_UNAVAILABLE'
  | 'INVALID_GRID'
  | 'RUN_FAILED'
  | 'INTERRUPTED';

export class MisalignError extends Error {
  override readonly name = 'MisalignError';
  constructor(
    readonly code: MisalignErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Throws a MisalignError unless `n` is an integer in [min, max]. */
export function checkInteger(what: string, n: number, min: number, max: number): number {
  if (!Number.isInteger(n)) throw new MisalignError('NOT_AN_INTEGER', `${what} must be an integer, got ${n}`);
  if (n < min || n > max) {
    throw new MisalignError('OUT_OF_RANGE', `${what} must be in ${min}..${max}, got ${n}`);
  }
  return n;
}

/** Parses a whole decimal integer ("12", "-1"); anything else is NOT_AN_INTEGER. */
export function parseInteger(what: string, text: string): number {
  const trimmed = text.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) {
    throw new MisalignError('NOT_AN_INTEGER', `${what} must be an integer, got '${text}'`);
  }
  const n = Number(trimmed);
  if (!Number.isSafeInteger(n)) throw new MisalignError('OUT_OF_RANGE', `${what} is too large: '${text}'`);
  return n;
}
