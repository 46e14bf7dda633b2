/**
 * `misalign train` refuses settings that cannot run before it starts: one
 * line and exit status 2, naming the setting, its value and the limit. An
 * encoding larger than the image the numeric encoders see (ns + nm), and more
 * threads than the compute core's memory can hold (MAX_THREADS), from flags
 * and from a config.json alike.
 */
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_THREADS } from '../src/experiments/engine-settings.js';
import { resolveNumericConfig } from '../src/experiments/numeric/config.js';
import { runCli } from './helpers/cli.js';
import { expectMisalignError } from './helpers/errors.js';
import { tempDirs } from './helpers/temp.js';

const tempDir = tempDirs('misalign-bad-input');

/** Runs `misalign train ARGS --out DIR/run`; asserts exit 2, one line matching `message`, and no run folder. */
async function refused(args: string[], message: RegExp): Promise<void> {
  const dir = await tempDir();
  const r = await runCli('train', ...args, '--out', join(dir, 'run'));
  expect(r.code, r.err).toBe(2);
  expect(r.err).toMatch(message);
  expect(r.err).not.toContain('unexpected error');
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.out).toBe('');
  await expect(access(join(dir, 'run'))).rejects.toThrow(/ENOENT/);
}

describe('misalign train: bad input is one line and exit 2, before anything starts', () => {
  it('--encoding-size larger than the image the encoder sees (ns + nm)', async () => {
    await refused(
      ['--theta', '386', '--encoding-size', '100'],
      /^misalign: encoding size must be at most 15, the 15 dimensions \(ns \+ nm = 10 \+ 5\) of the image the encoder sees, got 100$/m,
    );
    await refused(['--ns', '3', '--nm', '2', '--select', '1-2', '--encoding-size', '6'], /encoding size must be at most 5, .*got 6$/m);
    // the limit itself is allowed: every dimension of the image
    expect(resolveNumericConfig({ theta: 386, encodingSize: 15 }).encodingSize).toBe(15);
    expectMisalignError(() => resolveNumericConfig({ theta: 386, encodingSize: 16 }), 'OUT_OF_RANGE', /encoding size must be at most 15, .*got 16/);
  });

  it(`--threads more than ${MAX_THREADS} (it ended in "Maximum memory size exceeded", exit 1)`, async () => {
    const limit = new RegExp(`^misalign: threads must be at most ${MAX_THREADS} \\(.*2 GiB\\), got 99999$`, 'm');
    await refused(['--theta', '386', '--threads', '99999'], limit);
    await refused(['--experiment', 'mpi3d', '--selection-level', '2', '--threads', '99999'], limit);
    expect(resolveNumericConfig({ theta: 386, threads: MAX_THREADS }).threads).toBe(MAX_THREADS);
    expectMisalignError(
      () => resolveNumericConfig({ theta: 386, threads: MAX_THREADS + 1 }),
      'OUT_OF_RANGE',
      new RegExp(`threads must be at most ${MAX_THREADS} \\(.*\\), got ${MAX_THREADS + 1}$`),
    );
  });

  it('the same from a config.json: its encoding size, or --threads beside it', async () => {
    const dir = await tempDir();
    const config = resolveNumericConfig({ theta: 386, steps: 10 });
    await writeFile(join(dir, 'ok.json'), JSON.stringify(config));
    await writeFile(join(dir, 'wide.json'), JSON.stringify({ ...config, encodingSize: 100 }));
    await writeFile(join(dir, 'threads.json'), JSON.stringify({ ...config, threads: 99999 }));
    await refused(['--config', join(dir, 'ok.json'), '--threads', '99999'], /threads must be at most \d+ .*got 99999$/m);
    await refused(['--config', join(dir, 'wide.json')], /encoding size must be at most 15, .*got 100$/m);
    await refused(['--config', join(dir, 'threads.json')], /threads must be at most \d+ .*got 99999$/m);
  });
});
