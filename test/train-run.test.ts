import { spawn, spawnSync } from 'node:child_process';
import { chmod, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { MisalignError } from '../src/common/errors.js';
import { FILES, readCheckpoint, readRunConfig, trainRunDir } from '../src/experiments/run-dir.js';
import { resolveNumericConfig, type NumericSettings } from '../src/experiments/numeric/config.js';
import type { BiasDescription } from '../src/latent/describe.js';
import { runExperiment } from '../src/experiments/lifecycle.js';
import { train } from '../src/training/trainer.js';
import { quickAlpha, quickSteps } from '../src/experiments/numeric/config.js';
import type { NumericMetrics } from '../src/experiments/numeric/index.js';
import type { Engine } from '../src/training/engine.js';
import { BIN, runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/temp.js';

const tempDir = tempDirs('misalign-test');
const tempDirSync = () => mkdtempSync(join(tmpdir(), 'misalign-test-'));

/** A problem small enough to learn in seconds: 4 semantics, 3 selected, factor 3 perturbed. */
const SMALL: NumericSettings = {
  ns: 4,
  nm: 2,
  select: '1-3',
  perturb: '3',
  hidden: [8, 8],
  batch: 256,
  steps: 1000,
  lr: 0.01,
  schedule: 'cosine:50:0.3',
  evalSamples: 2048,
  checkpointEvery: 100,
  probe: { batch: 256, lr: 0.003, maxEpochs: 40 },
  seed: 4,
};
const SMALL_FLAGS = [
  '--ns',
  '4',
  '--nm',
  '2',
  '--select',
  '1-3',
  '--perturb',
  '3',
  '--hidden',
  '8,8',
  '--batch',
  '256',
  '--steps',
  '1000',
  '--lr',
  '0.01',
  '--schedule',
  'cosine:50:0.3',
  '--eval-samples',
  '2048',
  '--checkpoint-every',
  '100',
  '--seed',
  '4',
];

describe('training a small problem', () => {
  it('keeps s1, s2 (R² ≥ 0.9) and drops s3, s4, s̃3, m_x, m_t (R² ≤ 0.1), as the theory says', async () => {
    const metrics = (await runExperiment(SMALL)).metrics as NumericMetrics;
    expect((metrics.theory as BiasDescription).identified).toEqual([1, 2]);
    expect(metrics.factors).toHaveLength(16);
    for (const f of metrics.factors) {
      if (f.predicted === 'kept') expect(f.r2Nonlinear, `${f.encoding} ${f.factor}`).toBeGreaterThanOrEqual(0.9);
      else expect(f.r2Nonlinear, `${f.encoding} ${f.factor}`).toBeLessThanOrEqual(0.1);
      expect(f.verdict).toBe('pass');
    }
    expect(metrics.passed).toBe(metrics.judged);
  });

  it('writes config.json, checkpoint.bin, train_log.csv, metrics.json and metrics.csv', async () => {
    const dir = join(await tempDir(), 'run');
    const { config } = await trainRunDir(dir, SMALL);
    expect(await readRunConfig(dir)).toEqual(config);
    const metrics = JSON.parse(await readFile(join(dir, FILES.metricsJson), 'utf8'));
    expect(Object.keys(metrics)).toEqual(expect.arrayContaining(['factors', 'trainSeconds']));
    expect(metrics.factors[0]).toEqual(expect.objectContaining({ encoding: 'x', factor: 's1', predicted: 'kept', verdict: 'pass' }));
    const csv = (await readFile(join(dir, FILES.metricsCsv), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('encoding,factor,r2Linear,r2Nonlinear,predicted,verdict');
    expect(csv).toHaveLength(17);
    const log = (await readFile(join(dir, FILES.log), 'utf8')).trim().split('\n');
    expect(log[0]).toBe('step,loss,lossXT,lossTX,gradNorm,lr,seconds');
    expect(Number(log[log.length - 1]!.split(',')[0])).toBe(1000);
    const ckpt = await readCheckpoint(join(dir, FILES.checkpoint), config);
    expect(ckpt.step).toBe(1000);
  });
});

describe('presets', () => {
  it('paper: the public recipe; quick: the studied recipe, with more steps for perturbations, 7+ dimensional encodings and larger worlds', () => {
    const paper = resolveNumericConfig({ theta: 386, preset: 'paper' });
    expect(paper).toMatchObject({ steps: 100_001, batch: 6144, lr: 1e-4, hidden: [10, 50, 50, 50, 50, 10], negatives: 'fresh', clip: 2, alpha: 0.5, tau: 1 });
    expect(paper.schedule).toEqual({ kind: 'constant' });
    const quick = resolveNumericConfig({ theta: 386 });
    expect(quick).toMatchObject({ preset: 'quick', steps: 16_000, batch: 512, lr: 1e-2, hidden: [4, 4, 4], negatives: 'in-batch', encodingSize: 5 });
    expect(resolveNumericConfig({ theta: 1023 }).steps).toBe(96_000); // encoding size 10
    expect(resolveNumericConfig({ theta: 1013 }).steps).toBe(48_000); // encoding size 9
    expect(resolveNumericConfig({ select: '1-7' }).steps).toBe(48_000); // encoding size 7
    expect(resolveNumericConfig({ select: '1-6' }).steps).toBe(16_000); // encoding size 6
    expect(resolveNumericConfig({ theta: 1023, perturb: '1-2' }).steps).toBe(48_000); // a perturbation
    expect(resolveNumericConfig({ theta: 1023, perturb: '1' }).steps).toBe(96_000); // ... leaving nine dimensions
    expect(resolveNumericConfig({ theta: 1023, perturb: '1-9' }).steps).toBe(96_000); // ... leaving one dimension
    // dependent semantics: a perturbation leaving two dimensions, or one, takes longer; three or more as independent
    expect(resolveNumericConfig({ theta: 1023, perturb: '1-8', dependence: 'dependent' }).steps).toBe(96_000);
    expect(resolveNumericConfig({ theta: 1023, perturb: '1-9', dependence: 'dependent' }).steps).toBe(192_000);
    expect(resolveNumericConfig({ theta: 1023, perturb: '1-7', dependence: 'dependent' }).steps).toBe(48_000);
    expect(resolveNumericConfig({ theta: 1023, perturb: '1', dependence: 'dependent' }).steps).toBe(96_000);
    expect(resolveNumericConfig({ select: '1-2', dependence: 'dependent' }).steps).toBe(16_000); // no perturbation
    expect(resolveNumericConfig({ theta: 1 }).steps).toBe(16_000); // one dimension, no perturbation
    expect(resolveNumericConfig({ theta: 968, rho: 12, preset: 'paper' }).steps).toBe(100_001);
    expect(resolveNumericConfig({ theta: 386, encodingSize: 12 }).steps).toBe(96_000);
    expect(resolveNumericConfig({ ns: 20, select: '1-6' }).steps).toBe(96_000); // z_x wider than the paper's 15
    expect(resolveNumericConfig({ ns: 10, nm: 6, theta: 386 }).steps).toBe(96_000);
    expect(resolveNumericConfig({ ns: 4, nm: 2, select: '1-3', perturb: '3' }).steps).toBe(48_000); // smaller worlds: the usual rules
    expect(quickSteps({ encodingSize: 5, perturbed: 0, imageLatents: 15 })).toBe(16_000);
    expect(resolveNumericConfig({ theta: 1023, steps: 100 }).steps).toBe(100); // explicit settings win
  });

  it('the quick preset sets α = 0.52 when the captions perturb a factor, 0.51 for a dependent unperturbed 10-dimensional encoding, 0.5 otherwise; the paper preset and explicit settings keep theirs', () => {
    expect(resolveNumericConfig({ theta: 1023 }).alpha).toBe(0.5);
    expect(resolveNumericConfig({ theta: 1023, perturb: '1' }).alpha).toBe(0.52);
    expect(resolveNumericConfig({ theta: 1023, perturb: '1', preset: 'paper' }).alpha).toBe(0.5);
    expect(resolveNumericConfig({ theta: 1023, perturb: '1', alpha: 0.5 }).alpha).toBe(0.5);
    expect(quickAlpha({ perturbed: 0 })).toBe(0.5);
    // dependent semantics: an unperturbed encoding of 10 dimensions takes 0.51 (its m_x, m_t leak at 0.5); smaller ones 0.5
    expect(resolveNumericConfig({ theta: 1023, dependence: 'dependent' }).alpha).toBe(0.51);
    expect(resolveNumericConfig({ select: '1-9', dependence: 'dependent' }).alpha).toBe(0.5);
    expect(resolveNumericConfig({ theta: 1023, perturb: '1-8', dependence: 'dependent' }).alpha).toBe(0.52);
  });

  it('evaluation sets: 20,480 samples with the paper preset, 8,192 with the quick one, unless set', () => {
    expect(resolveNumericConfig({ theta: 386, preset: 'paper' }).evalSamples).toBe(20_480);
    expect(resolveNumericConfig({ theta: 386 }).evalSamples).toBe(8_192);
    expect(resolveNumericConfig({ theta: 386, batch: 256 }).evalSamples).toBe(8_192); // a recipe built on the quick one
    expect(resolveNumericConfig({ theta: 386, preset: 'paper', evalSamples: 4096 }).evalSamples).toBe(4096);
  });

  it('the quick recipe, shortened, learns a small problem', async () => {
    const { config, metrics } = await runExperiment({ ns: 4, nm: 2, select: '1-3', perturb: '3', steps: 3000, evalSamples: 2048, probe: SMALL.probe, seed: 2 });
    expect(config).toMatchObject({ batch: 512, negatives: 'in-batch', hidden: [4, 4, 4] });
    expect(metrics.passed).toBe(metrics.judged);
  });
});

/** Starts `misalign train ARGS` and kills it (SIGKILL) as soon as DIR holds a checkpoint: mid-run. */
async function killAtFirstCheckpoint(args: string[], dir: string): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'train', ...args], { stdio: 'ignore' });
  for (let i = 0; i < 1000; i++) {
    if (
      await stat(join(dir, FILES.checkpoint)).then(
        () => true,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

describe('resuming', () => {
  it('after an interruption gives bit-identical parameters and the same metrics', async () => {
    const whole = join(await tempDir(), 'whole');
    const split = join(await tempDir(), 'split');
    const a = await trainRunDir(whole, SMALL);
    const controller = new AbortController();
    await expect(trainRunDir(split, SMALL, { signal: controller.signal, onProgress: (p) => p.step >= 250 && controller.abort() })).rejects.toThrow(
      expect.objectContaining({ code: 'INTERRUPTED', message: expect.stringMatching(/stopped at step 2\d\d of 1000; resume it with --resume/) }),
    );
    expect((await readCheckpoint(join(split, FILES.checkpoint), a.config)).step).toBe(200);
    const b = await trainRunDir(split, null, { resume: true });
    const pa = (await readCheckpoint(join(whole, FILES.checkpoint), a.config)).state;
    const pb = (await readCheckpoint(join(split, FILES.checkpoint), b.config)).state;
    expect(pb.params).toEqual(pa.params);
    expect(pb.adamV).toEqual(pa.adamV);
    expect(b.metrics.factors).toEqual(a.metrics.factors);
  });

  it('a plateau schedule ends the run when its loss levels off; resumed mid-run, it ends at the same step with the same parameters', async () => {
    // this small problem's loss is noisy: it improves by less than 0.15 per 400 steps from about step 2,800
    const schedule = { kind: 'plateau', warmup: 50, final: 0.02, every: 100, window: 400, delta: 0.15, decay: 0.25, after: 600 } as const;
    const settings = { ...SMALL, steps: 6000, schedule };
    const whole = join(await tempDir(), 'whole');
    const a = await trainRunDir(whole, settings);
    const end = a.metrics.steps!;
    expect(end).toBeLessThan(4800); // where a run that never levels off starts its decay
    expect(a.metrics.passed).toBe(a.metrics.judged);
    const log = (await readFile(join(whole, FILES.log), 'utf8')).trim().split('\n');
    expect(Number(log[log.length - 1]!.split(',')[0])).toBe(end);
    // the last rate is final·lr: the decay ran to its end
    expect(Number(log[log.length - 1]!.split(',')[5])).toBeCloseTo(0.02 * 0.01, 8);
    const split = join(await tempDir(), 'split');
    const controller = new AbortController();
    const stopAt = Math.floor((end - 150) / 100) * 100;
    await expect(trainRunDir(split, settings, { signal: controller.signal, onProgress: (p) => p.step >= stopAt + 50 && controller.abort() })).rejects.toThrow(
      expect.objectContaining({ code: 'INTERRUPTED' }),
    );
    const b = await trainRunDir(split, null, { resume: true });
    expect(b.metrics.steps).toBe(end);
    const pa = (await readCheckpoint(join(whole, FILES.checkpoint), a.config)).state;
    const pb = (await readCheckpoint(join(split, FILES.checkpoint), b.config)).state;
    expect(pb.params).toEqual(pa.params);
    expect(b.metrics.factors).toEqual(a.metrics.factors);
  });

  it('after the process is killed at any moment (CLI, SIGKILL) gives the same metrics', async () => {
    const whole = join(await tempDir(), 'whole');
    const killed = join(await tempDir(), 'killed');
    const first = spawnSync(process.execPath, [BIN, 'train', ...SMALL_FLAGS, '--out', whole], { encoding: 'utf8' });
    expect(first.status).toBe(0);
    await killAtFirstCheckpoint([...SMALL_FLAGS, '--out', killed], killed);
    const resumed = spawnSync(process.execPath, [BIN, 'train', '--out', killed, '--resume'], { encoding: 'utf8' });
    expect(resumed.stderr).not.toMatch(/misalign:/); // progress lines only
    expect(resumed.status).toBe(0);
    const m1 = JSON.parse(await readFile(join(whole, FILES.metricsJson), 'utf8'));
    const m2 = JSON.parse(await readFile(join(killed, FILES.metricsJson), 'utf8'));
    expect(m2.factors).toEqual(m1.factors);
  });
});

describe('resuming image-text runs, exactly as numeric ones', () => {
  const toy = {
    mpi3d: { experiment: 'mpi3d', selectionLevel: 2, steps: 40, batch: 16, evalSamples: 96, checkpointEvery: 10 },
    causal3d: { experiment: 'causal3d', perturbationLevel: 3, steps: 40, batch: 16, evalSamples: 96, checkpointEvery: 10 },
  } as const;
  const flags = (t: (typeof toy)[keyof typeof toy]) => [
    '--experiment',
    t.experiment,
    ...('selectionLevel' in t ? ['--selection-level', String(t.selectionLevel)] : ['--perturbation-level', String(t.perturbationLevel)]),
    '--steps',
    '40',
    '--batch',
    '16',
    '--eval-samples',
    '96',
    '--checkpoint-every',
    '10',
  ];

  it.each(Object.keys(toy) as (keyof typeof toy)[])('%s: stopped early (INTERRUPTED), resumed: bit-identical parameters and metrics', async (name) => {
    const whole = join(await tempDir(), 'whole');
    const split = join(await tempDir(), 'split');
    const a = await trainRunDir(whole, toy[name]);
    const controller = new AbortController();
    const stopped = await trainRunDir(split, toy[name], { signal: controller.signal, onProgress: (p) => p.step >= 25 && controller.abort() }).catch(
      (e: unknown) => e,
    );
    expect(stopped).toMatchObject({ code: 'INTERRUPTED', message: expect.stringMatching(/stopped at step 2\d of 40; resume it with --resume/) });
    expect((await readCheckpoint(join(split, FILES.checkpoint), a.config)).step).toBe(20);
    const b = await trainRunDir(split, null, { resume: true });
    const pa = (await readCheckpoint(join(whole, FILES.checkpoint), a.config)).state;
    const pb = (await readCheckpoint(join(split, FILES.checkpoint), b.config)).state;
    expect(pb.params).toEqual(pa.params);
    expect(pb.adamM).toEqual(pa.adamM);
    expect(b.metrics.factors).toEqual(a.metrics.factors);
    expect(b.metrics.finalLoss).toBe(a.metrics.finalLoss);
    expect(JSON.parse(await readFile(join(split, 'vocabulary.json'), 'utf8'))).toEqual(JSON.parse(await readFile(join(whole, 'vocabulary.json'), 'utf8')));
  });

  it.each(Object.keys(toy) as (keyof typeof toy)[])('%s: killed at any moment (CLI, SIGKILL), rerun with --resume: the same metrics', async (name) => {
    const whole = join(await tempDir(), 'whole');
    const killed = join(await tempDir(), 'killed');
    const first = spawnSync(process.execPath, [BIN, 'train', ...flags(toy[name]), '--out', whole], { encoding: 'utf8' });
    expect(first.status, first.stderr).toBe(0);
    await killAtFirstCheckpoint([...flags(toy[name]), '--out', killed], killed);
    const resumed = spawnSync(process.execPath, [BIN, 'train', '--out', killed, '--resume'], { encoding: 'utf8' });
    expect(resumed.stderr).not.toMatch(/misalign:/);
    expect(resumed.status).toBe(0);
    const m1 = JSON.parse(await readFile(join(whole, FILES.metricsJson), 'utf8'));
    const m2 = JSON.parse(await readFile(join(killed, FILES.metricsJson), 'utf8'));
    expect(m2.factors).toEqual(m1.factors);
    expect(m2.finalLoss).toBe(m1.finalLoss);
  });
});

describe('faults', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  const oneLine = (r: { stderr: string }) => r.stderr.split('\n').filter((l) => l !== '');

  it('refuses to overwrite a run, to resume with other settings, and corrupt or missing state', async () => {
    const dir = join(await tempDir(), 'run');
    await trainRunDir(dir, { ...SMALL, steps: 100 });
    const before = await readFile(join(dir, FILES.checkpoint));

    let r = cli('train', ...SMALL_FLAGS, '--out', dir);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toEqual([expect.stringMatching(/already holds a run; pass --resume/)]);

    r = cli('train', ...SMALL_FLAGS, '--lr', '0.02', '--out', dir, '--resume');
    expect(r.status).toBe(2);
    expect(oneLine(r)[0]).toMatch(/--lr is given more than once/);
    r = cli('train', '--ns', '4', '--nm', '2', '--select', '1-3', '--steps', '100', '--out', dir, '--resume');
    expect(r.status).toBe(2);
    expect(oneLine(r)).toEqual([expect.stringMatching(/holds a run with a different configuration/)]);

    const bytes = new Uint8Array(before);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    await writeFile(join(dir, FILES.checkpoint), bytes);
    r = cli('eval', dir);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toEqual([expect.stringMatching(/checkpoint.bin is corrupt: checksum mismatch/)]);
    await writeFile(join(dir, FILES.checkpoint), 'garbage');
    r = cli('train', '--out', dir, '--resume');
    expect(oneLine(r)).toEqual([expect.stringMatching(/is corrupt: not a misalign checkpoint/)]);
    await rm(join(dir, FILES.checkpoint));
    r = cli('eval', dir);
    expect(oneLine(r)).toEqual([expect.stringMatching(/no checkpoint at/)]);

    const config = JSON.parse(await readFile(join(dir, FILES.config), 'utf8'));
    await writeFile(join(dir, FILES.config), JSON.stringify({ ...config, batch: -3 }));
    r = cli('eval', dir);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toEqual([expect.stringMatching(/config.json is invalid: batch must be/)]);
    r = cli('eval', join(dir, 'nowhere'));
    expect(oneLine(r)).toEqual([expect.stringMatching(/holds no run/)]);
  });

  it('compares config.json by value: the same run with its keys in another order resumes', async () => {
    const dir = join(await tempDir(), 'run');
    const flags = SMALL_FLAGS.map((f) => (f === '1000' ? '100' : f));
    expect(cli('train', ...flags, '--out', dir).status).toBe(0);
    const metrics = JSON.parse(await readFile(join(dir, FILES.metricsJson), 'utf8'));
    const config = JSON.parse(await readFile(join(dir, FILES.config), 'utf8')) as Record<string, unknown>;
    const reversed = Object.fromEntries(Object.entries(config).reverse());
    await writeFile(join(dir, FILES.config), JSON.stringify(reversed));
    await rm(join(dir, FILES.metricsJson));
    const r = cli('train', ...flags, '--out', dir, '--resume');
    expect(r.stderr).not.toMatch(/misalign:/);
    expect(r.status).toBe(0);
    expect(JSON.parse(await readFile(join(dir, FILES.metricsJson), 'utf8')).factors).toEqual(metrics.factors);
    const fromFile = cli('train', '--config', join(dir, FILES.config), '--out', join(dir, 'again'));
    expect(fromFile.status, fromFile.stderr).toBe(0);
  });

  it('refuses evaluation sets too small for the probes, naming the minimum', () => {
    const r = cli('train', '--theta', '386', '--eval-samples', '3', '--out', join(tempDirSync(), 'x'));
    expect(r.status).toBe(2);
    expect(oneLine(r)).toEqual([expect.stringMatching(/evaluation samples must be at least 32 .* got 3$/)]);
    expect(() => resolveNumericConfig({ theta: 1023, encodingSize: 20, evalSamples: 40 })).toThrow(/evaluation samples must be at least 42/);
  });

  // Root writes through any permission bits, so this runs only as an ordinary user;
  // the next test covers the same error path for everyone.
  it.skipIf(process.getuid?.() === 0)('reports a read-only folder in one line', async () => {
    const parent = await tempDir();
    await chmod(parent, 0o500);
    const r = cli('train', ...SMALL_FLAGS, '--out', join(parent, 'sub'));
    await chmod(parent, 0o700);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toEqual([expect.stringMatching(/cannot write to .*sub \(EACCES\)/)]);
  });

  it('rejects a file where the folder should be', async () => {
    const file = join(await tempDir(), 'file');
    await writeFile(file, 'x');
    const r = cli('train', ...SMALL_FLAGS, '--out', file);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toEqual([expect.stringMatching(/cannot write to .*file \((EEXIST|ENOTDIR)\)/)]);
    const below = cli('train', ...SMALL_FLAGS, '--out', join(file, 'a', 'b'));
    expect(below.status).toBe(2);
    expect(oneLine(below)).toEqual([expect.stringMatching(/cannot write to .*file\/a\/b \(ENOTDIR\)/)]);
  });

  // /proc/x: the parent exists, the folder can never be made (ENOENT); Node 20's recursive mkdir retried it forever at full CPU.
  it.skipIf(process.platform !== 'linux')(
    'refuses a folder the system cannot make (/proc/x) within a second, in one line',
    async () => {
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 1000).unref());
      const r = await Promise.race([runCli('train', '--theta', '386', '--out', '/proc/x'), timeout]);
      expect(r, 'still running after a second').not.toBe('timeout');
      if (r === 'timeout') return;
      expect(r.code).toBe(2);
      expect(r.err.split('\n').filter((l) => l !== '')).toEqual([expect.stringMatching(/^misalign: cannot write to \/proc\/x \(\w+\)$/)]);
    },
    5_000,
  );

  it('stops on a non-finite loss, naming the step and keeping the last good checkpoint', async () => {
    const config = resolveNumericConfig({ ns: 3, nm: 1, select: '1-2', hidden: [2], batch: 8, steps: 10, checkpointEvery: 2 });
    let steps = 0;
    const engine: Engine = {
      name: 'fake',
      step: () => {
        if (++steps === 5) throw new MisalignError('NON_FINITE', 'loss is NaN');
        return { loss: 1, lossXT: 1, lossTX: 1, gradNorm: 1 };
      },
      encode: () => new Float32Array(0),
      state: () => ({ params: new Float32Array([steps]), adamM: new Float32Array(1), adamV: new Float32Array(1), adamT: steps }),
      restore: () => {},
      close: () => {},
    };
    const saved: number[] = [];
    const batches = () => ({ x: new Float32Array(0), t: new Float32Array(0) });
    await expect(train(config, engine, batches, { onCheckpoint: (s) => void saved.push(s.step) })).rejects.toThrow(/training diverged at step 5: loss is NaN/);
    expect(saved).toEqual([2, 4]);
  });

  it('exits 1 with one line when a real run diverges', async () => {
    const dir = join(await tempDir(), 'nan');
    const r = cli('train', '--ns', '3', '--nm', '1', '--select', '1-2', '--hidden', '4', '--batch', '32', '--steps', '50', '--lr', '1e30', '--out', dir);
    expect(r.status).toBe(1);
    expect(oneLine(r)).toEqual([expect.stringMatching(/training diverged at step \d+/)]);
  });
});

describe('train --config (a config.json from another run or the web page)', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  const oneLine = (r: { stderr: string }) => r.stderr.split('\n').filter((l) => l !== '');

  it('trains exactly the run the file describes, and refuses settings that would change it or a file that is not a run', async () => {
    const root = await tempDir();
    const first = join(root, 'first');
    const { metrics } = await trainRunDir(first, { ...SMALL, steps: 300 });
    // The web page's file says which engine it ran on; --engine moves the run to this machine's.
    const fromWeb = join(root, 'web-config.json');
    const saved = JSON.parse(await readFile(join(first, FILES.config), 'utf8'));
    await writeFile(fromWeb, JSON.stringify({ ...saved, engine: 'tfjs', backend: 'webgl' }));

    let r = cli('train', '--config', fromWeb, '--engine', 'core', '--out', join(root, 'again'));
    expect(r.status).toBe(0);
    expect(await readFile(join(root, 'again', FILES.config), 'utf8')).toBe(await readFile(join(first, FILES.config), 'utf8'));
    const again = JSON.parse(await readFile(join(root, 'again', FILES.metricsJson), 'utf8'));
    expect(again.factors).toEqual(metrics.factors);

    r = cli('train', '--config', fromWeb, '--out', join(root, 'webgl'));
    expect(r.status).toBe(2);
    expect(oneLine(r)).toEqual([expect.stringMatching(/webgl backend runs only in browsers/)]);
    r = cli('train', '--config', fromWeb, '--steps', '10', '--out', join(root, 'changed'));
    expect(r.status).toBe(2);
    expect(oneLine(r)).toEqual([expect.stringMatching(/--steps cannot be combined with --config/)]);
    await writeFile(join(root, 'bad.json'), JSON.stringify({ ...saved, lr: 'fast' }));
    r = cli('train', '--config', join(root, 'bad.json'), '--out', join(root, 'bad'));
    expect(oneLine(r)).toEqual([expect.stringMatching(/bad.json is invalid: lr: learning rate must be a positive number, got .fast./)]);
    await writeFile(join(root, 'other.json'), '{"hello": 1}');
    r = cli('train', '--config', join(root, 'other.json'), '--out', join(root, 'other'));
    expect(oneLine(r)).toEqual([expect.stringMatching(/other.json is invalid: it is not a run configuration \(it has no version\)/)]);
    r = cli('train', '--config', join(root, 'missing.json'), '--out', join(root, 'missing'));
    expect(oneLine(r)).toEqual([expect.stringMatching(/cannot read .*missing.json/)]);
  });
});
