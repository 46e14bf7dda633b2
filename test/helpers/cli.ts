import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

/** The built command line, for tests that need a real process (signals, exit codes). */
export const BIN = fileURLToPath(new URL('../../bin/misalign.js', import.meta.url));

/** Runs the CLI in this process and captures what it writes. */
export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}
