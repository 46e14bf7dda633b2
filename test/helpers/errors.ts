import { expect } from 'vitest';
import { MisalignError } from '../../src/common/errors.js';

/** Asserts that `f` throws a MisalignError with this code and a one-line message matching `pattern`. */
export function expectMisalignError(f: () => unknown, code: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expectOneLine(caught, code, pattern);
}

/** As `expectMisalignError`, for a function that returns a promise. */
export async function expectMisalignRejection(f: () => Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await f();
  } catch (e) {
    caught = e;
  }
  expectOneLine(caught, code, pattern);
}

function expectOneLine(caught: unknown, code: string, pattern: RegExp): void {
  expect(caught).toBeInstanceOf(MisalignError);
  expect((caught as MisalignError).code).toBe(code);
  expect((caught as MisalignError).message).toMatch(pattern);
  expect((caught as MisalignError).message).not.toContain('\n');
}
