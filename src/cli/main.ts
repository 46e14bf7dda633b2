/**
 * The `misalign` command line: a thin layer over the library. Every command
 * is a library call plus formatting. Bad input (an unknown option, a
 * malformed or out-of-range value, an inconsistent bias, a corrupt or
 * mismatched checkpoint, an unwritable folder) ends with exactly one line on
 * stderr and exit status 2; a training run that diverges, with status 1.
 */
import { packageVersion } from '../experiments/provenance.js';
import { Command, CommanderError } from 'commander';
import { MisalignError } from '../common/errors.js';
import { registerDescribe } from './describe.js';
import { registerReport } from './report.js';
import { registerReproduce } from './reproduce.js';
import { registerSlurm } from './slurm.js';
import { registerExportEmbeddings, registerProbe } from './probe.js';
import { registerSweep } from './sweep.js';
import { registerTrain } from './train.js';
import { processIo, type CliIo } from './io.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function buildProgram(io: CliIo): Command {
  const program = new Command('misalign')
    .description('How cross-modal misalignment shapes what contrastive multimodal models learn')
    .version(packageVersion(), '-V, --version', 'print the version of misalign')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: () => {}, outputError: () => {} })
    .showSuggestionAfterError(true);
  registerDescribe(program, io);
  registerTrain(program, io);
  registerSweep(program, io);
  registerReport(program, io);
  registerReproduce(program, io);
  registerSlurm(program, io);
  registerProbe(program, io);
  registerExportEmbeddings(program, io);
  return program;
}

function oneLine(message: string): string {
  return message
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/** Runs the CLI on `argv` (without node and script); resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    io.err("misalign: no command given (try 'misalign --help')\n");
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK;
      io.err(`misalign: ${oneLine(error.message)}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof MisalignError) {
      io.err(`misalign: ${oneLine(error.message)}\n`);
      // a diverged training run, or a sweep with failed runs, is a failure, not bad input
      return error.code === 'NON_FINITE' || error.code === 'RUN_FAILED' ? EXIT_FAILURE : EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`misalign: unexpected error: ${oneLine(message)}\n`);
    return EXIT_FAILURE;
  }
}
