/**
 * Option-value parsers shared by the CLI's commands. They throw MisalignError,
 * which the CLI turns into one line on stderr and exit status 2.
 */
import { MisalignError, parseInteger } from '../common/errors.js';

/** A commander argParser for an integer option that may be given only once. */
export function integerOption(flag: string) {
  return (value: string, previous: number | undefined): number => {
    if (previous !== undefined) throw new MisalignError('CONFLICTING_OPTIONS', `${flag} is given more than once`);
    return parseInteger(flag, value);
  };
}

/** A commander argParser for a string option that may be given only once. */
export function stringOption(flag: string) {
  return (value: string, previous: string | undefined): string => {
    if (previous !== undefined) throw new MisalignError('CONFLICTING_OPTIONS', `${flag} is given more than once`);
    return value;
  };
}
