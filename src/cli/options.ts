/**
 * Option-value parsers shared by the CLI's commands. They throw MisalignError,
 * which the CLI turns into one line on stderr and exit status 2.
 */
import { type Command, Option } from 'commander';
import { MisalignError, parseInteger } from '../common/errors.js';
import { IMAGE_TEXT_PRESETS } from '../experiments/image-text/config.js';
import { ENGINE_NAMES, type EngineName, OLD_ENGINE_NAMES } from '../training/engine.js';
import type { CliIo } from './io.js';

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

/** A commander argParser for a finite number given once. */
export function numberOption(flag: string) {
  return (value: string, previous: number | undefined): number => {
    if (previous !== undefined) throw new MisalignError('CONFLICTING_OPTIONS', `${flag} is given more than once`);
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new MisalignError('NOT_A_NUMBER', `${flag} must be a number, got '${value}'`);
    return n;
  };
}

/** A commander argParser for a comma-separated list of positive numbers given once. */
export function listOption(flag: string) {
  return (value: string, previous: number[] | undefined): number[] => {
    if (previous !== undefined) throw new MisalignError('CONFLICTING_OPTIONS', `${flag} is given more than once`);
    const items = value.split(',').map((v) => Number(v.trim()));
    if (items.length === 0 || items.some((n) => !Number.isFinite(n) || n <= 0)) {
      throw new MisalignError('NOT_A_NUMBER', `${flag} must be a comma-separated list of positive numbers, got '${value}'`);
    }
    return items;
  };
}

/** `--threads N` or `--threads auto`, given once. */
export function threadsOption(value: string, previous: number | 'auto' | undefined): number | 'auto' {
  if (previous !== undefined) throw new MisalignError('CONFLICTING_OPTIONS', '--threads is given more than once');
  return value === 'auto' ? 'auto' : parseInteger('--threads', value);
}

/**
 * `--engine NAME`, given once: an engine of the schema (training/engine.ts).
 * `--engine wasm`, the core's name before it was renamed `core`, still means
 * the core, with a note on stderr.
 */
export function engineOption(io: CliIo) {
  return (value: string, previous: EngineName | undefined): EngineName => {
    if (previous !== undefined) throw new MisalignError('CONFLICTING_OPTIONS', '--engine is given more than once');
    if (Object.hasOwn(OLD_ENGINE_NAMES, value)) {
      const name = OLD_ENGINE_NAMES[value as keyof typeof OLD_ENGINE_NAMES];
      io.err(`misalign: --engine ${value} is deprecated: it is --engine ${name} (tfjs's own wasm backend is --engine tfjs --backend wasm)\n`);
      return name;
    }
    if ((ENGINE_NAMES as readonly string[]).includes(value)) return value as EngineName;
    throw new MisalignError('OUT_OF_RANGE', `--engine must be ${ENGINE_NAMES.map((n) => `'${n}'`).join(' or ')}, got '${value}'`);
  };
}

/**
 * The numeric world's options and the caption bias, in every numbering
 * (docs/numbering.md): what `describe` and `train` both take.
 */
export function withBiasOptions(command: Command): Command {
  return command
    .option('--ns <n>', 'number of semantic factors (default 10, at most 30)', integerOption('--ns'))
    .option('--nm <n>', 'modality-specific factors per modality (default 5)', integerOption('--nm'))
    .option('--theta <n>', 'selection I_θ by its paper number (1-based graded order)', integerOption('--theta'))
    .option('--theta-code <n>', "selection by the public code's 0-based number", integerOption('--theta-code'))
    .option('--select <list>', 'selection as a list: 1,2,5 or 1-5', stringOption('--select'))
    .option('--rho <n>', 'perturbation I_ρ by the paper tables: 1 = ∅, k = (k−1)-th subset of {1..ns}', integerOption('--rho'))
    .option('--rho-within <n>', "perturbation by the paper's definition: proper subsets of I_θ, 1 = ∅", integerOption('--rho-within'))
    .option('--rho-code <n>', "perturbation by the public code's number: −1 = ∅", integerOption('--rho-code'))
    .option('--perturb <list>', 'perturbation as a list: 1,2 or 1-2 (none = ∅)', stringOption('--perturb'));
}

/** `--preset`: the recipes every experiment's schema knows by name (numeric runs refuse `long` with one line). */
export function presetOption(): Option {
  return new Option('--preset <name>', 'training recipe (default quick; long: the image-text quick recipe at 12,000 steps)').choices(
    Object.keys(IMAGE_TEXT_PRESETS),
  );
}
