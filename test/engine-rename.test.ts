// The core engine was named 'wasm' until it was renamed 'core' (tfjs has a wasm backend of its own).
// Run folders and sweep folders written before the rename say "engine": "wasm" in their config.json,
// and their run ids and checkpoints were hashed with that spelling: they keep resuming, evaluating,
// and being found (and skipped) by sweeps. The old folders here are new ones with their config.json
// put back as the code before the rename wrote it; the hashes are checked against that code's
// formula (SHA-256 of the canonical JSON, engine "wasm"), computed here without the library's help.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson, modelIdentity } from '../src/experiments/checkpoint.js';
import { resolveConfig } from '../src/experiments/lifecycle.js';
import { resolveNumericConfig, type NumericSettings } from '../src/experiments/numeric/config.js';
import { evalRunDir, FILES, readRunConfig, trainRunDir } from '../src/experiments/run-dir.js';
import { expandGrid, type Grid } from '../src/sweeps/grids.js';
import { runId, runSweep } from '../src/sweeps/sweep.js';
import { runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/temp.js';
import { TINY_NUMERIC } from './helpers/tiny.js';

const tempDir = tempDirs('misalign-engine-rename');
const TINY: NumericSettings = { ...TINY_NUMERIC, checkpointEvery: 50 };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The hashes the code before the rename took: of the configuration as it wrote it, engine "wasm". */
const oldRunId = (config: object) => sha256(canonicalJson({ ...config, engine: 'wasm' })).slice(0, 16);
const oldIdentity = (config: object) => sha256(canonicalJson(modelIdentity({ ...config, engine: 'wasm' })));

/** Puts a run folder's config.json back as the code before the rename wrote it ("engine": "wasm"); returns it. */
async function asBeforeRename(dir: string): Promise<object> {
  const path = join(dir, FILES.config);
  const text = await readFile(path, 'utf8');
  expect(text).toContain('"engine": "core"');
  await writeFile(path, text.replace('"engine": "core"', '"engine": "wasm"'));
  return JSON.parse(await readFile(path, 'utf8'));
}

/** The configuration identity in the header of DIR/checkpoint.bin. */
async function checkpointIdentity(dir: string): Promise<string> {
  const bytes = await readFile(join(dir, FILES.checkpoint));
  const magic = 'MISALIGN-CKPT1\n'.length;
  const length = bytes.readUInt32LE(magic);
  return JSON.parse(bytes.subarray(magic + 4, magic + 4 + length).toString('utf8')).identity;
}

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

describe("the core engine's old name, wasm", () => {
  it('reads as core in settings and config.json; new configurations say core and keep the old run ids', () => {
    const config = resolveNumericConfig({ ...TINY, select: '1' });
    expect(config.engine).toBe('core');
    expect(resolveNumericConfig({ ...TINY, select: '1', engine: 'wasm' })).toEqual(config);
    expect(resolveConfig({ ...config, engine: 'wasm' })).toEqual(config); // a config.json's configuration
    expect(() => resolveNumericConfig({ ...TINY, select: '1', engine: 'gpu' as never })).toThrow(/engine must be 'core' or 'tfjs', got 'gpu'/);
    expect(runId(config)).toBe(oldRunId(config));
    expect(runId({ ...config, engine: 'tfjs', backend: 'cpu' })).toBe(sha256(canonicalJson({ ...config, engine: 'tfjs', backend: 'cpu' })).slice(0, 16));
  });

  it('a run folder from before the rename resumes from its checkpoint, evaluates, and reruns with --engine wasm', async () => {
    const root = await tempDir();
    const settings = { ...TINY, select: '1' };
    const old = join(root, 'old');
    const controller = new AbortController();
    await expect(trainRunDir(old, settings, { signal: controller.signal, onProgress: (p) => p.step >= 100 && controller.abort() })).rejects.toThrow(
      /training stopped at step/,
    );
    const saved = await asBeforeRename(old);
    expect(await checkpointIdentity(old)).toBe(oldIdentity(saved));
    expect((await readRunConfig(old)).engine).toBe('core');

    const { metrics } = await trainRunDir(old, settings, { resume: true });
    const fresh = await trainRunDir(join(root, 'fresh'), settings);
    expect(metrics.factors).toEqual(fresh.metrics.factors);
    expect((await readJson(join(old, FILES.config))).engine).toBe('wasm'); // the folder's file is left as it was
    expect(await checkpointIdentity(old)).toBe(oldIdentity(saved));

    const again = await evalRunDir(old, 7);
    expect(again.out).toBe(join(old, 'eval-seed-7'));
    expect(again.metrics.factors.length).toBe(metrics.factors.length);

    // The deprecated flag: --engine wasm means the core, with a note; the new run's file says core.
    const rerun = join(root, 'rerun');
    const r = await runCli('train', '--config', join(old, FILES.config), '--engine', 'wasm', '--out', rerun);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/--engine wasm is deprecated: it is --engine core/);
    expect((await readJson(join(rerun, FILES.config))).engine).toBe('core');
    expect((await readJson(join(rerun, FILES.metricsJson))).factors).toEqual(fresh.metrics.factors);
  });

  it('a sweep over a folder of runs from before the rename finds them by id: skips the finished, finishes the other', async () => {
    const dir = await tempDir();
    const grid: Grid = {
      name: 'g',
      experiment: 'numeric',
      dependence: true,
      settings: ['1', '1-2'].map((select) => ({ label: `[${select}]`, settings: { select } })),
    };
    const runs = expandGrid(grid, { seeds: 1, base: TINY });
    expect(await runSweep(dir, runs)).toMatchObject({ skipped: 0, done: 2, failed: [] });
    const ids = (await readdir(join(dir, 'runs'))).sort();
    expect(ids).toEqual(runs.map((r) => oldRunId(resolveNumericConfig(r.settings))).sort());
    for (const id of ids) {
      const saved = await asBeforeRename(join(dir, 'runs', id));
      expect(await checkpointIdentity(join(dir, 'runs', id))).toBe(oldIdentity(saved));
    }
    // One run stopped before its metrics were written: the sweep evaluates it from its checkpoint.
    const [unfinished, finished] = ids as [string, string];
    const before = await readJson(join(dir, 'runs', unfinished, FILES.metricsJson));
    await rm(join(dir, 'runs', unfinished, FILES.metricsJson));

    const again = await runSweep(dir, runs);
    expect(again).toMatchObject({ skipped: 1, done: 1, failed: [] });
    expect(again.summary.runs).toEqual({ expected: 2, complete: 2 });
    expect((await readdir(join(dir, 'runs'))).sort()).toEqual(ids);
    expect((await readJson(join(dir, 'runs', unfinished, FILES.metricsJson))).factors).toEqual(before.factors);
    for (const id of [unfinished, finished]) expect((await readJson(join(dir, 'runs', id, FILES.config))).engine).toBe('wasm');
  });
});
